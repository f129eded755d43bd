//! The entry points of Twofold's fuzz targets: one function per parser of untrusted input,
//! taking the fuzzer's bytes. A function returns normally whatever the bytes are; a panic,
//! an overflow or a hang is the bug. The libFuzzer binaries in `fuzz/targets/` (built by
//! cargo-fuzz, outside the workspace) only call these, and `tests/it` replays every corpus
//! and regression input through the same functions in the normal test run, so a crash found
//! once stays fixed without a fuzzer.
//!
//! Not here: the QR image decoder (a third-party crate; the importers get its output as text)
//! and the password-based key derivations (their costs are bounded before anything runs, see
//! `mobile/src/importers/kdf.rs`): encrypted importers get no password, so the fuzzer explores
//! the container formats, not Argon2.

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use twofold_authenticator::push::protocol::Protocol;
use twofold_authenticator::push::PushAccount;
use twofold_authenticator::{ImportFormat, PushLink, PushState, Vault};
use twofold_core::proto::channel::{DeviceMessage, ServerMessage};
use twofold_core::proto::{b64_encode, ActivationUri};
use twofold_core::uri::migration::MigrationBatch;
use twofold_core::OtpAccount;
use twofold_server::auth::{users, users_csv};
use twofold_server::tokens::import::{self as tokens, Format, Unlock};

pub mod radius;
pub mod web;
pub use radius::radius_packet;
pub use web::web_form;

/// A fuzz target: its name (the folder of its corpus) and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by the name of its corpus folder and its libFuzzer binary.
pub const TARGETS: &[Target] = &[
    ("otpauth_uri", otpauth_uri),
    ("migration_uri", migration_uri),
    ("migration_payload", migration_payload),
    ("import_aegis", import_aegis),
    ("import_2fas", import_twofas),
    ("import_ente", import_ente),
    ("import_bitwarden", import_bitwarden),
    ("import_uris", import_uris),
    ("import_google", import_google),
    ("import_twofold", import_twofold),
    ("vault_file", vault_file),
    ("token_pskc", token_pskc),
    ("token_csv", token_csv),
    ("channel_device", channel_device),
    ("channel_server", channel_server),
    ("activation_uri", activation_uri),
    ("radius_packet", radius_packet),
    ("user_csv", user_csv),
    ("web_form", web_form),
];

/// Text inputs: the bytes as UTF-8 when they are (the parsers take `&str`).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `otpauth://` URIs (Key Uri Format, with the real-world quirks `core/src/uri` accepts), and
/// the code of what parsed: generating a code is where bad parameters would bite.
pub fn otpauth_uri(data: &[u8]) {
    if let Some(account) = text(data).and_then(|t| OtpAccount::from_uri(t).ok()) {
        let _ = account.code(1_700_000_000);
        let _ = account.to_uri();
    }
}

/// `otpauth-migration://` links as text.
pub fn migration_uri(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = MigrationBatch::from_uri(t);
    }
}

/// Google Authenticator's protobuf payload itself: the bytes put in a link's `data`
/// parameter, base64 and percent-encoded as the app does, so the decoder sees them as they are.
pub fn migration_payload(data: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let uri = format!(
        "otpauth-migration://offline?data={}",
        utf8_percent_encode(&b64, NON_ALPHANUMERIC)
    );
    if let Ok(batch) = MigrationBatch::from_uri(&uri) {
        for account in &batch.accounts {
            let _ = account.code(1_700_000_000);
        }
    }
}

fn import(format: ImportFormat, data: &[u8]) {
    let _ = format.importer().import(data, None);
}

pub fn import_aegis(data: &[u8]) {
    import(ImportFormat::Aegis, data);
}

pub fn import_twofas(data: &[u8]) {
    import(ImportFormat::TwoFas, data);
}

pub fn import_ente(data: &[u8]) {
    import(ImportFormat::Ente, data);
}

pub fn import_bitwarden(data: &[u8]) {
    import(ImportFormat::Bitwarden, data);
}

pub fn import_uris(data: &[u8]) {
    import(ImportFormat::Uris, data);
}

pub fn import_google(data: &[u8]) {
    import(ImportFormat::Google, data);
}

pub fn import_twofold(data: &[u8]) {
    import(ImportFormat::Twofold, data);
}

/// The vault file. As it is, a mutated file stops at the SHA-256 checksum that ends it; so its
/// last 32 bytes are also replaced by the right checksum, and the header parser behind it is
/// reached too (without the password derivation, whose cost the header sets).
pub fn vault_file(data: &[u8]) {
    let _ = Vault::open(data, "fuzz");
    let body = &data[..data.len().saturating_sub(32)];
    let mut sealed = body.to_vec();
    sealed.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, body).as_ref());
    let _ = twofold_authenticator::vault::device_slot_alias(&sealed);
}

