//! The encrypted vault: one file holding the user's accounts.
//!
//! A random 256-bit master key seals the content (AES-256-GCM, fresh nonce per save, the
//! header as AAD). Key slots wrap the master key: a password slot (Argon2id, parameters and
//! salt stored in the slot) and, reserved in the format, an OS-keystore slot. The layout is in
//! `docs/VAULT.md` and [`format`].

mod format;
mod fs;
mod kdf;

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use twofold_core::SecretBytes;
use zeroize::Zeroizing;

pub(crate) use format::random as random_bytes;
pub use format::{FORMAT_VERSION, MAGIC};
pub use fs::{write_atomic, write_atomic_until, SaveStep};
pub use kdf::KdfParams;

use crate::account::Account;
use format::{PasswordSlot, Slot};

/// Why a vault could not be opened or saved.
#[derive(Debug, Error)]
pub enum VaultError {
    #[error("wrong password")]
    WrongPassword,
    #[error("vault file is damaged or was modified")]
    Damaged,
    #[error("this file is not a Twofold vault")]
    NotAVault,
    #[error("vault format version {0} is newer than this app understands; update the app")]
    UnsupportedVersion(u16),
    #[error("this vault is opened with the OS keystore, which this platform does not have")]
    KeystoreUnsupported,
    #[error("the vault has no key slot this app can use")]
    NoUsableSlot,
    #[error("unusable key-derivation parameters: {0}")]
    BadKdfParams(String),
    #[error("the system's random number generator failed")]
    Random,
}

/// What the vault holds, decrypted.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct VaultContent {
    pub accounts: Vec<Account>,
    /// Seconds to add to the device clock for every code (learned from the Twofold server).
    #[serde(default)]
    pub clock_offset: i64,
}

/// An unlocked vault: the master key, the key slots and the content. Dropping it wipes the key.
pub struct Vault {
    master: SecretBytes,
    slots: Vec<Slot>,
    pub content: VaultContent,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("accounts", &self.content.accounts.len())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A new empty vault behind one password slot.
    pub fn create(password: &str, params: KdfParams) -> Result<Self, VaultError> {
        let master = format::new_master_key()?;
        let slot = PasswordSlot::new(&master, password, params)?;
        Ok(Self {
            master,
            slots: vec![Slot::Password(slot)],
            content: VaultContent::default(),
        })
    }

    /// Opens a vault file's bytes with a password.
    pub fn open(bytes: &[u8], password: &str) -> Result<Self, VaultError> {
        let parsed = format::parse(bytes)?;
        let master = parsed.unlock(password)?;
        let plaintext = parsed.decrypt(&master)?;
        let content: VaultContent =
            serde_json::from_slice(&plaintext).map_err(|_| VaultError::Damaged)?;
        Ok(Self {
            master,
            slots: parsed.slots().to_vec(),
            content,
        })
    }

    /// The file's bytes, sealed with a fresh nonce.
    pub fn seal(&self) -> Result<Vec<u8>, VaultError> {
        let mut plaintext = Zeroizing::new(Vec::new());
        serde_json::to_writer(&mut *plaintext, &self.content).map_err(|_| VaultError::Damaged)?;
        format::seal(&self.master, &self.slots, &plaintext)
    }

    /// Replaces every slot with one password slot under a new master key, so a copy of the
    /// old file and the old password cannot open what is saved from now on.
    pub fn set_password(&mut self, password: &str, params: KdfParams) -> Result<(), VaultError> {
        let master = format::new_master_key()?;
        let slot = PasswordSlot::new(&master, password, params)?;
        self.master = master;
        self.slots = vec![Slot::Password(slot)];
        Ok(())
    }

    /// A copy of this vault's content sealed behind another password (an encrypted backup).
    pub fn export(&self, password: &str, params: KdfParams) -> Result<Vec<u8>, VaultError> {
        let master = format::new_master_key()?;
        let slot = PasswordSlot::new(&master, password, params)?;
        let mut plaintext = Zeroizing::new(Vec::new());
        serde_json::to_writer(&mut *plaintext, &self.content).map_err(|_| VaultError::Damaged)?;
        format::seal(&master, &[Slot::Password(slot)], &plaintext)
    }
}

