//! The `[server]` and `[metrics]` sections: limits on connections (issue 13 item 11) and who
//! may read `/metrics` (item 12). Part of [`crate::config`]; a file of its own so that one
//! stays small.

use serde::{Deserialize, Serialize};

/// Limits on each connection, so that slow or idle clients cannot hold every socket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// A client must send a request's complete header within this time (slow-loris), or
    /// the connection is closed.
    pub header_timeout_seconds: u64,
    /// A client must send a request's complete body within this time, or the request fails.
    pub body_timeout_seconds: u64,
    /// Open connections (TLS or not) at most; further ones are closed as soon as accepted.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            max_connections: 1024,
        }
    }
}

/// Access to the Prometheus endpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` requires `Authorization: Bearer <token>`. Empty: public.
    pub token: String,
}
