//! The vault file on disk: round trip, wrong password, tampering, crashes mid-save, KDF
//! parameters, biometric unlock (the keystore slot).

use std::process::{Command, Stdio};
use std::time::Duration;

use twofold_authenticator::vault::{device_slot_alias, password_slot_params, SaveStep};
use twofold_authenticator::{Engine, Error, KdfParams, Vault, VaultError};

use crate::common::fast;

const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const HOTP: &str = "otpauth://hotp/Bank:carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

#[test]
fn the_revision_moves_with_every_change_and_unlock_but_not_with_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.twofold");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    let id = engine.add_uri(URI, 1000).unwrap().added[0].id.clone();
    let added = engine.revision();
    engine.accounts(1000).unwrap();
    engine.accounts(1030).unwrap();
    assert_eq!(
        engine.revision(),
        added,
        "codes come and go without a change"
    );

    let edit = twofold_authenticator::AccountEdit {
        favourite: Some(true),
        ..Default::default()
    };
    engine.edit(&id, edit).unwrap();
    let edited = engine.revision();
    assert_ne!(edited, added);

    engine.lock();
    engine.unlock("pw").unwrap();
    assert_ne!(
        engine.revision(),
        edited,
        "the file may have changed while locked"
    );
}

#[test]
fn accounts_survive_closing_and_reopening_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/vault.twofold");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    let id = engine.add_uri(URI, 1000).unwrap().added[0].id.clone();
    engine.set_clock_offset(30).unwrap();
    let before = engine.accounts(59).unwrap();
    drop(engine);

    let engine = Engine::open(&path, "pw").unwrap();
    let after = engine.accounts(59).unwrap();
    assert_eq!(before, after);
    assert_eq!(after[0].id, id);
    assert_eq!(after[0].created, 1000);
    // The offset moves the clock: 59 + 30 is step 2.
    assert_eq!(engine.clock_offset().unwrap(), 30);
    assert_eq!(
        after[0].code,
        twofold_core::OtpAccount::from_uri(URI)
            .unwrap()
            .code(89)
            .unwrap()
    );
}

#[test]
fn a_wrong_password_is_a_clear_distinct_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    Engine::create(&path, "right", fast()).unwrap();
    let err = Engine::open(&path, "wrong").unwrap_err();
    assert!(matches!(err, Error::Vault(VaultError::WrongPassword)));
    assert_eq!(err.kind(), "vault.wrong_password");
    assert_eq!(err.to_string(), "wrong password");
}

#[test]
fn every_flipped_byte_of_a_vault_file_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    engine.add_uri(URI, 0).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(Vault::open(&bytes, "pw").is_ok());
    for position in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[position] ^= 0x01;
        let err = Vault::open(&changed, "pw").unwrap_err();
        if position < twofold_authenticator::vault::MAGIC.len() {
            assert!(
                matches!(err, VaultError::NotAVault),
                "byte {position}: {err:?}"
            );
        } else {
            assert!(
                matches!(err, VaultError::Damaged),
                "byte {position}: {err:?}"
            );
            assert_eq!(err.to_string(), "vault file is damaged or was modified");
        }
    }
    // Cut short anywhere: refused too.
    for len in [0, 8, 13, 14, bytes.len() / 2, bytes.len() - 1] {
        assert!(Vault::open(&bytes[..len], "pw").is_err(), "length {len}");
    }
}

#[test]
fn a_crash_mid_save_loses_nothing_that_was_saved() {
    for step in [
        SaveStep::TempWritten,
        SaveStep::TempSynced,
        SaveStep::Renamed,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v");
        let mut engine = Engine::create(&path, "pw", fast()).unwrap();
        engine.add_uri(URI, 0).unwrap();
        engine.set_crash_point(Some(step));
        let result = engine.add_uri(HOTP, 0);
        assert!(matches!(result, Err(Error::Io { .. })), "{step:?}");
        // The app shows what is on disk: the failed change is undone in memory.
        assert_eq!(engine.accounts(0).unwrap().len(), 1, "{step:?}");

        let reopened = Engine::open(&path, "pw").unwrap();
        let count = reopened.accounts(0).unwrap().len();
        // Before the rename the old file stands; after it, the new one.
        let expected = if step == SaveStep::Renamed { 2 } else { 1 };
        assert_eq!(count, expected, "{step:?}");
        // Leftover temporary files do not get in the way of the next save.
        let mut engine = reopened;
        engine
            .add_uri("otpauth://totp/X:y?secret=MFRGGZDF", 0)
            .unwrap();
        assert_eq!(
            Engine::open(&path, "pw")
                .unwrap()
                .accounts(0)
                .unwrap()
                .len(),
            expected + 1
        );
    }
}