/// The Argon2id parameters of each password slot of a vault file (no password needed).
pub fn password_slot_params(bytes: &[u8]) -> Result<Vec<KdfParams>, VaultError> {
    Ok(format::parse(bytes)?
        .slots()
        .iter()
        .filter_map(|slot| match slot {
            Slot::Password(p) => Some(p.params()),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::digest::{digest, SHA256};

    fn fast() -> KdfParams {
        KdfParams::insecure_for_tests()
    }

    fn with_checksum(mut body: Vec<u8>) -> Vec<u8> {
        body.truncate(body.len() - 32);
        let sum = digest(&SHA256, &body);
        body.extend_from_slice(sum.as_ref());
        body
    }

    #[test]
    fn an_empty_vault_round_trips() {
        let mut vault = Vault::create("pw", fast()).unwrap();
        vault.content.clock_offset = -7;
        let bytes = vault.seal().unwrap();
        let back = Vault::open(&bytes, "pw").unwrap();
        assert_eq!(back.content.clock_offset, -7);
        assert!(back.content.accounts.is_empty());
    }

    #[test]
    fn every_save_uses_a_fresh_nonce() {
        let vault = Vault::create("pw", fast()).unwrap();
        assert_ne!(vault.seal().unwrap(), vault.seal().unwrap());
    }

    #[test]
    fn wrong_password_is_its_own_error() {
        let bytes = Vault::create("pw", fast()).unwrap().seal().unwrap();
        assert!(matches!(
            Vault::open(&bytes, "PW"),
            Err(VaultError::WrongPassword)
        ));
    }

    #[test]
    fn a_newer_format_version_is_named() {
        let mut bytes = Vault::create("pw", fast()).unwrap().seal().unwrap();
        bytes[9] = 2;
        let bytes = with_checksum(bytes);
        assert!(matches!(
            Vault::open(&bytes, "pw"),
            Err(VaultError::UnsupportedVersion(2))
        ));
    }

    #[test]
    fn a_change_behind_a_recomputed_checksum_is_still_refused() {
        // Whoever edits the file can fix the SHA-256; the AEAD still catches it.
        let bytes = Vault::create("pw", fast()).unwrap().seal().unwrap();
        let header_end =
            14 + u32::from_be_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]) as usize;
        for position in [header_end, bytes.len() - 40] {
            let mut changed = bytes.clone();
            changed[position] ^= 1;
            let changed = with_checksum(changed);
            assert!(
                matches!(Vault::open(&changed, "pw"), Err(VaultError::Damaged)),
                "position {position}"
            );
        }
        // The header's nonce, as text in the AAD.
        let text = String::from_utf8_lossy(&bytes[14..header_end]).into_owned();
        let at = text.find("\"nonce\":\"").unwrap() + 9;
        let mut changed = bytes.clone();
        changed[14 + at] = if changed[14 + at] == b'0' { b'1' } else { b'0' };
        assert!(matches!(
            Vault::open(&with_checksum(changed), "pw"),
            Err(VaultError::Damaged)
        ));
    }

    #[test]
    fn keystore_only_vaults_are_refused_as_unsupported_here() {
        let master = format::new_master_key().unwrap();
        let slots = vec![Slot::Keystore(format::KeystoreSlot {
            alias: "twofold-master".into(),
            nonce: vec![0; 12],
            wrapped_key: vec![0; 48],
        })];
        let bytes = format::seal(&master, &slots, b"{}").unwrap();
        assert!(matches!(
            Vault::open(&bytes, "pw"),
            Err(VaultError::KeystoreUnsupported)
        ));
    }

    #[test]
    fn set_password_rekeys_and_drops_the_old_password() {
        let mut vault = Vault::create("old", fast()).unwrap();
        let before = vault.seal().unwrap();
        vault.set_password("new", fast()).unwrap();
        let after = vault.seal().unwrap();
        assert!(matches!(
            Vault::open(&after, "old"),
            Err(VaultError::WrongPassword)
        ));
        assert!(Vault::open(&after, "new").is_ok());
        assert!(Vault::open(&before, "old").is_ok());
    }

    #[test]
    fn debug_shows_no_key() {
        let vault = Vault::create("pw", fast()).unwrap();
        assert_eq!(format!("{vault:?}"), "Vault { accounts: 0, .. }");
    }
}
