//! Biometric unlock: the vault's device key, kept by the OS behind a biometric prompt.
//!
//! The engine wraps the vault's master key with a random 32-byte device key (a keystore slot,
//! `docs/VAULT.md`); this module hands that key to the OS and asks for it back. On Android the
//! plugin encrypts it to a Keystore RSA key that can be used only after the user authenticates
//! with a biometric (and is invalidated when a new one is enrolled); on iOS it is a Keychain
//! item with a user-presence access control. On Linux the plugin reports that it has no
//! biometrics, and the app offers the password only.
//!
//! [`DeviceKeyStore`] lets the commands be tested on the desktop with a store of their own.

use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_biometry::{
    BiometryExt, BiometryType, DataOptions, GetDataOptions, SetDataOptions,
};
use zeroize::Zeroizing;

use crate::CommandError;

/// Where the plugin files the key (Android shared preferences / Keychain service).
const DOMAIN: &str = "twofold";

/// Whether this device can keep the key behind biometrics, and which kind it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub available: bool,
    /// "fingerprint", "face" or "biometrics" (Android does not say which).
    pub kind: Option<&'static str>,
    /// Why not, in the OS's words, when it is not available.
    pub reason: Option<String>,
}

/// The OS's key store behind biometrics.
pub trait DeviceKeyStore: Send + Sync {
    fn availability(&self) -> Availability;
    /// Keeps `key` under `alias`, replacing what was there.
    fn store(&self, alias: &str, key: &[u8]) -> Result<(), CommandError>;
    /// Prompts for a biometric with `reason` and returns the key kept under `alias`.
    fn load(&self, alias: &str, reason: &str) -> Result<Zeroizing<Vec<u8>>, CommandError>;
    /// Forgets the key under `alias` (no error when there is none).
    fn remove(&self, alias: &str) -> Result<(), CommandError>;
}

/// The store the commands use, managed by Tauri.
#[derive(Clone)]
pub struct DeviceKeys(pub Arc<dyn DeviceKeyStore>);

impl DeviceKeys {
    /// The OS's store, through tauri-plugin-biometry (registered by `build_app`).
    pub fn os<R: Runtime>(app: AppHandle<R>) -> Self {
        Self(Arc::new(PluginStore(app)))
    }
}

struct PluginStore<R: Runtime>(AppHandle<R>);

/// The plugin's error codes for a prompt the user (or the system) dismissed: `[userCancel]`
/// and the like lead its message, as Tauri's mobile `ErrorResponse` prints them.
const DISMISSED: &[&str] = &[
    "[userCancel]",
    "[systemCancel]",
    "[appCancel]",
    "[userFallback]",
];

fn failed(error: impl std::fmt::Display) -> CommandError {
    let text = error.to_string();
    if DISMISSED.iter().any(|code| text.starts_with(code)) {
        return CommandError::new(
            "biometric.cancelled",
            "biometric unlock was cancelled; unlock with your password",
        );
    }
    CommandError::new(
        "biometric.failed",
        format!("biometric unlock did not work: {text}"),
    )
}

impl<R: Runtime> DeviceKeyStore for PluginStore<R> {
    fn availability(&self) -> Availability {
        match self.0.biometry().status() {
            Ok(status) if status.is_available => Availability {
                available: true,
                kind: Some(match status.biometry_type {
                    BiometryType::TouchID => "fingerprint",
                    BiometryType::FaceID => "face",
                    BiometryType::Auto | BiometryType::None => "biometrics",
                }),
                reason: None,
            },
            Ok(status) => Availability {
                available: false,
                kind: None,
                reason: Some(
                    status
                        .error
                        .unwrap_or_else(|| "no biometrics are set up on this device".into()),
                ),
            },
            Err(error) => Availability {
                available: false,
                kind: None,
                reason: Some(error.to_string()),
            },
        }
    }

    fn store(&self, alias: &str, key: &[u8]) -> Result<(), CommandError> {
        let data = Zeroizing::new(hex::encode(key));
        self.0
            .biometry()
            .set_data(SetDataOptions {
                domain: DOMAIN.into(),
                name: alias.into(),
                data: (*data).clone(),
            })
            .map_err(failed)
    }

    fn load(&self, alias: &str, reason: &str) -> Result<Zeroizing<Vec<u8>>, CommandError> {
        let mut response = self
            .0
            .biometry()
            .get_data(GetDataOptions {
                domain: DOMAIN.into(),
                name: alias.into(),
                reason: reason.into(),
                cancel_title: Some("Use password".into()),
            })
            .map_err(failed)?;
        let data = Zeroizing::new(std::mem::take(&mut response.data));
        hex::decode(&*data)
            .map(Zeroizing::new)
            .map_err(|_| failed("the stored key is damaged"))
    }

    fn remove(&self, alias: &str) -> Result<(), CommandError> {
        let biometry = self.0.biometry();
        let options = DataOptions {
            domain: DOMAIN.into(),
            name: alias.into(),
        };
        if biometry.has_data(options.clone()).map_err(failed)? {
            biometry.remove_data(options).map_err(failed)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dismissed_prompt_is_told_apart_from_a_failure() {
        // As Tauri prints a rejected mobile invoke: "[code] - message".
        for code in ["userCancel", "systemCancel", "appCancel", "userFallback"] {
            let error = failed(format!("[{code}] - Cancel button was pressed"));
            assert_eq!(error.kind, "biometric.cancelled", "{code}");
        }
        let error = failed("[biometryLockout] - Too many attempts");
        assert_eq!(error.kind, "biometric.failed");
        assert!(error
            .message
            .ends_with("[biometryLockout] - Too many attempts"));
        assert_eq!(failed("No key pair found").kind, "biometric.failed");
    }

    #[test]
    fn this_desktop_reports_no_biometrics_through_the_plugin() {
        let app = tauri::test::mock_builder()
            .plugin(tauri_plugin_biometry::init())
            .build(tauri::test::mock_context(tauri::test::noop_assets()))
            .unwrap();
        let availability = DeviceKeys::os(app.handle().clone()).0.availability();
        assert!(!availability.available);
        assert_eq!(availability.kind, None);
        assert!(availability.reason.is_some_and(|r| !r.is_empty()));
    }
}
