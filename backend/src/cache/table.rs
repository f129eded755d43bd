//! One bounded table of cached values with a generation counter, so an invalidation can never
//! be undone by a load that was already under way.
//!
//! The race it closes: request R reads a row from the database, an administrator deletes the
//! row and the table forgets it, then R stores what it read. Without a guard that stale copy
//! would be served until it expires. R takes a [`Ticket`] (the generation) *before* it reads
//! the database; every invalidation bumps the generation, and [`Table::insert`] drops a value
//! whose ticket is older. A value read after the invalidation's commit carries a newer ticket
//! and is what the database holds.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The generation a load started in ([`Table::ticket`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// A map from `String` keys to values, at most `capacity` of them, each served for at most
/// `ttl_seconds` after it was stored (a bound on an invalidation that never arrived).
pub struct Table<V> {
    inner: Mutex<Inner<V>>,
    capacity: usize,
    ttl_seconds: u64,
}

struct Inner<V> {
    generation: u64,
    entries: HashMap<String, Stored<V>>,
}

struct Stored<V> {
    value: V,
    stored_at: u64,
}

impl<V: Clone> Table<V> {
    pub fn new(capacity: usize, ttl_seconds: u64) -> Self {
        Self {
            inner: Mutex::new(Inner {
                generation: 0,
                entries: HashMap::new(),
            }),
            capacity,
            ttl_seconds,
        }
    }

    /// The value stored under `key`, when it was stored less than the TTL before `now`.
    pub fn get(&self, key: &str, now: u64) -> Option<V> {
        let mut inner = self.lock();
        let fresh = inner
            .entries
            .get(key)
            .map(|s| now < s.stored_at.saturating_add(self.ttl_seconds))?;
        if fresh {
            inner.entries.get(key).map(|s| s.value.clone())
        } else {
            inner.entries.remove(key);
            None
        }
    }

    /// Take this before reading what will be stored with [`Self::insert`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.lock().generation)
    }

    /// Stores `value` unless the table was invalidated since `ticket` was taken (then the
    /// value may predate that change: it is dropped). When the table is full, an arbitrary
    /// entry makes room. True when stored.
    pub fn insert(&self, ticket: Ticket, key: &str, value: V, now: u64) -> bool {
        if self.capacity == 0 {
            return false;
        }
        let mut inner = self.lock();
        if inner.generation != ticket.0 {
            return false;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(key) {
            let victim = inner.entries.keys().next().cloned();
            if let Some(victim) = victim {
                inner.entries.remove(&victim);
            }
        }
        inner.entries.insert(
            key.to_owned(),
            Stored {
                value,
                stored_at: now,
            },
        );
        true
    }

    /// Forgets `key`, and any load of it already under way.
    pub fn forget(&self, key: &str) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.remove(key);
    }

    /// Forgets everything, and every load already under way.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.clear();
    }

    /// How many entries are stored (expired ones included until they are next asked for).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `key` is stored (for tests and metrics; expiry not considered).
    pub fn contains(&self, key: &str) -> bool {
        self.lock().entries.contains_key(key)
    }

    /// A panic while the lock was held cannot leave the map half-updated (each change is
    /// one `HashMap` call), so a poisoned lock is still good to use.
    fn lock(&self) -> MutexGuard<'_, Inner<V>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_began_before_an_invalidation_is_not_stored() {
        let table = Table::new(8, 60);
        let ticket = table.ticket();
        table.forget("app_1");
        assert!(!table.insert(ticket, "app_1", 1, 100));
        assert_eq!(table.get("app_1", 100), None);
        let ticket = table.ticket();
        assert!(table.insert(ticket, "app_1", 2, 100));
        assert_eq!(table.get("app_1", 100), Some(2));
        let ticket = table.ticket();
        table.clear();
        assert!(!table.insert(ticket, "app_2", 3, 100));
        assert!(table.is_empty());
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let table = Table::new(8, 60);
        assert!(table.insert(table.ticket(), "k", 1, 1_000));
        assert_eq!(table.get("k", 1_059), Some(1));
        assert_eq!(table.get("k", 1_060), None);
        assert!(
            !table.contains("k"),
            "an expired entry is removed when asked for"
        );
    }

    #[test]
    fn the_table_never_holds_more_than_its_capacity() {
        let table = Table::new(3, 60);
        for i in 0..10 {
            assert!(table.insert(table.ticket(), &format!("k{i}"), i, 0));
            assert!(table.len() <= 3);
        }
        assert!(table.contains("k9"), "the newest entry is kept");
        // Replacing a key that is there evicts nothing else.
        assert!(table.insert(table.ticket(), "k9", 99, 0));
        assert_eq!(table.len(), 3);
        let none = Table::new(0, 60);
        assert!(!none.insert(none.ticket(), "k", 1, 0));
        assert!(none.is_empty());
    }
}
