//! Readers for hardware-token seed files: one file per format, bytes in, tokens out.
//!
//! A reader never touches the store or the clock. It returns every token it could read
//! ([`Parsed::tokens`]) and a line per key or row ([`Parsed::report`]) saying what became of
//! it: `ready`, `skipped` (not an OATH token, or no secret this server can read: the rest of
//! the file is still usable) or `refused` (the entry is broken). Anything that makes the whole
//! file untrustworthy (not PSKC, a MAC that does not verify, a wrong key) is an
//! [`ImportError`] and yields nothing, because RFC 6030 §6.1.1's MAC protects the file as a
//! unit: a caller must not store part of a file that failed it.

mod csv;
mod pskc;
mod pskc_crypto;
mod xml;

use serde::Serialize;
use thiserror::Error;
use twofold_core::otp::{MAX_DIGITS, MIN_DIGITS};
use twofold_core::{Algorithm, SecretBytes};
use zeroize::Zeroizing;

use super::TokenKind;

/// The digits, time step and counter a token has when the file does not say (RFC 4226 §5.3,
/// RFC 6238 §4.1).
pub const DEFAULT_DIGITS: u8 = 6;
pub const DEFAULT_PERIOD: u64 = 30;

/// Shortest secret accepted: RFC 4226 §4 requires at least 128 bits. Figure 2 of RFC 6030
/// carries a 4-byte example secret; such a key is refused with this reason.
pub const MIN_SECRET_BYTES: usize = 16;

/// One token read from a seed file, not yet stored.
#[derive(Debug)]
pub struct SeedToken {
    /// 1-based position of the key (PSKC) or data line (CSV) in the file.
    pub row: usize,
    pub serial: String,
    pub kind: TokenKind,
    pub secret: SecretBytes,
    pub algorithm: Algorithm,
    pub digits: u8,
    /// TOTP time step in seconds (RFC 6238 X); [`DEFAULT_PERIOD`] for HOTP tokens.
    pub period: u64,
    /// HOTP moving factor to start from (RFC 4226 C); 0 for TOTP tokens.
    pub counter: u64,
    /// TOTP time drift in steps the file declares (RFC 6030 §4.3.4 `TimeDrift`).
    pub drift: i64,
    pub issuer: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    /// A user to assign the token to at import (CSV files with a `upn`/`user` column).
    pub user: Option<String>,
}

/// What became of one key or row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum RowStatus {
    Ready,
    Skipped(String),
    Refused(String),
}

/// One line of the per-row report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowReport {
    pub row: usize,
    pub serial: Option<String>,
    #[serde(flatten)]
    pub status: RowStatus,
}

/// What a file held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub tokens: Vec<SeedToken>,
    pub report: Vec<RowReport>,
}

impl Parsed {
    fn ready(&mut self, token: SeedToken) {
        self.report.push(RowReport {
            row: token.row,
            serial: Some(token.serial.clone()),
            status: RowStatus::Ready,
        });
        self.tokens.push(token);
    }

    fn skip(&mut self, row: usize, serial: Option<String>, reason: impl Into<String>) {
        self.report.push(RowReport {
            row,
            serial,
            status: RowStatus::Skipped(reason.into()),
        });
    }

    fn refuse(&mut self, row: usize, serial: Option<String>, reason: impl Into<String>) {
        self.report.push(RowReport {
            row,
            serial,
            status: RowStatus::Refused(reason.into()),
        });
    }

    /// Whether any entry was refused: an importer then stores nothing.
    pub fn has_refusals(&self) -> bool {
        self.report
            .iter()
            .any(|r| matches!(r.status, RowStatus::Refused(_)))
    }

    /// Refuses every token whose serial appeared earlier in the same file.
    fn refuse_duplicate_serials(&mut self) {
        let mut seen = std::collections::HashSet::new();
        let mut duplicates = Vec::new();
        for token in &self.tokens {
            if !seen.insert(token.serial.clone()) {
                duplicates.push(token.row);
            }
        }
        for entry in &mut self.report {
            if duplicates.contains(&entry.row) && entry.status == RowStatus::Ready {
                let serial = entry.serial.clone().unwrap_or_default();
                entry.status =
                    RowStatus::Refused(format!("serial {serial} appears earlier in the file"));
            }
        }
        self.tokens.retain(|t| !duplicates.contains(&t.row));
    }
}

/// The seed file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pskc,
    Csv,
}

