//! Google Authenticator exports: `otpauth-migration://offline?data=BASE64`.
//!
//! The data is a protobuf `MigrationPayload` (field numbers as published by the community
//! that reverse-engineered the format and as used by every importer since). A large export
//! is split across several QR codes: each carries `batch_size`, `batch_index` and a shared
//! `batch_id`, and [`MigrationSet`] tells which ones are still missing.

use std::collections::BTreeMap;

use base64::Engine;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use prost::Message;
use thiserror::Error;

use super::account::{OtpAccount, OtpKind, DEFAULT_DIGITS, DEFAULT_PERIOD};
use crate::otp::Algorithm;
use crate::SecretBytes;

/// Why an export could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MigrationError {
    #[error("not a Google Authenticator export (otpauth-migration://offline?data=...)")]
    NotMigration,
    #[error("the export has no data parameter")]
    MissingData,
    #[error("the export's data is not valid base64; was the QR code read completely?")]
    InvalidBase64,
    #[error("the export's data is corrupt (not a migration payload)")]
    Corrupt,
    #[error("this code belongs to another export (batch id {found}, expected {expected})")]
    OtherExport { expected: i32, found: i32 },
    #[error("batch {index} of {size} is not a valid position")]
    BadBatch { index: i32, size: i32 },
    #[error("the export claims {size} QR codes; an export has at most {MAX_BATCH_SIZE}")]
    TooManyBatches { size: i32 },
}

/// The most QR codes one export may claim. Google Authenticator puts about ten accounts in
/// each code, so 100 codes is a thousand accounts; a larger claim can only be crafted, and
/// [`MigrationSet::missing`] lists every position, so an unbounded size costs memory without
/// limit (issue 13, item 15: `batch_size` 2^31-1 built two billion entries).
pub const MAX_BATCH_SIZE: i32 = 100;

/// An entry of an export that could not become an account, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// Position in the batch, from 0.
    pub position: usize,
    pub name: String,
    pub reason: String,
}

/// One QR code of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationBatch {
    pub accounts: Vec<OtpAccount>,
    pub skipped: Vec<SkippedEntry>,
    pub version: i32,
    /// How many QR codes the export has (at least 1).
    pub batch_size: i32,
    /// This code's position, from 0.
    pub batch_index: i32,
    /// Shared by all codes of one export.
    pub batch_id: i32,
}

// The wire types, as in the published `.proto`.
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
    /// 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    algorithm: i32,
    /// 0 unspecified, 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    digits: i32,
    /// 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    otp_type: i32,
    #[prost(int64, tag = "7")]
    counter: i64,
}

impl Drop for Parameters {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl MigrationBatch {
    /// Reads one `otpauth-migration://offline?data=...` URI.
    pub fn from_uri(uri: &str) -> Result<Self, MigrationError> {
        let uri = uri.trim();
        let (scheme, rest) = uri.split_once("://").ok_or(MigrationError::NotMigration)?;
        if !scheme.eq_ignore_ascii_case("otpauth-migration") {
            return Err(MigrationError::NotMigration);
        }
        let query = rest.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let data = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("data="))
            .filter(|d| !d.is_empty())
            .ok_or(MigrationError::MissingData)?;
        // Percent-decode only: a literal `+` here is base64, not a space.
        let data = percent_decode_str(data)
            .decode_utf8()
            .map_err(|_| MigrationError::InvalidBase64)?;
        let cleaned: String = data
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(cleaned.trim_end_matches('='))
            .or_else(|_| {
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(cleaned.trim_end_matches('='))
            })
            .map_err(|_| MigrationError::InvalidBase64)?;
        let bytes = zeroize::Zeroizing::new(bytes);
        let payload = Payload::decode(bytes.as_slice()).map_err(|_| MigrationError::Corrupt)?;
        Self::from_payload(&payload)
    }

    fn from_payload(payload: &Payload) -> Result<Self, MigrationError> {
        // Exports made before batching existed leave size and index at 0.
        let batch_size = payload.batch_size.max(1);
        if batch_size > MAX_BATCH_SIZE {
            return Err(MigrationError::TooManyBatches { size: batch_size });
        }
        if payload.batch_index < 0 || payload.batch_index >= batch_size {
            return Err(MigrationError::BadBatch {
                index: payload.batch_index,
                size: batch_size,
            });
        }
        let mut accounts = Vec::new();
        let mut skipped = Vec::new();
        for (position, entry) in payload.otp_parameters.iter().enumerate() {
            match account_from(entry) {
                Ok(account) => accounts.push(account),
                Err(reason) => skipped.push(SkippedEntry {
                    position,
                    name: entry.name.clone(),
                    reason: reason.to_owned(),
                }),
            }
        }
        Ok(Self {
            accounts,
            skipped,
            version: payload.version,
            batch_size,
            batch_index: payload.batch_index,
            batch_id: payload.batch_id,
        })
    }

    /// Writes the batch as a migration URI (what Google Authenticator's export QR holds).
    /// HOTP, TOTP with 30 s and 6 or 8 digits only: the format has no other fields; other
    /// accounts are left out and returned.
    pub fn to_uri(&self) -> (String, Vec<&OtpAccount>) {
        let mut left_out = Vec::new();
        let mut parameters = Vec::new();
        for account in &self.accounts {
            match parameters_from(account) {
                Some(p) => parameters.push(p),
                None => left_out.push(account),
            }
        }
        let payload = Payload {
            otp_parameters: parameters,
            version: self.version.max(1),
            batch_size: self.batch_size,
            batch_index: self.batch_index,
            batch_id: self.batch_id,
        };
        let data = base64::engine::general_purpose::STANDARD.encode(payload.encode_to_vec());
        let uri = format!(
            "otpauth-migration://offline?data={}",
            utf8_percent_encode(&data, NON_ALPHANUMERIC)
        );
        (uri, left_out)
    }
}

