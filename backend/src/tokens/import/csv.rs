//! CSV seed files, the three shapes admins meet:
//!
//! - Azure MFA Server's: `serial number,secret key,time interval` (base32 key, TOTP);
//! - Entra ID's: `upn,serial number,secret key,time interval,manufacturer,model`;
//! - the OATH hex-key variant: `serial,key,type,digits,timestep` (hex key, HOTP or TOTP).
//!
//! Columns are found by their header, whatever the case, spacing or order. A `secret key` /
//! `secret` column is base32 (RFC 4648 §6); a `key` / `seed` / `hex key` column is hex. An
//! optional `upn` / `user` column assigns the token at import. Without a `type` column the
//! token is TOTP (both Microsoft shapes are time-based).

use twofold_core::uri::decode_secret;
use twofold_core::{Algorithm, SecretBytes};
use zeroize::Zeroizing;

use super::{check_token, moving_factors, ImportError, Parsed, SeedToken, DEFAULT_DIGITS};
use crate::tokens::TokenKind;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Column {
    Serial,
    Base32Key,
    HexKey,
    Type,
    Digits,
    Period,
    Counter,
    Hash,
    User,
    Manufacturer,
    Model,
    Issuer,
}

/// Header spellings, compared after lower-casing and removing spaces, `_` and `-`.
const HEADERS: [(&str, Column); 22] = [
    ("serial", Column::Serial),
    ("serialnumber", Column::Serial),
    ("serialno", Column::Serial),
    ("secretkey", Column::Base32Key),
    ("secret", Column::Base32Key),
    ("base32key", Column::Base32Key),
    ("key", Column::HexKey),
    ("seed", Column::HexKey),
    ("hexkey", Column::HexKey),
    ("type", Column::Type),
    ("digits", Column::Digits),
    ("timeinterval", Column::Period),
    ("timestep", Column::Period),
    ("period", Column::Period),
    ("counter", Column::Counter),
    ("hash", Column::Hash),
    ("algorithm", Column::Hash),
    ("upn", Column::User),
    ("user", Column::User),
    ("username", Column::User),
    ("manufacturer", Column::Manufacturer),
    ("model", Column::Model),
];

fn column(header: &str) -> Option<Column> {
    let key: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if key == "issuer" {
        return Some(Column::Issuer);
    }
    HEADERS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, c)| *c)
}

pub(super) fn parse(text: &str) -> Result<Parsed, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(ImportError::Csv("the file is empty".into())),
        Some(header) => header.map_err(|e| ImportError::Csv(e.to_string()))?,
    };
    let mut columns = Vec::with_capacity(header.len());
    for (index, name) in header.iter().enumerate() {
        let found = column(name).ok_or_else(|| {
            ImportError::Csv(format!(
                "line 1: column {} `{}` is not a known header (serial number, secret key or key, type, digits, time interval, counter, hash, upn, manufacturer, model, issuer); the first line must name the columns",
                index + 1,
                super::pskc_crypto::abbreviate(name)
            ))
        })?;
        if columns.contains(&found) {
            return Err(ImportError::Csv(format!(
                "line 1: the header names the {found:?} column twice"
            )));
        }
        columns.push(found);
    }
    if !columns.contains(&Column::Serial) {
        return Err(ImportError::Csv("line 1: no serial number column".into()));
    }
    if columns.contains(&Column::Base32Key) == columns.contains(&Column::HexKey) {
        return Err(ImportError::Csv(
            "line 1: name exactly one key column: `secret key` (base32) or `key` (hex)".into(),
        ));
    }
    let mut parsed = Parsed::default();
    for record in records {
        let record = record.map_err(|e| ImportError::Csv(e.to_string()))?;
        let line = record
            .position()
            .map_or(parsed.report.len() + 2, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let field = |wanted: Column| {
            columns
                .iter()
                .position(|c| *c == wanted)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
        };
        let serial = field(Column::Serial).map(str::to_string);
        if record.len() != columns.len() {
            parsed.refuse(
                line,
                serial,
                format!(
                    "the line has {} fields, the header {}",
                    record.len(),
                    columns.len()
                ),
            );
            continue;
        }
        match row(line, &field) {
            Ok(token) => match check_token(&token) {
                Ok(()) => parsed.ready(token),
                Err(reason) => parsed.refuse(line, serial, reason),
            },
            Err(reason) => parsed.refuse(line, serial, reason),
        }
    }
    if parsed.report.is_empty() {
        parsed.refuse(1, None, "the file has a header but no tokens");
    }
    Ok(parsed)
}

fn row<'a>(line: usize, field: &impl Fn(Column) -> Option<&'a str>) -> Result<SeedToken, String> {
    let serial = field(Column::Serial).ok_or("the serial number is empty")?;
    let secret = match (field(Column::Base32Key), field(Column::HexKey)) {
        (Some(base32), _) => decode_secret(base32)
            .map_err(|_| "the secret key is not valid base32 (RFC 4648: A-Z, 2-7)".to_string())?,
        (None, Some(hex)) => decode_hex(hex)?,
        (None, None) => return Err("the secret key is empty".into()),
    };
    let kind = match field(Column::Type) {
        None => TokenKind::Totp,
        Some(text) => text
            .to_ascii_lowercase()
            .parse::<TokenKind>()
            .map_err(|_| format!("unknown token type `{text}` (hotp or totp)"))?,
    };
    let number = |column: Column, name: &str| -> Result<Option<u64>, String> {
        field(column)
            .map(|text| {
                text.parse::<u64>()
                    .map_err(|_| format!("{name} `{text}` is not a whole number"))
            })
            .transpose()
    };
    let digits = match number(Column::Digits, "digits")? {
        None => DEFAULT_DIGITS,
        Some(d) => u8::try_from(d).map_err(|_| format!("digits {d} is too large"))?,
    };
    let period = number(Column::Period, "the time interval")?;
    let counter = number(Column::Counter, "the counter")?;
    let algorithm = match field(Column::Hash) {
        None => Algorithm::Sha1,
        Some(text) => Algorithm::parse(text)
            .ok_or_else(|| format!("hash `{text}` is not SHA1, SHA256 or SHA512"))?,
    };
    let (period, counter, drift) = moving_factors(kind, period, counter, None);
    Ok(SeedToken {
        row: line,
        serial: serial.to_string(),
        kind,
        secret,
        algorithm,
        digits,
        period,
        counter,
        drift,
        issuer: field(Column::Issuer).map(str::to_string),
        manufacturer: field(Column::Manufacturer).map(str::to_string),
        model: field(Column::Model).map(str::to_string),
        user: field(Column::User).map(str::to_string),
    })
}

/// A hex key, any case, spaces allowed between groups. The text never goes into a message.
fn decode_hex(text: &str) -> Result<SecretBytes, String> {
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
    crate::crypto::decode_hex(&compact)
        .map(SecretBytes::new)
        .ok_or_else(|| "the key is not valid hex (pairs of 0-9, a-f)".to_string())
}
