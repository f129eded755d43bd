//! The admin API (`/v1/admin/...`): what the server answers and what the CLI (or any other
//! admin client) sends. The server builds these from its database rows; no row type ever
//! reaches the wire, so a column can change without changing the API.
//!
//! Absent optional values are written as `null` (not left out) unless a field says
//! otherwise: scripts that read the JSON can rely on every key being there.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Factor;

// Whether a user is asked for a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MfaState {
    /// Sign-ins are allowed without a second factor.
    Disabled,
    /// A second factor is asked when the user has one; server policy decides otherwise.
    Enabled,
    /// A second factor is always required: a user without one must enroll.
    Enforced,
}

impl MfaState {
    /// The wire and database text.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaState::Disabled => "disabled",
            MfaState::Enabled => "enabled",
            MfaState::Enforced => "enforced",
        }
    }

    /// The inverse of [`MfaState::as_str`]; `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "disabled" => Some(MfaState::Disabled),
            "enabled" => Some(MfaState::Enabled),
            "enforced" => Some(MfaState::Enforced),
            _ => None,
        }
    }
}

impl std::str::FromStr for MfaState {
    type Err = super::rp::UnknownWireValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| super::rp::UnknownWireValue {
            kind: "MFA state",
            value: text.to_owned(),
        })
    }
}

/// How the database column decodes (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for MfaState {
    type Error = super::rp::UnknownWireValue;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

// A user as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mfa_state: MfaState,
    /// Reset by an admin: the next sign-in answers `enroll` until a device activates.
    pub needs_registration: bool,
    /// Blocked (for instance after a fraud report): every sign-in is denied.
    pub blocked: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// What `factor: auto` uses and preauth lists first; `null`: none chosen (push before
    /// passcode).
    #[serde(default)]
    pub default_method: Option<DefaultMethod>,
}

/// A user to add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique; compared without regard to case (stored in lower case).
    pub username: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Default "enabled".
    #[serde(default)]
    pub mfa_state: Option<MfaState>,
}

/// Changes to a user; absent fields stay as they are, an empty string clears a detail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub mfa_state: Option<MfaState>,
    /// Unblock (false) a user blocked after a fraud report, or block one (true).
    #[serde(default)]
    pub blocked: Option<bool>,
    /// Lift every lockout of the user's factors, also one that stays until an administrator
    /// lifts it (after `policy.lockout_permanent_after` consecutive failures). Audited.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlock: bool,
    /// The user's default method; `sms` and `voice` only when the server has their gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_method: Option<DefaultMethod>,
    /// Clear the default method (none chosen: push before passcode). Applied before
    /// `default_method`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_default_method: bool,
}

// The query of `POST /v1/admin/users/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Line number of this chunk's header in the whole file (default 1).
    pub first_line: Option<u64>,
}

/// One line of a CSV import and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// Line number in the CSV text (the header is line 1).
    pub line: u64,
    pub username: String,
    /// "added" or "refused".
    pub status: String,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub added: u64,
    pub refused: u64,
    pub rows: Vec<ImportRow>,
}

/// A user with their devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDetail {
    pub user: User,
    pub devices: Vec<Device>,
}

/// A device as the admin API shows it.
// Never its public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// The schema keeps the name the OpenAPI document has always used.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DeviceView))]
pub struct Device {
    pub id: String,
    pub name: String,
    pub platform: String,
    // The activation epoch the device was activated under.
    pub epoch: i64,
    // "active" or "revoked".
    pub status: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

// What `POST /v1/admin/users/{username}/reset` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetReport {
    pub username: String,
    /// Devices revoked now; their open channels were told and closed.
    pub revoked_devices: Vec<String>,
    /// Push requests that were still waiting and are now cancelled.
    pub cancelled_requests: usize,
}

/// A new activation, shown once to the admin. `Debug` leaves out the code and everything
/// that carries it (URI, QR code), so a stray log line cannot hand out an activation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedActivation {
    pub username: String,
    /// The code to type, grouped for reading: "1234 5678 9012".
    pub code: String,
    pub server_url: String,
    /// `twofold://activate?url=...&code=...`: what the QR code holds.
    pub uri: String,
    pub expires_at: i64,
    /// The QR code as a PNG image, base64 (standard alphabet).
    pub qr_png_base64: String,
}

impl fmt::Debug for IssuedActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedActivation")
            .field("username", &self.username)
            .field("server_url", &self.server_url)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

// A relying-party application; its secret is never shown again after registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub name: String,
}

/// A new application's credentials, shown once. `Debug` leaves out the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationCredentials {
    pub id: String,
    pub name: String,
    /// Shown only now; keep it in the relying party's configuration.
    pub secret: String,
}

impl fmt::Debug for ApplicationCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationCredentials")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

// Whether a method is enabled for everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MethodState {
    pub method: Factor,
    pub enabled: bool,
}

// The body of `PUT /v1/admin/methods/{method}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MethodChange {
    pub enabled: bool,
}

