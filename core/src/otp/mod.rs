//! One-time passwords: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard codes.
//!
//! Generators are built once from validated parameters ([`Hotp::new`], [`Totp::new`],
//! [`Totp::steam`]) and then compute codes for a counter or a time the caller passes in.
//! Verification ([`Totp::verify`], [`Hotp::verify`]) compares in constant time and knows
//! about replay: it is told the last step or counter accepted and refuses to go back.

mod hotp;
mod totp;
mod verify;

pub use hotp::Hotp;
pub use totp::Totp;
pub use verify::{Accepted, HotpAccepted, VerifyError, Window};

use ring::hmac;
use thiserror::Error;

/// Fewest and most digits a code may have. RFC 4226 §5.3 asks for at least six; five-digit
/// codes exist in the wild (and Steam's are five characters), and ten is the most a 31-bit
/// truncated value can fill.
pub const MIN_DIGITS: u8 = 5;
pub const MAX_DIGITS: u8 = 10;

/// Steam Guard codes: five characters from this alphabet, 30-second steps, HMAC-SHA1.
pub const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";
pub const STEAM_DIGITS: u8 = 5;

/// The HMAC behind a code (RFC 6238 §1.2 allows SHA-256 and SHA-512 beside RFC 4226's SHA-1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    /// The spelling `otpauth://` URIs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Reads `SHA1`, `sha256`, `SHA-512`, `HmacSHA1` and the like.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase().replace(['-', '_'], "");
        let name = upper.strip_prefix("HMAC").unwrap_or(&upper);
        match name {
            "SHA1" => Some(Algorithm::Sha1),
            "SHA256" => Some(Algorithm::Sha256),
            "SHA512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            // SHA-1 is what RFC 4226 specifies; as an HMAC it is still sound.
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the truncated value is written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Decimal digits, zero-padded (RFC 4226 §5.3).
    Decimal { digits: u8 },
    /// Steam Guard: five characters from [`STEAM_ALPHABET`].
    Steam,
}

impl Encoding {
    pub fn decimal(digits: u8) -> Result<Self, OtpError> {
        if (MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
            Ok(Encoding::Decimal { digits })
        } else {
            Err(OtpError::BadDigits(digits))
        }
    }

    /// Length of a code in characters.
    pub fn code_len(self) -> usize {
        match self {
            Encoding::Decimal { digits } => usize::from(digits),
            Encoding::Steam => usize::from(STEAM_DIGITS),
        }
    }

    fn render(self, mut value: u32) -> String {
        match self {
            Encoding::Decimal { digits } => {
                let modulus = 10u64.pow(u32::from(digits));
                format!(
                    "{:0width$}",
                    u64::from(value) % modulus,
                    width = usize::from(digits)
                )
            }
            Encoding::Steam => {
                let mut code = String::with_capacity(usize::from(STEAM_DIGITS));
                for _ in 0..STEAM_DIGITS {
                    let index = (value % STEAM_ALPHABET.len() as u32) as usize;
                    code.push(char::from(STEAM_ALPHABET[index]));
                    value /= STEAM_ALPHABET.len() as u32;
                }
                code
            }
        }
    }
}

/// Parameters that cannot make a generator.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum OtpError {
    #[error("a code has {MIN_DIGITS} to {MAX_DIGITS} digits, not {0}")]
    BadDigits(u8),
    #[error("the period must be at least one second")]
    BadPeriod,
    #[error("the secret is empty")]
    EmptySecret,
}

/// RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, then dynamic truncation to 31 bits.
fn truncated_value(key: &hmac::Key, counter: u64) -> u32 {
    let tag = hmac::sign(key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // The low nibble of the last byte picks the offset; every HMAC here is ≥ 20 bytes long,
    // so offset + 3 (at most 18) is always in range.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let bytes = [
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ];
    u32::from_be_bytes(bytes)
}

fn hmac_key(algorithm: Algorithm, secret: &[u8]) -> Result<hmac::Key, OtpError> {
    if secret.is_empty() {
        return Err(OtpError::EmptySecret);
    }
    Ok(hmac::Key::new(algorithm.hmac(), secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_in_the_wild_are_understood() {
        for (text, expected) in [
            ("SHA1", Algorithm::Sha1),
            ("sha1", Algorithm::Sha1),
            ("SHA-1", Algorithm::Sha1),
            ("HmacSHA1", Algorithm::Sha1),
            ("sha256", Algorithm::Sha256),
            ("HMACSHA256", Algorithm::Sha256),
            ("HmacSHA512", Algorithm::Sha512),
            ("SHA512", Algorithm::Sha512),
        ] {
            assert_eq!(Algorithm::parse(text), Some(expected), "{text}");
        }
        assert_eq!(Algorithm::parse("MD5"), None);
        assert_eq!(Algorithm::parse(""), None);
    }

    #[test]
    fn digits_outside_five_to_ten_are_refused() {
        assert_eq!(Encoding::decimal(4), Err(OtpError::BadDigits(4)));
        assert_eq!(Encoding::decimal(11), Err(OtpError::BadDigits(11)));
        assert!(Encoding::decimal(5).is_ok());
        assert!(Encoding::decimal(10).is_ok());
    }

    #[test]
    fn ten_digit_codes_are_zero_padded_truncated_values() {
        let encoding = Encoding::decimal(10).unwrap();
        assert_eq!(encoding.render(1_284_755_224), "1284755224");
        assert_eq!(encoding.render(7), "0000000007");
    }
}
