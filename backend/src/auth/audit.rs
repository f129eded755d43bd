//! Building audit records: which personal details go in is decided by configuration here,
//! once, for every caller.

use crate::crypto::random_id;
use crate::error::Error;
use crate::state::AppState;
use crate::store::audit::AuditRecord;
use crate::store::users::User;

/// What happened; the rest of the record comes from the user and the server.
pub struct Event<'a> {
    pub event: &'static str,
    pub user: Option<&'a User>,
    /// Used when there is no user record (unknown or deleted user).
    pub username: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub factor: Option<&'a str>,
    pub result: &'a str,
    pub reason: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub application: Option<&'a str>,
}

impl<'a> Event<'a> {
    pub fn new(event: &'static str, result: &'a str) -> Self {
        Self {
            event,
            user: None,
            username: None,
            device_id: None,
            factor: None,
            result,
            reason: None,
            client_ip: None,
            application: None,
        }
    }
}

pub fn record(state: &AppState, e: &Event<'_>) -> Result<AuditRecord, Error> {
    let audit = &state.config.audit;
    let user = e.user;
    let pick = |enabled: bool, value: Option<&String>| if enabled { value.cloned() } else { None };
    Ok(AuditRecord {
        id: random_id("aud")?,
        at: crate::store::columns::to_db(state.now()),
        event: e.event.to_owned(),
        username: user
            .map(|u| u.username.clone())
            .or_else(|| e.username.map(str::to_owned)),
        first_name: pick(audit.record_names, user.and_then(|u| u.first_name.as_ref())),
        last_name: pick(audit.record_names, user.and_then(|u| u.last_name.as_ref())),
        email: pick(audit.record_email, user.and_then(|u| u.email.as_ref())),
        phone: pick(audit.record_phone, user.and_then(|u| u.phone.as_ref())),
        device_id: e.device_id.map(str::to_owned),
        factor: e.factor.map(str::to_owned),
        result: e.result.to_owned(),
        reason: e.reason.map(str::to_owned),
        server_name: state.server_name.to_string(),
        server_ip: state.server_ip.as_ref().map(|s| s.to_string()),
        client_ip: e.client_ip.map(str::to_owned),
        application: e.application.map(str::to_owned),
    })
}
