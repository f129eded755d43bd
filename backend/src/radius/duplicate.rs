//! The duplicate cache of RFC 5080 §2.2.2: a request is the same when its source address
//! and port, Identifier and Request Authenticator are. A retransmission of a request still
//! being worked on (a push the user has not answered) gets nothing, so the client keeps
//! waiting and no second push starts; one of an answered request gets the same answer.
//! Per node, in memory, bounded (the oldest entries go first) and expiring.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;

/// Seconds an answer is kept for retransmissions (clients retransmit for up to ~30 s).
pub const ANSWER_TTL_SECONDS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub source: SocketAddr,
    pub identifier: u8,
    pub authenticator: [u8; 16],
}

/// What the cache knows about a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// First time: now recorded as in progress.
    New,
    /// Being answered: send nothing.
    InProgress,
    /// Answered: send these octets again.
    Answered(Vec<u8>),
}

enum Entry {
    InProgress,
    Answered { bytes: Vec<u8>, until: u64 },
}

pub struct DuplicateCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    order: VecDeque<Key>,
}

impl DuplicateCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Looks `key` up at `now`, recording it as in progress when it is new.
    pub fn begin(&self, key: &Key, now: u64) -> Seen {
        let Ok(mut inner) = self.inner.lock() else {
            return Seen::New;
        };
        match inner.entries.get(key) {
            Some(Entry::InProgress) => return Seen::InProgress,
            Some(Entry::Answered { bytes, until }) if *until > now => {
                return Seen::Answered(bytes.clone())
            }
            _ => {}
        }
        while inner.entries.len() >= self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            inner.entries.remove(&oldest);
        }
        if inner
            .entries
            .insert(key.clone(), Entry::InProgress)
            .is_none()
        {
            inner.order.push_back(key.clone());
        }
        Seen::New
    }

    /// Records the answer sent for `key`, kept until `now + ANSWER_TTL_SECONDS`.
    pub fn answered(&self, key: &Key, bytes: Vec<u8>, now: u64) {
        if let Ok(mut inner) = self.inner.lock() {
            if let Some(entry) = inner.entries.get_mut(key) {
                *entry = Entry::Answered {
                    bytes,
                    until: now.saturating_add(ANSWER_TTL_SECONDS),
                };
            }
        }
    }

    /// Forgets `key` (the request got no answer: a retransmission is worked on afresh).
    pub fn forget(&self, key: &Key) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.remove(key);
            inner.order.retain(|k| k != key);
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(port: u16, identifier: u8) -> Key {
        Key {
            source: SocketAddr::from(([127, 0, 0, 1], port)),
            identifier,
            authenticator: [7; 16],
        }
    }

    #[test]
    fn a_retransmission_waits_then_gets_the_same_answer() {
        let cache = DuplicateCache::new(8);
        assert_eq!(cache.begin(&key(1, 1), 100), Seen::New);
        assert_eq!(cache.begin(&key(1, 1), 101), Seen::InProgress);
        cache.answered(&key(1, 1), vec![2, 1], 102);
        assert_eq!(cache.begin(&key(1, 1), 103), Seen::Answered(vec![2, 1]));
        // Another port or Identifier is another request.
        assert_eq!(cache.begin(&key(2, 1), 103), Seen::New);
        assert_eq!(cache.begin(&key(1, 2), 103), Seen::New);
    }

    #[test]
    fn answers_expire_and_the_cache_stays_bounded() {
        let cache = DuplicateCache::new(2);
        cache.begin(&key(1, 1), 0);
        cache.answered(&key(1, 1), vec![2], 0);
        assert_eq!(cache.begin(&key(1, 1), ANSWER_TTL_SECONDS + 1), Seen::New);
        cache.begin(&key(2, 1), 0);
        cache.begin(&key(3, 1), 0);
        assert_eq!(cache.len(), 2);
        // The oldest went first.
        assert_eq!(cache.begin(&key(3, 1), 0), Seen::InProgress);
        assert_eq!(cache.begin(&key(2, 1), 0), Seen::InProgress);
    }
}
