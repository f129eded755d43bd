//! Google Authenticator exports, encoded here with an independent protobuf definition and
//! decoded by the library.

use base64::Engine;
use prost::Message;
use twofold_core::uri::migration::{MigrationBatch, MigrationError, MigrationSet};
use twofold_core::{Algorithm, OtpKind};

#[derive(Clone, PartialEq, Message)]
struct Payload {
    #[prost(message, repeated, tag = "1")]
    otp_parameters: Vec<Parameters>,
    #[prost(int32, tag = "2")]
    version: i32,
    #[prost(int32, tag = "3")]
    batch_size: i32,
    #[prost(int32, tag = "4")]
    batch_index: i32,
    #[prost(int32, tag = "5")]
    batch_id: i32,
}

#[derive(Clone, PartialEq, Message)]
struct Parameters {
    #[prost(bytes = "vec", tag = "1")]
    secret: Vec<u8>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(string, tag = "3")]
    issuer: String,
    #[prost(int32, tag = "4")]
    algorithm: i32,
    #[prost(int32, tag = "5")]
    digits: i32,
    #[prost(int32, tag = "6")]
    otp_type: i32,
    #[prost(int64, tag = "7")]
    counter: i64,
}

fn entry(
    name: &str,
    issuer: &str,
    algorithm: i32,
    digits: i32,
    otp_type: i32,
    counter: i64,
) -> Parameters {
    Parameters {
        secret: b"12345678901234567890".to_vec(),
        name: name.into(),
        issuer: issuer.into(),
        algorithm,
        digits,
        otp_type,
        counter,
    }
}

fn uri_of(payload: &Payload, url_encode: bool) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(payload.encode_to_vec());
    let data = if url_encode {
        data.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    } else {
        data
    };
    format!("otpauth-migration://offline?data={data}")
}

fn payload(entries: Vec<Parameters>, size: i32, index: i32, id: i32) -> Payload {
    Payload {
        otp_parameters: entries,
        version: 1,
        batch_size: size,
        batch_index: index,
        batch_id: id,
    }
}

#[test]
fn a_single_batch_decodes_every_field() {
    let p = payload(
        vec![
            entry("alice@example.com", "Example", 1, 1, 2, 0),
            entry("bob", "Bank", 2, 2, 1, 7),
            entry("carol", "", 3, 0, 0, 0),
        ],
        1,
        0,
        -12345,
    );
    let batch = MigrationBatch::from_uri(&uri_of(&p, true)).unwrap();
    assert_eq!(
        (
            batch.batch_size,
            batch.batch_index,
            batch.batch_id,
            batch.version
        ),
        (1, 0, -12345, 1)
    );
    let [a, b, c] = batch.accounts.as_slice() else {
        panic!("three accounts")
    };
    assert_eq!(
        (a.issuer.as_deref(), a.name.as_str()),
        (Some("Example"), "alice@example.com")
    );
    assert_eq!(
        (a.algorithm, a.digits, a.kind),
        (Algorithm::Sha1, 6, OtpKind::Totp { period: 30 })
    );
    assert_eq!(
        (b.algorithm, b.digits, b.kind),
        (Algorithm::Sha256, 8, OtpKind::Hotp { counter: 7 })
    );
    assert_eq!(
        (c.issuer.as_deref(), c.algorithm, c.digits),
        (None, Algorithm::Sha512, 6)
    );
    // RFC 4226 appendix D: step 1 (t = 59) of the RFC secret.
    assert_eq!(a.code(59).unwrap(), "287082");
    assert_eq!(b.code(0).unwrap().len(), 8);
}

#[test]
fn a_literal_plus_in_the_data_survives() {
    // Find a payload whose base64 holds a `+`, then put it in the URI unencoded.
    let mut found = false;
    for id in 0..5000 {
        let p = payload(vec![entry("x", "Y", 1, 1, 2, 0)], 1, 0, id);
        let uri = uri_of(&p, false);
        if uri.contains('+') {
            let batch = MigrationBatch::from_uri(&uri).unwrap();
            assert_eq!(batch.batch_id, id);
            found = true;
            break;
        }
    }
    assert!(found, "no payload with '+' in its base64 was found");
}

#[test]
fn issuer_prefix_in_the_name_is_split_off() {
    let p = payload(
        vec![
            entry("GitHub:octocat", "GitHub", 1, 1, 2, 0),
            entry("Corp:me", "", 1, 1, 2, 0),
        ],
        1,
        0,
        1,
    );
    let batch = MigrationBatch::from_uri(&uri_of(&p, true)).unwrap();
    assert_eq!(batch.accounts[0].name, "octocat");
    assert_eq!(
        (
            batch.accounts[1].issuer.as_deref(),
            batch.accounts[1].name.as_str()
        ),
        (Some("Corp"), "me")
    );
}

