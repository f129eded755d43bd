//! PSKC, the Portable Symmetric Key Container (RFC 6030): the XML seed files OATH token
//! vendors ship.
//!
//! Read: plaintext secrets (§4), pre-shared-key AES-CBC (§6.1) and PBKDF2 (§6.2) encryption
//! with their MAC (§6.1.1), several `KeyPackage`s per container (§8), and per key the serial
//! (`DeviceInfo/SerialNo`, else the key `Id`), the algorithm (§10: `...:pskc:hotp`,
//! `...:pskc:totp`, and the `#hotp` spellings of the drafts), `Suite` (the HMAC),
//! `ResponseFormat` (digits), `Counter`, `TimeInterval`, `TimeDrift` and `Issuer`.
//! Skipped with a reason: keys of other algorithms (PIN §5, OCRA), keys without a secret
//! (a `KeyReference`, §4.4) and keys encrypted to an RSA key (§6.3). A signature (§7) is not
//! checked: the MAC of §6.1.1 is what binds the secrets to the transport key.

use twofold_core::{Algorithm, SecretBytes};
use zeroize::Zeroizing;

use super::pskc_crypto::{abbreviate, decode_base64, is_asymmetric, FileKeys};
use super::xml::Element;
use super::{check_token, moving_factors, ImportError, Parsed, SeedToken, Unlock, DEFAULT_DIGITS};
use crate::tokens::TokenKind;

pub(super) fn parse(text: &str, unlock: &Unlock) -> Result<Parsed, ImportError> {
    let root = Element::parse(text).map_err(ImportError::NotPskc)?;
    if root.name != "KeyContainer" {
        return Err(ImportError::NotPskc(format!(
            "the root element is <{}>, not <KeyContainer>",
            root.name
        )));
    }
    // §4: Version is required, and this document describes 1.0 (drafts wrote "1").
    match root.attribute("Version").map(str::trim) {
        Some("1.0") | Some("1") => {}
        Some(other) => return Err(ImportError::Version(abbreviate(other))),
        None => {
            return Err(ImportError::Version(
                "(none: the Version attribute is missing)".into(),
            ))
        }
    }
    let keys = FileKeys::new(&root, unlock)?;
    let mut parsed = Parsed::default();
    let mut row = 0;
    for package in root.children_named("KeyPackage") {
        let device = package.child("DeviceInfo");
        let device_text = |name: &str| {
            device
                .and_then(|d| d.child(name))
                .map(|e| e.text().to_string())
                .filter(|t| !t.is_empty())
        };
        for key in package.children_named("Key") {
            row += 1;
            let serial = device_text("SerialNo").or_else(|| {
                key.attribute("Id")
                    .map(|id| id.trim().to_string())
                    .filter(|id| !id.is_empty())
            });
            let read = read_key(key, &keys, row)?;
            let Some(read) = read.ready(&mut parsed, row, &serial) else {
                continue;
            };
            let Some(serial) = serial else {
                parsed.refuse(row, None, "the key has neither a SerialNo nor an Id");
                continue;
            };
            let token = SeedToken {
                row,
                serial,
                kind: read.kind,
                secret: read.secret,
                algorithm: read.algorithm,
                digits: read.digits,
                period: read.period,
                counter: read.counter,
                drift: read.drift,
                issuer: text_of(key, "Issuer"),
                manufacturer: device_text("Manufacturer"),
                model: device_text("Model"),
                user: None,
            };
            match check_token(&token) {
                Ok(()) => parsed.ready(token),
                Err(reason) => parsed.refuse(row, Some(token.serial), reason),
            }
        }
    }
    if row == 0 {
        parsed.refuse(0, None, "the container holds no KeyPackage/Key");
    }
    Ok(parsed)
}

/// A key as read, before the checks every format shares.
struct ReadKey {
    kind: TokenKind,
    secret: SecretBytes,
    algorithm: Algorithm,
    digits: u8,
    period: u64,
    counter: u64,
    drift: i64,
}

/// The outcome of reading one `Key`: usable, or skipped/refused with a reason.
enum KeyOutcome {
    Ready(ReadKey),
    Skip(String),
    Refuse(String),
}

impl KeyOutcome {
    fn ready(self, parsed: &mut Parsed, row: usize, serial: &Option<String>) -> Option<ReadKey> {
        match self {
            KeyOutcome::Ready(key) => Some(key),
            KeyOutcome::Skip(reason) => {
                parsed.skip(row, serial.clone(), reason);
                None
            }
            KeyOutcome::Refuse(reason) => {
                parsed.refuse(row, serial.clone(), reason);
                None
            }
        }
    }
}

