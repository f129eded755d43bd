//! Catching up from the database after the cluster event listener (re)connects.
//!
//! PostgreSQL's NOTIFY is not queued for a listener that is not connected: a push started,
//! a device revoked or the server reactivated on another node while this node's LISTEN
//! connection was down would otherwise reach this node's sockets only when the devices
//! reconnect. Each event's effect is in the tables, so the node re-reads them:
//!
//! - reactivation: the epoch in the store differs from this node's; reload the identity and
//!   close every socket (what [`super::events::Event::Reactivated`] does);
//! - revocations: a connected device that is no longer active on the current epoch has its
//!   socket closed (what [`super::events::Event::Revoked`] does);
//! - challenges: everything still pending for the users of connected devices is delivered
//!   again. A socket sends each challenge id once ([`super::socket`]), so one that already
//!   reached the device is not shown twice.
//!
//! - caches: everything cached ([`crate::cache`]) is forgotten, since an application deleted
//!   or a method switched in the gap sent a notification this node never got.
//!
//! A challenge finished on another node in the gap is not withdrawn from the device here:
//! its answer would be refused as answered elsewhere, and the relying party's wait also
//! polls the store.

use std::collections::BTreeSet;

use super::connected::Outbound;
use super::delivery;
use super::events::{not_activated_message, revoked_message};
use crate::error::Error;
use crate::state::AppState;
use crate::store::challenges;
use crate::store::devices::{self, DeviceState};

/// What a catch-up did, for the log line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    /// Pending challenges queued again to connected devices (each device's copy counted).
    pub challenges: usize,
    /// Sockets closed: devices revoked or activated under an earlier epoch.
    pub closed: usize,
    /// The epoch had changed: every socket was closed.
    pub reactivated: bool,
}

/// Re-reads what this node's listener may have missed and applies it to the sockets held
/// here. Errors leave nothing half-applied that a second run would not repeat: the caller
/// retries after reconnecting.
pub async fn run(state: &AppState) -> Result<CatchUp, Error> {
    let mut done = CatchUp::default();
    state.caches.clear();
    let before = state.epoch().await;
    state.refresh_identity().await?;
    let epoch = state.epoch().await;
    if epoch != before {
        done.closed = state.connected.connected_count();
        state.connected.close_all(not_activated_message());
        done.reactivated = true;
        return Ok(done);
    }
    let mut users = BTreeSet::new();
    for device_id in state.connected.device_ids() {
        let device = devices::by_id(state.store.pool(), &device_id).await?;
        match device {
            Some(d) if d.status == DeviceState::Active && d.epoch == epoch => {
                users.insert(d.user_id);
            }
            Some(d) if d.status == DeviceState::Revoked => {
                state
                    .connected
                    .send(&device_id, Outbound::Close(revoked_message()));
                done.closed += 1;
            }
            // Deleted, or activated under another epoch: it must activate again.
            _ => {
                state
                    .connected
                    .send(&device_id, Outbound::Close(not_activated_message()));
                done.closed += 1;
            }
        }
    }
    for user_id in users {
        for row in challenges::pending_for_user(state.store.pool(), &user_id, state.now()).await? {
            done.challenges += delivery::to_connected_devices(state, &row).await?;
        }
    }
    Ok(done)
}
