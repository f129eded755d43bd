//! Exports: the encrypted Twofold backup, an Aegis vault (plain or encrypted) for leaving, and
//! the plain `otpauth://` list; and writing one where the user chose ([`Engine::write_export`]).
//!
//! Each export first catches up with the vault file (another program, the CLI beside the app,
//! may have saved since this engine read it), so it holds every account the file holds.

use std::fs;
use std::path::Path;

use zeroize::Zeroizing;

use super::Engine;
use crate::error::Error;
use crate::exporters::{self, Existing, OutputError};

impl Engine {
    /// An encrypted backup of every account (Twofold vault format, sealed with `password`);
    /// import it with [`crate::ImportFormat::Twofold`].
    pub fn export_backup(&mut self, password: &str) -> Result<Vec<u8>, Error> {
        drop(self.lock_and_refresh()?);
        Ok(self.vault()?.export(password, self.kdf)?)
    }

    /// Every account as an Aegis vault ([`exporters::aegis`]), encrypted under `password` when
    /// one is given; import it in Aegis, or again here with [`crate::ImportFormat::Aegis`].
    /// Without a password this is every secret in plain text: only on the user's explicit
    /// request.
    pub fn export_aegis(&mut self, password: Option<&str>) -> Result<Zeroizing<Vec<u8>>, Error> {
        drop(self.lock_and_refresh()?);
        Ok(exporters::aegis(&self.content()?.accounts, password)?)
    }

    /// Every account as an `otpauth://` URI, one per line. This is every secret in plain
    /// text: only on the user's explicit request.
    pub fn export_uris(&mut self) -> Result<Zeroizing<String>, Error> {
        drop(self.lock_and_refresh()?);
        let mut out = Zeroizing::new(String::new());
        for account in &self.content()?.accounts {
            out.push_str(&Zeroizing::new(account.otp().to_uri()));
            out.push('\n');
        }
        Ok(out)
    }

    /// Writes an export to `path` with [`exporters::write_export`] (0600, atomic, never through
    /// a symbolic link), refusing the vault's own file: a backup written over the vault would
    /// replace it with a file under another password.
    pub fn write_export(&self, path: &Path, bytes: &[u8], existing: Existing) -> Result<(), Error> {
        if let (Ok(target), Ok(vault)) = (fs::canonicalize(path), fs::canonicalize(&self.path)) {
            if target == vault {
                return Err(OutputError::IsTheVault(path.to_owned()).into());
            }
        }
        Ok(exporters::write_export(path, bytes, existing)?)
    }
}
