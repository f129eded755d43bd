//! The device channel (`GET /v1/device/channel`, a WebSocket) as a simulated device speaks
//! it: `hello` → `auth` → `ready`, then challenges in and answers out (docs/PROTOCOL.md
//! § Device channel).
//!
//! It uses only the wire types of `twofold_core::proto::channel` and the signing bytes of
//! `twofold_core::sign`, so what passes here is the protocol as documented. It is not a
//! complete client: no reconnection, no heartbeat of its own (tungstenite answers the
//! server's pings while a test reads).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use twofold_core::proto::channel::{
    AnswerOutcome, Challenge, Decision, DeviceMessage, ServerMessage,
};
use twofold_core::proto::{b64_decode, b64_encode};

use crate::device::TestDevice;
use crate::error::Error;
use crate::http::check_loopback;
use crate::Result;

/// How long a test waits for any one message from the server.
pub const MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An authenticated channel of one device to one server (node).
pub struct DeviceChannel {
    socket: Socket,
}

impl DeviceChannel {
    /// Connects `device` to the server at `server_url` and authenticates; an error unless the
    /// server answers `ready`.
    pub async fn open(device: &TestDevice, server_url: &str) -> Result<Self> {
        check_loopback(server_url)?;
        let url = format!("{}/v1/device/channel", server_url.replacen("http", "ws", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| Error::new(format!("cannot open {url}: {e}")))?;
        let mut channel = Self { socket };
        let ServerMessage::Hello { nonce, .. } = channel.next().await? else {
            return Err(Error::new("the server did not start with hello"));
        };
        let nonce =
            b64_decode(&nonce).ok_or_else(|| Error::new("the hello nonce is not base64url"))?;
        let device_id = device.device_id()?.to_owned();
        let epoch = device
            .activation
            .as_ref()
            .map(|a| a.epoch)
            .ok_or_else(|| Error::new("the device is not activated"))?;
        let signature = device.sign(&twofold_core::sign::channel_auth_bytes(
            &nonce, &device_id, epoch,
        ))?;
        channel
            .send(&DeviceMessage::Auth {
                device_id,
                epoch,
                signature: b64_encode(&signature),
            })
            .await?;
        match channel.next().await? {
            ServerMessage::Ready { .. } => Ok(channel),
            other => Err(Error::new(format!("auth refused: {other:?}"))),
        }
    }

    pub async fn send(&mut self, message: &DeviceMessage) -> Result<()> {
        let text = serde_json::to_string(message)?;
        self.socket
            .send(Message::Text(text.into()))
            .await
            .map_err(|e| Error::new(format!("cannot send on the device channel: {e}")))
    }

    /// The next message (pings skipped); an error when the socket closes or nothing comes
    /// within [`MESSAGE_TIMEOUT`].
    pub async fn next(&mut self) -> Result<ServerMessage> {
        let deadline = tokio::time::Instant::now() + MESSAGE_TIMEOUT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| {
                    Error::new(format!(
                        "no message on the device channel within {MESSAGE_TIMEOUT:?}"
                    ))
                })?
                .ok_or_else(|| Error::new("the device channel closed"))?
                .map_err(|e| Error::new(format!("device channel: {e}")))?;
            match frame {
                Message::Text(text) => return Ok(serde_json::from_str(&text)?),
                Message::Close(frame) => {
                    return Err(Error::new(format!(
                        "the server closed the channel: {frame:?}"
                    )))
                }
                _ => continue,
            }
        }
    }

    /// The next challenge and the server's signature over it, other messages skipped.
    pub async fn next_challenge(&mut self) -> Result<(Challenge, String)> {
        loop {
            if let ServerMessage::Challenge {
                challenge,
                signature,
            } = self.next().await?
            {
                return Ok((challenge, signature));
            }
        }
    }

    /// Sends `device`'s signed answer and returns the server's verdict on it (other
    /// messages, such as `withdrawn`, skipped).
    pub async fn answer(
        &mut self,
        device: &TestDevice,
        challenge: &Challenge,
        decision: Decision,
        number: Option<&str>,
    ) -> Result<AnswerOutcome> {
        self.send(&device.answer(challenge, decision, number)?)
            .await?;
        loop {
            match self.next().await? {
                ServerMessage::AnswerResult {
                    challenge_id,
                    outcome,
                    ..
                } if challenge_id == challenge.id => return Ok(outcome),
                ServerMessage::Error { code, message } => {
                    return Err(Error::new(format!("answer refused: {code}: {message}")))
                }
                _ => continue,
            }
        }
    }
}
