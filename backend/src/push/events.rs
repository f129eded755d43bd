//! Events every node must act on. With PostgreSQL they travel by `NOTIFY twofold_events`
//! (each node, the sender included, acts on them in its listener); with SQLite there is one
//! node and they are handled at once.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use twofold_core::proto::channel::{ServerMessage, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE};

use super::hub::Outbound;
use crate::error::Error;
use crate::state::AppState;
use crate::store::{challenges, devices, Engine};

const CHANNEL: &str = "twofold_events";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A new challenge: deliver it to the user's devices connected here.
    Challenge { id: String },
    /// A challenge reached a final state.
    Finished {
        id: String,
        user_id: String,
        reason: String,
    },
    /// These devices were revoked (user reset): close their sockets.
    Revoked { device_ids: Vec<String> },
    /// The server was reactivated: reload the identity, close every socket.
    Reactivated,
}

pub async fn publish(state: &AppState, event: Event) -> Result<(), Error> {
    if state.store.engine() == Engine::Postgres {
        let payload = serde_json::to_string(&event).map_err(|e| Error::Internal(e.to_string()))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(state.store.pool())
            .await?;
        Ok(())
    } else {
        dispatch(state, event).await
    }
}

/// Listens for events from every node (PostgreSQL only), reconnecting after failures.
pub fn spawn_listener(state: AppState, database_url: String) {
    if state.store.engine() != Engine::Postgres {
        return;
    }
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&database_url).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen(CHANNEL).await {
                        tracing::warn!(error = %e, "cannot listen for cluster events");
                    } else {
                        // Anything missed while disconnected: challenges are re-sent on device
                        // reconnect, and waiters also poll the store.
                        loop {
                            match listener.recv().await {
                                Ok(n) => match serde_json::from_str::<Event>(n.payload()) {
                                    Ok(event) => {
                                        if let Err(e) = dispatch(&state, event).await {
                                            tracing::warn!(error = %e, "cluster event failed");
                                        }
                                    }
                                    Err(e) => {
                                        tracing::warn!(error = %e, "unreadable cluster event")
                                    }
                                },
                                Err(e) => {
                                    tracing::warn!(error = %e, "cluster event listener lost its connection");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot connect the cluster event listener"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn dispatch(state: &AppState, event: Event) -> Result<(), Error> {
    match event {
        Event::Challenge { id } => {
            let Some(row) = challenges::by_id(state.store.pool(), &id).await? else {
                return Ok(());
            };
            if row.state != challenges::PENDING {
                return Ok(());
            }
            let epoch = state.epoch().await;
            for device in devices::active_for_user(
                state.store.pool(),
                &row.user_id,
                i64::try_from(epoch).unwrap_or(-1),
            )
            .await?
            {
                if state.hub.is_connected(&device.id) {
                    let message =
                        super::challenges::signed_message(state, &row, &device.id).await?;
                    state.hub.send(&device.id, Outbound::Send(message));
                }
            }
        }
        Event::Finished {
            id,
            user_id,
            reason,
        } => {
            state.hub.challenge_finished(&id);
            for device in devices::for_user(state.store.pool(), &user_id).await? {
                state.hub.send(
                    &device.id,
                    Outbound::Send(ServerMessage::Withdrawn {
                        challenge_id: id.clone(),
                        reason: reason.clone(),
                    }),
                );
            }
        }
        Event::Revoked { device_ids } => {
            for id in device_ids {
                state.hub.send(
                    &id,
                    Outbound::Close(ServerMessage::AccountRevoked {
                        message: "This account was reset by an administrator: remove it and activate again.".into(),
                    }),
                );
            }
        }
        Event::Reactivated => {
            state.reload_identity().await?;
            state.hub.close_all(ServerMessage::Error {
                code: NOT_ACTIVATED.into(),
                message: NOT_ACTIVATED_MESSAGE.into(),
            });
        }
    }
    Ok(())
}
