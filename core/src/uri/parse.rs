//! Reading `otpauth://TYPE/LABEL?PARAMETERS`.

use percent_encoding::percent_decode_str;
use thiserror::Error;
use zeroize::Zeroizing;

use super::account::{OtpAccount, OtpKind, DEFAULT_DIGITS, DEFAULT_PERIOD};
use crate::otp::{Algorithm, MAX_DIGITS, MIN_DIGITS, STEAM_DIGITS};
use crate::SecretBytes;

/// Why a URI was refused. Messages never repeat the secret.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum UriError {
    #[error("this is a Google Authenticator export (otpauth-migration://); import it as such")]
    IsMigrationExport,
    #[error("not an otpauth:// URI")]
    NotOtpAuth,
    #[error("unsupported OTP type {0:?}: expected totp, hotp or steam")]
    UnsupportedType(String),
    #[error("the URI has neither an account name nor an issuer")]
    MissingLabel,
    #[error("the URI has no secret")]
    MissingSecret,
    #[error("the secret is not valid base32 (letters A-Z and digits 2-7)")]
    InvalidSecret,
    #[error("unsupported algorithm {0:?}: expected SHA1, SHA256 or SHA512")]
    UnsupportedAlgorithm(String),
    #[error("digits must be a number from {MIN_DIGITS} to {MAX_DIGITS}, not {0:?}")]
    BadDigits(String),
    #[error("period must be a whole number of seconds, at least 1, not {0:?}")]
    BadPeriod(String),
    #[error("counter must be a whole number, not {0:?}")]
    BadCounter(String),
    #[error("the {0} is not valid UTF-8 after percent-decoding")]
    BadEncoding(&'static str),
}

impl std::str::FromStr for OtpAccount {
    type Err = UriError;

    fn from_str(uri: &str) -> Result<Self, UriError> {
        parse(uri)
    }
}

impl OtpAccount {
    /// Parses an `otpauth://` URI.
    ///
    /// ```
    /// use twofold_core::{OtpAccount, OtpKind};
    /// let account = OtpAccount::from_uri("otpauth://totp/ACME%20Co:john@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co")?;
    /// assert_eq!(account.issuer.as_deref(), Some("ACME Co"));
    /// assert_eq!(account.name, "john@example.com");
    /// assert_eq!(account.kind, OtpKind::Totp { period: 30 });
    /// # Ok::<(), twofold_core::UriError>(())
    /// ```
    pub fn from_uri(uri: &str) -> Result<Self, UriError> {
        parse(uri)
    }
}

