//! The vault: first run, unlock, lock, password change.

use serde::Serialize;
use tauri::State;
use twofold_authenticator::Engine;
use zeroize::Zeroizing;

use crate::device_keys::DeviceKeys;
use crate::push::PushService;
use crate::{AppState, CommandError};

/// What the first screen needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    /// False on first run: the UI asks for a new password.
    pub exists: bool,
    pub locked: bool,
    pub path: String,
}

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Result<VaultStatus, CommandError> {
    let engine = state.engine()?;
    Ok(VaultStatus {
        exists: state.path().exists(),
        locked: engine.is_locked(),
        path: state.path().display().to_string(),
    })
}

/// Creates the vault (first run) and leaves it unlocked.
#[tauri::command]
pub async fn create_vault(
    state: State<'_, AppState>,
    password: Zeroizing<String>,
) -> Result<(), CommandError> {
    let mut engine = state.engine()?;
    *engine = Engine::create(state.path().clone(), &password, state.kdf())?;
    Ok(())
}

/// Opens the vault and starts (or keeps) a push client for each Twofold account.
#[tauri::command]
pub async fn unlock(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    password: Zeroizing<String>,
) -> Result<(), CommandError> {
    let mut engine = state.engine()?;
    engine.unlock(&password)?;
    push.sync(&mut engine)
}

/// Forgets the decrypted accounts and the key (the engine wipes them). The push clients keep
/// running with their own copies of the device keys, so a sign-in request still brings the
/// window forward; answering it needs the vault unlocked again.
#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.engine()?.lock();
    Ok(())
}

/// Re-keys the vault. That drops its keystore slot (the engine's rule), so the OS's copy of
/// the old device key is forgotten too: biometric unlock must be turned on again.
#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    keys: State<'_, DeviceKeys>,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
) -> Result<(), CommandError> {
    let mut engine = state.engine()?;
    let had_device_key = engine.device_unlock_alias()?;
    engine.change_password(&current, &new)?;
    if let Some(alias) = had_device_key {
        let _ = keys.0.remove(&alias);
    }
    Ok(())
}
