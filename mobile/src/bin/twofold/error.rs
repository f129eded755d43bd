//! What can go wrong in a `twofold` command: one line for the user (printed after
//! `twofold: `, exit status 1), saying what to do.

use std::io;
use std::path::PathBuf;

use thiserror::Error;
use twofold_authenticator::push::PushError;
use twofold_authenticator::{Error, ImportError, VaultError};

use crate::vault::KDF_ENV;

#[derive(Debug, Error)]
pub enum CliError {
    /// The engine's error, with a hint of what to try next.
    #[error("{0}{hint}", hint = hint(.0))]
    Engine(#[from] Error),
    /// The engine's error about one input file (an image).
    #[error("{}: {source}{hint}", .path.display(), hint = hint(.source))]
    InFile { path: PathBuf, source: Error },
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no data directory is known for this user; pass --vault PATH")]
    NoDataDir,
    #[error("{KDF_ENV} must be m_kib,t,p (e.g. 65536,3,1), not {0:?}")]
    BadKdf(String),
    /// The variable that gives the password instead.
    #[error("cannot ask for a password here (no terminal); set {0}")]
    NoTerminal(&'static str),
    #[error("the two passwords differ; nothing was changed")]
    PasswordsDiffer,
    /// "vault", "backup".
    #[error("the {0} password must not be empty")]
    EmptyPassword(&'static str),
    /// Arguments that do not go together, or are missing; the text says which.
    #[error("{0}")]
    Usage(&'static str),
    /// An add or import that left nothing of what it was given in the vault; the text says
    /// why, entry by entry.
    #[error("nothing added: {0}")]
    NothingAdded(String),
    #[error("not removing without confirmation; add --yes to remove from a script")]
    NoConfirmation,
    #[error("nothing removed")]
    NotConfirmed,
    #[error("cannot start the network runtime: {0}")]
    Runtime(io::Error),
    #[error("no Twofold account in the vault; activate one with `twofold activate URI`")]
    NoTwofoldAccount,
    #[error("no active Twofold account: remove it and activate again with a new activation code")]
    NoActiveAccount,
    #[error(
        "no active Twofold account left to listen for; activate again with a new activation code"
    )]
    NoneLeftToListen,
    #[error("no active Twofold account left; activate again with a new activation code")]
    NoneLeft,
    #[error("the answer was sent but the server did not confirm it in time")]
    NoVerdict,
    #[error(
        "no pending sign-in request {challenge_id} arrived within {seconds} s; it may have been \
         answered, cancelled or expired (`twofold push listen` shows what is pending)"
    )]
    NotDelivered { challenge_id: String, seconds: u64 },
    #[error("the account's connection has stopped")]
    ConnectionStopped,
    #[error("not answering {id}: {message}")]
    Refused { id: String, message: String },
    #[error("the sign-in request {id} is no longer pending ({reason})")]
    Withdrawn { id: String, reason: String },
    /// The server's verdict on an answer was not "accepted"; `outcome` says what it was.
    #[error("{id}: {outcome}: {message}")]
    NotAccepted {
        id: String,
        outcome: &'static str,
        message: String,
    },
}

/// What to try after an engine error, appended to its message.
fn hint(error: &Error) -> &'static str {
    match error {
        Error::NoVault(_) => "; create one with `twofold init` or pass --vault PATH",
        Error::VaultExists(_) => "; use it, or pass another --vault PATH",
        Error::Vault(VaultError::WrongPassword) => {
            "; try again (the password may also come from TWOFOLD_VAULT_PASSWORD)"
        }
        Error::Vault(VaultError::Damaged) => {
            "; restore it from a backup with `twofold import --from twofold FILE`"
        }
        Error::Import(ImportError::PasswordRequired(_)) => {
            "; pass --password or set TWOFOLD_IMPORT_PASSWORD"
        }
        Error::NotFound(_) => "; `twofold list` shows the ids",
        Error::Push(PushError::NumberRequired) => {
            "; pass --number N with the number the sign-in page shows"
        }
        _ => "",
    }
}

pub type Result<T> = std::result::Result<T, CliError>;