fn parse(uri: &str) -> Result<OtpAccount, UriError> {
    let uri = uri.trim();
    let (scheme, rest) = uri.split_once("://").ok_or(UriError::NotOtpAuth)?;
    match scheme.to_ascii_lowercase().as_str() {
        "otpauth" => {}
        "otpauth-migration" => return Err(UriError::IsMigrationExport),
        _ => return Err(UriError::NotOtpAuth),
    }
    // A fragment carries nothing for us.
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (kind_text, label) = path.split_once('/').unwrap_or((path, ""));

    let mut kind = match kind_text.to_ascii_lowercase().as_str() {
        "totp" => OtpKind::Totp {
            period: DEFAULT_PERIOD,
        },
        "hotp" => OtpKind::Hotp { counter: 0 },
        "steam" => OtpKind::Steam,
        _ => return Err(UriError::UnsupportedType(kind_text.to_owned())),
    };

    // Label: "Issuer:account" or "account"; `%3A` and `%20` decode first. `+` stays literal
    // in a path (RFC 3986), unlike in the query below.
    let label = percent_decode_str(label)
        .decode_utf8()
        .map_err(|_| UriError::BadEncoding("label"))?;

    let mut secret: Option<SecretBytes> = None;
    let mut param_issuer = None;
    let mut algorithm = None;
    let mut digits = None;
    let mut period = None;
    let mut counter = None;
    let mut extra = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = key.to_ascii_lowercase();
        // Query values are form-encoded by many issuers: `+` means space.
        let plus_as_space = raw_value.replace('+', " ");
        let value = Zeroizing::new(
            percent_decode_str(&plus_as_space)
                .decode_utf8()
                .map_err(|_| UriError::BadEncoding("query"))?
                .into_owned(),
        );
        // The first occurrence of a parameter wins; later repeats are ignored.
        match key.as_str() {
            "secret" if secret.is_none() => secret = Some(decode_secret(&value)?),
            "issuer" if param_issuer.is_none() => param_issuer = Some(non_empty(&value)),
            "algorithm" if algorithm.is_none() => {
                algorithm = Some(
                    Algorithm::parse(&value)
                        .ok_or_else(|| UriError::UnsupportedAlgorithm(value.to_string()))?,
                )
            }
            "digits" if digits.is_none() => digits = Some(parse_digits(&value)?),
            "period" if period.is_none() => period = Some(parse_period(&value)?),
            "counter" if counter.is_none() => {
                counter = Some(
                    value
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| UriError::BadCounter(value.to_string()))?,
                )
            }
            "encoder" if value.eq_ignore_ascii_case("steam") => kind = OtpKind::Steam,
            "secret" | "issuer" | "algorithm" | "digits" | "period" | "counter" => {}
            _ => extra.push((key, value.to_string())),
        }
    }

    let secret = secret.ok_or(UriError::MissingSecret)?;
    let param_issuer = param_issuer.flatten();
    // An issuer that itself contains ':' is only unambiguous when the parameter names it.
    let known_prefix = param_issuer
        .as_deref()
        .and_then(|issuer| label.strip_prefix(issuer))
        .and_then(|rest| rest.strip_prefix(':'));
    let (label_issuer, name) = match (known_prefix, label.split_once(':')) {
        (Some(name), _) => (param_issuer.clone(), name.trim().to_owned()),
        (None, Some((issuer, name))) => (non_empty(issuer), name.trim().to_owned()),
        (None, None) => (None, label.trim().to_owned()),
    };
    // Google's format: the issuer parameter is preferred when the two disagree.
    let issuer = param_issuer.or(label_issuer);
    if name.is_empty() && issuer.is_none() {
        return Err(UriError::MissingLabel);
    }
    let (digits, algorithm) = match kind {
        OtpKind::Steam => (STEAM_DIGITS, Algorithm::Sha1),
        OtpKind::Totp { .. } => {
            kind = OtpKind::Totp {
                period: period.unwrap_or(DEFAULT_PERIOD),
            };
            (
                digits.unwrap_or(DEFAULT_DIGITS),
                algorithm.unwrap_or_default(),
            )
        }
        OtpKind::Hotp { .. } => {
            kind = OtpKind::Hotp {
                counter: counter.unwrap_or(0),
            };
            (
                digits.unwrap_or(DEFAULT_DIGITS),
                algorithm.unwrap_or_default(),
            )
        }
    };
    Ok(OtpAccount {
        kind,
        issuer,
        name,
        secret,
        algorithm,
        digits,
        extra,
    })
}

/// Decodes a base32 secret as people and issuers write it: any case, with spaces or hyphens
/// between groups, with or without `=` padding.
pub fn decode_secret(text: &str) -> Result<SecretBytes, UriError> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let unpadded = cleaned.trim_end_matches('=');
    if unpadded.is_empty() {
        return Err(UriError::MissingSecret);
    }
    // RFC 4648 §6: a final quantum has 2, 4, 5, 7 or 8 characters; 1, 3 or 6 cannot occur.
    if matches!(unpadded.len() % 8, 1 | 3 | 6) || unpadded.contains('=') {
        return Err(UriError::InvalidSecret);
    }
    if !unpadded
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    {
        return Err(UriError::InvalidSecret);
    }
    base32::decode(base32::Alphabet::Rfc4648 { padding: false }, unpadded)
        .filter(|bytes| !bytes.is_empty())
        .map(SecretBytes::new)
        .ok_or(UriError::InvalidSecret)
}

fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn parse_digits(value: &str) -> Result<u8, UriError> {
    value
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|d| (MIN_DIGITS..=MAX_DIGITS).contains(d))
        .ok_or_else(|| UriError::BadDigits(value.to_owned()))
}

fn parse_period(value: &str) -> Result<u64, UriError> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| UriError::BadPeriod(value.to_owned()))
}
