//! `[store]`: how far a commit is written before the answer that depends on it is sent.
//!
//! Every sign-in's writes (lockout counter, accepted step, audit record) commit before the
//! relying party gets its answer ([`super::Store::write`]). What that commit then survives:
//!
//! | engine | setting | process killed | power lost / kernel crash |
//! |---|---|---|---|
//! | SQLite (WAL) | `normal` (default) | every answered attempt | the last commits may be lost (the database stays consistent) |
//! | SQLite (WAL) | `full` | every answered attempt | every answered attempt (one fsync per group commit) |
//! | PostgreSQL | (the database server's `synchronous_commit`, default `on`) | every answered attempt | every answered attempt, with `on` |
//!
//! With `normal`, a power cut can forget codes accepted in the last moments: such a code
//! could then be accepted once more within its TOTP window, and a few counted failures can
//! be forgotten. `full` closes that at the cost of an fsync per batch, which the group
//! commit shares between every attempt of the batch (SQLite: `PRAGMA synchronous`,
//! <https://sqlite.org/pragma.html#pragma_synchronous>).

use serde::{Deserialize, Serialize};

/// SQLite's `synchronous` in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Synchronous {
    /// The WAL is synced at checkpoints only: safe against a killed process.
    #[default]
    Normal,
    /// The WAL is synced at every commit: safe against a power cut too.
    Full,
}

impl Synchronous {
    /// The statement that sets it on a SQLite connection.
    pub fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "PRAGMA synchronous = NORMAL",
            Synchronous::Full => "PRAGMA synchronous = FULL",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite only: `normal` (default) or `full`; see the table above. PostgreSQL follows the
    /// database server's `synchronous_commit`.
    pub synchronous: Synchronous,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synchronous_reads_its_two_names_and_defaults_to_normal() {
        let full: StoreConfig = toml::from_str("synchronous = \"full\"").unwrap_or_default();
        assert_eq!(full.synchronous, Synchronous::Full);
        assert_eq!(full.synchronous.pragma(), "PRAGMA synchronous = FULL");
        assert_eq!(
            StoreConfig::default().synchronous.pragma(),
            "PRAGMA synchronous = NORMAL"
        );
        assert!(toml::from_str::<StoreConfig>("synchronous = \"off\"").is_err());
        assert!(toml::from_str::<StoreConfig>("fsync = true").is_err());
    }
}
