//! Hardware tokens (`/v1/admin/tokens...`): seed-file imports and their per-row report, the
//! tokens as listed, assignment and resynchronisation (issue 14).

use serde::{Deserialize, Serialize};

/// `POST /v1/admin/tokens/import`: a hardware-token seed file and what unlocks it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenImport {
    /// The file as text: PSKC (RFC 6030) XML or CSV.
    pub content: String,
    /// `pskc` or `csv`; guessed from the content when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// PSKC pre-shared transport key (RFC 6030 §6.1), hex: 16, 24 or 32 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// PSKC password for PBKDF2 (RFC 6030 §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

// The file holds seeds and the request may hold a key: none of it is printed.
impl std::fmt::Debug for TokenImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenImport")
            .field("content", &format_args!("{} bytes", self.content.len()))
            .field("format", &self.format)
            .field("key", &self.key.as_ref().map(|_| "***"))
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// One key (PSKC) or data line (CSV) of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenImportRow {
    /// PSKC: the key's position in the file (1-based); CSV: the line number.
    pub row: u64,
    pub serial: Option<String>,
    /// `imported`, `ready` (would have been imported, but the file was refused), `skipped`
    /// (not an OATH token, or no usable secret) or `refused` (broken: nothing is imported).
    pub status: String,
    pub reason: Option<String>,
}

/// What an import did. A file with any `refused` row imports nothing (`imported` is 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenImportReport {
    /// `pskc` or `csv`.
    pub format: String,
    pub imported: u64,
    pub skipped: u64,
    pub refused: u64,
    pub rows: Vec<TokenImportRow>,
}

/// A hardware token as the admin API shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HardwareToken {
    pub serial: String,
    /// `hotp` or `totp`.
    pub kind: String,
    /// `SHA1`, `SHA256` or `SHA512`.
    pub algorithm: String,
    pub digits: i64,
    /// TOTP time step in seconds.
    pub period: i64,
    /// HOTP: the next counter value expected.
    pub counter: i64,
    /// TOTP: the learned clock drift, in steps.
    pub drift: i64,
    pub enabled: bool,
    /// The user the token is assigned to.
    pub username: Option<String>,
    pub issuer: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// `GET /v1/admin/tokens?user=NAME`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TokenListQuery {
    /// Only the tokens assigned to this user.
    pub user: Option<String>,
}

/// `PUT /v1/admin/tokens/{serial}/user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenAssign {
    pub username: String,
}

/// `POST /v1/admin/tokens/{serial}/resync`: two consecutive codes read off the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResync {
    pub code1: String,
    pub code2: String,
}

impl std::fmt::Debug for TokenResync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenResync(***)")
    }
}
