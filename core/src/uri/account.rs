//! The account an `otpauth://` URI describes.

use crate::otp::{Algorithm, Hotp, OtpError, Totp};
use crate::SecretBytes;

pub const DEFAULT_DIGITS: u8 = 6;
pub const DEFAULT_PERIOD: u64 = 30;

/// Which kind of code an account produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpKind {
    Totp {
        period: u64,
    },
    /// `counter` is the next counter value to use.
    Hotp {
        counter: u64,
    },
    /// Steam Guard: 30-second steps, five characters.
    Steam,
}

/// One OTP account: what a URI, a migration export or an importer produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtpAccount {
    pub kind: OtpKind,
    /// The service (`issuer` parameter, or the label prefix before `:`).
    pub issuer: Option<String>,
    /// The account name: the label after the issuer prefix.
    pub name: String,
    pub secret: SecretBytes,
    pub algorithm: Algorithm,
    pub digits: u8,
    /// Parameters this crate does not interpret (`image`, `color`, ...), in URI order, kept
    /// so that an account formats back to what it came from.
    pub extra: Vec<(String, String)>,
}

impl OtpAccount {
    /// A TOTP account with the usual defaults (SHA1, 6 digits, 30 s).
    pub fn new_totp(issuer: Option<String>, name: impl Into<String>, secret: SecretBytes) -> Self {
        Self {
            kind: OtpKind::Totp {
                period: DEFAULT_PERIOD,
            },
            issuer,
            name: name.into(),
            secret,
            algorithm: Algorithm::Sha1,
            digits: DEFAULT_DIGITS,
            extra: Vec::new(),
        }
    }

    /// The code shown at `now` (TOTP, Steam) or for the stored counter (HOTP).
    pub fn code(&self, now: u64) -> Result<String, OtpError> {
        match self.kind {
            OtpKind::Hotp { counter } => Ok(self.hotp_generator()?.generate(counter)),
            OtpKind::Totp { .. } | OtpKind::Steam => Ok(self.totp_generator()?.generate(now)),
        }
    }

    /// The TOTP generator for a TOTP or Steam account.
    pub fn totp_generator(&self) -> Result<Totp, OtpError> {
        match self.kind {
            OtpKind::Steam => Totp::steam(self.secret.clone()),
            OtpKind::Totp { period } => {
                Totp::new(self.secret.clone(), self.algorithm, self.digits, period)
            }
            // A counter account read as 30-second TOTP would show wrong codes.
            OtpKind::Hotp { .. } => Err(OtpError::BadPeriod),
        }
    }

    pub fn hotp_generator(&self) -> Result<Hotp, OtpError> {
        Hotp::new(self.secret.clone(), self.algorithm, self.digits)
    }

    /// "Issuer (name)" or just the name: how a person refers to the account.
    pub fn display_name(&self) -> String {
        match &self.issuer {
            Some(issuer) if !self.name.is_empty() => format!("{issuer} ({})", self.name),
            Some(issuer) => issuer.clone(),
            None => self.name.clone(),
        }
    }
}
