//! A user's default sign-in method (issue 14).

use serde::{Deserialize, Serialize};

use crate::proto::Factor;

/// A user's default method (issue 14): what `factor: auto` without a passcode uses and what
/// `/v1/preauth` lists first. `token` is a hardware token's passcode, `passcode` the app's
/// offline code; both are checked as `factor: passcode`. `sms` and `voice` are text-message
/// and voice codes (`factor: sms`/`voice`); the server refuses them as a default when their
/// gateway is not configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DefaultMethod {
    Push,
    Passcode,
    Token,
    Sms,
    Voice,
}

impl DefaultMethod {
    pub const ALL: &'static [DefaultMethod] = &[
        DefaultMethod::Push,
        DefaultMethod::Passcode,
        DefaultMethod::Token,
        DefaultMethod::Sms,
        DefaultMethod::Voice,
    ];

    /// The wire and database text.
    pub fn as_str(self) -> &'static str {
        match self {
            DefaultMethod::Push => "push",
            DefaultMethod::Passcode => "passcode",
            DefaultMethod::Token => "token",
            DefaultMethod::Sms => "sms",
            DefaultMethod::Voice => "voice",
        }
    }

    /// The `/v1/auth` factor that checks this method.
    pub fn factor(self) -> Option<Factor> {
        match self {
            DefaultMethod::Push => Some(Factor::Push),
            DefaultMethod::Passcode | DefaultMethod::Token => Some(Factor::Passcode),
            DefaultMethod::Sms => Some(Factor::Sms),
            DefaultMethod::Voice => Some(Factor::Voice),
        }
    }
}

impl std::str::FromStr for DefaultMethod {
    type Err = crate::proto::rp::UnknownWireValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::proto::rp::from_wire(Self::ALL, Self::as_str, "default method", text)
    }
}

/// How the database column decodes (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for DefaultMethod {
    type Error = crate::proto::rp::UnknownWireValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}
