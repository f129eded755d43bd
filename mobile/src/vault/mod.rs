//! The encrypted vault: one file holding the user's accounts.
//!
//! A random 256-bit master key seals the content (AES-256-GCM, fresh nonce per save, the
//! header as AAD). Key slots wrap the master key: a password slot (Argon2id, parameters and
//! salt stored in the slot) and, for biometric unlock on a phone, a keystore slot (AES-256-GCM
//! under a 32-byte device key that the app shell keeps in the OS keystore; this crate never
//! stores that key). The layout is in `docs/VAULT.md` and [`format`].

mod format;
mod fs;
mod kdf;

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use twofold_core::SecretBytes;
use zeroize::Zeroizing;

pub(crate) use format::{random as random_bytes, DEVICE_KEY_LEN};
pub use format::{FORMAT_VERSION, MAGIC};
pub use fs::{write_atomic, write_atomic_until, SaveStep, WriteLock};
pub use kdf::KdfParams;

use crate::account::Account;
use format::{KeystoreSlot, PasswordSlot, Slot};

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
    /// A password was given, but the vault has only keystore slots.
    #[error(
        "this vault is opened with the device keystore (biometric unlock); use that, there is \
         no password slot"
    )]
    KeystoreUnsupported,
    /// The device key opens no keystore slot of that alias (or the alias was changed).
    #[error(
        "the key from the device keystore does not open this vault; unlock with your password \
         and turn biometric unlock on again"
    )]
    WrongDeviceKey,
    /// No keystore slot has the alias the shell asked for (biometric unlock is off, or was
    /// turned off by a password change).
    #[error("biometric unlock is not turned on for this vault; unlock with your password")]
    NoDeviceSlot,
    /// The shell handed over a device key that is not 32 bytes.
    #[error("a device key is 32 bytes, not {0}")]
    BadDeviceKeyLength(usize),
    /// Removing the keystore slots would leave no way to open the vault.
    #[error("biometric unlock is the only way to open this vault; it cannot be turned off")]
    OnlyDeviceSlot,
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
        Self::decrypted(&parsed, master)
    }

    /// Opens a vault file's bytes with the device key (32 bytes) of its keystore slot `alias`.
    pub fn open_with_device_key(
        bytes: &[u8],
        alias: &str,
        device_key: &[u8],
    ) -> Result<Self, VaultError> {
        let parsed = format::parse(bytes)?;
        let master = parsed.unlock_with_device_key(alias, device_key)?;
        Self::decrypted(&parsed, master)
    }

    /// Replaces the content and slots with those of `bytes`, a newer save of the same vault
    /// (by another program), opened with this vault's master key. `Damaged` when that key
    /// does not open it (the password was changed there: the master key is new).
    pub(crate) fn reload(&mut self, bytes: &[u8]) -> Result<(), VaultError> {
        let parsed = format::parse(bytes)?;
        let plaintext = parsed.decrypt(&self.master)?;
        self.content = serde_json::from_slice(&plaintext).map_err(|_| VaultError::Damaged)?;
        self.slots = parsed.slots().to_vec();
        Ok(())
    }

    fn decrypted(parsed: &format::Parsed<'_>, master: SecretBytes) -> Result<Self, VaultError> {
        let plaintext = parsed.decrypt(&master)?;
        let content: VaultContent =
            serde_json::from_slice(&plaintext).map_err(|_| VaultError::Damaged)?;
        Ok(Self {
            master,
            slots: parsed.slots().to_vec(),
            content,
        })
    }

    /// Adds a keystore slot: the master key wrapped under `device_key` (32 bytes), which the
    /// shell keeps in the OS keystore as `alias`. Any earlier keystore slot is replaced (one
    /// device key per vault); password slots stay.
    pub fn add_device_slot(&mut self, alias: &str, device_key: &[u8]) -> Result<(), VaultError> {
        let slot = KeystoreSlot::new(&self.master, device_key, alias)?;
        self.slots.retain(|s| !matches!(s, Slot::Keystore(_)));
        self.slots.push(Slot::Keystore(slot));
        Ok(())
    }

    /// Removes every keystore slot (biometric unlock off). Refused when no password slot
    /// would be left, since nothing could open the vault then.
    pub fn remove_device_slots(&mut self) -> Result<(), VaultError> {
        if !self.slots.iter().any(|s| matches!(s, Slot::Password(_))) {
            return Err(VaultError::OnlyDeviceSlot);
        }
        self.slots.retain(|s| !matches!(s, Slot::Keystore(_)));
        Ok(())
    }

    /// The alias of the keystore slot, if biometric unlock is on.
    pub fn device_slot_alias(&self) -> Option<&str> {
        format::device_slot_alias(&self.slots)
    }

    /// The key slots as they are, for putting them back when a save fails.
    pub(crate) fn slots_snapshot(&self) -> SlotsSnapshot {
        SlotsSnapshot(self.slots.clone())
    }

    pub(crate) fn restore_slots(&mut self, snapshot: SlotsSnapshot) {
        self.slots = snapshot.0;
    }

    /// The file's bytes, sealed with a fresh nonce.
    pub fn seal(&self) -> Result<Vec<u8>, VaultError> {
        let mut plaintext = Zeroizing::new(Vec::new());
        serde_json::to_writer(&mut *plaintext, &self.content).map_err(|_| VaultError::Damaged)?;
        format::seal(&self.master, &self.slots, &plaintext)
    }

    /// Replaces every slot with one password slot under a new master key, so a copy of the
    /// old file and the old password cannot open what is saved from now on. The keystore slot
    /// goes too (its device key wraps the old master key): a password change turns biometric
    /// unlock off, and the user turns it on again.
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

