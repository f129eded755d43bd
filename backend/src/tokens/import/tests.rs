//! The readers against the project's own fixtures (made by `scripts/make-token-fixtures.sh`);
//! the vendor and RFC files are checked by the `it` binary's `tokens` module.

use zeroize::Zeroizing;

use super::*;

const PLAIN: &str = include_str!("../../../tests/fixtures/tokens/plain.pskcxml");
const AES256: &str = include_str!("../../../tests/fixtures/tokens/aes256.pskcxml");
const AES256_BAD_MAC: &str = include_str!("../../../tests/fixtures/tokens/aes256-bad-mac.pskcxml");
const PBKDF2: &str = include_str!("../../../tests/fixtures/tokens/pbkdf2.pskcxml");
const AZURE_SERVER: &str = include_str!("../../../tests/fixtures/tokens/azure-server.csv");
const ENTRA: &str = include_str!("../../../tests/fixtures/tokens/entra.csv");
const OATH_HEX: &str = include_str!("../../../tests/fixtures/tokens/oath-hex.csv");

const PSK: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn with_key(hex: &str) -> Unlock {
    Unlock {
        key: Some(Zeroizing::new(crate::crypto::decode_hex(hex).unwrap())),
        password: None,
    }
}

fn with_password(password: &str) -> Unlock {
    Unlock {
        key: None,
        password: Some(Zeroizing::new(password.to_string())),
    }
}

fn pskc(text: &str, unlock: &Unlock) -> Result<Parsed, ImportError> {
    parse(text.as_bytes(), Format::Pskc, unlock)
}

fn csv(text: &str) -> Parsed {
    parse(text.as_bytes(), Format::Csv, &Unlock::default()).unwrap()
}

#[test]
fn plaintext_pskc_reads_hotp_and_totp_and_skips_the_pin_key() {
    let parsed = pskc(PLAIN, &Unlock::default()).unwrap();
    assert_eq!(parsed.tokens.len(), 2);
    let hotp = &parsed.tokens[0];
    assert_eq!(hotp.serial, "TF-PLAIN-H1");
    assert_eq!(hotp.kind, TokenKind::Hotp);
    assert_eq!(hotp.secret.expose(), b"twofold-plain-hotp-1");
    assert_eq!((hotp.digits, hotp.counter), (6, 5));
    assert_eq!(hotp.issuer.as_deref(), Some("Twofold"));
    assert_eq!(hotp.manufacturer.as_deref(), Some("Twofold Test"));
    assert_eq!(hotp.model.as_deref(), Some("H1"));
    let totp = &parsed.tokens[1];
    assert_eq!(totp.kind, TokenKind::Totp);
    assert_eq!(totp.algorithm, Algorithm::Sha256);
    assert_eq!((totp.digits, totp.period), (8, 60));
    assert_eq!(totp.secret.expose(), b"twofold-plain-totp-sha256-key-32");
    match &parsed.report[2].status {
        RowStatus::Skipped(reason) => assert!(reason.contains("pskc:pin"), "{reason}"),
        other => panic!("the PIN key should be skipped, got {other:?}"),
    }
    assert!(!parsed.has_refusals());
}

#[test]
fn aes256_pskc_decrypts_with_the_pre_shared_key_and_checks_the_mac() {
    let parsed = pskc(AES256, &with_key(PSK)).unwrap();
    assert_eq!(parsed.tokens.len(), 2);
    assert_eq!(
        parsed.tokens[0].secret.expose(),
        b"twofold-aes256-totp-secret"
    );
    assert_eq!(parsed.tokens[0].issuer.as_deref(), Some("Twofold AES"));
    let hotp = &parsed.tokens[1];
    assert_eq!(hotp.secret.expose(), b"twofold-aes256-hotp-seed");
    // The counter is encrypted too: 8 bytes big-endian.
    assert_eq!(
        (hotp.kind, hotp.counter, hotp.digits),
        (TokenKind::Hotp, 42, 8)
    );
}

#[test]
fn encrypted_pskc_without_or_with_a_wrong_key_yields_nothing() {
    let err = pskc(AES256, &Unlock::default()).unwrap_err();
    assert!(
        matches!(err, ImportError::KeyNeeded(ref name) if name.contains("Twofold fixture key")),
        "{err}"
    );
    let wrong = "ff".repeat(32);
    let err = pskc(AES256, &with_key(&wrong)).unwrap_err();
    assert!(
        matches!(err, ImportError::MacMismatch(_) | ImportError::Decrypt(..)),
        "{err}"
    );
    let err = pskc(AES256, &with_key(&"00".repeat(16))).unwrap_err();
    assert!(err.to_string().contains("needs a 32-byte key"), "{err}");
}

#[test]
fn a_flipped_mac_bit_refuses_the_whole_file() {
    let err = pskc(AES256_BAD_MAC, &with_key(PSK)).unwrap_err();
    assert_eq!(err, ImportError::MacMismatch("key 1 Secret".into()));
    assert!(err.to_string().contains("nothing imported"));
}

#[test]
fn pbkdf2_pskc_needs_the_right_password() {
    let parsed = pskc(PBKDF2, &with_password("twofold fixture")).unwrap();
    assert_eq!(parsed.tokens.len(), 1);
    assert_eq!(parsed.tokens[0].secret.expose(), b"twofold-pbkdf2-hotp-key");
    assert_eq!(parsed.tokens[0].serial, "TF-PBE-H1");
    assert_eq!(
        pskc(PBKDF2, &Unlock::default()).unwrap_err(),
        ImportError::PasswordNeeded
    );
    assert!(matches!(
        pskc(PBKDF2, &with_password("qwerty")).unwrap_err(),
        ImportError::MacMismatch(_) | ImportError::Decrypt(..)
    ));
}