#[test]
fn killing_the_cli_mid_save_leaves_a_vault_that_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    let id = engine.add_uri(HOTP, 0).unwrap().added[0].id.clone();
    drop(engine);
    let mut last_counter = 0;
    // Kill `twofold next` after different delays: some land before, during or after the save.
    for delay_ms in (0..40).map(|i| i % 20) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_twofold"))
            .args(["--vault", path.to_str().unwrap(), "next", &id])
            .env("TWOFOLD_VAULT_PASSWORD", "pw")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        let engine = Engine::open(&path, "pw").expect("the vault must open after a kill");
        let counter = engine.accounts(0).unwrap()[0].counter.unwrap();
        assert!(counter == last_counter || counter == last_counter + 1);
        last_counter = counter;
    }
}

#[test]
fn argon2_parameters_are_stored_and_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let chosen = KdfParams {
        m_kib: 16,
        t: 2,
        p: 1,
    };
    Engine::create(&path, "pw", chosen).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(password_slot_params(&bytes).unwrap(), vec![chosen]);
    // Opening uses the stored parameters, whatever the engine's defaults are.
    assert!(Engine::open(&path, "pw").is_ok());

    // Change a stored parameter (and fix the checksum): the derived key differs, so the
    // slot no longer opens. The parameters really are the ones used.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let at = text.find("\"t\":2").unwrap();
    let mut changed = bytes.clone();
    changed[at + 4] = b'3';
    changed.truncate(changed.len() - 32);
    let sum = ring::digest::digest(&ring::digest::SHA256, &changed);
    changed.extend_from_slice(sum.as_ref());
    assert!(matches!(
        Vault::open(&changed, "pw"),
        Err(VaultError::WrongPassword)
    ));

    // A password change writes the engine's current parameters.
    let mut engine = Engine::open(&path, "pw").unwrap();
    let newer = KdfParams {
        m_kib: 32,
        t: 1,
        p: 2,
    };
    engine.set_kdf_params(newer);
    engine.change_password("pw", "new").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(password_slot_params(&bytes).unwrap(), vec![newer]);
    assert!(matches!(
        Engine::open(&path, "pw"),
        Err(Error::Vault(VaultError::WrongPassword))
    ));
    assert_eq!(
        Engine::open(&path, "new")
            .unwrap()
            .accounts(0)
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn change_password_needs_the_current_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    engine.set_kdf_params(fast());
    assert!(matches!(
        engine.change_password("nope", "new"),
        Err(Error::Vault(VaultError::WrongPassword))
    ));
    assert!(Engine::open(&path, "pw").is_ok());
}

#[test]
fn a_locked_engine_refuses_everything_until_unlocked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    engine.add_uri(URI, 0).unwrap();
    engine.lock();
    assert!(engine.is_locked());
    assert!(matches!(engine.accounts(0), Err(Error::Locked)));
    assert!(matches!(engine.add_uri(URI, 0), Err(Error::Locked)));
    assert!(matches!(
        engine.unlock("bad"),
        Err(Error::Vault(VaultError::WrongPassword))
    ));
    engine.unlock("pw").unwrap();
    assert_eq!(engine.accounts(0).unwrap().len(), 1);
}

#[test]
fn hotp_next_increments_and_persists_the_counter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    let id = engine.add_uri(HOTP, 0).unwrap().added[0].id.clone();
    let first = engine.accounts(0).unwrap()[0].clone();
    let next = engine.next_code(&id, 500).unwrap();
    assert_eq!(next.code, first.next_code);
    assert_eq!(next.counter, Some(1));
    assert_eq!(next.last_used, Some(500));
    let reopened = Engine::open(&path, "pw").unwrap();
    assert_eq!(reopened.accounts(0).unwrap()[0].counter, Some(1));
    let totp = engine.add_uri(URI, 0).unwrap().added[0].id.clone();
    assert!(matches!(engine.next_code(&totp, 0), Err(Error::NotHotp(_))));
}

