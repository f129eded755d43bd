//! `GET /v1/device/channel`: the device's WebSocket. The device proves who it is by signing
//! a fresh nonce; then it receives its pending challenges and answers them.

use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use twofold_core::proto::channel::{
    AnswerOutcome, DeviceMessage, ServerMessage, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE,
};
use twofold_core::proto::{b64_decode, b64_encode};

use super::challenges;
use super::hub::Outbound;
use crate::crypto::random_bytes;
use crate::error::Error;
use crate::state::AppState;
use crate::store::challenges as store_challenges;
use crate::store::devices::{self, Device};

/// A device has this long to authenticate after `hello`.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest frame a device may send.
const MAX_FRAME: usize = 16 * 1024;

#[utoipa::path(get, path = "/v1/device/channel", tag = "device",
    responses((status = 101, description = "WebSocket; messages in docs/PROTOCOL.md")))]
pub async fn channel(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    // Channel frames are small: modest buffers keep a connected device at a few KiB.
    ws.max_message_size(MAX_FRAME)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| run(state, socket))
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn refuse(mut socket: WebSocket, code: &str, message: &str) {
    let _ = send(
        &mut socket,
        &ServerMessage::Error {
            code: code.into(),
            message: message.into(),
        },
    )
    .await;
    let _ = socket.close().await;
}

async fn run(state: AppState, mut socket: WebSocket) {
    let nonce = match random_bytes(32) {
        Ok(n) => n,
        Err(_) => return,
    };
    if !send(
        &mut socket,
        &ServerMessage::Hello {
            nonce: b64_encode(&nonce),
            server_time: state.now(),
        },
    )
    .await
    {
        return;
    }
    let first = tokio::time::timeout(AUTH_TIMEOUT, socket.next()).await;
    let Ok(Some(Ok(Message::Text(text)))) = first else {
        return refuse(socket, "auth_required", "send an auth message first").await;
    };
    let Ok(DeviceMessage::Auth {
        device_id,
        epoch,
        signature,
    }) = serde_json::from_str::<DeviceMessage>(&text)
    else {
        return refuse(socket, "auth_required", "the first message must be auth").await;
    };
    let device = match authenticate(&state, &nonce, &device_id, epoch, &signature).await {
        Ok(device) => device,
        Err(ChannelRefusal::NotActivated) => {
            return refuse(socket, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE).await
        }
        Err(ChannelRefusal::BadSignature) => {
            return refuse(
                socket,
                "bad_signature",
                "the signature does not match the device key",
            )
            .await
        }
        Err(ChannelRefusal::Internal(e)) => {
            tracing::error!(error = %e, "device channel authentication failed");
            return refuse(socket, "internal", "internal server error").await;
        }
    };
    let (conn_id, mut outbound) = state.hub.register(&device.id);
    tracing::info!(device_id = %device.id, "device connected");
    let _ = devices::touch(state.store.pool(), &device.id, state.now_i64()).await;
    let result = serve_device(&state, &mut socket, &device, &mut outbound).await;
    state.hub.unregister(&device.id, conn_id);
    if let Err(e) = result {
        tracing::warn!(device_id = %device.id, error = %e, "device channel ended with an error");
    }
    let _ = socket.close().await;
    tracing::info!(device_id = %device.id, "device disconnected");
}

enum ChannelRefusal {
    NotActivated,
    BadSignature,
    Internal(Error),
}

