//! `[web]`: the web console's address, sessions and sign-in limits.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Serve the admin console at `/admin/`.
    pub admin_enabled: bool,
    /// A console session not used for this long is signed out (checked on the server).
    pub idle_timeout_seconds: u64,
    /// A console session ends this long after sign-in, however busy.
    pub absolute_timeout_seconds: u64,
    /// Sign-in attempts per client network per minute (shared by every node).
    pub signin_attempts_per_minute: u32,
    /// Failed sign-ins of one console admin within `lockout_seconds` that lock the account
    /// until that window ends (a guessing attacker spread over many addresses).
    pub lockout_failures: u32,
    pub lockout_seconds: u64,
    /// Serve the users' self-service portal at `/portal/` (portal links, sessions, pages).
    pub portal_enabled: bool,
    /// The longest a portal link may work (`twofold-server portal link NAME --minutes M`).
    pub portal_link_max_minutes: u64,
    /// When set, the console is served on this address only (a second listener, with the
    /// main listener's TLS rules) and not on `listen`, so it need not face users.
    pub admin_listen: Option<SocketAddr>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            admin_enabled: true,
            idle_timeout_seconds: 900,
            absolute_timeout_seconds: 28_800,
            signin_attempts_per_minute: 10,
            lockout_failures: 5,
            lockout_seconds: 900,
            portal_enabled: true,
            portal_link_max_minutes: 1440,
            admin_listen: None,
        }
    }
}
