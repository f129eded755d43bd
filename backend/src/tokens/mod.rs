//! OATH hardware tokens: the seed files vendors ship with them, and what the server keeps.
//!
//! [`import`] reads PSKC (RFC 6030) and CSV seed files into [`import::SeedToken`]s without
//! touching the store; the store module `hardware_tokens` keeps them sealed. Verifying a
//! token's codes at sign-in is the `signin` layer's business.

pub mod import;
pub mod manage;
pub mod resync;
pub mod store_import;

/// HOTP (RFC 4226, an event counter) or TOTP (RFC 6238, time steps): the same kinds the
/// app's credentials have.
pub use crate::store::credentials::CredentialKind as TokenKind;

use crate::error::Error;

/// Why a token operation was refused. The admin API maps each to a stable error code.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// `token.not_found`
    #[error("no hardware token with serial {0:?}")]
    NotFound(String),
    /// `token.file_invalid`: the whole file was refused, nothing imported.
    #[error("{0}")]
    File(#[from] import::ImportError),
    /// `token.bad_key`
    #[error("invalid --key: {0}")]
    BadKey(String),
    /// `token.resync_failed`
    #[error("the two codes were not found as consecutive codes of token {0:?} (HOTP: within 1,000 counters ahead; TOTP: within policy.max_drift_steps); read two fresh codes in order")]
    ResyncFailed(String),
    /// `token.already_assigned`
    #[error("token {serial:?} is already assigned to {username:?}; unassign it first")]
    AlreadyAssigned { serial: String, username: String },
    #[error(transparent)]
    Server(#[from] Error),
}
