//! Two programs on one vault file (the app and the `twofold` CLI, say): every save takes the
//! vault's write lock and first catches up with what the other program saved, so neither
//! undoes the other's changes (issue 13, item 16; `docs/VAULT.md`, "Saving").

use std::fs;
use std::io;

use super::Engine;
use crate::error::Error;
use crate::vault::{VaultError, WriteLock};

impl Engine {
    /// Takes the vault's write lock and brings memory up to date with the file, so a change
    /// is applied to what another program (the CLI beside the app, or the reverse) saved in
    /// the meantime instead of overwriting it. Hold the returned lock until the save is done.
    pub(super) fn lock_and_refresh(&mut self) -> Result<WriteLock, Error> {
        let lock = WriteLock::take(&self.path).map_err(|e| Error::io("lock", &self.path, e))?;
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            // Not written yet (a vault being created): nothing to catch up with.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(lock),
            Err(e) => return Err(Error::io("read", &self.path, e)),
        };
        if checksum_of(&bytes) == self.on_disk.get() {
            return Ok(lock);
        }
        let vault = self.vault.as_mut().ok_or(Error::Locked)?;
        vault.reload(&bytes).map_err(|e| match e {
            // The master key no longer opens it: the password was changed elsewhere.
            VaultError::Damaged => Error::ChangedElsewhere(self.path.clone()),
            other => Error::from(other),
        })?;
        self.on_disk.set(checksum_of(&bytes));
        self.touch();
        Ok(lock)
    }
}

/// A vault file's own checksum: its last 32 bytes (SHA-256 of everything before them).
pub(super) fn checksum_of(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes
        .len()
        .checked_sub(32)
        .and_then(|start| bytes[start..].try_into().ok())
}
