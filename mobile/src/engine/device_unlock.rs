//! Biometric unlock, the engine's side: a keystore slot whose device key the app shell keeps
//! in the OS keystore behind a biometric prompt (`docs/VAULT.md`). The engine makes the key,
//! wraps the master key with it and opens the vault with it; it never stores the key.

use twofold_core::SecretBytes;
use zeroize::Zeroizing;

use super::{read_vault, Engine};
use crate::error::Error;
use crate::vault::{device_slot_alias, random_bytes, Vault, VaultError, DEVICE_KEY_LEN};

impl Engine {
    /// Reads the file again and decrypts it with the device key the shell got from the OS
    /// keystore entry `alias` (after the biometric prompt). A wrong key leaves the engine as it
    /// was (locked, if it was).
    pub fn unlock_with_device_key(&mut self, alias: &str, key: &[u8]) -> Result<(), Error> {
        let bytes = read_vault(&self.path)?;
        self.vault = Some(Vault::open_with_device_key(&bytes, alias, key)?);
        self.on_disk.set(super::file_sync::checksum_of(&bytes));
        self.touch();
        Ok(())
    }

    /// The OS keystore alias of the vault file's device key, or `None` when biometric unlock
    /// is off. Reads the file's header, so it works while locked (the lock screen decides with
    /// it whether to offer biometric unlock).
    pub fn device_unlock_alias(&self) -> Result<Option<String>, Error> {
        let bytes = read_vault(&self.path)?;
        Ok(device_slot_alias(&bytes)?)
    }

    /// Turns biometric unlock on: a new random 32-byte device key wraps the master key in a
    /// keystore slot named `alias` (replacing any earlier one), and the vault is saved. The
    /// shell stores the returned key in the OS keystore as `alias`, behind the biometric
    /// prompt; the vault file never holds it. Needs the vault unlocked.
    pub fn enable_device_unlock(&mut self, alias: &str) -> Result<SecretBytes, Error> {
        let key = Zeroizing::new(random_bytes::<DEVICE_KEY_LEN>()?);
        self.change_slots(|vault| vault.add_device_slot(alias, key.as_slice()))?;
        Ok(SecretBytes::from(key.as_slice()))
    }

    /// Turns biometric unlock off: removes the keystore slot and saves. The device key in the
    /// OS keystore no longer opens the vault; the shell deletes it.
    pub fn disable_device_unlock(&mut self) -> Result<(), Error> {
        self.change_slots(Vault::remove_device_slots)
    }

    /// Applies `change` to the vault's key slots and saves; if the save fails, the slots are
    /// put back in memory too, as [`Engine::change`] does for the content.
    fn change_slots(
        &mut self,
        change: impl FnOnce(&mut Vault) -> Result<(), VaultError>,
    ) -> Result<(), Error> {
        let _lock = self.lock_and_refresh()?;
        let vault = self.vault.as_mut().ok_or(Error::Locked)?;
        let before = vault.slots_snapshot();
        change(vault)?;
        if let Err(e) = self.save() {
            if let Some(vault) = self.vault.as_mut() {
                vault.restore_slots(before);
            }
            return Err(e);
        }
        Ok(())
    }
}
