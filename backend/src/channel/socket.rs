//! `GET /v1/device/channel`: the device's WebSocket. The device proves who it is by signing
//! a fresh nonce; then it receives its pending challenges and answers them.
//!
//! The loop ([`run`]) is written over any `Sink`/`Stream` of WebSocket messages, so unit
//! tests drive it through channels without a server; [`channel`] only upgrades the request
//! and hands the socket's two halves over.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{Sink, Stream, StreamExt};
use twofold_core::proto::channel::{
    AnswerOutcome, DeviceMessage, ServerMessage, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE,
};
use twofold_core::proto::{b64_decode, b64_encode};

use super::connected::Outbound;
use super::delivery;
use super::writer::Writer;
use crate::crypto::random_bytes;
use crate::error::Error;
use crate::signin::push;
use crate::state::AppState;
use crate::store::challenges;
use crate::store::devices::{self, Device, DeviceState};

/// A device has this long to authenticate after `hello`.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest frame (and message) a device may send. Checked on a frame's header, before its
/// payload is read: without `max_frame_size`, tungstenite buffers frames of up to 16 MiB
/// before the message-size check (issue 13 item 10).
const MAX_FRAME: usize = 16 * 1024;

#[utoipa::path(get, path = "/v1/device/channel", tag = "device",
    responses((status = 101, description = "WebSocket; messages in docs/PROTOCOL.md"),
        (status = 400, description = "not a WebSocket upgrade request", body = String, content_type = "text/plain"),
        (status = 426, description = "the WebSocket version is not 13 (RFC 6455 §4.2.2)", body = String, content_type = "text/plain")))]
pub async fn channel(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    // Channel frames are small: modest buffers keep a connected device at a few KiB.
    ws.max_frame_size(MAX_FRAME)
        .max_message_size(MAX_FRAME)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| {
            let (write, read) = socket.split();
            run(state, write, read)
        })
}