#[test]
fn broken_pskc_is_refused_with_a_reason() {
    let cases = [
        ("<KeyContainer Version=\"1.0\"><KeyPackage></KeyContainer>", "not well-formed"),
        ("<Other/>", "not <KeyContainer>"),
        ("<KeyContainer Version=\"2.0\"/>", "version 2.0"),
        ("<KeyContainer/>", "Version attribute is missing"),
        (
            "<KeyContainer Version=\"1.0\"><KeyPackage><Key Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\"><Data><Secret><PlainValue>!!</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>",
            "not valid base64",
        ),
        (
            "<KeyContainer Version=\"1.0\"><KeyPackage><Key><Data><Counter><PlainValue>x</PlainValue></Counter></Data></Key></KeyPackage></KeyContainer>",
            "key 1 Counter: `x` is not an integer",
        ),
    ];
    for (text, want) in cases {
        let err = pskc(text, &Unlock::default()).unwrap_err().to_string();
        assert!(err.contains(want), "{text}: {err}");
    }
}

#[test]
fn a_short_secret_is_refused_by_rfc_4226() {
    let text = "<KeyContainer Version=\"1.0\"><KeyPackage><Key Id=\"s1\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:hotp\"><Data><Secret><PlainValue>MTIzNA==</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>";
    let parsed = pskc(text, &Unlock::default()).unwrap();
    assert!(parsed.tokens.is_empty());
    assert!(parsed.has_refusals());
    assert_eq!(parsed.report[0].serial.as_deref(), Some("s1"));
}

#[test]
fn csv_in_the_azure_server_shape() {
    let parsed = csv(AZURE_SERVER);
    assert_eq!(parsed.tokens.len(), 2);
    let second = &parsed.tokens[1];
    assert_eq!(second.serial, "TF-CSV-A2");
    assert_eq!(second.secret.expose(), b"twofold-csv-azure-two");
    assert_eq!(
        (second.kind, second.period, second.row),
        (TokenKind::Totp, 60, 3)
    );
}

#[test]
fn csv_in_the_entra_shape_assigns_users() {
    let parsed = csv(ENTRA);
    assert_eq!(parsed.tokens.len(), 2);
    assert_eq!(parsed.tokens[0].user.as_deref(), Some("alice"));
    assert_eq!(parsed.tokens[0].secret.expose(), b"twofold-csv-entra-alice");
    assert_eq!(parsed.tokens[0].manufacturer.as_deref(), Some("Contoso"));
    assert_eq!(parsed.tokens[1].user, None);
}

#[test]
fn csv_with_hex_keys_and_types() {
    let parsed = csv(OATH_HEX);
    let [hotp, totp] = &parsed.tokens[..] else {
        panic!("two tokens expected: {:?}", parsed.report)
    };
    assert_eq!(
        (hotp.kind, hotp.digits, hotp.counter),
        (TokenKind::Hotp, 6, 0)
    );
    assert_eq!(hotp.secret.expose(), b"twofold-csv-hex-hotp-1");
    assert_eq!(
        (totp.kind, totp.digits, totp.period),
        (TokenKind::Totp, 8, 30)
    );
}

#[test]
fn csv_rows_that_are_broken_are_refused_with_their_line() {
    let text = "SERIAL_NUMBER , secret key\nA1,not*base32\nA2,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nA2,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\nA3\n";
    let parsed = csv(text);
    assert!(parsed.has_refusals());
    let refused: Vec<(usize, String)> = parsed
        .report
        .iter()
        .filter_map(|r| match &r.status {
            RowStatus::Refused(reason) => Some((r.row, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert_eq!(refused[0].0, 2);
    assert!(refused[0].1.contains("base32"));
    assert!(refused[1].1.contains("appears earlier"), "{refused:?}");
    assert!(refused[2].1.contains("fields"), "{refused:?}");
}

#[test]
fn csv_headers_must_name_known_columns() {
    for (text, want) in [
        ("", "empty"),
        ("serial,colour\n", "`colour` is not a known header"),
        ("secret key\nGEZDGNBV\n", "no serial number column"),
        ("serial,key,secret\n", "exactly one key column"),
        ("serial,serial number,key\n", "twice"),
    ] {
        let err = parse(text.as_bytes(), Format::Csv, &Unlock::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{text}: {err}");
    }
}

#[test]
fn the_format_is_guessed_from_the_content() {
    assert_eq!(Format::guess(PLAIN.as_bytes()), Format::Pskc);
    assert_eq!(Format::guess(b"\xEF\xBB\xBF  <?xml"), Format::Pskc);
    assert_eq!(Format::guess(AZURE_SERVER.as_bytes()), Format::Csv);
}

#[test]
fn secrets_do_not_show_in_debug_or_errors() {
    let parsed = csv(AZURE_SERVER);
    let shown = format!("{:?}", parsed.tokens);
    assert!(
        !shown.contains("OR3W6ZTP") && !shown.contains("twofold-csv"),
        "{shown}"
    );
    let err = csv("serial,secret key\nA,OR3W6ZTP*\n");
    assert!(!format!("{:?}", err.report).contains("OR3W6ZTP"));
    assert!(format!("{:?}", with_password("hunter2")).contains("***"));
}