/// Reads one `Key`. Every typed field and every encrypted value (with its MAC) is checked
/// first, whatever the key turns out to be: a malformed or tampered file is refused whole.
fn read_key(key: &Element, keys: &FileKeys, row: usize) -> Result<KeyOutcome, ImportError> {
    let what = |field: &str| format!("key {row} {field}");
    let parameters = key.child("AlgorithmParameters");
    let format = parameters.and_then(|p| p.child("ResponseFormat"));
    let digits = match format.and_then(|f| f.attribute("Length")) {
        Some(length) => Some(parse_int::<u32>(length, &what("ResponseFormat Length"))?),
        None => None,
    };
    let check_digits = match format.and_then(|f| f.attribute("CheckDigits")) {
        Some(flag) => parse_bool(flag, &what("ResponseFormat CheckDigits"))?,
        None => false,
    };
    let encoding = format
        .and_then(|f| f.attribute("Encoding"))
        .map(|e| e.trim().to_ascii_uppercase());
    check_policy(key, row)?;

    let data = key.child("Data");
    let secret = match data.and_then(|d| d.child("Secret")) {
        None => None,
        Some(secret) => Some(value_bytes(secret, keys, &what("Secret"))?),
    };
    let counter = integer(data, "Counter", keys, row)?;
    let _time = integer(data, "Time", keys, row)?;
    let interval = integer(data, "TimeInterval", keys, row)?;
    let drift = integer(data, "TimeDrift", keys, row)?;

    let algorithm_uri = key.attribute("Algorithm").unwrap_or("").trim();
    let kind = match algorithm_name(algorithm_uri).as_str() {
        "hotp" => TokenKind::Hotp,
        "totp" => TokenKind::Totp,
        "" => return Ok(KeyOutcome::Skip("the key names no Algorithm".into())),
        _ => {
            return Ok(KeyOutcome::Skip(format!(
                "algorithm `{algorithm_uri}` is not an OATH HOTP/TOTP token (PIN and OCRA keys are not imported)"
            )))
        }
    };
    let secret = match secret {
        Some(Secret::Bytes(bytes)) => SecretBytes::new(bytes.to_vec()),
        Some(Secret::Asymmetric) => {
            return Ok(KeyOutcome::Skip(
                "the secret is encrypted to an RSA public key (RFC 6030 §6.3) and this server has no private key to decrypt it".into(),
            ))
        }
        None => {
            let reason = match key.child("KeyReference") {
                Some(reference) => format!(
                    "the file holds no secret, only the key reference `{}` (RFC 6030 §4.4): ask the vendor for the seeds",
                    abbreviate(reference.text())
                ),
                None => "the key has no secret".into(),
            };
            return Ok(KeyOutcome::Skip(reason));
        }
    };
    if check_digits {
        return Ok(KeyOutcome::Skip(
            "codes with a Luhn check digit (CheckDigits=\"true\") are not supported".into(),
        ));
    }
    if let Some(encoding) = encoding.filter(|e| e != "DECIMAL") {
        return Ok(KeyOutcome::Skip(format!(
            "codes in {encoding} encoding are not supported (DECIMAL only)"
        )));
    }
    let suite = parameters
        .and_then(|p| p.child("Suite"))
        .map(|s| s.text())
        .filter(|s| !s.is_empty());
    let algorithm = match suite {
        None => Algorithm::Sha1,
        Some(suite) => match Algorithm::parse(suite) {
            Some(algorithm) => algorithm,
            None => {
                return Ok(KeyOutcome::Refuse(format!(
                    "unsupported Suite `{}` (HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512)",
                    abbreviate(suite)
                )))
            }
        },
    };
    let digits = match digits.map(u8::try_from) {
        None => DEFAULT_DIGITS,
        Some(Ok(digits)) => digits,
        Some(Err(_)) => {
            return Ok(KeyOutcome::Refuse(
                "ResponseFormat Length is too large".into(),
            ))
        }
    };
    let nonnegative = |value: Option<i64>, field: &str| -> Result<Option<u64>, String> {
        value
            .map(|v| u64::try_from(v).map_err(|_| format!("{field} is negative")))
            .transpose()
    };
    let (counter, period) = match (
        nonnegative(counter, "Counter"),
        nonnegative(interval, "TimeInterval"),
    ) {
        (Ok(counter), Ok(period)) => (counter, period),
        (Err(reason), _) | (_, Err(reason)) => return Ok(KeyOutcome::Refuse(reason)),
    };
    let (period, counter, drift) = moving_factors(kind, period, counter, drift);
    Ok(KeyOutcome::Ready(ReadKey {
        kind,
        secret,
        algorithm,
        digits,
        period,
        counter,
        drift,
    }))
}