// One audit record: an authentication attempt, an activation, or an admin action that
// changes who can sign in. Never holds a secret, code or activation code. The field order
// is the column order of the CSV export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    /// Unique id of the record.
    pub id: String,
    /// Unix seconds.
    pub at: i64,
    /// "authentication", "activation", "admin", ...
    pub event: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub device_id: Option<String>,
    /// The authentication mode: "passcode", "push", ...
    pub factor: Option<String>,
    /// "allow", "deny", "enroll", "success", "failure", ...
    pub result: String,
    /// The stable reason code.
    pub reason: Option<String>,
    pub server_name: String,
    pub server_ip: Option<String>,
    pub client_ip: Option<String>,
    pub application: Option<String>,
    /// The admin token (its id, never its secret) behind an `admin` event.
    #[serde(default)]
    pub admin_id: Option<String>,
    /// What an admin change did or why a request was refused, e.g. `mfa_state=disabled`.
    #[serde(default)]
    pub detail: Option<String>,
}

/// Which audit records `GET /v1/admin/audit` returns; every filter narrows the result. The
/// server's store takes this same type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub username: Option<String>,
    /// "allow", "deny", "enroll", "success", "failure", ...
    pub result: Option<String>,
    /// "authentication", "activation", "admin", ...
    pub event: Option<String>,
    /// From this time (unix seconds, inclusive).
    pub since: Option<i64>,
    /// Before this time (unix seconds, exclusive).
    pub until: Option<i64>,
    /// At most this many records, newest first (default 1000).
    pub limit: Option<i64>,
    /// "json" (default) or "csv".
    pub format: Option<String>,
    /// Only the changes made with this admin token (its id).
    pub admin_id: Option<String>,
}

/// The query of `GET /v1/admin/reports/usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// Start (unix seconds, inclusive). Default: 30 days before `until`.
    pub since: Option<i64>,
    /// End (unix seconds, exclusive). Default: now.
    pub until: Option<i64>,
    /// Bucket size: "hour", "day" (default) or "week" (UTC, aligned to the unix epoch).
    pub period: Option<String>,
}

// Usage figures for per-user and per-authentication billing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageReport {
    pub since: i64,
    pub until: i64,
    /// Users whose MFA state is enabled or enforced.
    pub users_enabled: i64,
    pub users_total: i64,
    /// Devices active on the current activation epoch.
    pub devices_active: i64,
    /// Authentication attempts in the period.
    pub authentications: i64,
    pub allowed: i64,
    pub denied: i64,
    /// Distinct users who authenticated in the period (per-user billing).
    pub distinct_users: i64,
    pub by_application: Vec<Bucket>,
    /// One bucket per period start (unix seconds, UTC).
    pub by_period: Vec<Bucket>,
}

// Authentications under one key: an application name, or a period start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bucket {
    pub key: String,
    pub authentications: i64,
    pub allowed: i64,
    pub denied: i64,
}

// What `POST /v1/admin/server/reactivate` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reactivation {
    /// The new activation epoch.
    pub epoch: u64,
}

// The body of `POST /v1/admin/users/{username}/app-passwords`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAppPassword {
    /// What the app password is for ("Thunderbird on the laptop"); unique per user.
    pub name: String,
}

// One of a user's app passwords, as listed: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppPassword {
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A new app password, shown once. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedAppPassword {
    pub username: String,
    pub name: String,
    /// Four groups of six letters: `abcdef-ghjkmn-pqrstu-vwxyza`.
    pub password: String,
    pub created_at: i64,
}

impl fmt::Debug for IssuedAppPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedAppPassword")
            .field("username", &self.username)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

// What `DELETE /v1/admin/users/{username}/app-passwords` (all of them) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletedAppPasswords {
    pub username: String,
    pub deleted: u64,
}

// The body of `POST /v1/admin/users/{username}/bypass`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBypass {
    /// Minutes the code stays valid, 1..=1440 (default 5).
    #[serde(default = "default_bypass_minutes")]
    pub minutes: u32,
    /// Sign-ins it allows, 1..=10 (default 1).
    #[serde(default = "default_bypass_uses")]
    pub uses: u32,
}

fn default_bypass_minutes() -> u32 {
    5
}

fn default_bypass_uses() -> u32 {
    1
}

/// A one-time bypass code, shown once. `Debug` leaves the code out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedBypass {
    pub username: String,
    /// Three groups of four letters: `abcd-efgh-jkmn`.
    pub code: String,
    pub expires_at: i64,
    pub uses: u32,
}

impl fmt::Debug for IssuedBypass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedBypass")
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .field("uses", &self.uses)
            .finish_non_exhaustive()
    }
}

/// A new set of recovery codes, shown once; the earlier set no longer works. `Debug` leaves
/// the codes out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedRecoveryCodes {
    pub username: String,
    /// Ten codes of two groups of five letters: `abcde-fghjk`; each works once.
    pub codes: Vec<String>,
}

impl fmt::Debug for IssuedRecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedRecoveryCodes")
            .field("username", &self.username)
            .field("codes", &self.codes.len())
            .finish()
    }
}

// The query of `POST /v1/admin/users/{username}/reset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ResetQuery {
    /// Keep the user's app passwords (by default a reset deletes them).
    #[serde(default)]
    pub keep_app_passwords: bool,
}
mod console_admins;
mod default_method;
mod directory;
mod hardware_tokens;
mod portal;
mod tokens;
pub use console_admins::*;
pub use default_method::*;
pub use directory::*;
pub use hardware_tokens::*;
pub use portal::*;
pub use tokens::*;

#[cfg(test)]
mod tests;