#[test]
fn duplicates_are_reported_not_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::create(dir.path().join("v"), "pw", fast()).unwrap();
    engine.add_uri(URI, 0).unwrap();
    let same = engine.add_uri(URI, 0).unwrap();
    assert!(same.added.is_empty());
    assert!(
        same.skipped[0].reason.starts_with("already in the vault"),
        "{same:?}"
    );
    let relabelled = engine
        .add_uri("otpauth://totp/Other:bob?secret=JBSWY3DPEHPK3PXP", 0)
        .unwrap();
    assert!(relabelled.added.is_empty());
    assert!(
        relabelled.skipped[0]
            .reason
            .contains("same secret as ACME (alice)"),
        "{relabelled:?}"
    );
    assert_eq!(engine.accounts(0).unwrap().len(), 1);
}

#[test]
fn an_encrypted_backup_imports_back_with_its_own_password() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::create(dir.path().join("a"), "pw", fast()).unwrap();
    engine.set_kdf_params(fast());
    engine.add_uri(URI, 0).unwrap();
    engine.add_uri(HOTP, 0).unwrap();
    let id = engine.accounts(0).unwrap()[0].id.clone();
    engine
        .edit(
            &id,
            twofold_authenticator::AccountEdit {
                group: Some(Some("Work".into())),
                favourite: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let backup = engine.export_backup("backup-pw").unwrap();
    let mut other = Engine::create(dir.path().join("b"), "pw2", fast()).unwrap();
    let wrong = other.import(
        twofold_authenticator::ImportFormat::Twofold,
        &backup,
        Some("pw"),
        0,
    );
    assert!(matches!(
        wrong,
        Err(Error::Import(
            twofold_authenticator::ImportError::WrongPassword(_)
        ))
    ));
    let report = other
        .import(
            twofold_authenticator::ImportFormat::Twofold,
            &backup,
            Some("backup-pw"),
            0,
        )
        .unwrap();
    assert_eq!(report.added.len(), 2);
    let mine = engine.accounts(0).unwrap();
    let theirs = other.accounts(0).unwrap();
    for (a, b) in mine.iter().zip(&theirs) {
        assert_eq!(
            (&a.issuer, &a.name, &a.code, &a.group, a.favourite),
            (&b.issuer, &b.name, &b.code, &b.group, b.favourite)
        );
    }
    let plain = engine.export_uris().unwrap();
    assert_eq!(plain.lines().count(), 2);
    assert!(plain.contains("secret=JBSWY3DPEHPK3PXP"));
}

const ALIAS: &str = "twofold-vault-key";

/// A vault with two accounts and biometric unlock on; the engine, the device key and the path.
fn with_device_unlock(
    dir: &tempfile::TempDir,
) -> (Engine, twofold_core::SecretBytes, std::path::PathBuf) {
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    engine.set_kdf_params(fast());
    engine.add_uri(URI, 0).unwrap();
    engine.add_uri(HOTP, 0).unwrap();
    let key = engine.enable_device_unlock(ALIAS).unwrap();
    (engine, key, path)
}

fn fix_checksum(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() - 32);
    let sum = ring::digest::digest(&ring::digest::SHA256, &bytes);
    bytes.extend_from_slice(sum.as_ref());
    bytes
}

#[test]
fn biometric_unlock_opens_the_same_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, key, _) = with_device_unlock(&dir);
    assert_eq!(key.len(), 32);
    let before = engine.accounts(100).unwrap();
    engine.lock();
    engine.unlock_with_device_key(ALIAS, key.expose()).unwrap();
    assert!(!engine.is_locked());
    assert_eq!(engine.accounts(100).unwrap(), before);
    assert_eq!(before.len(), 2);
    // Changes saved after a biometric unlock keep both ways in.
    engine.set_clock_offset(5).unwrap();
    engine.lock();
    engine.unlock_with_device_key(ALIAS, key.expose()).unwrap();
    assert_eq!(engine.clock_offset().unwrap(), 5);
    engine.lock();
    engine.unlock("pw").unwrap();
    assert_eq!(engine.clock_offset().unwrap(), 5);
}