/// PSKC (RFC 6030) seed files, plain and as if a pre-shared key and a password were given.
pub fn token_pskc(data: &[u8]) {
    let _ = tokens::parse(data, Format::Pskc, &Unlock::default());
    let unlock = Unlock {
        key: Some(vec![0x42; 16].into()),
        password: None,
    };
    let _ = tokens::parse(data, Format::Pskc, &unlock);
}

/// The token CSV files, all three shapes (one parser tells them apart by the header).
pub fn token_csv(data: &[u8]) {
    let _ = tokens::parse(data, Format::Csv, &Unlock::default());
}

/// What a device sends the server (`docs/PROTOCOL.md`), as the server reads it.
pub fn channel_device(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = serde_json::from_str::<DeviceMessage>(t);
    }
}

/// What the server sends a device, as the device's protocol reads it: the input is a
/// conversation, one frame per line (an empty line is a reconnect), through a real protocol
/// state machine. A fuzzer cannot forge the server's ECDSA signature, so a `challenge` whose
/// signature is `"sign"` is signed here with the stand-in server key: the states behind the
/// signature check (pending requests, verdicts, withdrawals, expiry) are reached as well.
pub fn channel_server(data: &[u8]) {
    let Some(t) = text(data) else {
        return;
    };
    let Some((mut protocol, server_key)) = protocol() else {
        return;
    };
    let rng = SystemRandom::new();
    protocol.connection_opened();
    for (i, frame) in t.split('\n').enumerate() {
        let now = 1_700_000_000 + i as u64;
        if frame.is_empty() {
            protocol.connection_lost();
            protocol.connection_opened();
            continue;
        }
        match serde_json::from_str::<ServerMessage>(frame) {
            Ok(ServerMessage::Challenge {
                challenge,
                signature,
            }) if signature == "sign" => {
                let Ok(signed) = server_key.sign(&rng, &challenge.signed_bytes()) else {
                    return;
                };
                let signature = b64_encode(signed.as_ref());
                let _ = protocol.on_message(
                    ServerMessage::Challenge {
                        challenge,
                        signature,
                    },
                    now,
                );
            }
            _ => {
                let _ = protocol.on_text(frame, now);
            }
        }
        let _ = protocol.tick(now);
    }
    let _ = protocol.pending();
}

/// A device's protocol, and the key pair standing in for its server's signing key.
fn protocol() -> Option<(Protocol, EcdsaKeyPair)> {
    let rng = SystemRandom::new();
    let device = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).ok()?;
    let server = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).ok()?;
    let server =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, server.as_ref(), &rng).ok()?;
    let account = PushAccount {
        account_id: "0123456789abcdef".into(),
        label: "Twofold (fuzz)".into(),
        link: PushLink {
            device_key: device.as_ref().to_vec().into(),
            server_url: "https://mfa.example.test".into(),
            server_public_key: server.public_key().as_ref().to_vec(),
            activation_epoch: 1,
            device_id: "dev_fuzz".into(),
            username: "fuzz".into(),
            server_name: "mfa-1".into(),
            state: PushState::Active,
        },
    };
    Some((Protocol::new(&account, 0).ok()?, server))
}

/// `twofold://activate?url=...&code=...` as the app reads it from a QR code or a paste.
pub fn activation_uri(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = ActivationUri::parse(t);
    }
}

/// The user import's CSV, as the server reads it, each row's user checked as an import checks
/// it; and the CLI's cutting of a large file into requests, which must not change what is
/// read: the rows of the chunks (cut every 3 records, so the cuts are many) are the rows of
/// the whole file, on the same lines, with the same verdicts.
pub fn user_csv(data: &[u8]) {
    let Some(t) = text(data) else {
        return;
    };
    let Ok(whole) = users_csv::parse(t, 1) else {
        return;
    };
    let whole: Vec<(u64, String, Result<(), String>)> = whole
        .into_iter()
        .map(|row| {
            let verdict = row
                .user
                .and_then(|new| users::build(new, 1_700_000_000))
                .map(|_| ())
                .map_err(|e| e.to_string());
            (row.line, row.username, verdict)
        })
        .collect();
    let Some((header, chunks)) = users_csv::chunks(t, 3) else {
        assert!(whole.is_empty(), "no header found, yet rows were read");
        return;
    };
    let mut cut = Vec::new();
    for chunk in chunks {
        let body = format!("{header}{}", chunk.text);
        let rows = users_csv::parse(&body, chunk.first_line);
        assert!(rows.is_ok(), "a chunk's header refused: {rows:?}");
        let Ok(rows) = rows else {
            return;
        };
        assert_eq!(rows.len(), chunk.rows, "a chunk's record count");
        cut.extend(rows.into_iter().map(|row| {
            let verdict = row
                .user
                .and_then(|new| users::build(new, 1_700_000_000))
                .map(|_| ())
                .map_err(|e| e.to_string());
            (row.line, row.username, verdict)
        }));
    }
    assert_eq!(
        whole, cut,
        "the chunked import reads what the whole file holds"
    );
}
