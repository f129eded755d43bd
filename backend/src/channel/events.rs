//! Events every node must act on. With PostgreSQL they travel by NOTIFY (each node, the
//! sender included, acts on them in its listener); with SQLite there is one node and they
//! are handled at once.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use twofold_core::proto::channel::{ServerMessage, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE};
use twofold_core::proto::Reason;

use super::connected::Outbound;
use super::delivery;
use crate::error::Error;
use crate::state::AppState;
use crate::store::{challenges, devices, notify, Backend};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A new challenge: deliver it to the user's devices connected here.
    Challenge { id: String },
    /// A challenge reached a final state.
    Finished {
        id: String,
        user_id: String,
        reason: Reason,
    },
    /// These devices were revoked (user reset): close their sockets.
    Revoked { device_ids: Vec<String> },
    /// The server was reactivated: reload the identity, close every socket.
    Reactivated,
    /// An application was deleted: its cached credentials are forgotten ([`crate::cache`]).
    ApplicationDeleted { id: String },
    /// The methods disabled for everyone changed: the cached value is forgotten.
    MethodsChanged,
}

pub async fn publish(state: &AppState, event: Event) -> Result<(), Error> {
    if state.store.backend() == Backend::Postgres {
        let payload = serde_json::to_string(&event).map_err(|e| Error::Internal(e.to_string()))?;
        notify::publish(&state.store, &payload).await
    } else {
        dispatch(state, event).await
    }
}

/// Sends `event` to every node with the transaction on `conn`: on PostgreSQL the
/// notification is delivered when that transaction commits, and never when it does not. The
/// caller applies it to this node itself after the commit (on SQLite, the only node).
pub async fn notify_in(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    event: &Event,
) -> Result<(), Error> {
    if state.store.backend() != Backend::Postgres {
        return Ok(());
    }
    let payload = serde_json::to_string(event).map_err(|e| Error::Internal(e.to_string()))?;
    notify::publish_on(conn, &payload).await
}

/// Listens for events from every node (PostgreSQL only), reconnecting after failures with
/// a growing delay ([`RECONNECT_FIRST`] doubling up to [`RECONNECT_MAX`]).
///
/// NOTIFY is fire-and-forget: what was sent while this node's listener was not connected is
/// not queued for it. So every time the listener is (re)connected and LISTENing, the node
/// catches up from the tables ([`super::catch_up`]) before it reads further notifications:
/// an event sent after the LISTEN is either in the tables by then or arrives as a
/// notification (or both; the socket drops a challenge it already sent).
pub fn spawn_listener(state: AppState, database_url: String) {
    if state.store.backend() != Backend::Postgres {
        return;
    }
    tokio::spawn(async move {
        let mut delay = RECONNECT_FIRST;
        let mut reconnecting = false;
        loop {
            match notify::listen(&database_url, &state.server_name).await {
                Ok(mut listener) => {
                    if caught_up(&state, reconnecting).await {
                        delay = RECONNECT_FIRST;
                        // Returns only once the connection is lost for good.
                        listen(&state, &mut listener).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot listen for cluster events"),
            }
            // Not listening: notifications missed now could leave stale copies.
            state.caches.set_live(false);
            reconnecting = true;
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(RECONNECT_MAX);
        }
    });
}

/// The first delay before the listener reconnects.
const RECONNECT_FIRST: Duration = Duration::from_millis(250);
/// The longest delay between two attempts to reconnect.
const RECONNECT_MAX: Duration = Duration::from_secs(8);

/// Dispatches notifications until the listener fails to reconnect. A connection that sqlx
/// re-established by itself (`Ok(None)`) is caught up at once.
async fn listen(state: &AppState, listener: &mut sqlx::postgres::PgListener) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<Event>(n.payload()) {
                Ok(event) => {
                    if let Err(e) = dispatch(state, event).await {
                        tracing::warn!(error = %e, "cluster event failed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "unreadable cluster event"),
            },
            Ok(None) => {
                tracing::warn!("cluster event listener lost its connection; reconnected");
                state.metrics.cluster_listener("lost");
                state.caches.set_live(false);
                if !caught_up(state, true).await {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cluster event listener lost its connection");
                state.metrics.cluster_listener("lost");
                return;
            }
        }
    }
}

/// Catches up after a (re)connection; false when that failed (the caller reconnects and
/// tries again, so nothing missed is left behind).
async fn caught_up(state: &AppState, reconnected: bool) -> bool {
    match super::catch_up::run(state).await {
        Ok(done) => {
            // The catch-up cleared the caches; from here every change arrives as an event.
            state.caches.set_live(true);
            if reconnected {
                state.metrics.cluster_listener("reconnected");
                tracing::info!(
                    challenges = done.challenges,
                    closed = done.closed,
                    reactivated = done.reactivated,
                    "cluster event listener reconnected; caught up from the database"
                );
            }
            true
        }
        Err(e) => {
            state.metrics.cluster_listener("catch_up_failed");
            tracing::warn!(error = %e, "cluster event listener: catching up failed");
            false
        }
    }
}

/// What a revoked device is told before its socket closes.
pub fn revoked_message() -> ServerMessage {
    ServerMessage::AccountRevoked {
        message: "This account was reset by an administrator: remove it and activate again.".into(),
    }
}

/// What every device is told when the server was reactivated.
pub fn not_activated_message() -> ServerMessage {
    ServerMessage::Error {
        code: NOT_ACTIVATED.into(),
        message: NOT_ACTIVATED_MESSAGE.into(),
    }
}

async fn dispatch(state: &AppState, event: Event) -> Result<(), Error> {
    state.caches.apply(&event);
    match event {
        Event::Challenge { id } => {
            if let Some(row) = challenges::by_id(state.store.pool(), &id).await? {
                delivery::to_connected_devices(state, &row).await?;
            }
        }
        Event::Finished {
            id,
            user_id,
            reason,
        } => {
            state.connected.challenge_finished(&id);
            for device in devices::for_user(state.store.pool(), &user_id).await? {
                state.connected.send(
                    &device.id,
                    Outbound::Send(ServerMessage::Withdrawn {
                        challenge_id: id.clone(),
                        reason: reason.as_str().into(),
                    }),
                );
            }
        }
        Event::Revoked { device_ids } => {
            for id in device_ids {
                state
                    .connected
                    .send(&id, Outbound::Close(revoked_message()));
            }
        }
        Event::Reactivated => {
            state.reload_identity().await?;
            state.connected.close_all(not_activated_message());
        }
        // Applied to the caches above.
        Event::ApplicationDeleted { .. } | Event::MethodsChanged => {}
    }
    Ok(())
}