#[test]
fn a_wrong_device_key_is_refused_and_the_vault_stays_locked() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, key, _) = with_device_unlock(&dir);
    engine.lock();
    let mut wrong = key.expose().to_vec();
    wrong[0] ^= 0x80;
    let err = engine.unlock_with_device_key(ALIAS, &wrong).unwrap_err();
    assert!(matches!(err, Error::Vault(VaultError::WrongDeviceKey)));
    assert_eq!(err.kind(), "vault.wrong_device_key");
    assert_eq!(
        err.to_string(),
        "the key from the device keystore does not open this vault; unlock with your password \
         and turn biometric unlock on again"
    );
    assert!(engine.is_locked());
    assert!(matches!(engine.accounts(0), Err(Error::Locked)));
    // A key under another alias: no such slot, a code of its own.
    let err = engine
        .unlock_with_device_key("other", key.expose())
        .unwrap_err();
    assert_eq!(err.kind(), "vault.no_device_slot");
    assert!(engine.is_locked());
}

#[test]
fn a_device_key_of_the_wrong_length_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, key, _) = with_device_unlock(&dir);
    engine.lock();
    for short in [&key.expose()[..31], &[][..]] {
        let err = engine.unlock_with_device_key(ALIAS, short).unwrap_err();
        assert!(
            matches!(err, Error::Vault(VaultError::BadDeviceKeyLength(n)) if n == short.len()),
            "{err:?}"
        );
        assert_eq!(err.kind(), "vault.bad_device_key");
    }
    assert!(engine.is_locked());
}

#[test]
fn an_edited_alias_makes_the_device_key_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (_engine, key, path) = with_device_unlock(&dir);
    let bytes = std::fs::read(&path).unwrap();
    // Same length, so the header length stays right; the checksum is fixed as an editor
    // would. The payload's AAD would catch it too, but the slot's own AAD answers first.
    let needle = format!("\"alias\":\"{ALIAS}\"");
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap();
    let other = "twofold-vault-kez";
    let mut edited = bytes.clone();
    edited[at + 9..at + 9 + other.len()].copy_from_slice(other.as_bytes());
    let edited = fix_checksum(edited);
    assert_eq!(device_slot_alias(&edited).unwrap().as_deref(), Some(other));
    assert!(matches!(
        Vault::open_with_device_key(&edited, other, key.expose()),
        Err(VaultError::WrongDeviceKey)
    ));
    assert!(Vault::open_with_device_key(&bytes, ALIAS, key.expose()).is_ok());
}

#[test]
fn the_password_still_opens_a_vault_with_biometric_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _key, path) = with_device_unlock(&dir);
    let before = engine.accounts(0).unwrap();
    let reopened = Engine::open(&path, "pw").unwrap();
    assert_eq!(reopened.accounts(0).unwrap(), before);
    assert!(matches!(
        Engine::open(&path, "wrong"),
        Err(Error::Vault(VaultError::WrongPassword))
    ));
}

#[test]
fn a_password_change_turns_biometric_unlock_off() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, key, path) = with_device_unlock(&dir);
    assert_eq!(
        engine.device_unlock_alias().unwrap().as_deref(),
        Some(ALIAS)
    );
    engine.change_password("pw", "new").unwrap();
    assert_eq!(engine.device_unlock_alias().unwrap(), None);
    engine.lock();
    let err = engine
        .unlock_with_device_key(ALIAS, key.expose())
        .unwrap_err();
    assert!(
        matches!(err, Error::Vault(VaultError::NoDeviceSlot)),
        "{err:?}"
    );
    assert!(engine.is_locked());
    assert_eq!(
        Engine::open(&path, "new")
            .unwrap()
            .accounts(0)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn disabling_biometric_unlock_removes_the_slot_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, key, path) = with_device_unlock(&dir);
    let with_slot = std::fs::read(&path).unwrap();
    assert!(Vault::open_with_device_key(&with_slot, ALIAS, key.expose()).is_ok());
    engine.disable_device_unlock().unwrap();
    assert_eq!(engine.device_unlock_alias().unwrap(), None);
    let bytes = std::fs::read(&path).unwrap();
    assert!(matches!(
        Vault::open_with_device_key(&bytes, ALIAS, key.expose()),
        Err(VaultError::NoDeviceSlot)
    ));
    assert!(Vault::open(&bytes, "pw").is_ok());
    // Turning it on again makes a new key; the old one stays refused.
    let newer = engine.enable_device_unlock(ALIAS).unwrap();
    assert_ne!(newer, key);
    let bytes = std::fs::read(&path).unwrap();
    assert!(matches!(
        Vault::open_with_device_key(&bytes, ALIAS, key.expose()),
        Err(VaultError::WrongDeviceKey)
    ));
    assert!(Vault::open_with_device_key(&bytes, ALIAS, newer.expose()).is_ok());
}

