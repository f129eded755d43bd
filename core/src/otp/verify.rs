//! What verification answers, and the helpers both verifiers share.

use subtle::ConstantTimeEq;
use thiserror::Error;

use super::Encoding;

/// How many steps around the expected one a TOTP code may come from.
///
/// RFC 6238 §5.2 recommends at most one step of network delay backwards; the server's
/// default is one step each side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub behind: u64,
    pub ahead: u64,
}

impl Window {
    pub const fn symmetric(steps: u64) -> Self {
        Self {
            behind: steps,
            ahead: steps,
        }
    }
}

impl Default for Window {
    fn default() -> Self {
        Self::symmetric(1)
    }
}

/// A TOTP code that was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The time step the code belongs to; store it so it is never accepted again.
    pub step: u64,
    /// How many steps the code's clock is ahead (+) or behind (-) the verifier's clock.
    pub drift: i64,
}

/// An HOTP code that was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HotpAccepted {
    pub counter: u64,
    /// Store this: the next code must come from this counter or later.
    pub next_counter: u64,
}

/// Why a code was refused.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the code has the wrong length or characters")]
    Malformed,
    #[error("the code is not valid")]
    Invalid,
    /// RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the same OTP".
    #[error("the code was already used")]
    Replayed,
    /// A TOTP code from further from the verifier's clock than the drift bound allows.
    #[error("the code is from too far from the verifier's clock")]
    BeyondDrift,
}

/// Drops spaces users type ("123 456") and upper-cases Steam codes; refuses anything that
/// cannot be a code of this encoding before any HMAC is computed.
pub(crate) fn normalise_code(code: &str, encoding: Encoding) -> Result<String, VerifyError> {
    let cleaned: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let cleaned = match encoding {
        Encoding::Decimal { .. } => cleaned,
        Encoding::Steam => cleaned.to_ascii_uppercase(),
    };
    let valid_chars = match encoding {
        Encoding::Decimal { .. } => cleaned.bytes().all(|b| b.is_ascii_digit()),
        Encoding::Steam => cleaned.bytes().all(|b| super::STEAM_ALPHABET.contains(&b)),
    };
    if cleaned.len() != encoding.code_len() || !valid_chars {
        return Err(VerifyError::Malformed);
    }
    Ok(cleaned)
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
