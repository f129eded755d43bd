//! Real PSKC files (RFC 6030 figures, multiOTP, Feitian, and broken ones), kept outside the
//! repository in `../shared/interop/pskc/` with the expectations of its README.md.
//!
//! When the folder is missing the test passes with a note, unless TWOFOLD_REQUIRE_INTEROP=1
//! (set by `scripts/check-interop.sh`): then it fails. TWOFOLD_PSKC_INTEROP_DIR points
//! elsewhere.

use std::path::PathBuf;

use twofold_server::tokens::import::{parse, Format, ImportError, Parsed, RowStatus, Unlock};
use twofold_server::tokens::TokenKind;
use zeroize::Zeroizing;

const PSK: &str = "12345678901234567890123456789012";

fn suite_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TWOFOLD_PSKC_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/interop/pskc")
        });
    if dir.join("README.md").exists() {
        return Some(dir);
    }
    let required = std::env::var("TWOFOLD_REQUIRE_INTEROP").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "TWOFOLD_REQUIRE_INTEROP=1 but {} is missing (set TWOFOLD_PSKC_INTEROP_DIR)",
        dir.display()
    );
    eprintln!("interop: {} not found; skipped", dir.display());
    None
}

fn key() -> Unlock {
    Unlock {
        key: Some(Zeroizing::new(
            twofold_server::crypto::decode_hex(PSK).unwrap(),
        )),
        password: None,
    }
}

fn password() -> Unlock {
    Unlock {
        key: None,
        password: Some(Zeroizing::new("qwerty".into())),
    }
}

fn read(dir: &std::path::Path, file: &str, unlock: &Unlock) -> Result<Parsed, ImportError> {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    assert_eq!(Format::guess(&bytes), Format::Pskc, "{file}");
    parse(&bytes, Format::Pskc, unlock)
}

fn ok(dir: &std::path::Path, file: &str, unlock: &Unlock) -> Parsed {
    read(dir, file, unlock).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    twofold_server::crypto::encode_hex(bytes)
}