#[test]
fn the_device_unlock_alias_is_read_while_locked() {
    let dir = tempfile::tempdir().unwrap();
    let (_engine, _key, path) = with_device_unlock(&dir);
    let locked = Engine::locked(&path);
    assert!(locked.is_locked());
    assert_eq!(
        locked.device_unlock_alias().unwrap().as_deref(),
        Some(ALIAS)
    );

    let plain = dir.path().join("plain");
    Engine::create(&plain, "pw", fast()).unwrap();
    assert_eq!(Engine::locked(&plain).device_unlock_alias().unwrap(), None);

    let missing = Engine::locked(dir.path().join("missing"));
    let err = missing.device_unlock_alias().unwrap_err();
    assert!(matches!(err, Error::NoVault(_)), "{err:?}");
    assert_eq!(err.kind(), "vault.missing");
}

#[test]
fn device_unlock_needs_an_unlocked_vault() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, _key, _) = with_device_unlock(&dir);
    engine.lock();
    assert!(matches!(
        engine.enable_device_unlock(ALIAS),
        Err(Error::Locked)
    ));
    assert!(matches!(engine.disable_device_unlock(), Err(Error::Locked)));
}

#[test]
fn the_vault_file_never_holds_the_device_key() {
    let dir = tempfile::tempdir().unwrap();
    let (mut engine, key, path) = with_device_unlock(&dir);
    // Saved again after a biometric unlock, too.
    engine.lock();
    engine.unlock_with_device_key(ALIAS, key.expose()).unwrap();
    engine.set_clock_offset(3).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(Vault::open_with_device_key(&bytes, ALIAS, key.expose()).is_ok());
    assert!(!bytes.windows(32).any(|w| w == key.expose()));
    let text = String::from_utf8_lossy(&bytes).to_lowercase();
    assert!(!text.contains(&hex::encode(key.expose())));
    assert!(!text.contains(
        &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key.expose())
            .to_lowercase()
    ));
    assert_eq!(format!("{key:?}"), "Secret(***)");
}

#[test]
fn a_failed_save_leaves_biometric_unlock_as_the_file_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let mut engine = Engine::create(&path, "pw", fast()).unwrap();
    engine.set_crash_point(Some(SaveStep::TempSynced));
    assert!(matches!(
        engine.enable_device_unlock(ALIAS),
        Err(Error::Io { .. })
    ));
    engine.set_crash_point(None);
    // Memory matches the file: no slot. The next save writes none either.
    assert_eq!(engine.device_unlock_alias().unwrap(), None);
    engine.set_clock_offset(1).unwrap();
    assert_eq!(engine.device_unlock_alias().unwrap(), None);

    let key = engine.enable_device_unlock(ALIAS).unwrap();
    engine.set_crash_point(Some(SaveStep::TempSynced));
    assert!(matches!(
        engine.disable_device_unlock(),
        Err(Error::Io { .. })
    ));
    engine.set_crash_point(None);
    // The slot is still in memory, so the next save keeps it, as the file does.
    engine.set_clock_offset(2).unwrap();
    assert_eq!(
        engine.device_unlock_alias().unwrap().as_deref(),
        Some(ALIAS)
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(Vault::open_with_device_key(&bytes, ALIAS, key.expose()).is_ok());
}
