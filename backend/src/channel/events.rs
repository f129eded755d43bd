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
}

pub async fn publish(state: &AppState, event: Event) -> Result<(), Error> {
    if state.store.backend() == Backend::Postgres {
        let payload = serde_json::to_string(&event).map_err(|e| Error::Internal(e.to_string()))?;
        notify::publish(&state.store, &payload).await
    } else {
        dispatch(state, event).await
    }
}

/// Listens for events from every node (PostgreSQL only), reconnecting after failures.
pub fn spawn_listener(state: AppState, database_url: String) {
    if state.store.backend() != Backend::Postgres {
        return;
    }
    tokio::spawn(async move {
        loop {
            match notify::listen(&database_url).await {
                // Anything missed while disconnected: challenges are re-sent on device
                // reconnect, and waiters also poll the store.
                Ok(mut listener) => loop {
                    match listener.recv().await {
                        Ok(n) => match serde_json::from_str::<Event>(n.payload()) {
                            Ok(event) => {
                                if let Err(e) = dispatch(&state, event).await {
                                    tracing::warn!(error = %e, "cluster event failed");
                                }
                            }
                            Err(e) => tracing::warn!(error = %e, "unreadable cluster event"),
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "cluster event listener lost its connection");
                            break;
                        }
                    }
                },
                Err(e) => tracing::warn!(error = %e, "cannot listen for cluster events"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn dispatch(state: &AppState, event: Event) -> Result<(), Error> {
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
                state.connected.send(
                    &id,
                    Outbound::Close(ServerMessage::AccountRevoked {
                        message: "This account was reset by an administrator: remove it and activate again.".into(),
                    }),
                );
            }
        }
        Event::Reactivated => {
            state.reload_identity().await?;
            state.connected.close_all(ServerMessage::Error {
                code: NOT_ACTIVATED.into(),
                message: NOT_ACTIVATED_MESSAGE.into(),
            });
        }
    }
    Ok(())
}
