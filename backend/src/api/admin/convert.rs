//! Database rows into admin wire types. Only these conversions decide which columns an admin
//! sees (never a public key or a secret hash), so a new column stays private until it is
//! added here and to `twofold_core::proto::admin`.

use twofold_core::proto::admin as wire;

use crate::store::columns::to_db;
use crate::store::{applications, devices, users};

impl From<users::User> for wire::User {
    fn from(u: users::User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            phone: u.phone,
            mfa_state: u.mfa_state,
            needs_registration: u.needs_registration,
            blocked: u.blocked,
            created_at: to_db(u.created_at),
            updated_at: to_db(u.updated_at),
            default_method: u.default_method,
        }
    }
}

impl From<devices::Device> for wire::Device {
    fn from(d: devices::Device) -> Self {
        Self {
            id: d.id,
            name: d.name,
            platform: d.platform,
            epoch: to_db(d.epoch),
            status: d.status.as_str().into(),
            created_at: to_db(d.created_at),
            last_seen_at: d.last_seen_at.map(to_db),
            revoked_at: d.revoked_at.map(to_db),
        }
    }
}

impl From<applications::Application> for wire::Application {
    fn from(a: applications::Application) -> Self {
        Self {
            id: a.id,
            name: a.name,
            created_at: to_db(a.created_at),
        }
    }
}

/// Converts every row of a list.
pub fn all<R, W: From<R>>(rows: Vec<R>) -> Vec<W> {
    rows.into_iter().map(W::from).collect()
}
