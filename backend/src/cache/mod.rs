//! Read-mostly data every sign-in needs, kept in memory (issue 17): the verified credentials
//! of relying-party applications and the methods an administrator disabled. (The server's
//! epoch was already in memory: [`crate::identity::ServerIdentity`], reloaded on
//! [`Event::Reactivated`].)
//!
//! The profile of `/v1/auth` showed a request's cost is its round trips to the database, not
//! its SQL; the application lookup is one of them on every request. What is cached, and how
//! it is kept right:
//!
//! - An application is cached only after its secret verified, together with the keyed hash
//!   ([`crate::crypto::MasterKey::lookup_hash`]) of the secret presented. A later request is
//!   answered from memory only when the keyed hash of *its* secret equals that one (compared
//!   in constant time); any other secret goes to the database and the full check, so a
//!   wrong secret is never accepted from the cache and never displaces anything.
//! - Deleting an application or switching a method sends [`Event::ApplicationDeleted`] or
//!   [`Event::MethodsChanged`] inside the changing transaction (PostgreSQL's NOTIFY is
//!   delivered with the commit, never without it), and the changing node forgets the entry
//!   at once after the commit, before the administrator gets the answer. Other nodes forget
//!   it when their listener receives the notification.
//! - A load takes a [`table::Ticket`] before it reads the database, so a copy read before a
//!   change committed is never stored after that change was applied ([`table`]).
//! - On PostgreSQL the cache is used only while this node's event listener is connected and
//!   has caught up ([`Caches::set_live`]): notifications missed while it was down cannot
//!   leave a deleted application working here; after a reconnect the catch-up clears
//!   everything ([`crate::channel::catch_up`]).
//! - Every entry is bounded in time (`[cache] ttl_seconds`) and the table in size
//!   (`[cache] applications`).

pub mod applications;
pub mod config;
pub mod disabled;
pub mod table;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use self::config::CacheConfig;
use self::table::Table;
use crate::channel::events::Event;
use crate::store::Backend;

/// This node's caches, in [`crate::state::AppState`].
pub struct Caches {
    enabled: bool,
    /// SQLite: always (events are handled in the process that makes them). PostgreSQL: the
    /// cluster listener is connected and caught up.
    live: AtomicBool,
    /// Verified application credentials by application id.
    pub applications: Table<Arc<applications::Verified>>,
    /// The stored disabled-methods value, under [`crate::store::state::DISABLED_METHODS`].
    pub disabled_methods: Table<Option<String>>,
}

impl Caches {
    pub fn new(config: &CacheConfig, backend: Backend) -> Self {
        Self {
            enabled: config.enabled,
            live: AtomicBool::new(backend == Backend::Sqlite),
            applications: Table::new(config.applications, config.ttl_seconds),
            disabled_methods: Table::new(1, config.ttl_seconds),
        }
    }

    /// Whether cached entries may be used (and new ones stored) now.
    pub fn serving(&self) -> bool {
        self.enabled && self.live.load(Ordering::Acquire)
    }

    /// PostgreSQL's listener went down (false: everything is forgotten and nothing is served
    /// until it is back) or is connected and caught up again (true).
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        if !live {
            self.clear();
        }
    }

    /// Forgets everything (a reactivation, a listener's catch-up).
    pub fn clear(&self) {
        self.applications.clear();
        self.disabled_methods.clear();
    }

    /// What a cluster event changes here. Called where the event is dispatched on every
    /// node, and by the node that made the change right after its commit.
    pub fn apply(&self, event: &Event) {
        match event {
            Event::ApplicationDeleted { id } => self.applications.forget(id),
            Event::MethodsChanged => self.disabled_methods.clear(),
            Event::Reactivated => self.clear(),
            Event::Challenge { .. } | Event::Finished { .. } | Event::Revoked { .. } => {}
        }
    }
}