#[test]
fn unsupported_entries_are_skipped_with_a_reason() {
    let mut no_secret = entry("empty", "X", 1, 1, 2, 0);
    no_secret.secret.clear();
    let p = payload(
        vec![
            entry("md5", "X", 4, 1, 2, 0),
            no_secret,
            entry("ok", "X", 1, 1, 2, 0),
        ],
        1,
        0,
        1,
    );
    let batch = MigrationBatch::from_uri(&uri_of(&p, true)).unwrap();
    assert_eq!(batch.accounts.len(), 1);
    assert_eq!(batch.skipped.len(), 2);
    assert_eq!(batch.skipped[0].name, "md5");
    assert!(batch.skipped[0].reason.contains("MD5"));
    assert_eq!(batch.skipped[1].position, 1);
}

#[test]
fn multi_batch_exports_report_what_is_missing() {
    let uris: Vec<String> = (0..3)
        .map(|i| {
            uri_of(
                &payload(vec![entry(&format!("acct{i}"), "X", 1, 1, 2, 0)], 3, i, 99),
                true,
            )
        })
        .collect();
    let mut set = MigrationSet::new();
    set.add(MigrationBatch::from_uri(&uris[2]).unwrap())
        .unwrap();
    assert_eq!(set.missing(), vec![0, 1]);
    set.add(MigrationBatch::from_uri(&uris[0]).unwrap())
        .unwrap();
    // Scanning the same code again changes nothing.
    set.add(MigrationBatch::from_uri(&uris[0]).unwrap())
        .unwrap();
    assert_eq!(set.missing(), vec![1]);
    assert!(!set.is_complete());
    set.add(MigrationBatch::from_uri(&uris[1]).unwrap())
        .unwrap();
    assert!(set.is_complete());
    let names: Vec<_> = set.accounts().map(|a| a.name.clone()).collect();
    assert_eq!(names, ["acct0", "acct1", "acct2"]);

    let other = uri_of(&payload(vec![entry("z", "X", 1, 1, 2, 0)], 3, 1, 100), true);
    assert_eq!(
        set.add(MigrationBatch::from_uri(&other).unwrap()),
        Err(MigrationError::OtherExport {
            expected: 99,
            found: 100
        })
    );
}

#[test]
fn library_encoding_round_trips() {
    let p = payload(
        vec![
            entry("alice", "Example", 2, 2, 2, 0),
            entry("bob", "", 1, 1, 1, 3),
        ],
        2,
        1,
        5,
    );
    let batch = MigrationBatch::from_uri(&uri_of(&p, true)).unwrap();
    let (uri, left_out) = batch.to_uri();
    assert!(left_out.is_empty());
    assert_eq!(MigrationBatch::from_uri(&uri).unwrap(), batch);
}

#[test]
fn corrupt_exports_are_refused_with_a_reason() {
    let good = uri_of(&payload(vec![entry("a", "X", 1, 1, 2, 0)], 1, 0, 1), true);
    let truncated = &good[..good.len() - 12];
    let cases: Vec<(String, MigrationError)> = vec![
        (
            "otpauth://totp/a?secret=AAAA".into(),
            MigrationError::NotMigration,
        ),
        (
            "otpauth-migration://offline".into(),
            MigrationError::MissingData,
        ),
        (
            "otpauth-migration://offline?data=".into(),
            MigrationError::MissingData,
        ),
        (
            "otpauth-migration://offline?data=%%%".into(),
            MigrationError::InvalidBase64,
        ),
        (
            "otpauth-migration://offline?data=!!!!".into(),
            MigrationError::InvalidBase64,
        ),
        // Valid base64, not a protobuf: 0xff... is an invalid wire type.
        (
            "otpauth-migration://offline?data=%2F%2F%2F%2F".into(),
            MigrationError::Corrupt,
        ),
        (truncated.to_owned(), MigrationError::Corrupt),
        (
            uri_of(&payload(vec![], 2, 2, 1), true),
            MigrationError::BadBatch { index: 2, size: 2 },
        ),
        (
            uri_of(&payload(vec![], 2, -1, 1), true),
            MigrationError::BadBatch { index: -1, size: 2 },
        ),
    ];
    for (uri, expected) in cases {
        assert_eq!(
            MigrationBatch::from_uri(&uri).err(),
            Some(expected),
            "{uri}"
        );
    }
}