async fn authenticate(
    state: &AppState,
    nonce: &[u8],
    device_id: &str,
    epoch: u64,
    signature: &str,
) -> Result<Device, ChannelRefusal> {
    // Another node may have reactivated the server: compare with the stored epoch.
    state
        .refresh_identity()
        .await
        .map_err(ChannelRefusal::Internal)?;
    let current = state.epoch().await;
    let device = devices::by_id(state.store.pool(), device_id)
        .await
        .map_err(ChannelRefusal::Internal)?
        .ok_or(ChannelRefusal::NotActivated)?;
    if device.status != devices::ACTIVE
        || u64::try_from(device.epoch).ok() != Some(current)
        || epoch != current
    {
        return Err(ChannelRefusal::NotActivated);
    }
    let signed = twofold_core::sign::channel_auth_bytes(nonce, device_id, epoch);
    let valid = b64_decode(signature)
        .is_some_and(|sig| twofold_core::sign::verify(&device.public_key, &signed, &sig));
    if !valid {
        return Err(ChannelRefusal::BadSignature);
    }
    Ok(device)
}

async fn serve_device(
    state: &AppState,
    socket: &mut WebSocket,
    device: &Device,
    outbound: &mut tokio::sync::mpsc::UnboundedReceiver<Outbound>,
) -> Result<(), Error> {
    if !send(
        socket,
        &ServerMessage::Ready {
            device_id: device.id.clone(),
            server_time: state.now(),
        },
    )
    .await
    {
        return Ok(());
    }
    // Everything still waiting for this user: nothing is lost while the phone was offline.
    for row in
        store_challenges::pending_for_user(state.store.pool(), &device.user_id, state.now_i64())
            .await?
    {
        let message = challenges::signed_message(state, &row, &device.id).await?;
        if !send(socket, &message).await {
            return Ok(());
        }
    }
    let heartbeat = Duration::from_secs(state.config.push.heartbeat_seconds);
    let mut ticker = tokio::time::interval(heartbeat);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            incoming = socket.next() => {
                let Some(Ok(frame)) = incoming else { return Ok(()) };
                last_heard = Instant::now();
                match frame {
                    Message::Text(text) => {
                        let reply = handle_text(state, device, &text).await?;
                        if !send(socket, &reply).await {
                            return Ok(());
                        }
                    }
                    Message::Close(_) => return Ok(()),
                    Message::Ping(_) | Message::Pong(_) | Message::Binary(_) => {}
                }
            }
            queued = outbound.recv() => match queued {
                Some(Outbound::Send(message)) => {
                    if !send(socket, &message).await {
                        return Ok(());
                    }
                }
                Some(Outbound::Close(message)) => {
                    let _ = send(socket, &message).await;
                    return Ok(());
                }
                None => return Ok(()),
            },
            _ = ticker.tick() => {
                if last_heard.elapsed() > heartbeat * 3 {
                    tracing::info!(device_id = %device.id, "device channel silent; closing");
                    return Ok(());
                }
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

async fn handle_text(
    state: &AppState,
    device: &Device,
    text: &str,
) -> Result<ServerMessage, Error> {
    match serde_json::from_str::<DeviceMessage>(text) {
        Ok(DeviceMessage::Answer {
            challenge_id,
            decision,
            number,
            report,
            signature,
        }) => {
            let outcome = challenges::answer(
                state,
                device,
                &challenge_id,
                decision,
                number.as_deref(),
                report,
                &signature,
            )
            .await?;
            let message = match outcome {
                AnswerOutcome::Accepted => "Your answer was recorded.",
                AnswerOutcome::WrongNumber => "The number did not match: the sign-in was denied.",
                AnswerOutcome::AnsweredElsewhere => "This request was answered on another device.",
                AnswerOutcome::Expired => "This request expired.",
                AnswerOutcome::Cancelled => "This request was cancelled.",
                AnswerOutcome::Refused => "The answer was refused.",
            };
            Ok(ServerMessage::AnswerResult {
                challenge_id,
                outcome,
                message: message.into(),
            })
        }
        Ok(DeviceMessage::Auth { .. }) => Ok(ServerMessage::Error {
            code: "already_authenticated".into(),
            message: "this channel is authenticated".into(),
        }),
        Err(e) => Ok(ServerMessage::Error {
            code: "bad_message".into(),
            message: format!("unreadable message: {e}"),
        }),
    }
}
