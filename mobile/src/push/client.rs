//! The connection loop: a WebSocket per attempt, the [`Protocol`] over it, reconnects with
//! [`Backoff`], answers from [`PushHandle`]s, events out.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

use super::backoff::{random_jitter, Backoff};
use super::protocol::{End, Output, Protocol};
use super::{channel_url, Answer, PendingChallenge, PushAccount, PushError, PushEvent};
use crate::activation::error_chain;
use crate::Clock;

/// Timing of the connection; the defaults follow `docs/PROTOCOL.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushOptions {
    /// The first reconnect delay (1 s), doubled after each failure...
    pub first_retry: Duration,
    /// ...up to this (60 s).
    pub max_retry: Duration,
    /// How long connecting and the hello/auth/ready exchange may take (15 s).
    pub handshake_timeout: Duration,
    /// A channel with no frame for this long is dead (70 s: the server pings every 20 s and
    /// gives up after three silent intervals).
    pub idle_timeout: Duration,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(70),
        }
    }
}

enum Command {
    Answer {
        challenge_id: String,
        answer: Answer,
        reply: oneshot::Sender<Result<(), PushError>>,
    },
    Stop,
}

/// Answers and stops one [`PushClient`]; cheap to clone. The client stops when it is told to,
/// or when every handle is dropped.
#[derive(Clone, Debug)]
pub struct PushHandle {
    account_id: String,
    commands: mpsc::Sender<Command>,
    pending: Arc<Mutex<Vec<PendingChallenge>>>,
}

impl PushHandle {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Sends the signed answer. `Ok` means it was sent; the server's verdict arrives as
    /// [`PushEvent::AnswerResult`].
    pub async fn answer(&self, challenge_id: &str, answer: Answer) -> Result<(), PushError> {
        let (reply, result) = oneshot::channel();
        self.commands
            .send(Command::Answer {
                challenge_id: challenge_id.to_owned(),
                answer,
                reply,
            })
            .await
            .map_err(|_| PushError::Stopped)?;
        result.await.map_err(|_| PushError::Stopped)?
    }

    /// The requests waiting for the user now (for a screen that opens later than the events).
    pub fn pending(&self) -> Vec<PendingChallenge> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Closes the channel and ends the client.
    pub async fn stop(&self) {
        let _ = self.commands.send(Command::Stop).await;
    }
}

/// One account's device channel. Build it with [`PushClient::new`] and run [`PushClient::run`]
/// on a Tokio runtime (or use [`PushClient::spawn`]).
pub struct PushClient {
    protocol: Protocol,
    url: String,
    tls: Arc<rustls::ClientConfig>,
    clock: Arc<dyn Clock + Send + Sync>,
    options: PushOptions,
    events: mpsc::Sender<PushEvent>,
    commands: mpsc::Receiver<Command>,
    pending: Arc<Mutex<Vec<PendingChallenge>>>,
    /// The current connection got as far as `ready` (then the backoff starts again).
    ready_seen: bool,
}

impl std::fmt::Debug for PushClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushClient")
            .field("url", &self.url)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// How a connection attempt ended.
enum Outcome {
    End(End),
    Stopped,
}

impl PushClient {
    /// A client for `account` that reports to `events`. `clock_offset` is the vault's stored
    /// correction (used until the server's `hello` gives a fresh one). Fails when the account
    /// needs reactivation or its key is unusable.
    pub fn new(
        account: &PushAccount,
        clock_offset: i64,
        clock: Arc<dyn Clock + Send + Sync>,
        events: mpsc::Sender<PushEvent>,
        options: PushOptions,
    ) -> Result<(Self, PushHandle), PushError> {
        let protocol = Protocol::new(account, clock_offset)?;
        let (commands_tx, commands) = mpsc::channel(16);
        let pending = Arc::new(Mutex::new(Vec::new()));
        let handle = PushHandle {
            account_id: account.account_id.clone(),
            commands: commands_tx,
            pending: pending.clone(),
        };
        let client = Self {
            protocol,
            url: channel_url(&account.link.server_url),
            tls: Arc::new(tls_config()?),
            clock,
            options,
            events,
            commands,
            pending,
            ready_seen: false,
        };
        Ok((client, handle))
    }

    /// [`PushClient::new`], run on the current Tokio runtime.
    pub fn spawn(
        account: &PushAccount,
        clock_offset: i64,
        clock: Arc<dyn Clock + Send + Sync>,
        events: mpsc::Sender<PushEvent>,
        options: PushOptions,
    ) -> Result<PushHandle, PushError> {
        let (client, handle) = Self::new(account, clock_offset, clock, events, options)?;
        tokio::spawn(client.run());
        Ok(handle)
    }

    /// Connects and serves until stopped, or until the server says the device is no longer
    /// activated (then [`PushEvent::NeedsReactivation`] is the last event).
    pub async fn run(mut self) {
        let mut backoff = Backoff::new(self.options.first_retry, self.options.max_retry);
        loop {
            let outcome = self.connection().await;
            self.protocol.connection_lost();
            self.publish_pending();
            if std::mem::take(&mut self.ready_seen) {
                backoff.reset();
            }
            match outcome {
                Outcome::Stopped => return,
                Outcome::End(End::Deactivated(message)) => {
                    let account_id = self.protocol.account_id().to_owned();
                    let _ = self
                        .events
                        .send(PushEvent::NeedsReactivation {
                            account_id,
                            message,
                        })
                        .await;
                    return;
                }
                Outcome::End(End::Reconnect(reason)) => {
                    let delay = backoff.next_delay(random_jitter());
                    let event = PushEvent::Disconnected {
                        account_id: self.protocol.account_id().to_owned(),
                        reason,
                        retry_in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    };
                    if self.events.send(event).await.is_err() {
                        return;
                    }
                    if !self.wait(delay).await {
                        return;
                    }
                }
            }
        }
    }

