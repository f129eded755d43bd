//! Every importer against its fixtures (made by `tests/fixtures/generate.py` following each
//! app's published format), its quirks, and its failure modes.

use twofold_authenticator::importers::{detect, Aegis, Bitwarden, Ente, Google, TwoFas, Uris};
use twofold_authenticator::{AccountDraft, ImportError, ImportFormat, ImportReport, Importer};

use crate::common::{fixture_accounts, records, Record};

const PASSWORD: &str = "correct horse";

const AEGIS_PLAIN: &[u8] = include_bytes!("../fixtures/aegis/plain.json");
const AEGIS_ENCRYPTED: &[u8] = include_bytes!("../fixtures/aegis/encrypted.json");
const TWOFAS_PLAIN: &[u8] = include_bytes!("../fixtures/2fas/plain.2fas");
const TWOFAS_ENCRYPTED: &[u8] = include_bytes!("../fixtures/2fas/encrypted.2fas");
const ENTE: &[u8] = include_bytes!("../fixtures/ente/export.txt");
const BITWARDEN: &[u8] = include_bytes!("../fixtures/bitwarden/export.json");
const URIS: &[u8] = include_bytes!("../fixtures/uris/list.txt");
const GOOGLE: &[u8] = include_bytes!("../fixtures/google/export.txt");
const GOOGLE_PARTIAL: &[u8] = include_bytes!("../fixtures/google/partial.txt");

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).unwrap();
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1).into_bytes()
}

fn named<'a>(report: &'a ImportReport, name: &str) -> &'a AccountDraft {
    report.accounts.iter().find(|a| a.otp.name == name).unwrap()
}

/// Wrong and missing passwords of an encrypted fixture are their own errors.
fn assert_password_errors(importer: &dyn Importer, encrypted: &[u8], format: &'static str) {
    assert_eq!(
        importer.import(encrypted, Some("wrong")).unwrap_err(),
        ImportError::WrongPassword(format)
    );
    assert_eq!(
        importer.import(encrypted, None).unwrap_err(),
        ImportError::PasswordRequired(format)
    );
}

/// The fixture accounts as a format that cannot carry all their parameters holds them.
fn fixture_accounts_with(change: impl Fn(Record) -> Record) -> Vec<Record> {
    let mut out: Vec<Record> = fixture_accounts().into_iter().map(change).collect();
    out.sort();
    out
}

#[test]
fn aegis_plain_and_encrypted_give_the_four_accounts_with_group_note_and_favourite() {
    for (bytes, password) in [(AEGIS_PLAIN, None), (AEGIS_ENCRYPTED, Some(PASSWORD))] {
        let report = Aegis.import(bytes, password).unwrap();
        assert_eq!(records(&report.accounts), fixture_accounts());
        // Quirk: a Yandex entry is reported, not silently dropped.
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].entry, "Yandex (eve)");
        assert!(
            report.skipped[0].reason.contains("yandex"),
            "{:?}",
            report.skipped
        );
        let github = named(&report, "alice@example.com");
        assert_eq!(github.group.as_deref(), Some("Work"));
        assert!(github.favourite);
        let proton = named(&report, "bob");
        assert_eq!(proton.note.as_deref(), Some("recovery codes in the safe"));
    }
}

#[test]
fn aegis_failure_modes() {
    assert_password_errors(&Aegis, AEGIS_ENCRYPTED, "Aegis");
    let half = &AEGIS_PLAIN[..AEGIS_PLAIN.len() / 2];
    assert_eq!(
        Aegis.import(half, None).unwrap_err(),
        ImportError::Truncated("Aegis")
    );
    let newer = replace(AEGIS_PLAIN, "\"version\": 1", "\"version\": 2");
    assert!(matches!(
        Aegis.import(&newer, None).unwrap_err(),
        ImportError::UnknownVersion { .. }
    ));
    let newer_db = replace(AEGIS_PLAIN, "\"version\": 3", "\"version\": 4");
    assert!(matches!(
        Aegis.import(&newer_db, None).unwrap_err(),
        ImportError::UnknownVersion { .. }
    ));
    // A changed byte of the encrypted database: the tag does not match.
    let text = std::str::from_utf8(AEGIS_ENCRYPTED).unwrap();
    let at = text.find("\"db\": \"").unwrap() + 8;
    let mut damaged = AEGIS_ENCRYPTED.to_vec();
    damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        Aegis.import(&damaged, Some(PASSWORD)).unwrap_err(),
        ImportError::Corrupt { .. }
    ));
    // Another app's file: the error names it.
    let err = Aegis.import(TWOFAS_PLAIN, None).unwrap_err();
    assert_eq!(
        err,
        ImportError::WrongFormat {
            expected: "Aegis",
            detected: Some(ImportFormat::TwoFas)
        }
    );
    assert!(err.to_string().contains("--from 2fas"), "{err}");
}

#[test]
fn twofas_plain_and_encrypted_give_the_four_accounts() {
    for (bytes, password) in [(TWOFAS_PLAIN, None), (TWOFAS_ENCRYPTED, Some(PASSWORD))] {
        let report = TwoFas.import(bytes, password).unwrap();
        assert_eq!(records(&report.accounts), fixture_accounts());
        assert!(report.skipped.is_empty());
        let github = named(&report, "alice@example.com");
        assert_eq!(github.group.as_deref(), Some("Work"));
    }
}

