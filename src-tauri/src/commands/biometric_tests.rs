//! Biometric unlock through the commands, on the mock runtime with a key store standing in for
//! the OS's (the real one needs a phone: `device_keys` checks that Linux reports none).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tauri::test::MockRuntime;
use tauri::{App, Manager};
use twofold_authenticator::KdfParams;
use zeroize::Zeroizing;

use super::biometric::{self, ALIAS};
use super::tests::mock_app;
use super::{accounts, add, vault};
use crate::device_keys::{Availability, DeviceKeyStore, DeviceKeys};
use crate::{AppState, CommandError};

const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

/// Keys in memory; `refuse` makes the OS turn down new keys.
#[derive(Default)]
struct MemoryStore {
    keys: Mutex<HashMap<String, Vec<u8>>>,
    refuse: bool,
    prompts: Mutex<Vec<String>>,
}

impl DeviceKeyStore for MemoryStore {
    fn availability(&self) -> Availability {
        Availability {
            available: true,
            kind: Some("fingerprint"),
            reason: None,
        }
    }

    fn store(&self, alias: &str, key: &[u8]) -> Result<(), CommandError> {
        if self.refuse {
            return Err(CommandError::new(
                "biometric.failed",
                "the keystore said no",
            ));
        }
        self.keys.lock().unwrap().insert(alias.into(), key.to_vec());
        Ok(())
    }

    fn load(&self, alias: &str, reason: &str) -> Result<Zeroizing<Vec<u8>>, CommandError> {
        self.prompts.lock().unwrap().push(reason.into());
        self.keys
            .lock()
            .unwrap()
            .get(alias)
            .map(|key| Zeroizing::new(key.clone()))
            .ok_or_else(|| CommandError::new("biometric.failed", "no key"))
    }

    fn remove(&self, alias: &str) -> Result<(), CommandError> {
        self.keys.lock().unwrap().remove(alias);
        Ok(())
    }
}

/// No biometrics, as on this Linux desktop.
struct NoStore;

impl DeviceKeyStore for NoStore {
    fn availability(&self) -> Availability {
        Availability {
            available: false,
            kind: None,
            reason: Some("Biometry is not supported on this platform".into()),
        }
    }
    fn store(&self, _: &str, _: &[u8]) -> Result<(), CommandError> {
        unreachable!("enable must check availability first")
    }
    fn load(&self, _: &str, _: &str) -> Result<Zeroizing<Vec<u8>>, CommandError> {
        unreachable!("no slot, so no prompt")
    }
    fn remove(&self, _: &str) -> Result<(), CommandError> {
        Ok(())
    }
}

fn app_with(dir: &tempfile::TempDir, store: Arc<dyn DeviceKeyStore>) -> App<MockRuntime> {
    let app = mock_app(AppState::new(
        dir.path().join("vault.twofold"),
        KdfParams::insecure_for_tests(),
    ));
    app.manage(DeviceKeys(store));
    app
}

fn pw(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tauri::async_runtime::block_on(future)
}

fn new_vault(app: &App<MockRuntime>) {
    block(vault::create_vault(app.state(), pw("correct horse"))).unwrap();
    block(add::add_uri(app.state(), app.state(), URI.into())).unwrap();
}

fn status(app: &App<MockRuntime>) -> biometric::BiometricStatus {
    block(biometric::biometric_status(app.state(), app.state())).unwrap()
}

#[test]
fn turned_on_it_unlocks_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let app = app_with(&dir, store.clone());
    assert!(!status(&app).enabled, "no vault yet");
    new_vault(&app);
    assert!(!status(&app).enabled);

    block(biometric::enable_biometric(app.state(), app.state())).unwrap();
    let on = status(&app);
    assert!(on.enabled && on.device.available);
    assert_eq!(store.keys.lock().unwrap()[ALIAS].len(), 32);

    block(vault::lock(app.state())).unwrap();
    assert!(status(&app).enabled, "readable while locked");
    block(biometric::unlock_with_biometric(
        app.state(),
        app.state(),
        app.state(),
    ))
    .unwrap();
    let codes = block(accounts::list_accounts(app.state())).unwrap();
    assert_eq!(codes.accounts.len(), 1);
    assert_eq!(
        *store.prompts.lock().unwrap(),
        ["Unlock your Twofold vault"]
    );
    // The key is the OS's alone: the vault file does not hold it.
    let file = std::fs::read(dir.path().join("vault.twofold")).unwrap();
    let key = store.keys.lock().unwrap()[ALIAS].clone();
    assert!(!file.windows(key.len()).any(|w| w == key.as_slice()));
}