/// A copy of a vault's key slots (wrapped keys only, no secret in clear).
pub(crate) struct SlotsSnapshot(Vec<Slot>);

/// The alias of a vault file's keystore slot, if it has one; no key needed (the lock screen
/// asks for it to decide whether to offer biometric unlock).
pub fn device_slot_alias(bytes: &[u8]) -> Result<Option<String>, VaultError> {
    Ok(format::parse(bytes)?.device_slot_alias().map(str::to_owned))
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

    /// Issue 13, item 20: a slot written by a newer app (here a made-up `fido2` kind) used to
    /// come back as `{"type":"unknown"}` when this app saved, locking the newer app out.
    #[test]
    fn item20_unknown_slots_are_kept_byte_for_byte() {
        let vault = Vault::create("pw", fast()).unwrap();
        let password_slot = serde_json::to_string(&vault.slots[0]).unwrap();
        let unknown = r#"{"type":"fido2","z":1,"credential":"q83v","a":[1,2,{"b":null}]}"#;
        let nonce = [7u8; 12];
        let header = format!(
            r#"{{"aead":"AES-256-GCM","nonce":"{}","slots":[{password_slot},{unknown}]}}"#,
            hex::encode(nonce)
        );
        let plaintext = serde_json::to_vec(&vault.content).unwrap();
        let written_by_newer_app =
            format::seal_header(&vault.master, &nonce, header.as_bytes(), &plaintext).unwrap();

        let opened = Vault::open(&written_by_newer_app, "pw").unwrap();
        let saved = opened.seal().unwrap();
        let saved_header = format::parse(&saved).unwrap();
        assert_eq!(saved_header.slots().len(), 2);
        assert!(
            saved
                .windows(unknown.len())
                .any(|w| w == unknown.as_bytes()),
            "the newer app's slot must be written back as it was"
        );
        // And it still opens with the password after the round trip.
        Vault::open(&saved, "pw").unwrap();
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

    const KEY: [u8; 32] = [7; 32];

    fn with_device_slot() -> Vault {
        let mut vault = Vault::create("pw", fast()).unwrap();
        vault.content.clock_offset = 42;
        vault.add_device_slot("twofold-vault", &KEY).unwrap();
        vault
    }

    #[test]
    fn keystore_only_vaults_ask_for_the_device_key_not_a_password() {
        let master = format::new_master_key().unwrap();
        let slot = format::KeystoreSlot::new(&master, &KEY, "twofold-vault").unwrap();
        let bytes = format::seal(&master, &[Slot::Keystore(slot)], b"{\"accounts\":[]}").unwrap();
        let err = Vault::open(&bytes, "pw").unwrap_err();
        assert!(matches!(err, VaultError::KeystoreUnsupported), "{err:?}");
        assert!(err.to_string().contains("there is no password slot"));
        assert!(Vault::open_with_device_key(&bytes, "twofold-vault", &KEY).is_ok());
    }

    #[test]
    fn a_device_key_opens_its_slot_and_a_wrong_one_is_its_own_error() {
        let bytes = with_device_slot().seal().unwrap();
        let back = Vault::open_with_device_key(&bytes, "twofold-vault", &KEY).unwrap();
        assert_eq!(back.content.clock_offset, 42);
        assert_eq!(back.device_slot_alias(), Some("twofold-vault"));
        let mut wrong = KEY;
        wrong[31] ^= 1;
        let err = Vault::open_with_device_key(&bytes, "twofold-vault", &wrong).unwrap_err();
        assert!(matches!(err, VaultError::WrongDeviceKey), "{err:?}");
        assert!(matches!(
            Vault::open_with_device_key(&bytes, "other-alias", &KEY),
            Err(VaultError::NoDeviceSlot)
        ));
        // A vault without a keystore slot: nothing to open with a device key.
        let plain = Vault::create("pw", fast()).unwrap().seal().unwrap();
        assert!(matches!(
            Vault::open_with_device_key(&plain, "twofold-vault", &KEY),
            Err(VaultError::NoDeviceSlot)
        ));
    }

    #[test]
    fn a_device_key_that_is_not_32_bytes_is_an_error_not_a_panic() {
        let bytes = with_device_slot().seal().unwrap();
        let mut vault = Vault::create("pw", fast()).unwrap();
        for len in [0, 16, 31, 33, 64] {
            let key = vec![7; len];
            assert!(
                matches!(
                    Vault::open_with_device_key(&bytes, "twofold-vault", &key),
                    Err(VaultError::BadDeviceKeyLength(n)) if n == len
                ),
                "length {len}"
            );
            assert!(
                matches!(
                    vault.add_device_slot("twofold-vault", &key),
                    Err(VaultError::BadDeviceKeyLength(n)) if n == len
                ),
                "length {len}"
            );
        }
        // A refused key changed nothing.
        assert_eq!(vault.device_slot_alias(), None);
    }

    #[test]
    fn the_alias_is_bound_to_the_wrapped_key() {
        // The same wrapped key and nonce under another alias, in a file whose payload is
        // sealed anew (so only the slot's own AAD can tell): the key no longer opens it.
        let master = format::new_master_key().unwrap();
        let slot = format::KeystoreSlot::new(&master, &KEY, "alias-a").unwrap();
        let renamed = format::KeystoreSlot {
            alias: "alias-b".into(),
            ..slot.clone()
        };
        let plaintext = b"{\"accounts\":[]}";
        let original = format::seal(&master, &[Slot::Keystore(slot)], plaintext).unwrap();
        let edited = format::seal(&master, &[Slot::Keystore(renamed)], plaintext).unwrap();
        assert!(Vault::open_with_device_key(&original, "alias-a", &KEY).is_ok());
        assert!(matches!(
            Vault::open_with_device_key(&edited, "alias-b", &KEY),
            Err(VaultError::WrongDeviceKey)
        ));
    }

    #[test]
    fn a_vault_with_a_device_slot_still_opens_with_its_password() {
        let bytes = with_device_slot().seal().unwrap();
        let by_password = Vault::open(&bytes, "pw").unwrap();
        assert_eq!(by_password.content.clock_offset, 42);
        // Saved again after a password unlock, the device slot still works.
        let again = by_password.seal().unwrap();
        assert!(Vault::open_with_device_key(&again, "twofold-vault", &KEY).is_ok());
        assert!(matches!(
            Vault::open(&bytes, "PW"),
            Err(VaultError::WrongPassword)
        ));
    }

    #[test]
    fn a_new_device_slot_replaces_the_old_one() {
        let mut vault = with_device_slot();
        let newer = [9; 32];
        vault.add_device_slot("twofold-vault-2", &newer).unwrap();
        let bytes = vault.seal().unwrap();
        assert_eq!(
            device_slot_alias(&bytes).unwrap().as_deref(),
            Some("twofold-vault-2")
        );
        assert!(matches!(
            Vault::open_with_device_key(&bytes, "twofold-vault", &KEY),
            Err(VaultError::NoDeviceSlot)
        ));
        assert!(Vault::open_with_device_key(&bytes, "twofold-vault-2", &newer).is_ok());
        assert!(Vault::open(&bytes, "pw").is_ok());
    }

    #[test]
    fn set_password_drops_the_device_slot() {
        let mut vault = with_device_slot();
        vault.set_password("new", fast()).unwrap();
        assert_eq!(vault.device_slot_alias(), None);
        let bytes = vault.seal().unwrap();
        assert_eq!(device_slot_alias(&bytes).unwrap(), None);
        assert!(matches!(
            Vault::open_with_device_key(&bytes, "twofold-vault", &KEY),
            Err(VaultError::NoDeviceSlot)
        ));
        assert!(Vault::open(&bytes, "new").is_ok());
    }

    #[test]
    fn removing_device_slots_keeps_the_password_and_never_the_last_way_in() {
        let mut vault = with_device_slot();
        vault.remove_device_slots().unwrap();
        let bytes = vault.seal().unwrap();
        assert_eq!(device_slot_alias(&bytes).unwrap(), None);
        assert!(Vault::open(&bytes, "pw").is_ok());

        let master = format::new_master_key().unwrap();
        let slot = format::KeystoreSlot::new(&master, &KEY, "twofold-vault").unwrap();
        let only = format::seal(&master, &[Slot::Keystore(slot)], b"{\"accounts\":[]}").unwrap();
        let mut vault = Vault::open_with_device_key(&only, "twofold-vault", &KEY).unwrap();
        assert!(matches!(
            vault.remove_device_slots(),
            Err(VaultError::OnlyDeviceSlot)
        ));
        assert_eq!(vault.device_slot_alias(), Some("twofold-vault"));
    }

    #[test]
    fn the_device_slot_alias_is_read_without_a_key() {
        let bytes = with_device_slot().seal().unwrap();
        assert_eq!(
            device_slot_alias(&bytes).unwrap().as_deref(),
            Some("twofold-vault")
        );
        let plain = Vault::create("pw", fast()).unwrap().seal().unwrap();
        assert_eq!(device_slot_alias(&plain).unwrap(), None);
        assert!(matches!(
            device_slot_alias(b"not a vault"),
            Err(VaultError::NotAVault)
        ));
    }

    #[test]
    fn the_sealed_file_never_holds_the_device_key() {
        let key: [u8; 32] = format::random().unwrap();
        let mut vault = Vault::create("pw", fast()).unwrap();
        vault.add_device_slot("twofold-vault", &key).unwrap();
        let bytes = vault.seal().unwrap();
        assert!(!bytes.windows(32).any(|w| w == key));
        let hex_key = hex::encode(key);
        assert!(!String::from_utf8_lossy(&bytes)
            .to_lowercase()
            .contains(&hex_key));
        assert!(Vault::open_with_device_key(&bytes, "twofold-vault", &key).is_ok());
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