#[test]
fn twofas_failure_modes() {
    assert_password_errors(&TwoFas, TWOFAS_ENCRYPTED, "2FAS");
    let cut = &TWOFAS_ENCRYPTED[..TWOFAS_ENCRYPTED.len() - 30];
    assert_eq!(
        TwoFas.import(cut, Some(PASSWORD)).unwrap_err(),
        ImportError::Truncated("2FAS")
    );
    let newer = replace(TWOFAS_PLAIN, "\"schemaVersion\": 4", "\"schemaVersion\": 5");
    assert!(matches!(
        TwoFas.import(&newer, None).unwrap_err(),
        ImportError::UnknownVersion { .. }
    ));
    // The reference opens but the services were changed: damage, not a wrong password.
    let text = std::str::from_utf8(TWOFAS_ENCRYPTED).unwrap();
    let at = text.find("\"servicesEncrypted\": \"").unwrap() + 23;
    let mut damaged = TWOFAS_ENCRYPTED.to_vec();
    damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        TwoFas.import(&damaged, Some(PASSWORD)).unwrap_err(),
        ImportError::Corrupt { .. }
    ));
    assert!(matches!(
        TwoFas.import(URIS, None).unwrap_err(),
        ImportError::WrongFormat { .. }
    ));
}

#[test]
fn ente_reads_code_display_and_skips_the_trash() {
    let report = Ente.import(ENTE, None).unwrap();
    assert_eq!(records(&report.accounts), fixture_accounts());
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].reason, "in Ente's trash");
    let github = named(&report, "alice@example.com");
    assert!(github.favourite);
    assert_eq!(github.group.as_deref(), Some("Work"));
    // codeDisplay does not leak into the account's URI.
    assert!(report.accounts.iter().all(|a| a.otp.extra.is_empty()));
    let proton = named(&report, "bob");
    assert_eq!(proton.note.as_deref(), Some("recovery codes in the safe"));
    assert!(matches!(
        Ente.import(br#"{"kdfParams":{},"encryptedData":"x"}"#, None)
            .unwrap_err(),
        ImportError::Corrupt { .. }
    ));
    assert!(matches!(
        Ente.import(b"hello\nworld\n", None).unwrap_err(),
        ImportError::WrongFormat { .. }
    ));
}

#[test]
fn bitwarden_reads_uris_bare_secrets_and_steam() {
    let report = Bitwarden.import(BITWARDEN, None).unwrap();
    // Proton is a bare secret there: TOTP with the defaults, labelled from the item.
    let expected = fixture_accounts_with(|r| match r.issuer.as_str() {
        "Proton" => Record {
            algorithm: "SHA1",
            digits: 6,
            param: 30,
            ..r
        },
        _ => r,
    });
    assert_eq!(records(&report.accounts), expected);
    // The broken secret is reported by item name; the password-only items are counted.
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].entry, "Broken");
    assert_eq!(
        report.notes,
        vec!["2 item(s) without a TOTP secret (passwords only) were left out".to_owned()]
    );
    let steam = named(&report, "dave");
    assert_eq!(steam.note.as_deref(), Some("family account"));
    let github = named(&report, "alice@example.com");
    assert_eq!(github.group.as_deref(), Some("Work"));
    assert!(github.favourite);
    let encrypted = replace(BITWARDEN, "\"encrypted\": false", "\"encrypted\": true");
    assert!(matches!(
        Bitwarden.import(&encrypted, None).unwrap_err(),
        ImportError::Unsupported(_)
    ));
    assert_eq!(
        Bitwarden.import(&BITWARDEN[..100], None).unwrap_err(),
        ImportError::Truncated("Bitwarden")
    );
}

#[test]
fn uri_lists_tolerate_blanks_comments_and_spaces_and_report_bad_lines() {
    let report = Uris.import(URIS, None).unwrap();
    assert_eq!(records(&report.accounts), fixture_accounts());
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].entry, "line 7");
    assert!(matches!(
        Uris.import(AEGIS_PLAIN, None).unwrap_err(),
        ImportError::WrongFormat { .. }
    ));
}

#[test]
fn google_exports_across_three_batches_import_whole() {
    let report = Google.import(GOOGLE, None).unwrap();
    // The migration format has no Steam, no 7 digits and no periods but 30 s.
    let mut expected = fixture_accounts_with(|r| match r.issuer.as_str() {
        "Proton" => Record { param: 30, ..r },
        "Bank" => Record {
            algorithm: "SHA1",
            digits: 6,
            ..r
        },
        _ => r,
    });
    expected.retain(|r| r.kind != "steam");
    assert_eq!(records(&report.accounts), expected);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[test]
fn google_exports_with_a_missing_batch_say_which() {
    let report = Google.import(GOOGLE_PARTIAL, None).unwrap();
    assert_eq!(report.accounts.len(), 2);
    assert_eq!(
        report.notes,
        vec!["batch 2 of 3 still missing: scan that QR code too".to_owned()]
    );
    assert!(matches!(
        Google.import(URIS, None).unwrap_err(),
        ImportError::WrongFormat {
            detected: Some(ImportFormat::Uris),
            ..
        }
    ));
}

#[test]
fn every_fixture_is_detected_as_its_own_format() {
    for (bytes, format) in [
        (AEGIS_PLAIN, ImportFormat::Aegis),
        (AEGIS_ENCRYPTED, ImportFormat::Aegis),
        (TWOFAS_PLAIN, ImportFormat::TwoFas),
        (TWOFAS_ENCRYPTED, ImportFormat::TwoFas),
        (ENTE, ImportFormat::Ente),
        (BITWARDEN, ImportFormat::Bitwarden),
        (URIS, ImportFormat::Uris),
        (GOOGLE, ImportFormat::Google),
    ] {
        assert_eq!(detect(bytes), Some(format));
    }
}
