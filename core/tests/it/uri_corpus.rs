//! `otpauth://` URIs as real issuers write them, and every refusal.

use twofold_core::{Algorithm, OtpAccount, OtpKind, SecretBytes, UriError};

/// "Hello!\xde\xad\xbe\xef" — the secret of Google's own Key URI example.
const SECRET: &str = "JBSWY3DPEHPK3PXP";

fn secret() -> SecretBytes {
    twofold_core::uri::decode_secret(SECRET).unwrap()
}

fn parse(uri: &str) -> OtpAccount {
    OtpAccount::from_uri(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

/// (uri, issuer, name, kind, algorithm, digits)
#[allow(clippy::type_complexity)]
const ACCEPTED: &[(&str, Option<&str>, &str, OtpKind, Algorithm, u8)] = &[
    // Google's example, everything explicit.
    ("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30",
     Some("Example"), "alice@google.com", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Minimal: defaults everywhere.
    ("otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Lower-case secret.
    ("otpauth://totp/alice?secret=jbswy3dpehpk3pxp", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Spaces (encoded) in the secret, as some sites show it in groups of four.
    ("otpauth://totp/alice?secret=JBSW%20Y3DP%20EHPK%203PXP", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // `+` in the query is a space, so this is a grouped secret too.
    ("otpauth://totp/alice?secret=JBSW+Y3DP+EHPK+3PXP", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Hyphens between groups.
    ("otpauth://totp/alice?secret=JBSW-Y3DP-EHPK-3PXP", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // `=` padding.
    ("otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP%3D%3D%3D%3D", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    ("otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP====", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Issuer only in the label.
    ("otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP", Some("GitHub"), "octocat", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Issuer only in the parameter.
    ("otpauth://totp/octocat?secret=JBSWY3DPEHPK3PXP&issuer=GitHub", Some("GitHub"), "octocat", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Both, disagreeing: the parameter wins (Key URI Format: "issuer parameter is preferred").
    ("otpauth://totp/OldName:octocat?secret=JBSWY3DPEHPK3PXP&issuer=NewName", Some("NewName"), "octocat", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // %3A as the label separator and %20 inside names.
    ("otpauth://totp/ACME%20Co%3Ajohn.doe%40email.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co", Some("ACME Co"), "john.doe@email.com", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Optional space after the colon.
    ("otpauth://totp/ACME%20Co:%20john?secret=JBSWY3DPEHPK3PXP", Some("ACME Co"), "john", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // `+` for space in the issuer parameter.
    ("otpauth://totp/john?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co", Some("ACME Co"), "john", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Algorithm spellings.
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=sha256", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha256, 6),
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=HmacSHA512", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha512, 6),
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Digits 5 to 10.
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=5", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 5),
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=8", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 8),
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=10", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 10),
    // Other periods.
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=60", None, "a", OtpKind::Totp { period: 60 }, Algorithm::Sha1, 6),
    // Extra parameters are kept, not refused.
    ("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fexample.com%2Flogo.png&color=ff0000", None, "a", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Steam, both spellings.
    ("otpauth://steam/Steam:gaben?secret=JBSWY3DPEHPK3PXP&issuer=Steam", Some("Steam"), "gaben", OtpKind::Steam, Algorithm::Sha1, 5),
    ("otpauth://totp/Steam:gaben?secret=JBSWY3DPEHPK3PXP&issuer=Steam&encoder=steam", Some("Steam"), "gaben", OtpKind::Steam, Algorithm::Sha1, 5),
    // HOTP with a counter, and without (counter 0).
    ("otpauth://hotp/Bank:me?secret=JBSWY3DPEHPK3PXP&counter=42", Some("Bank"), "me", OtpKind::Hotp { counter: 42 }, Algorithm::Sha1, 6),
    ("otpauth://hotp/Bank:me?secret=JBSWY3DPEHPK3PXP", Some("Bank"), "me", OtpKind::Hotp { counter: 0 }, Algorithm::Sha1, 6),
    // Upper-case scheme and type.
    ("OTPAUTH://TOTP/Example:alice?SECRET=JBSWY3DPEHPK3PXP&ISSUER=Example", Some("Example"), "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Surrounding white space from a copy and paste.
    ("  otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP\n", None, "alice", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Issuer but no account name.
    ("otpauth://totp/Example:?secret=JBSWY3DPEHPK3PXP", Some("Example"), "", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
    // Parameters in another order, and a repeated one (the first wins).
    ("otpauth://totp/a?digits=7&period=45&secret=JBSWY3DPEHPK3PXP&digits=8", None, "a", OtpKind::Totp { period: 45 }, Algorithm::Sha1, 7),
    // Unicode in the label.
    ("otpauth://totp/B%C3%BCro:j%C3%BCrgen?secret=JBSWY3DPEHPK3PXP", Some("Büro"), "jürgen", OtpKind::Totp { period: 30 }, Algorithm::Sha1, 6),
];

#[test]
fn accepted_uris_parse_to_the_expected_accounts() {
    assert!(ACCEPTED.len() >= 30);
    for (uri, issuer, name, kind, algorithm, digits) in ACCEPTED {
        let account = parse(uri);
        assert_eq!(account.issuer.as_deref(), *issuer, "issuer of {uri}");
        assert_eq!(account.name, *name, "name of {uri}");
        assert_eq!(account.kind, *kind, "kind of {uri}");
        assert_eq!(account.algorithm, *algorithm, "algorithm of {uri}");
        assert_eq!(account.digits, *digits, "digits of {uri}");
        assert_eq!(account.secret, secret(), "secret of {uri}");
    }
}

#[test]
fn every_accepted_uri_round_trips_through_format() {
    for (uri, ..) in ACCEPTED {
        let account = parse(uri);
        let again = parse(&account.to_uri());
        assert_eq!(
            again,
            account,
            "round trip of {uri} via {}",
            account.to_uri()
        );
    }
}

#[test]
fn extra_parameters_are_kept_in_order() {
    let account = parse(ACCEPTED[21].0);
    assert_eq!(
        account.extra,
        vec![
            (
                "image".to_owned(),
                "https://example.com/logo.png".to_owned()
            ),
            ("color".to_owned(), "ff0000".to_owned())
        ]
    );
}

#[test]
fn names_with_reserved_characters_survive_formatting() {
    let account = OtpAccount::new_totp(Some("A:B & C?".into()), "x+y=z/#%", secret());
    let uri = account.to_uri();
    assert_eq!(parse(&uri), account, "{uri}");
}

#[test]
fn refusals_name_what_is_wrong() {
    let cases: &[(&str, UriError)] = &[
        (
            "https://example.com/?secret=JBSWY3DPEHPK3PXP",
            UriError::NotOtpAuth,
        ),
        (
            "otpauth:totp/a?secret=JBSWY3DPEHPK3PXP",
            UriError::NotOtpAuth,
        ),
        ("", UriError::NotOtpAuth),
        (
            "otpauth-migration://offline?data=CgA%3D",
            UriError::IsMigrationExport,
        ),
        (
            "otpauth://motp/a?secret=JBSWY3DPEHPK3PXP",
            UriError::UnsupportedType("motp".into()),
        ),
        ("otpauth://totp/a", UriError::MissingSecret),
        ("otpauth://totp/a?issuer=X", UriError::MissingSecret),
        ("otpauth://totp/a?secret=", UriError::MissingSecret),
        ("otpauth://totp/a?secret====", UriError::MissingSecret),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PX1",
            UriError::InvalidSecret,
        ),
        ("otpauth://totp/a?secret=JBSWY3DPE", UriError::InvalidSecret),
        (
            "otpauth://totp/a?secret=JBSW%C3%A9",
            UriError::InvalidSecret,
        ),
        (
            "otpauth://totp/a?secret=JB%3DSWY3DP",
            UriError::InvalidSecret,
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
            UriError::UnsupportedAlgorithm("MD5".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=4",
            UriError::BadDigits("4".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=11",
            UriError::BadDigits("11".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=six",
            UriError::BadDigits("six".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0",
            UriError::BadPeriod("0".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=-30",
            UriError::BadPeriod("-30".into()),
        ),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=30s",
            UriError::BadPeriod("30s".into()),
        ),
        (
            "otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP&counter=x",
            UriError::BadCounter("x".into()),
        ),
        (
            "otpauth://totp/?secret=JBSWY3DPEHPK3PXP",
            UriError::MissingLabel,
        ),
        (
            "otpauth://totp?secret=JBSWY3DPEHPK3PXP",
            UriError::MissingLabel,
        ),
        (
            "otpauth://totp/%FF?secret=JBSWY3DPEHPK3PXP",
            UriError::BadEncoding("label"),
        ),
    ];
    for (uri, expected) in cases {
        assert_eq!(
            OtpAccount::from_uri(uri).as_ref().err(),
            Some(expected),
            "{uri}"
        );
    }
}

#[test]
fn error_messages_never_contain_the_secret() {
    let err = OtpAccount::from_uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PX1").unwrap_err();
    assert!(!err.to_string().contains("JBSWY3DP"), "{err}");
}

#[test]
fn codes_from_a_parsed_uri_are_the_generators_codes() {
    let account = parse("otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8");
    assert_eq!(account.code(59).unwrap(), "94287082");
    let hotp = parse("otpauth://hotp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1");
    assert_eq!(hotp.code(0).unwrap(), "287082");
}