    fn now(&self) -> u64 {
        self.clock.now()
    }

    fn publish_pending(&self) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = self.protocol.pending();
    }

    /// Sends events; false when nobody listens any more.
    async fn emit(&self, events: Vec<PushEvent>) -> bool {
        for event in events {
            if self.events.send(event).await.is_err() {
                return false;
            }
        }
        true
    }

    /// Between attempts: expire requests, refuse answers, honour stop. False when stopped.
    async fn wait(&mut self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                command = self.commands.recv() => match command {
                    Some(Command::Answer { reply, .. }) => {
                        let _ = reply.send(Err(PushError::NotConnected));
                    }
                    Some(Command::Stop) | None => return false,
                },
                _ = tick.tick() => {
                    let events = self.protocol.tick(self.now());
                    self.publish_pending();
                    if !self.emit(events).await {
                        return false;
                    }
                }
                () = self.events.closed() => return false,
            }
        }
    }

    /// One connection, from connecting to its end.
    async fn connection(&mut self) -> Outcome {
        self.ready_seen = false;
        self.protocol.connection_opened();
        let connect = tokio_tungstenite::connect_async_tls_with_config(
            self.url.as_str(),
            None,
            true,
            Some(Connector::Rustls(self.tls.clone())),
        );
        let socket = tokio::select! {
            result = tokio::time::timeout(self.options.handshake_timeout, connect) => match result {
                Err(_) => return reconnect("connecting timed out"),
                Ok(Err(e)) => return reconnect(&error_chain(&e)),
                Ok(Ok((socket, _))) => socket,
            },
            () = self.events.closed() => return Outcome::Stopped,
        };
        let (mut sink, mut stream) = socket.split();
        let opened = Instant::now();
        let mut last_frame = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let outputs: Vec<Output> = tokio::select! {
                frame = stream.next() => {
                    last_frame = Instant::now();
                    match frame {
                        None => return reconnect("the server closed the connection"),
                        Some(Err(e)) => return reconnect(&error_chain(&e)),
                        Some(Ok(Message::Text(text))) => self.protocol.on_text(&text, self.now()),
                        Some(Ok(Message::Close(_))) => {
                            return reconnect("the server closed the connection")
                        }
                        Some(Ok(_)) => Vec::new(),
                    }
                }
                command = self.commands.recv() => match command {
                    Some(Command::Answer { challenge_id, answer, reply }) => {
                        let now = self.now();
                        match self.protocol.answer(&challenge_id, &answer, now) {
                            Ok(message) => {
                                let sent = send(&mut sink, &message).await;
                                let _ = reply.send(sent.as_ref().map(|_| ()).map_err(|_| {
                                    PushError::NotConnected
                                }));
                                if let Err(e) = sent {
                                    return reconnect(&e);
                                }
                            }
                            Err(e) => {
                                let _ = reply.send(Err(e));
                            }
                        }
                        Vec::new()
                    }
                    Some(Command::Stop) | None => {
                        let _ = sink.close().await;
                        return Outcome::Stopped;
                    }
                },
                _ = tick.tick() => {
                    if !self.protocol.is_ready()
                        && opened.elapsed() > self.options.handshake_timeout
                    {
                        return reconnect("the server did not complete the handshake in time");
                    }
                    if last_frame.elapsed() > self.options.idle_timeout {
                        return reconnect("no message from the server for too long");
                    }
                    self.protocol
                        .tick(self.now())
                        .into_iter()
                        .map(Output::Event)
                        .collect()
                }
                () = self.events.closed() => {
                    let _ = sink.close().await;
                    return Outcome::Stopped;
                }
            };
            for output in outputs {
                match output {
                    Output::Send(message) => {
                        if let Err(e) = send(&mut sink, &message).await {
                            return reconnect(&e);
                        }
                    }
                    Output::Event(event) => {
                        if matches!(event, PushEvent::Connected { .. }) {
                            self.ready_seen = true;
                        }
                        self.publish_pending();
                        if self.events.send(event).await.is_err() {
                            let _ = sink.close().await;
                            return Outcome::Stopped;
                        }
                    }
                    Output::End(end) => {
                        let _ = sink.close().await;
                        return Outcome::End(end);
                    }
                }
            }
            self.publish_pending();
        }
    }
}

fn reconnect(reason: &str) -> Outcome {
    Outcome::End(End::Reconnect(reason.to_owned()))
}

async fn send<S>(
    sink: &mut S,
    message: &twofold_core::proto::channel::DeviceMessage,
) -> Result<(), String>
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let text = serde_json::to_string(message).map_err(|e| e.to_string())?;
    sink.send(Message::Text(text.into()))
        .await
        .map_err(|e| error_chain(&e))
}

/// TLS for `wss://`: rustls on ring (the one crypto provider of the build) with the Mozilla
/// root certificates, so it does not depend on a process-wide default provider.
fn tls_config() -> Result<rustls::ClientConfig, PushError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PushError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
