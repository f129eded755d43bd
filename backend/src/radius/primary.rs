//! Who checks a primary password (`password_then_challenge`, `password_and_code`): the
//! upstream RADIUS server, or the directory (a bind as the user's DN, with the directory
//! password's own lockout).

use std::sync::Arc;

use super::upstream::UpstreamRadius;
use crate::directory::{Directory, PasswordVerdict};
use crate::state::AppState;

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
    Directory(Arc<Directory>),
}

impl Primary {
    /// Checks `password` of `username`. An empty password is refused before anyone is
    /// asked: an empty bind or PAP request must never count as success.
    pub async fn verify(
        &self,
        state: &AppState,
        username: &str,
        password: &[u8],
    ) -> PrimaryVerdict {
        if password.is_empty() {
            return PrimaryVerdict::Invalid;
        }
        match self {
            Self::Upstream(upstream) => match upstream.check(username, password).await {
                Ok(true) => PrimaryVerdict::Valid,
                Ok(false) => PrimaryVerdict::Invalid,
                Err(e) => PrimaryVerdict::Unavailable(e.to_string()),
            },
            // An unknown user or a locked directory password is a wrong password to the
            // RADIUS client: it must not learn which names exist (the audit says which).
            Self::Directory(directory) => {
                match directory.verify_password(state, username, password).await {
                    Ok(PasswordVerdict::Valid) => PrimaryVerdict::Valid,
                    Ok(PasswordVerdict::Invalid)
                    | Ok(PasswordVerdict::UnknownUser)
                    | Ok(PasswordVerdict::LockedOut { .. }) => PrimaryVerdict::Invalid,
                    Err(e) => PrimaryVerdict::Unavailable(e.to_string()),
                }
            }
        }
    }
}
