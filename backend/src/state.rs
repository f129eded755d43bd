//! What every handler can reach: configuration, store, clock, keys, metrics.

use std::sync::Arc;

use tokio::sync::RwLock;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::MasterKey;
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
}

impl AppState {
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// `now` as the store keeps it.
    pub fn now_i64(&self) -> i64 {
        i64::try_from(self.clock.now()).unwrap_or(i64::MAX)
    }

    pub async fn epoch(&self) -> u64 {
        self.identity.read().await.epoch
    }
}
