//! Who checks a primary password (`password_then_challenge`, `password_and_code`): the
//! upstream RADIUS server. The directory (an LDAP bind) joins as a second variant of
//! [`Primary`] once it is built into the server.

use std::sync::Arc;

use super::upstream::UpstreamRadius;

/// What a primary said about a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrimaryVerdict {
    Valid,
    Invalid,
    /// It could not say (unreachable, timed out, answered with a challenge): why, for the log.
    Unavailable(String),
}

impl PrimaryVerdict {
    /// The audit reason of a refusal.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Valid => "primary_valid",
            Self::Invalid => "primary_password_invalid",
            Self::Unavailable(_) => "primary_unavailable",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Primary {
    Upstream(Arc<UpstreamRadius>),
}

impl Primary {
    /// Checks `password` of `username`. An empty password is refused before anyone is
    /// asked: an empty bind or PAP request must never count as success.
    pub async fn verify(&self, username: &str, password: &[u8]) -> PrimaryVerdict {
        if password.is_empty() {
            return PrimaryVerdict::Invalid;
        }
        match self {
            Self::Upstream(upstream) => match upstream.check(username, password).await {
                Ok(true) => PrimaryVerdict::Valid,
                Ok(false) => PrimaryVerdict::Invalid,
                Err(e) => PrimaryVerdict::Unavailable(e.to_string()),
            },
        }
    }
}
