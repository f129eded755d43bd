//! Encrypted Ente Auth and password-protected Bitwarden exports (issue 19), against fixtures
//! written by libsodium, OpenSSL and the Argon2 reference code
//! (`tests/fixtures/generate_encrypted.py`), their failure modes, damaged and garbled files,
//! the CLI, and the other apps' real encrypted files when `../shared/interop/` has them.

use std::path::PathBuf;

use serde_json::{json, Value};
use twofold_authenticator::importers::{detect, Bitwarden, Ente};
use twofold_authenticator::{ImportError, ImportFormat, ImportReport, Importer};

use crate::cli::{s, Cli};
use crate::common::records;

const PASSWORD: &str = "correct horse";
const ENTE_PLAIN: &[u8] = include_bytes!("../fixtures/ente/export.txt");
const ENTE: &[u8] = include_bytes!("../fixtures/ente/encrypted.json");
const BITWARDEN_PLAIN: &[u8] = include_bytes!("../fixtures/bitwarden/export.json");
const BITWARDEN_PBKDF2: &[u8] = include_bytes!("../fixtures/bitwarden/encrypted_pbkdf2.json");
const BITWARDEN_ARGON2: &[u8] = include_bytes!("../fixtures/bitwarden/encrypted_argon2id.json");

fn doc(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The fixture with one field changed (a JSON pointer) to `value`.
fn with(bytes: &[u8], pointer: &str, value: Value) -> Vec<u8> {
    let mut doc = doc(bytes);
    *doc.pointer_mut(pointer).unwrap() = value;
    serde_json::to_vec(&doc).unwrap()
}

fn corrupt_detail(err: ImportError) -> String {
    match err {
        ImportError::Corrupt { detail, .. } => detail,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Everything an import reports, in a form to compare.
fn summary(report: &ImportReport) -> Value {
    let drafts: Vec<Value> = report
        .accounts
        .iter()
        .map(|a| json!([a.otp.name, a.group, a.note, a.favourite]))
        .collect();
    json!({
        "records": format!("{:?}", records(&report.accounts)),
        "drafts": drafts,
        "skipped": report.skipped,
        "notes": report.notes,
    })
}

#[test]
fn issue19_ente_encrypted_export_gives_what_the_plain_one_gives() {
    let report = Ente.import(ENTE, Some(PASSWORD)).unwrap();
    assert_eq!(report.accounts.len(), 4);
    assert_eq!(
        summary(&report),
        summary(&Ente.import(ENTE_PLAIN, None).unwrap())
    );
    assert_eq!(report.skipped[0].reason, "in Ente's trash");
    assert_eq!(detect(ENTE), Some(ImportFormat::Ente));
}

#[test]
fn issue19_ente_wrong_or_missing_password_says_so() {
    assert_eq!(
        Ente.import(ENTE, Some("wrong")).unwrap_err(),
        ImportError::WrongPassword("Ente Auth")
    );
    assert_eq!(
        Ente.import(ENTE, None).unwrap_err(),
        ImportError::PasswordRequired("Ente Auth")
    );
}

#[test]
fn issue19_damaged_ente_exports_say_what_is_wrong() {
    let salt = corrupt_detail(
        Ente.import(
            &with(ENTE, "/kdfParams/salt", json!("AAAA")),
            Some(PASSWORD),
        )
        .unwrap_err(),
    );
    assert!(salt.contains("kdfParams.salt is 3 bytes"), "{salt}");
    let nonce = corrupt_detail(
        Ente.import(
            &with(ENTE, "/encryptionNonce", json!("AAAA")),
            Some(PASSWORD),
        )
        .unwrap_err(),
    );
    assert!(nonce.contains("encryptionNonce is 3 bytes"), "{nonce}");
    let b64 = corrupt_detail(
        Ente.import(&with(ENTE, "/encryptedData", json!("@@@")), Some(PASSWORD))
            .unwrap_err(),
    );
    assert!(b64.contains("encryptedData is not base64"), "{b64}");
    assert_eq!(
        Ente.import(&with(ENTE, "/encryptedData", json!("AAAA")), Some(PASSWORD))
            .unwrap_err(),
        ImportError::Truncated("Ente Auth")
    );
    assert!(matches!(
        Ente.import(&with(ENTE, "/version", json!(2)), Some(PASSWORD))
            .unwrap_err(),
        ImportError::UnknownVersion { .. }
    ));
    let shape = corrupt_detail(
        Ente.import(
            &with(ENTE, "/kdfParams", json!({"salt": "x"})),
            Some(PASSWORD),
        )
        .unwrap_err(),
    );
    assert!(
        shape.contains("kdfParams {memLimit, opsLimit, salt}"),
        "{shape}"
    );
    assert_eq!(
        Ente.import(&ENTE[..ENTE.len() / 2], Some(PASSWORD))
            .unwrap_err(),
        ImportError::Truncated("Ente Auth")
    );
    // Another app's JSON is named as such, not taken for a damaged Ente file.
    assert!(matches!(
        Ente.import(BITWARDEN_PLAIN, None).unwrap_err(),
        ImportError::WrongFormat {
            detected: Some(ImportFormat::Bitwarden),
            ..
        }
    ));
}

/// Issue 13 item 18 for Ente: 4 GiB of memory, or far more passes than libsodium's SENSITIVE
/// work, is refused before any password is asked for or memory allocated.
#[test]
fn issue19_hostile_ente_kdf_parameters_are_refused_before_the_password() {
    for (mem, ops) in [
        (4u64 << 30, 1u64),
        (256 << 20, 17),
        (1 << 30, 1 << 40),
        (0, 1),
    ] {
        let hostile = with(
            &with(ENTE, "/kdfParams/memLimit", json!(mem)),
            "/kdfParams/opsLimit",
            json!(ops),
        );
        let detail = corrupt_detail(Ente.import(&hostile, None).unwrap_err());
        assert!(detail.starts_with("kdfParams: "), "{detail}");
    }
}

#[test]
fn issue19_bitwarden_password_protected_exports_give_what_the_plain_one_gives() {
    let plain = summary(&Bitwarden.import(BITWARDEN_PLAIN, None).unwrap());
    for fixture in [BITWARDEN_PBKDF2, BITWARDEN_ARGON2] {
        let report = Bitwarden.import(fixture, Some(PASSWORD)).unwrap();
        assert_eq!(report.accounts.len(), 4);
        assert_eq!(summary(&report), plain);
        assert_eq!(detect(fixture), Some(ImportFormat::Bitwarden));
    }
}

#[test]
fn issue19_bitwarden_wrong_or_missing_password_says_so() {
    for fixture in [BITWARDEN_PBKDF2, BITWARDEN_ARGON2] {
        assert_eq!(
            Bitwarden.import(fixture, Some("wrong")).unwrap_err(),
            ImportError::WrongPassword("Bitwarden")
        );
        assert_eq!(
            Bitwarden.import(fixture, None).unwrap_err(),
            ImportError::PasswordRequired("Bitwarden")
        );
    }
}

/// A right password with an altered `data` is a damaged file, not a wrong password: the
/// validation string is checked first, then data's MAC before any decryption.
/// An EncString with the first character of its MAC changed.
fn alter_mac(fixture: &[u8], field: &str) -> Vec<u8> {
    let original = doc(fixture)[field].as_str().unwrap().to_owned();
    let (head, mac) = original.rsplit_once('|').unwrap();
    let first = if mac.starts_with('A') { "B" } else { "A" };
    with(
        fixture,
        &format!("/{field}"),
        json!(format!("{head}|{first}{}", &mac[1..])),
    )
}

/// A right password with an altered `data` is a damaged file, not a wrong password: the
/// validation string is checked first, then data's MAC before any decryption.
#[test]
fn issue19_altered_bitwarden_data_is_corrupt_not_a_wrong_password() {
    let detail = corrupt_detail(
        Bitwarden
            .import(&alter_mac(BITWARDEN_PBKDF2, "data"), Some(PASSWORD))
            .unwrap_err(),
    );
    assert!(detail.contains("altered"), "{detail}");
    // With the validation string altered the password cannot be confirmed.
    assert_eq!(
        Bitwarden
            .import(
                &alter_mac(BITWARDEN_PBKDF2, "encKeyValidation_DO_NOT_EDIT"),
                Some(PASSWORD)
            )
            .unwrap_err(),
        ImportError::WrongPassword("Bitwarden")
    );
}

#[test]
fn issue19_bitwarden_unknown_or_hostile_kdf_and_legacy_encryption_are_refused_clearly() {
    let unknown = Bitwarden
        .import(
            &with(BITWARDEN_PBKDF2, "/kdfType", json!(7)),
            Some(PASSWORD),
        )
        .unwrap_err();
    assert!(
        matches!(&unknown, ImportError::Unsupported(m) if m.contains("type 7")),
        "{unknown:?}"
    );
    for rounds in [0, 2_000_001, u32::MAX] {
        let detail = corrupt_detail(
            Bitwarden
                .import(
                    &with(BITWARDEN_PBKDF2, "/kdfIterations", json!(rounds)),
                    None,
                )
                .unwrap_err(),
        );
        assert!(detail.contains("PBKDF2 rounds"), "{detail}");
    }
    for (pointer, value) in [
        ("/kdfMemory", json!(4096)),
        ("/kdfMemory", json!(u32::MAX)),
        ("/kdfIterations", json!(1000)),
        ("/kdfParallelism", json!(64)),
        ("/kdfParallelism", json!(0)),
    ] {
        let detail = corrupt_detail(
            Bitwarden
                .import(&with(BITWARDEN_ARGON2, pointer, value.clone()), None)
                .unwrap_err(),
        );
        assert!(detail.contains("Argon2id"), "{pointer}={value}: {detail}");
    }
    let mut no_memory = doc(BITWARDEN_ARGON2);
    no_memory.as_object_mut().unwrap().remove("kdfMemory");
    let detail = corrupt_detail(
        Bitwarden
            .import(&serde_json::to_vec(&no_memory).unwrap(), None)
            .unwrap_err(),
    );
    assert!(detail.contains("kdfMemory"), "{detail}");
    let legacy = Bitwarden
        .import(
            &with(BITWARDEN_PBKDF2, "/data", json!("0.AAAA|AAAA")),
            Some(PASSWORD),
        )
        .unwrap_err();
    assert!(
        matches!(&legacy, ImportError::Unsupported(m) if m.contains("legacy")),
        "{legacy:?}"
    );
    for (bad, says) in [
        ("2.AAAA", "three parts"),
        ("2.AAAA|AAAA|AAAA", "iv is not 16 bytes"),
        ("no prefix", "no type prefix"),
    ] {
        let detail = corrupt_detail(
            Bitwarden
                .import(&with(BITWARDEN_PBKDF2, "/data", json!(bad)), Some(PASSWORD))
                .unwrap_err(),
        );
        assert!(detail.contains(says), "{bad}: {detail}");
    }
    // The account-restricted export still needs the Bitwarden account that made it.
    let restricted = json!({"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.a|b|c",
                            "folders": [], "items": []});
    let err = Bitwarden
        .import(&serde_json::to_vec(&restricted).unwrap(), Some(PASSWORD))
        .unwrap_err();
    assert!(
        matches!(&err, ImportError::Unsupported(m) if m.contains("account-restricted")),
        "{err:?}"
    );
    assert_eq!(
        Bitwarden
            .import(&BITWARDEN_PBKDF2[..200], Some(PASSWORD))
            .unwrap_err(),
        ImportError::Truncated("Bitwarden")
    );
}

/// Cut short at every length and with bytes garbled all over, the files give an error (or,
/// for a harmless change, a report) and never a panic.
#[test]
fn issue19_truncated_and_garbled_encrypted_exports_never_panic() {
    for (importer, fixture) in [
        (&Ente as &dyn Importer, ENTE),
        (&Bitwarden as &dyn Importer, BITWARDEN_PBKDF2),
    ] {
        // From one byte (an empty file is an empty plain Ente export) to the closing brace
        // (without the final newline the file is whole).
        let whole = fixture.trim_ascii_end().len();
        for len in (1..whole).step_by(7) {
            let cut = importer.import(&fixture[..len], Some(PASSWORD));
            assert!(cut.is_err(), "cut at {len}: {cut:?}");
        }
        let mut garbled = fixture.to_vec();
        for (step, i) in (0..garbled.len()).step_by(13).enumerate() {
            let original = garbled[i];
            garbled[i] = [b'"', b'|', b'.', b'=', 0xff, b'A', b'}', b'0'][step % 8];
            let _ = importer.import(&garbled, Some(PASSWORD));
            garbled[i] = original;
        }
    }
}

#[test]
fn issue19_cli_imports_both_with_the_password_from_the_environment() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let ente = cli.write("ente-auth-encrypted.txt", ENTE);
    let bitwarden = cli.write("bitwarden_encrypted_export.json", BITWARDEN_ARGON2);
    for (from, file) in [("ente", &ente), ("bitwarden", &bitwarden)] {
        let err = cli.fails(&["import", "--from", from, s(file)]);
        assert!(err.contains("TWOFOLD_IMPORT_PASSWORD"), "{err}");
        let err = cli.fails(&["import", "--from", from, s(file), "--password", "nope"]);
        assert!(err.contains("wrong password"), "{err}");
    }
    let report = cli.ok_with(
        &["import", "--from", "ente", s(&ente)],
        "TWOFOLD_IMPORT_PASSWORD",
        PASSWORD,
    );
    assert!(report.contains("4 added, 1 skipped"), "{report}");
    let fresh = Cli::new();
    fresh.ok(&["init"]);
    let bitwarden = fresh.write("bitwarden_encrypted_export.json", BITWARDEN_ARGON2);
    let report = fresh.json(&[
        "import",
        "--from",
        "bitwarden",
        s(&bitwarden),
        "--password",
        PASSWORD,
        "--json",
    ]);
    assert_eq!(report["added"].as_array().unwrap().len(), 4, "{report}");
}

/// Real encrypted exports made by Ente Auth and Bitwarden, when the shared interop folder
/// has them: `ente_auth_encrypted.txt` and `bitwarden_encrypted.json`, their passwords under
/// "passwords" in EXPECTED.json. Each must import with the plain file's accounts.
#[test]
fn interop_real_encrypted_ente_and_bitwarden_exports_when_present() {
    let dir = std::env::var_os("TWOFOLD_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/interop/aegis-suite")
        });
    let Ok(expected) = std::fs::read(dir.join("EXPECTED.json")) else {
        eprintln!("interop: {} not found; skipped", dir.display());
        return;
    };
    let expected = doc(&expected);
    for (importer, encrypted, plain) in [
        (
            &Ente as &dyn Importer,
            "ente_auth_encrypted.txt",
            "ente_auth.txt",
        ),
        (&Bitwarden, "bitwarden_encrypted.json", "bitwarden.json"),
    ] {
        let Ok(bytes) = std::fs::read(dir.join(encrypted)) else {
            eprintln!("interop: no {encrypted}; skipped");
            continue;
        };
        let password = expected["passwords"][encrypted]
            .as_str()
            .unwrap_or_else(|| panic!("EXPECTED.json has no password for {encrypted}"));
        let report = importer.import(&bytes, Some(password)).unwrap();
        let plain = importer
            .import(&std::fs::read(dir.join(plain)).unwrap(), None)
            .unwrap();
        assert_eq!(
            records(&report.accounts),
            records(&plain.accounts),
            "{encrypted}"
        );
        assert_eq!(
            importer
                .import(&bytes, Some("not the password"))
                .unwrap_err(),
            ImportError::WrongPassword(if encrypted.starts_with("ente") {
                "Ente Auth"
            } else {
                "Bitwarden"
            })
        );
    }
}
