//! The vault file on disk: round trip, wrong password, tampering, crashes mid-save, KDF
//! parameters.

use std::process::{Command, Stdio};
use std::time::Duration;

use twofold_authenticator::vault::{password_slot_params, SaveStep};
use twofold_authenticator::{Engine, Error, KdfParams, Vault, VaultError};

use crate::common::fast;

const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const HOTP: &str = "otpauth://hotp/Bank:carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

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