fn skipped_reasons(parsed: &Parsed) -> Vec<String> {
    parsed
        .report
        .iter()
        .filter_map(|r| match &r.status {
            RowStatus::Skipped(reason) => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn interop_rfc6030_figures_read_as_the_readme_says() {
    let Some(dir) = suite_dir() else { return };
    let none = Unlock::default();

    // Figure 2: a 4-byte secret "1234": read, but refused as too short (RFC 4226 §4).
    let figure2 = ok(&dir, "rfc6030/figure2.pskcxml", &none);
    assert!(figure2.tokens.is_empty());
    match &figure2.report[..] {
        [row] => assert!(
            matches!(&row.status, RowStatus::Refused(r) if r.contains("4 bytes")),
            "{row:?}"
        ),
        other => panic!("figure 2: {other:?}"),
    }

    let figure3 = ok(&dir, "rfc6030/figure3.pskcxml", &none);
    let [token] = &figure3.tokens[..] else {
        panic!("figure 3: {:?}", figure3.report)
    };
    assert_eq!(token.serial, "987654321");
    assert_eq!(
        (token.kind, token.digits, token.counter),
        (TokenKind::Hotp, 8, 0)
    );
    assert_eq!(token.secret.expose(), b"12345678901234567890");
    assert_eq!(token.issuer.as_deref(), Some("Issuer"));

    let figure4 = ok(&dir, "rfc6030/figure4.pskcxml", &none);
    assert!(figure4.tokens.is_empty());
    assert!(skipped_reasons(&figure4)[0].contains("key reference `MasterKeyLabel`"));

    let figure5 = ok(&dir, "rfc6030/figure5.pskcxml", &none);
    assert_eq!(figure5.tokens.len(), 1);
    assert_eq!(figure5.tokens[0].secret.expose(), b"12345678901234567890");
    assert!(skipped_reasons(&figure5)[0].contains("pskc:pin"));

    for (file, unlock) in [
        ("rfc6030/figure6.pskcxml", key()),
        ("rfc6030/figure7.pskcxml", password()),
    ] {
        let parsed = ok(&dir, file, &unlock);
        let [token] = &parsed.tokens[..] else {
            panic!("{file}: {:?}", parsed.report)
        };
        assert_eq!(token.secret.expose(), b"12345678901234567890", "{file}");
        assert_eq!(token.digits, 8, "{file}");
    }
    // Figure 6 without the key, with a wrong key; figure 7 with a wrong password.
    assert!(matches!(
        read(&dir, "rfc6030/figure6.pskcxml", &Unlock::default()),
        Err(ImportError::KeyNeeded(_))
    ));
    let wrong = Unlock {
        key: Some(Zeroizing::new(vec![0x55; 16])),
        password: None,
    };
    assert!(matches!(
        read(&dir, "rfc6030/figure6.pskcxml", &wrong),
        Err(ImportError::MacMismatch(_) | ImportError::Decrypt(..))
    ));
    let wrong = Unlock {
        key: None,
        password: Some(Zeroizing::new("azerty".into())),
    };
    assert!(matches!(
        read(&dir, "rfc6030/figure7.pskcxml", &wrong),
        Err(ImportError::MacMismatch(_) | ImportError::Decrypt(..))
    ));

    let figure8 = ok(&dir, "rfc6030/figure8.pskcxml", &none);
    assert!(figure8.tokens.is_empty());
    assert!(skipped_reasons(&figure8)[0].contains("RSA"));

    let figure9 = ok(&dir, "rfc6030/figure9.pskcxml", &key());
    assert!(!figure9.tokens.is_empty(), "{:?}", figure9.report);

    let figure10 = ok(&dir, "rfc6030/figure10.pskcxml", &none);
    assert!(!figure10.report.is_empty());
    for row in &figure10.report {
        assert!(row.serial.is_some(), "figure 10: {row:?}");
    }
}

#[test]
fn interop_multiotp_files_decrypt_to_the_expected_secrets() {
    let Some(dir) = suite_dir() else { return };
    let cases = [
        (
            "multiotp/pskc-totp-aes.txt",
            key(),
            "3132333435363738393031323334353637383930",
            TokenKind::Totp,
        ),
        (
            "multiotp/pskc-totp-pbe.txt",
            password(),
            "3031323334353637383930313233343536373839",
            TokenKind::Totp,
        ),
        (
            "multiotp/tokens_totp_aes.pskc",
            key(),
            "38c2506a8e0708a5e929c2686b827e0ba7ae28c9de3c83e6d27308345981a3de",
            TokenKind::Totp,
        ),
        (
            "multiotp/tokens_totp_pbe.pskc",
            password(),
            "2c8792d34a3a8711b7cfc4304bcc84e3e67815a6",
            TokenKind::Totp,
        ),
        (
            "multiotp/tokens_hotp_aes.pskc",
            key(),
            "91f0dc4e239977e6bcc273e4f5414a8a6cf6d62c6990f58b4914a2d588b3475f",
            TokenKind::Hotp,
        ),
        (
            "multiotp/tokens_hotp_pbe.pskc",
            password(),
            "5d3a38bf5476d6f0b897f1e62887cb3ce833a5b9",
            TokenKind::Hotp,
        ),
    ];
    for (file, unlock, first_secret, kind) in cases {
        let parsed = ok(&dir, file, &unlock);
        assert!(!parsed.has_refusals(), "{file}: {:?}", parsed.report);
        let first = parsed
            .tokens
            .first()
            .unwrap_or_else(|| panic!("{file}: no token"));
        assert_eq!(hex(first.secret.expose()), first_secret, "{file}");
        assert!(parsed.tokens.iter().all(|t| t.kind == kind), "{file}");
    }
    let sha256 = ok(&dir, "multiotp/tokens_totp_aes.pskc", &key());
    assert_eq!(sha256.tokens[0].algorithm, twofold_core::Algorithm::Sha256);
    for file in ["multiotp/pskc-hotp-aes.txt", "multiotp/pskc-hotp-pbe.txt"] {
        let unlock = if file.contains("aes") {
            key()
        } else {
            password()
        };
        let parsed = ok(&dir, file, &unlock);
        assert!(
            parsed.tokens.iter().all(|t| t.kind == TokenKind::Hotp),
            "{file}"
        );
    }
    for (file, unlock) in [
        ("multiotp/tokens_ocra_aes.pskc", key()),
        ("multiotp/tokens_ocra_pbe.pskc", password()),
    ] {
        let parsed = ok(&dir, file, &unlock);
        assert!(parsed.tokens.is_empty(), "{file}");
        let reasons = skipped_reasons(&parsed);
        assert!(!reasons.is_empty());
        // OCRA keys, and the PIN keys that go with them.
        assert!(reasons.iter().any(|r| r.contains("pskc:ocra")), "{file}");
        assert!(
            reasons
                .iter()
                .all(|r| r.contains("is not an OATH HOTP/TOTP token")),
            "{file}: {reasons:?}"
        );
    }
}

#[test]
fn interop_feitian_seed_files_read_every_token() {
    let Some(dir) = suite_dir() else { return };
    let none = Unlock::default();
    let file1 = ok(&dir, "feitian/file1.pskcxml", &none);
    let got: Vec<(&str, TokenKind, u64)> = file1
        .tokens
        .iter()
        .map(|t| (t.serial.as_str(), t.kind, t.period))
        .collect();
    assert_eq!(
        got,
        [
            ("1000133508267", TokenKind::Hotp, 30),
            ("1000133508255", TokenKind::Hotp, 30),
            ("2600124809778", TokenKind::Totp, 60),
            ("2600124809787", TokenKind::Totp, 60),
            ("2600135004012", TokenKind::Totp, 60),
            ("2600135004013", TokenKind::Totp, 60),
        ]
    );
    let c200 = ok(&dir, "feitian/20120919-test001-4282.xml", &none);
    let got: Vec<(&str, TokenKind, u8, u64, u64)> = c200
        .tokens
        .iter()
        .map(|t| (t.serial.as_str(), t.kind, t.digits, t.period, t.counter))
        .collect();
    assert_eq!(
        got,
        [
            ("2600215704919", TokenKind::Totp, 6, 60, 0),
            ("1000117803294", TokenKind::Hotp, 6, 30, 0),
        ]
    );
}

#[test]
fn interop_invalid_files_are_refused_with_a_reason() {
    let Some(dir) = suite_dir() else { return };
    let cases = [
        ("notxml.pskcxml", "not well-formed"),
        ("wrongelement.pskcxml", "not <KeyContainer>"),
        ("wrongversion.pskcxml", "version 1.2"),
        ("mac-value.pskcxml", "MAC of key 1 Secret does not verify"),
        ("mac-algorithm.pskcxml", "unsupported MAC algorithm"),
        ("no-mac-method.pskcxml", "no MACMethod"),
        (
            "missing-encryption.pskcxml",
            "no EncryptionMethod algorithm",
        ),
        ("missing-encryption-method.pskcxml", "no EncryptionMethod"),
        (
            "unknown-encryption.pskcxml",
            "unsupported encryption algorithm",
        ),
        ("incomplete-derivation.pskcxml", "no PBKDF2-params"),
        (
            "not-integer.pskcxml",
            "NumberOfTransactions: `TWELVE` is not an integer",
        ),
        (
            "not-integer2.pskcxml",
            "MinLength: `FOUR` is not an integer",
        ),
        (
            "not-boolean.pskcxml",
            "CheckDigits: `not really` is not a boolean",
        ),
    ];
    let mut seen = 0;
    for entry in std::fs::read_dir(dir.join("invalid")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let (_, want) = cases
            .iter()
            .find(|(file, _)| *file == name)
            .unwrap_or_else(|| panic!("invalid/{name} has no expectation here"));
        // With the right key and the right password at hand: the file itself is at fault.
        let both = Unlock {
            key: key().key,
            password: password().password,
        };
        let err = read(&dir, &format!("invalid/{name}"), &both)
            .map(|p| format!("{:?}", p.report))
            .expect_err(&format!("invalid/{name} was accepted"));
        assert!(err.to_string().contains(want), "invalid/{name}: {err}");
        seen += 1;
    }
    assert_eq!(seen, cases.len());
}
