//! OATH hardware tokens: the seed files vendors ship with them, and what the server keeps.
//!
//! [`import`] reads PSKC (RFC 6030) and CSV seed files into [`import::SeedToken`]s without
//! touching the store; the store module `hardware_tokens` keeps them sealed. Verifying a
//! token's codes at sign-in is the `signin` layer's business.

pub mod import;

use std::str::FromStr;

/// Which OATH algorithm a token runs: RFC 4226 (event counter) or RFC 6238 (time steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Hotp,
    Totp,
}

impl TokenKind {
    /// The spelling used in the database, on the wire and in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Hotp => "hotp",
            TokenKind::Totp => "totp",
        }
    }
}

impl FromStr for TokenKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hotp" => Ok(TokenKind::Hotp),
            "totp" => Ok(TokenKind::Totp),
            other => Err(format!("unknown token type `{other}` (hotp or totp)")),
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
