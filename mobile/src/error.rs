//! The engine's error: one enum the shell can match on, with a stable `kind` per variant.

use std::io;
use std::path::PathBuf;

use thiserror::Error;
use twofold_core::uri::migration::MigrationError;
use twofold_core::{OtpError, UriError};

use crate::activation::ActivationError;
use crate::exporters::{ExportError, OutputError};
use crate::icon::IconError;
use crate::importers::ImportError;
use crate::push::PushError;
use crate::qr::QrError;
use crate::vault::VaultError;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Qr(#[from] QrError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Activation(#[from] ActivationError),
    #[error(transparent)]
    Push(#[from] PushError),
    #[error("{0}")]
    Uri(#[from] UriError),
    #[error("{0}")]
    Migration(#[from] MigrationError),
    #[error("{0}")]
    Otp(#[from] OtpError),
    #[error(transparent)]
    Icon(#[from] IconError),
    #[error("position {to} is past the last account ({count} accounts)")]
    BadPosition { to: usize, count: usize },
    #[error("the account cannot produce codes: {0}")]
    InvalidAccount(String),
    #[error("the vault is locked; unlock it first")]
    Locked,
    #[error("no vault at {}", .0.display())]
    NoVault(PathBuf),
    #[error("a vault already exists at {}", .0.display())]
    VaultExists(PathBuf),
    #[error("no account matches {0:?}")]
    NotFound(String),
    #[error("{query:?} matches several accounts ({ids}); use the id")]
    Ambiguous { query: String, ids: String },
    #[error("{0} is not a Twofold push account")]
    NotPush(String),
    #[error("{0} is not a counter-based (HOTP) account")]
    NotHotp(String),
    #[error(
        "the vault at {} was changed by another program under a new password; nothing was \
         saved here: lock the vault and unlock it with the new password",
        .0.display()
    )]
    ChangedElsewhere(PathBuf),
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// A stable machine-readable code (`vault.wrong_password`, ...) for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Vault(e) => match e {
                VaultError::WrongPassword => "vault.wrong_password",
                VaultError::Damaged => "vault.damaged",
                VaultError::NotAVault => "vault.not_a_vault",
                VaultError::UnsupportedVersion(_) => "vault.unsupported_version",
                VaultError::KeystoreUnsupported => "vault.keystore_unsupported",
                VaultError::WrongDeviceKey => "vault.wrong_device_key",
                VaultError::NoDeviceSlot => "vault.no_device_slot",
                VaultError::BadDeviceKeyLength(_) => "vault.bad_device_key",
                VaultError::OnlyDeviceSlot => "vault.only_device_slot",
                VaultError::NoUsableSlot => "vault.no_usable_slot",
                VaultError::BadKdfParams(_) => "vault.bad_kdf_params",
                VaultError::Random => "vault.random",
            },
            Error::Import(e) => e.kind(),
            Error::Qr(_) => "qr.unreadable",
            Error::Export(e) => e.kind(),
            Error::Output(e) => e.kind(),
            Error::Activation(e) => e.kind(),
            Error::Push(e) => e.kind(),
            Error::Uri(_) => "account.bad_uri",
            Error::Migration(_) => "account.bad_migration",
            Error::Otp(_) | Error::InvalidAccount(_) => "account.bad_parameters",
            Error::Locked => "vault.locked",
            Error::NoVault(_) => "vault.missing",
            Error::VaultExists(_) => "vault.exists",
            Error::NotFound(_) => "account.not_found",
            Error::Ambiguous { .. } => "account.ambiguous",
            Error::NotPush(_) => "account.not_push",
            Error::NotHotp(_) => "account.not_hotp",
            Error::ChangedElsewhere(_) => "vault.changed_elsewhere",
            Error::Io { .. } => "io",
            Error::Icon(e) => e.kind(),
            Error::BadPosition { .. } => "account.bad_position",
        }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
