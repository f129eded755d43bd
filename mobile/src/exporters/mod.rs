//! Exporters: the vault's accounts in another app's format, so nobody is locked in (issue 19,
//! "Export for leaving"), and the one file writer every export goes through ([`write_export`]).
//!
//! The Twofold backup itself is the vault format ([`crate::Vault::export`]); this module holds
//! the formats other apps read. Each exporter is a pure function of the accounts (and, for an
//! encrypted file, a password) to bytes; the matching importer in [`crate::importers`] reads
//! them back, which is how the round trip is tested.

mod aegis;
mod file;

use thiserror::Error;

pub use aegis::{aegis, AEGIS_SCRYPT_LOG_N, AEGIS_SCRYPT_P, AEGIS_SCRYPT_R};
pub use file::{check_destination, write_export, Existing, OutputError};

/// The formats an export can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// The Twofold backup: the vault format, always encrypted.
    Twofold,
    /// Aegis Authenticator's JSON vault, plain or password-encrypted.
    Aegis,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Twofold => "twofold",
            ExportFormat::Aegis => "aegis",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [ExportFormat::Twofold, ExportFormat::Aegis]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Why an export could not be made (before anything is written).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ExportError {
    #[error("the export password must not be empty")]
    EmptyPassword,
    #[error("the system's random number generator failed; nothing was exported")]
    Random,
    #[error("cannot encrypt the export: {0}")]
    Crypto(&'static str),
    #[error("cannot encode the export: {0}")]
    Encode(String),
}

impl ExportError {
    /// A stable machine-readable code for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            ExportError::EmptyPassword => "export.empty_password",
            ExportError::Random => "export.random",
            ExportError::Crypto(_) => "export.crypto",
            ExportError::Encode(_) => "export.encode",
        }
    }
}