#[test]
fn a_key_that_does_not_fit_leaves_the_vault_locked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let app = app_with(&dir, store.clone());
    new_vault(&app);
    block(biometric::enable_biometric(app.state(), app.state())).unwrap();
    block(vault::lock(app.state())).unwrap();

    store.keys.lock().unwrap().get_mut(ALIAS).unwrap()[0] ^= 1;
    let error = block(biometric::unlock_with_biometric(
        app.state(),
        app.state(),
        app.state(),
    ))
    .unwrap_err();
    assert_eq!(error.kind, "vault.wrong_device_key");
    let locked = block(accounts::list_accounts(app.state())).unwrap_err();
    assert_eq!(locked.kind, "vault.locked");
    // The password still opens it.
    block(vault::unlock(app.state(), app.state(), pw("correct horse"))).unwrap();
}

#[test]
fn when_the_os_refuses_the_key_the_vault_gets_no_slot() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore {
        refuse: true,
        ..MemoryStore::default()
    });
    let app = app_with(&dir, store);
    new_vault(&app);
    let error = block(biometric::enable_biometric(app.state(), app.state())).unwrap_err();
    assert_eq!(error.kind, "biometric.failed");
    assert!(!status(&app).enabled);
}

#[test]
fn turning_it_off_or_changing_the_password_forgets_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let app = app_with(&dir, store.clone());
    new_vault(&app);

    block(biometric::enable_biometric(app.state(), app.state())).unwrap();
    block(biometric::disable_biometric(app.state(), app.state())).unwrap();
    assert!(!status(&app).enabled);
    assert!(store.keys.lock().unwrap().is_empty());

    block(biometric::enable_biometric(app.state(), app.state())).unwrap();
    let old_key = store.keys.lock().unwrap()[ALIAS].clone();
    block(vault::change_password(
        app.state(),
        app.state(),
        pw("correct horse"),
        pw("battery staple"),
    ))
    .unwrap();
    assert!(!status(&app).enabled);
    assert!(store.keys.lock().unwrap().is_empty());

    // Nor does the old key open the re-keyed file, should a copy of it survive somewhere.
    block(vault::lock(app.state())).unwrap();
    let state = app.state::<AppState>();
    let mut engine = state.engine().unwrap();
    let refused = engine.unlock_with_device_key(ALIAS, &old_key).unwrap_err();
    assert_eq!(refused.kind(), "vault.no_device_slot");
    assert!(engine.is_locked());
}

#[test]
fn without_biometrics_nothing_is_offered_or_done() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(&dir, Arc::new(NoStore));
    new_vault(&app);
    let status = status(&app);
    assert!(!status.device.available && !status.enabled);

    let error = block(biometric::enable_biometric(app.state(), app.state())).unwrap_err();
    assert_eq!(error.kind, "biometric.unavailable");
    assert!(error.message.contains("not supported on this platform"));
    block(vault::lock(app.state())).unwrap();
    let error = block(biometric::unlock_with_biometric(
        app.state(),
        app.state(),
        app.state(),
    ))
    .unwrap_err();
    assert_eq!(error.kind, "biometric.not_enabled");
}

#[test]
fn the_status_reaches_the_screens_flat() {
    let status = biometric::BiometricStatus {
        device: Availability {
            available: true,
            kind: Some("face"),
            reason: None,
        },
        enabled: true,
    };
    assert_eq!(
        serde_json::to_value(&status).unwrap(),
        serde_json::json!({"available": true, "kind": "face", "reason": null, "enabled": true})
    );
}