async fn refuse<W>(mut write: Writer<'_, W>, code: &str, message: &str)
where
    W: Sink<Message> + Unpin,
{
    let _ = write
        .message(&ServerMessage::Error {
            code: code.into(),
            message: message.into(),
        })
        .await;
    write.close().await;
}

/// One device's channel, from `hello` to close.
pub async fn run<W, R>(state: AppState, write: W, mut read: R)
where
    W: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let nonce = match random_bytes(32) {
        Ok(n) => n,
        Err(_) => return,
    };
    // A write that cannot finish within a heartbeat interval means a device that stopped
    // reading: it must not hold the loop (and its heartbeat) any longer than that.
    let deadline = Duration::from_secs(state.config.push.heartbeat_seconds);
    let mut write = Writer::new(write, deadline, &state.metrics);
    if !write
        .message(&ServerMessage::Hello {
            nonce: b64_encode(&nonce),
            server_time: state.now(),
        })
        .await
    {
        return;
    }
    let first = tokio::time::timeout(AUTH_TIMEOUT, read.next()).await;
    let Ok(Some(Ok(Message::Text(text)))) = first else {
        return refuse(write, "auth_required", "send an auth message first").await;
    };
    let Ok(DeviceMessage::Auth {
        device_id,
        epoch,
        signature,
    }) = serde_json::from_str::<DeviceMessage>(&text)
    else {
        return refuse(write, "auth_required", "the first message must be auth").await;
    };
    let device = match authenticate(&state, &nonce, &device_id, epoch, &signature).await {
        Ok(device) => device,
        Err(ChannelRefusal::NotActivated) => {
            return refuse(write, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE).await
        }
        Err(ChannelRefusal::BadSignature) => {
            return refuse(
                write,
                "bad_signature",
                "the signature does not match the device key",
            )
            .await
        }
        Err(ChannelRefusal::Internal(e)) => {
            tracing::error!(error = %e, "device channel authentication failed");
            return refuse(write, "internal", "internal server error").await;
        }
    };
    let (conn_id, mut outbound) = state.connected.register(&device.id);
    tracing::info!(device_id = %device.id, "device connected");
    let _ = devices::touch(state.store.pool(), &device.id, state.now()).await;
    let result = serve_device(&state, &mut write, &mut read, &device, &mut outbound).await;
    state.connected.unregister(&device.id, conn_id);
    if let Err(e) = result {
        tracing::warn!(device_id = %device.id, error = %e, "device channel ended with an error");
    }
    write.close().await;
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
    if device.status != DeviceState::Active || device.epoch != current || epoch != current {
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

async fn serve_device<W, R>(
    state: &AppState,
    write: &mut Writer<'_, W>,
    read: &mut R,
    device: &Device,
    outbound: &mut tokio::sync::mpsc::Receiver<Box<Outbound>>,
) -> Result<(), Error>
where
    W: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    if !write
        .message(&ServerMessage::Ready {
            device_id: device.id.clone(),
            server_time: state.now(),
        })
        .await
    {
        return Ok(());
    }
    // Everything still waiting for this user: nothing is lost while the phone was offline.
    // A challenge can reach this socket more than once: created after this connection
    // registered but before the list was read (in the list and queued by its event), or
    // queued again when the node's cluster listener catches up after a reconnection
    // (`catch_up`). Each id is sent once: the ids sent are kept until the challenge expires.
    let mut sent = SentChallenges::default();
    for row in
        challenges::pending_for_user(state.store.pool(), &device.user_id, state.now()).await?
    {
        let message = delivery::signed_message(state, &row, &device.id).await?;
        if !sent.first_time(&row.id, row.expires_at, state.now()) {
            continue;
        }
        if !write.message(&message).await {
            return Ok(());
        }
    }
    let heartbeat = Duration::from_secs(state.config.push.heartbeat_seconds);
    let mut ticker = tokio::time::interval(heartbeat);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            incoming = read.next() => {
                let Some(Ok(frame)) = incoming else { return Ok(()) };
                last_heard = Instant::now();
                match frame {
                    Message::Text(text) => {
                        // Boxed: an idle connection's task then holds only this loop's
                        // state, not room for a whole answer's (issue 17, RSS per device).
                        let reply = Box::pin(handle_text(state, device, &text)).await?;
                        if !write.message(&reply).await {
                            return Ok(());
                        }
                    }
                    Message::Close(_) => return Ok(()),
                    Message::Ping(_) | Message::Pong(_) | Message::Binary(_) => {}
                }
            }
            queued = outbound.recv() => match queued.map(|boxed| *boxed) {
                Some(Outbound::Send(message)) => {
                    if let ServerMessage::Challenge { challenge, .. } = &message {
                        if !sent.first_time(&challenge.id, challenge.expires_at, state.now()) {
                            continue;
                        }
                    }
                    if !write.message(&message).await {
                        return Ok(());
                    }
                }
                Some(Outbound::Close(message)) => {
                    let _ = write.message(&message).await;
                    return Ok(());
                }
                // Only `ConnectedDevices` holds the sender: it let go because this
                // socket's queue was full (a device that does not keep up).
                None => {
                    state.metrics.channel_closed("queue_full");
                    return Ok(());
                }
            },
            _ = ticker.tick() => {
                if last_heard.elapsed() > heartbeat * 3 {
                    tracing::info!(device_id = %device.id, "device channel silent; closing");
                    state.metrics.channel_closed("silent");
                    return Ok(());
                }
                if !write.frame(Message::Ping(Vec::new().into())).await {
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
            let outcome = push::answer(
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

/// The challenges a socket has sent, by id, with their expiry: a challenge is shown once
/// however many times it is queued. Entries go when their challenge expires, so the map
/// holds at most what the push caps let through in one challenge lifetime.
#[derive(Default)]
struct SentChallenges(HashMap<String, u64>);

impl SentChallenges {
    /// True when `id` was not sent yet (and records it as sent now).
    fn first_time(&mut self, id: &str, expires_at: u64, now: u64) -> bool {
        self.0.retain(|_, expires| *expires >= now);
        if self.0.contains_key(id) {
            return false;
        }
        self.0.insert(id.to_owned(), expires_at);
        true
    }
}
