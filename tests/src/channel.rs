//! The device channel (`GET /v1/device/channel`, a WebSocket) as a simulated device speaks
//! it: `hello` → `auth` → `ready`, then challenges in and answers out (docs/PROTOCOL.md
//! § Device channel).
//!
//! It uses only the wire types of `twofold_core::proto::channel` and the signing bytes of
//! `twofold_core::sign`, so what passes here is the protocol as documented. It is not a
//! complete client: no reconnection, no heartbeat of its own (tungstenite answers the
//! server's pings while a test reads). It works the same against the real server process and
//! the in-process one, as soon as that listens.

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
        match Self::connect(device, server_url).await? {
            (channel, ServerMessage::Ready { .. }) => Ok(channel),
            (_, other) => Err(Error::new(format!("auth refused: {other:?}"))),
        }
    }

    /// Connects and authenticates with the epoch the device was activated in; returns the
    /// channel and the server's first answer to `auth`, whatever it is (`ready` or an
    /// error): for tests of refusals.
    pub async fn connect(device: &TestDevice, server_url: &str) -> Result<(Self, ServerMessage)> {
        let epoch = device.activated()?.epoch;
        Self::connect_as(device, server_url, epoch).await
    }

    /// [`connect`](Self::connect) claiming `epoch`, which may not be the device's.
    pub async fn connect_as(
        device: &TestDevice,
        server_url: &str,
        epoch: u64,
    ) -> Result<(Self, ServerMessage)> {
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
        let first = channel.next().await?;
        Ok((channel, first))
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
        match self.try_next(MESSAGE_TIMEOUT).await? {
            Some(message) => Ok(message),
            None => Err(Error::new(format!(
                "the device channel closed, or no message came within {MESSAGE_TIMEOUT:?}"
            ))),
        }
    }

    /// The next message, or `None` when the socket closes (or fails) or nothing comes within
    /// `wait`; an error only for a message that is not the protocol's JSON.
    pub async fn try_next(&mut self, wait: Duration) -> Result<Option<ServerMessage>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, self.socket.next()).await
            else {
                return Ok(None);
            };
            match frame {
                Message::Text(text) => return Ok(Some(serde_json::from_str(&text)?)),
                Message::Close(_) => return Ok(None),
                _ => continue,
            }
        }
    }

    /// The next message within `wait`, telling a quiet socket ([`Received::Nothing`]) from a
    /// closed or failed one ([`Received::Closed`]): what a client that reconnects needs.
    pub async fn receive(&mut self, wait: Duration) -> Result<Received> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Ok(Received::Nothing),
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => {
                    return Ok(Received::Closed)
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Ok(Received::Message(serde_json::from_str(&text)?))
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// True when the server closes the socket within 5 s (messages before the close are
    /// skipped); false when it stays open.
    pub async fn closed(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
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

    /// Sends `device`'s signed answer ([`TestDevice::answer`]) and returns at once: for tests
    /// that read what comes back themselves.
    pub async fn send_answer(
        &mut self,
        device: &TestDevice,
        challenge: &Challenge,
        decision: Decision,
        number: Option<&str>,
        report: bool,
    ) -> Result<()> {
        self.send(&device.answer(challenge, decision, number, report)?)
            .await
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
        self.send_answer(device, challenge, decision, number, false)
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

impl TestDevice {
    /// [`DeviceChannel::connect`]: this device's channel and the server's first answer.
    pub async fn connect(&self, server_url: &str) -> Result<(DeviceChannel, ServerMessage)> {
        DeviceChannel::connect(self, server_url).await
    }
}

/// What [`DeviceChannel::receive`] got.
#[derive(Debug)]
pub enum Received {
    Message(ServerMessage),
    /// Nothing within the wait; the socket is still open.
    Nothing,
    /// The server closed the socket, or the connection failed.
    Closed,
}
