//! Biometric unlock: turn it on or off, and unlock with it. The engine keeps the keystore slot
//! in the vault file; [`DeviceKeys`] keeps its key with the OS behind a biometric prompt.

use serde::Serialize;
use tauri::State;

use crate::device_keys::{Availability, DeviceKeys};
use crate::push::PushService;
use crate::{AppState, CommandError};

/// The name of the vault's key in the OS key store, and of its slot in the vault file.
pub const ALIAS: &str = "vault-key";

/// What the unlock and settings screens need to offer biometric unlock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BiometricStatus {
    #[serde(flatten)]
    pub device: Availability,
    /// The vault has a keystore slot: the unlock screen offers biometrics.
    pub enabled: bool,
}

fn unavailable(availability: &Availability) -> CommandError {
    CommandError::new(
        "biometric.unavailable",
        match &availability.reason {
            Some(reason) => format!("biometric unlock is not available on this device: {reason}"),
            None => "biometric unlock is not available on this device".into(),
        },
    )
}

#[tauri::command]
pub async fn biometric_status(
    state: State<'_, AppState>,
    keys: State<'_, DeviceKeys>,
) -> Result<BiometricStatus, CommandError> {
    let enabled = state.path().exists() && state.engine()?.device_unlock_alias()?.is_some();
    Ok(BiometricStatus {
        device: keys.0.availability(),
        enabled,
    })
}

/// Adds a keystore slot to the unlocked vault and gives its key to the OS. If the OS does not
/// take the key, the slot is removed again: the vault never has a slot nothing can open.
#[tauri::command]
pub async fn enable_biometric(
    state: State<'_, AppState>,
    keys: State<'_, DeviceKeys>,
) -> Result<(), CommandError> {
    let availability = keys.0.availability();
    if !availability.available {
        return Err(unavailable(&availability));
    }
    let mut engine = state.engine()?;
    let key = engine.enable_device_unlock(ALIAS)?;
    if let Err(error) = keys.0.store(ALIAS, key.expose()) {
        engine.disable_device_unlock()?;
        return Err(error);
    }
    Ok(())
}

/// Removes the keystore slot from the vault and the key from the OS.
#[tauri::command]
pub async fn disable_biometric(
    state: State<'_, AppState>,
    keys: State<'_, DeviceKeys>,
) -> Result<(), CommandError> {
    state.engine()?.disable_device_unlock()?;
    // The slot is gone, so the key opens nothing any more; forgetting it is tidiness.
    let _ = keys.0.remove(ALIAS);
    Ok(())
}

/// Asks the OS for the key (it shows the biometric prompt), then opens the vault with it and
/// starts the push clients, as a password unlock does.
#[tauri::command]
pub async fn unlock_with_biometric(
    state: State<'_, AppState>,
    push: State<'_, PushService>,
    keys: State<'_, DeviceKeys>,
) -> Result<(), CommandError> {
    let alias = state.engine()?.device_unlock_alias()?.ok_or_else(|| {
        CommandError::new(
            "biometric.not_enabled",
            "biometric unlock is off for this vault: unlock with your password, then turn it on in Settings",
        )
    })?;
    // The prompt waits for the user: off the async workers, and without the engine's lock.
    let store = keys.0.clone();
    let key = tauri::async_runtime::spawn_blocking(move || {
        store.load(&alias, "Unlock your Twofold vault")
    })
    .await
    .map_err(|_| CommandError::poisoned())??;
    let mut engine = state.engine()?;
    engine.unlock_with_device_key(ALIAS, &key)?;
    push.sync(&mut engine)
}
