//! What every handler can reach: configuration, store, clock, keys, metrics.

use std::sync::Arc;

use tokio::sync::RwLock;

use crate::channel::connected::ConnectedDevices;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::MasterKey;
use crate::error::Error;
use crate::identity::ServerIdentity;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub master_key: Arc<MasterKey>,
    pub identity: Arc<RwLock<ServerIdentity>>,
    /// The URL that goes into activation codes.
    pub public_url: Arc<str>,
    pub server_name: Arc<str>,
    /// This node's address, for audit records.
    pub server_ip: Option<Arc<str>>,
    pub metrics: Arc<Metrics>,
    pub activation_limiter: Arc<RateLimiter>,
    /// Device sockets held by this node.
    pub connected: Arc<ConnectedDevices>,
    /// The `[sms]` and `[voice]` gateways (None where not configured).
    pub gateways: Arc<crate::gateway::Gateways>,
    /// The LDAP / AD directory, when `[directory] url` is set.
    pub directory: Option<Arc<crate::directory::Directory>>,
    /// Read-mostly data kept in memory, invalidated by cluster events (issue 17).
    pub caches: Arc<crate::cache::Caches>,
}

impl AppState {
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// `now` for the audit and report tables, whose queries still count in i64.
    pub fn now_i64(&self) -> i64 {
        crate::store::columns::to_db(self.clock.now())
    }

    pub async fn epoch(&self) -> u64 {
        self.identity.read().await.epoch
    }

    /// Reloads the signing key and epoch from the store (after a reactivation).
    pub async fn reload_identity(&self) -> Result<(), Error> {
        let fresh = ServerIdentity::load(&self.store, &self.master_key).await?;
        *self.identity.write().await = fresh;
        Ok(())
    }

    /// Reloads the identity when another node changed the epoch.
    pub async fn refresh_identity(&self) -> Result<(), Error> {
        let stored = crate::store::state::epoch(self.store.pool()).await?;
        if stored != Some(self.epoch().await) {
            self.reload_identity().await?;
        }
        Ok(())
    }
}