impl Format {
    /// Guesses the format from the content: PSKC is XML, so its first non-blank byte is `<`
    /// (after an optional UTF-8 byte-order mark); anything else is read as CSV.
    pub fn guess(bytes: &[u8]) -> Format {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Format::Pskc,
            _ => Format::Csv,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pskc => "pskc",
            Format::Csv => "csv",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = ImportError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pskc" | "xml" => Ok(Format::Pskc),
            "csv" => Ok(Format::Csv),
            other => Err(ImportError::UnknownFormat(other.to_string())),
        }
    }
}

/// What unlocks an encrypted PSKC file (RFC 6030 §6).
#[derive(Default)]
pub struct Unlock {
    /// The pre-shared transport key (§6.1), 16, 24 or 32 bytes for AES-128/192/256.
    pub key: Option<Zeroizing<Vec<u8>>>,
    /// The password for PBKDF2 (§6.2).
    pub password: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field("key", &self.key.as_ref().map(|_| "***"))
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why a whole file was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ImportError {
    #[error("unknown seed file format `{0}` (pskc or csv)")]
    UnknownFormat(String),
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("the file is not a PSKC document: {0}")]
    NotPskc(String),
    #[error("PSKC version {0} is not supported (RFC 6030 defines version 1.0)")]
    Version(String),
    #[error("{field}: `{value}` is not {expected}")]
    BadValue {
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("the file is encrypted with {0}: pass the pre-shared key with --key")]
    KeyNeeded(String),
    #[error("the file is encrypted with a password (PBKDF2): pass it with --password")]
    PasswordNeeded,
    #[error("the file's encryption key is incomplete: {0}")]
    BadKeyDerivation(String),
    #[error("unsupported encryption algorithm `{0}`")]
    UnknownEncryption(String),
    #[error("an encrypted value has no EncryptionMethod algorithm")]
    MissingEncryption,
    #[error("unsupported MAC algorithm `{0}` (hmac-sha1, hmac-sha224/256/384/512)")]
    UnknownMac(String),
    #[error("an encrypted value carries a ValueMAC but the file has no MACMethod")]
    MissingMacMethod,
    #[error("the MACKey is incomplete: {0}")]
    BadMacKey(String),
    #[error("an encrypted value has no ValueMAC, so it cannot be checked (RFC 6030 §6.1.1)")]
    MissingMac,
    #[error(
        "the MAC of {0} does not verify: the file was altered or the key/password is wrong; nothing imported"
    )]
    MacMismatch(String),
    #[error("{0} cannot be decrypted: {1}")]
    Decrypt(String, String),
    #[error("{0} is not valid base64")]
    BadBase64(String),
    #[error("the CSV file is malformed: {0}")]
    Csv(String),
}

/// Reads a seed file in the given format.
pub fn parse(bytes: &[u8], format: Format, unlock: &Unlock) -> Result<Parsed, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = match format {
        Format::Pskc => pskc::parse(text, unlock)?,
        Format::Csv => csv::parse(text)?,
    };
    parsed.refuse_duplicate_serials();
    Ok(parsed)
}

/// The moving factors a token keeps, from what a file gave: a time step, drift and no
/// counter for TOTP; a counter (default 0) for HOTP.
fn moving_factors(
    kind: TokenKind,
    period: Option<u64>,
    counter: Option<u64>,
    drift: Option<i64>,
) -> (u64, u64, i64) {
    match kind {
        TokenKind::Totp => (period.unwrap_or(DEFAULT_PERIOD), 0, drift.unwrap_or(0)),
        TokenKind::Hotp => (DEFAULT_PERIOD, counter.unwrap_or(0), 0),
    }
}

/// Checks what every format must agree on before a token is ready.
fn check_token(token: &SeedToken) -> Result<(), String> {
    if token.serial.trim().is_empty() {
        return Err("the token has no serial number".into());
    }
    if token.serial.len() > 128 || token.serial.chars().any(char::is_control) {
        return Err(
            "the serial number is longer than 128 characters or holds control characters".into(),
        );
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&token.digits) {
        return Err(format!(
            "a code has {MIN_DIGITS} to {MAX_DIGITS} digits, not {}",
            token.digits
        ));
    }
    if token.secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "the secret is {} bytes; RFC 4226 §4 requires at least {MIN_SECRET_BYTES}",
            token.secret.len()
        ));
    }
    if token.secret.len() > 128 {
        return Err("the secret is longer than 128 bytes".into());
    }
    if token.kind == TokenKind::Totp && !(1..=3600).contains(&token.period) {
        return Err(format!(
            "the time step is {} s; 1 to 3600 s is accepted",
            token.period
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
