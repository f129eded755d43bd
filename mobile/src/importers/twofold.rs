//! Twofold's own encrypted backups: a vault file (see `docs/VAULT.md`) sealed with the
//! backup's password, as written by `twofold export`.

use super::{ImportError, ImportReport, Importer};
use crate::vault::{Vault, VaultError};

const FORMAT: &str = "Twofold";

pub struct Twofold;

impl Importer for Twofold {
    fn import(&self, bytes: &[u8], password: Option<&str>) -> Result<ImportReport, ImportError> {
        if !bytes.starts_with(crate::vault::MAGIC) {
            return Err(ImportError::wrong_format(FORMAT, bytes));
        }
        let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
        let vault = Vault::open(bytes, password).map_err(|e| match e {
            VaultError::WrongPassword => ImportError::WrongPassword(FORMAT),
            VaultError::NotAVault => ImportError::wrong_format(FORMAT, bytes),
            VaultError::UnsupportedVersion(v) => ImportError::UnknownVersion {
                format: FORMAT,
                version: v.to_string(),
            },
            VaultError::Damaged => {
                ImportError::corrupt(FORMAT, "the backup is damaged or was modified")
            }
            other => ImportError::Unsupported(other.to_string()),
        })?;
        Ok(ImportReport {
            accounts: vault
                .content
                .accounts
                .iter()
                .map(|a| a.to_draft())
                .collect(),
            ..ImportReport::default()
        })
    }
}