fn account_from(entry: &Parameters) -> Result<OtpAccount, &'static str> {
    if entry.secret.is_empty() {
        return Err("the entry has no secret");
    }
    let algorithm = match entry.algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => return Err("MD5 codes are not supported"),
        _ => return Err("unknown algorithm"),
    };
    let digits = match entry.digits {
        0 | 1 => DEFAULT_DIGITS,
        2 => 8,
        _ => return Err("unknown number of digits"),
    };
    let kind = match entry.otp_type {
        0 | 2 => OtpKind::Totp {
            period: DEFAULT_PERIOD,
        },
        1 => OtpKind::Hotp {
            counter: u64::try_from(entry.counter).map_err(|_| "negative counter")?,
        },
        _ => return Err("unknown OTP type"),
    };
    let issuer = Some(entry.issuer.trim().to_owned()).filter(|i| !i.is_empty());
    // Google writes the name as "Issuer:account" when the issuer came from the label.
    let name = match (&issuer, entry.name.split_once(':')) {
        (Some(issuer), Some((prefix, rest))) if prefix.trim() == issuer => rest.trim().to_owned(),
        (None, Some((prefix, rest))) if !prefix.trim().is_empty() => {
            return Ok(OtpAccount {
                issuer: Some(prefix.trim().to_owned()),
                ..build(kind, None, rest.trim().to_owned(), entry, algorithm, digits)
            })
        }
        _ => entry.name.trim().to_owned(),
    };
    Ok(build(kind, issuer, name, entry, algorithm, digits))
}

fn build(
    kind: OtpKind,
    issuer: Option<String>,
    name: String,
    entry: &Parameters,
    algorithm: Algorithm,
    digits: u8,
) -> OtpAccount {
    OtpAccount {
        kind,
        issuer,
        name,
        secret: SecretBytes::from(entry.secret.as_slice()),
        algorithm,
        digits,
        extra: Vec::new(),
    }
}

fn parameters_from(account: &OtpAccount) -> Option<Parameters> {
    let (otp_type, counter) = match account.kind {
        OtpKind::Totp {
            period: DEFAULT_PERIOD,
        } => (2, 0),
        OtpKind::Hotp { counter } => (1, i64::try_from(counter).ok()?),
        OtpKind::Totp { .. } | OtpKind::Steam => return None,
    };
    let digits = match account.digits {
        6 => 1,
        8 => 2,
        _ => return None,
    };
    let algorithm = match account.algorithm {
        Algorithm::Sha1 => 1,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512 => 3,
    };
    Some(Parameters {
        secret: account.secret.expose().to_vec(),
        name: account.name.clone(),
        issuer: account.issuer.clone().unwrap_or_default(),
        algorithm,
        digits,
        otp_type,
        counter,
    })
}

/// Collects the QR codes of one multi-code export, in any order, and says what is missing.
#[derive(Debug, Default)]
pub struct MigrationSet {
    batch_id: Option<i32>,
    batch_size: i32,
    batches: BTreeMap<i32, MigrationBatch>,
}

impl MigrationSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a batch. Scanning the same code twice is harmless; a code from another export
    /// is refused.
    pub fn add(&mut self, batch: MigrationBatch) -> Result<(), MigrationError> {
        if let Some(expected) = self.batch_id {
            if batch.batch_id != expected || batch.batch_size != self.batch_size {
                return Err(MigrationError::OtherExport {
                    expected,
                    found: batch.batch_id,
                });
            }
        } else {
            self.batch_id = Some(batch.batch_id);
            self.batch_size = batch.batch_size;
        }
        self.batches.insert(batch.batch_index, batch);
        Ok(())
    }

    /// Positions (from 0) of the codes not scanned yet.
    pub fn missing(&self) -> Vec<i32> {
        (0..self.batch_size)
            .filter(|i| !self.batches.contains_key(i))
            .collect()
    }

    pub fn batch_size(&self) -> i32 {
        self.batch_size
    }

    pub fn is_complete(&self) -> bool {
        self.batch_id.is_some() && self.missing().is_empty()
    }

    /// The accounts of every batch scanned so far, in batch order.
    pub fn accounts(&self) -> impl Iterator<Item = &OtpAccount> {
        self.batches.values().flat_map(|b| b.accounts.iter())
    }

    pub fn skipped(&self) -> impl Iterator<Item = (i32, &SkippedEntry)> {
        self.batches
            .iter()
            .flat_map(|(i, b)| b.skipped.iter().map(move |s| (*i, s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, item 15: this one QR code (batch_size 2^31-1) used to make `missing()` build
    /// about two billion entries and take the app down.
    #[test]
    fn item15_crafted_batch_size_is_refused() {
        let crafted = "otpauth-migration://offline?data=EAEY%2F%2F%2F%2F%2FwcoAQ%3D%3D";
        assert_eq!(
            MigrationBatch::from_uri(crafted).err(),
            Some(MigrationError::TooManyBatches { size: i32::MAX })
        );
    }

    #[test]
    fn the_largest_allowed_export_still_reports_what_is_missing() {
        let batch = MigrationBatch {
            accounts: Vec::new(),
            skipped: Vec::new(),
            version: 1,
            batch_size: MAX_BATCH_SIZE,
            batch_index: MAX_BATCH_SIZE - 1,
            batch_id: 7,
        };
        let (uri, _) = batch.to_uri();
        let mut set = MigrationSet::new();
        set.add(MigrationBatch::from_uri(&uri).expect("100 codes are allowed"))
            .expect("first code");
        assert_eq!(set.missing().len(), 99);
    }
}
