//! The directory (`/v1/admin/directory/...`, issue 15): syncs and their reports, entries as
//! Twofold maps them.

use serde::{Deserialize, Serialize};

/// `POST /v1/admin/directory/sync`: run a directory sync now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DirectorySyncRequest {
    /// Report what a sync would change without changing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a directory sync changed (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectorySyncReport {
    pub dry_run: bool,
    /// Entries the directory returned (after the filter and group).
    pub entries: u64,
    /// Users added (usernames).
    pub added: Vec<String>,
    /// Users whose mapped attributes changed, with the fields that did.
    pub updated: Vec<DirectoryUserChange>,
    /// Directory users gone from the directory or the group: blocked, never deleted.
    pub disabled: Vec<String>,
    /// Directory users back in the directory: the sync's block lifted.
    pub enabled: Vec<String>,
    /// Directory users the directory has and Twofold already matches.
    pub unchanged: u64,
    /// Entries not synced, and why (a local user of the same name, no username, ...).
    pub skipped: Vec<DirectorySkipped>,
}

/// One user's changed fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryUserChange {
    pub username: String,
    /// Among username, first_name, last_name, email, phone, dn.
    pub fields: Vec<String>,
}

/// An entry a sync left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectorySkipped {
    pub dn: String,
    pub reason: String,
}

/// `GET /v1/admin/directory/users/{username}`: a directory entry as Twofold maps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryEntry {
    pub dn: String,
    /// entryUUID, or objectGUID as hex.
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// "directory" when a sync added it to Twofold, "local" when a local user has that
    /// name, null when Twofold has no such user yet.
    pub twofold_source: Option<String>,
}
