//! `[cache]`: read-mostly data kept in memory (issue 17; see [`super`] for what and why).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Keep verified application credentials and the disabled methods in memory. `false`:
    /// every request reads them from the database (as before issue 17).
    pub enabled: bool,
    /// Most applications whose verified credentials are kept (a few hundred bytes each);
    /// when full, an arbitrary one makes room.
    pub applications: usize,
    /// Longest time a cached entry is used before the database is read again, in seconds.
    /// Changes reach the cache at once through the cluster events; this bounds how long a
    /// missed event could matter.
    pub ttl_seconds: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            applications: 1024,
            ttl_seconds: 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        let parsed: CacheConfig = toml::from_str("ttl_seconds = 5").unwrap_or_default();
        assert_eq!(parsed.ttl_seconds, 5);
        assert!(parsed.enabled);
        assert_eq!(parsed.applications, 1024);
        assert!(toml::from_str::<CacheConfig>("ttl = 5").is_err());
    }
}