/// The algorithm's last name part: `urn:ietf:params:xml:ns:keyprov:pskc:hotp`,
/// `urn:ietf:params:xml:ns:keyprov:pskc#hotp` and `http://www.ietf.org/keyprov/pskc#hotp`
/// are all `hotp`.
fn algorithm_name(uri: &str) -> String {
    uri.rsplit([':', '#', '/'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// §5: the typed fields of `Policy`, checked so a malformed file is not half-read.
fn check_policy(key: &Element, row: usize) -> Result<(), ImportError> {
    let Some(policy) = key.child("Policy") else {
        return Ok(());
    };
    if let Some(count) = policy.child("NumberOfTransactions") {
        parse_int::<u64>(
            count.text(),
            &format!("key {row} Policy NumberOfTransactions"),
        )?;
    }
    if let Some(pin) = policy.child("PINPolicy") {
        for name in ["MinLength", "MaxLength", "MaxFailedAttempts"] {
            if let Some(value) = pin.attribute(name) {
                parse_int::<u32>(value, &format!("key {row} PINPolicy {name}"))?;
            }
        }
    }
    Ok(())
}

enum Secret {
    Bytes(Zeroizing<Vec<u8>>),
    Asymmetric,
}

/// A binary value (§4.2): `PlainValue` base64, or `EncryptedValue` checked against its
/// `ValueMAC` and decrypted.
fn value_bytes(element: &Element, keys: &FileKeys, what: &str) -> Result<Secret, ImportError> {
    if let Some(plain) = element.child("PlainValue") {
        return Ok(Secret::Bytes(decode_base64(plain.text(), what)?));
    }
    if let Some(encrypted) = element.child("EncryptedValue") {
        if is_asymmetric(encrypted) {
            return Ok(Secret::Asymmetric);
        }
        return Ok(Secret::Bytes(keys.open(
            encrypted,
            element.child("ValueMAC"),
            what,
        )?));
    }
    Err(ImportError::BadValue {
        field: what.to_string(),
        value: String::new(),
        expected: "a PlainValue or an EncryptedValue",
    })
}

/// An integer value (§4.3.4): `PlainValue` in decimal, or an `EncryptedValue` holding it
/// big-endian (as python-pskc and multiOTP write it).
fn integer(
    data: Option<&Element>,
    name: &str,
    keys: &FileKeys,
    row: usize,
) -> Result<Option<i64>, ImportError> {
    let Some(element) = data.and_then(|d| d.child(name)) else {
        return Ok(None);
    };
    let field = format!("key {row} {name}");
    if let Some(plain) = element.child("PlainValue") {
        return parse_int::<i64>(plain.text(), &field).map(Some);
    }
    match value_bytes(element, keys, &field)? {
        Secret::Asymmetric => Ok(None),
        Secret::Bytes(bytes) if bytes.len() <= 8 => Ok(Some(
            bytes.iter().fold(0i64, |n, b| (n << 8) | i64::from(*b)),
        )),
        Secret::Bytes(bytes) => Err(ImportError::BadValue {
            field,
            value: format!("{} bytes", bytes.len()),
            expected: "an integer of at most 8 bytes",
        }),
    }
}

fn text_of(element: &Element, name: &str) -> Option<String> {
    element
        .child(name)
        .map(|e| e.text().to_string())
        .filter(|t| !t.is_empty())
}

fn parse_int<T: std::str::FromStr>(text: &str, field: &str) -> Result<T, ImportError> {
    text.trim().parse().map_err(|_| ImportError::BadValue {
        field: field.to_string(),
        value: abbreviate(text),
        expected: "an integer",
    })
}

/// XML Schema `boolean`: `true`, `false`, `1`, `0`.
fn parse_bool(text: &str, field: &str) -> Result<bool, ImportError> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(ImportError::BadValue {
            field: field.to_string(),
            value: abbreviate(other),
            expected: "a boolean (true or false)",
        }),
    }
}
