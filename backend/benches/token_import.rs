//! Hardware-token import speed: `cargo bench -p twofold-server --bench token_import`.
//!
//! Builds a CSV of 10,000 tokens and an encrypted PSKC file (AES-128-CBC, HMAC-SHA1 MAC,
//! RFC 6030 §6.1) of 1,000 tokens, with this benchmark's own secrets, and imports each
//! through the admin API of an in-process server (SQLite, `twofold-testkit`): read, MAC
//! check, decryption, sealing, one transaction with one audit record per token. Reports the
//! time and its ratio to issue 14's ceilings (1 s and 0.2 s on this machine), and, as the
//! run's own reference, the time the readers alone take.
//!
//! Environment: TWOFOLD_BENCH_CSV_TOKENS (default 10000), TWOFOLD_BENCH_PSKC_TOKENS
//! (default 1000), TWOFOLD_BENCH_ROUNDS (default 3; the best round is reported).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark set-up: a panic is the report

use std::time::{Duration, Instant};

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use ring::hmac;
use serde_json::json;
use twofold_server::tokens::import::{self, Format, Unlock};
use twofold_testkit::{Engine, InProcessServer};
use zeroize::Zeroizing;

const CSV_CEILING: Duration = Duration::from_secs(1);
const PSKC_CEILING: Duration = Duration::from_millis(200);
const KEY: [u8; 16] = *b"bench-transport!";
const MAC_KEY: [u8; 20] = *b"bench-mac-key-20-byt";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A distinct 20-byte secret per token.
fn secret(i: usize) -> Vec<u8> {
    format!("bench-secret-{i:07}").into_bytes()
}

fn csv(count: usize) -> String {
    let mut text = String::from("serial number,secret key,time interval\n");
    for i in 0..count {
        let key = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &secret(i));
        text.push_str(&format!("BENCH-C{i:07},{key},30\n"));
    }
    text
}

/// base64 of IV || AES-128-CBC(plain), and base64 of its HMAC-SHA1 (RFC 6030 §6.1.1).
fn encrypt(plain: &[u8], iv: [u8; 16]) -> (String, String) {
    let padded = (plain.len() / 16 + 1) * 16;
    let mut buffer = vec![0u8; padded];
    buffer[..plain.len()].copy_from_slice(plain);
    let body = cbc::Encryptor::<aes::Aes128>::new(&KEY.into(), &iv.into())
        .encrypt_padded_mut::<Pkcs7>(&mut buffer, plain.len())
        .unwrap();
    let mut value = iv.to_vec();
    value.extend_from_slice(body);
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &MAC_KEY),
        &value,
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    (b64.encode(&value), b64.encode(tag.as_ref()))
}

fn pskc(count: usize) -> String {
    let (mac_key, _) = encrypt(&MAC_KEY, [7; 16]);
    let mut text = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
  xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
<EncryptionKey><ds:KeyName>bench</ds:KeyName></EncryptionKey>
<MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><MACKey>
<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
<xenc:CipherData><xenc:CipherValue>{mac_key}</xenc:CipherValue></xenc:CipherData>
</MACKey></MACMethod>
"#
    );
    for i in 0..count {
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let (value, mac) = encrypt(&secret(i), iv);
        text.push_str(&format!(
            r#"<KeyPackage><DeviceInfo><Manufacturer>Bench</Manufacturer><SerialNo>BENCH-P{i:07}</SerialNo></DeviceInfo>
<Key Id="{i}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
<AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
<Data><Secret><EncryptedValue><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
<xenc:CipherData><xenc:CipherValue>{value}</xenc:CipherValue></xenc:CipherData></EncryptedValue>
<ValueMAC>{mac}</ValueMAC></Secret><TimeInterval><PlainValue>30</PlainValue></TimeInterval></Data>
</Key></KeyPackage>
"#
        ));
    }
    text.push_str("</KeyContainer>\n");
    text
}

/// The best of `rounds` imports, each into a fresh server; and the readers alone.
async fn measure(
    content: &str,
    key: Option<&str>,
    count: usize,
    rounds: usize,
) -> (Duration, Duration) {
    let unlock = Unlock {
        key: key.map(|_| Zeroizing::new(KEY.to_vec())),
        password: None,
    };
    let format = Format::guess(content.as_bytes());
    let mut best_import = Duration::MAX;
    let mut best_parse = Duration::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        let parsed = import::parse(content.as_bytes(), format, &unlock).unwrap();
        best_parse = best_parse.min(started.elapsed());
        assert_eq!(parsed.tokens.len(), count);

        let server = InProcessServer::start(Engine::Sqlite, |_| {})
            .await
            .unwrap();
        let mut body = json!({ "content": content });
        if let Some(key) = key {
            body["key"] = json!(key);
        }
        let started = Instant::now();
        let report = server
            .admin_call("POST", "/v1/admin/tokens/import", Some(body))
            .await
            .unwrap();
        best_import = best_import.min(started.elapsed());
        assert_eq!(report["imported"].as_u64(), Some(count as u64), "{report}");
    }
    (best_import, best_parse)
}

fn line(what: &str, count: usize, took: Duration, parse: Duration, ceiling: Duration) {
    println!(
        "{what:<5} {count:>6} tokens: import {:>8.1} ms = {:.3} × the {:.0} ms ceiling ({}); readers alone {:.1} ms ({:.0}% of the import)",
        took.as_secs_f64() * 1000.0,
        took.as_secs_f64() / ceiling.as_secs_f64(),
        ceiling.as_secs_f64() * 1000.0,
        if took <= ceiling { "under" } else { "OVER" },
        parse.as_secs_f64() * 1000.0,
        100.0 * parse.as_secs_f64() / took.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let csv_count = env_number("TWOFOLD_BENCH_CSV_TOKENS", 10_000);
    let pskc_count = env_number("TWOFOLD_BENCH_PSKC_TOKENS", 1_000);
    let rounds = env_number("TWOFOLD_BENCH_ROUNDS", 3).max(1);
    let csv_text = csv(csv_count);
    let pskc_text = pskc(pskc_count);
    let key_hex: String = KEY.iter().map(|b| format!("{b:02x}")).collect();
    let (csv_took, csv_parse) = measure(&csv_text, None, csv_count, rounds).await;
    let (pskc_took, pskc_parse) = measure(&pskc_text, Some(&key_hex), pskc_count, rounds).await;
    println!(
        "token import, best of {rounds} (SQLite, in-process; issue 14 ceilings; privacyIDEA 3.14 here: 1,229 s and 46.7 s)"
    );
    line("CSV", csv_count, csv_took, csv_parse, CSV_CEILING);
    line("PSKC", pskc_count, pskc_took, pskc_parse, PSKC_CEILING);
}
