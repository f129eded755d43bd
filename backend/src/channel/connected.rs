//! The devices connected to this node: their sockets' queues, and the relying parties
//! waiting here for a challenge to reach a final state (synchronous pushes and long polls),
//! each woken for its own challenge only. Other nodes' devices are reached through
//! [`super::events`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::{mpsc, oneshot};
use twofold_core::proto::channel::ServerMessage;

/// What a socket's task is told to do.
#[derive(Debug, Clone)]
pub enum Outbound {
    Send(ServerMessage),
    /// Send this message, then close the socket.
    Close(ServerMessage),
}

/// Messages a socket may have waiting. A device is sent a few challenges a minute (the push
/// caps) and their withdrawals; one that lets this many pile up is not reading, and its
/// socket is dropped rather than its queue growing without bound (issue 13 item 10).
pub const OUTBOUND_QUEUE: usize = 64;

struct Conn {
    id: u64,
    /// Boxed: a bounded queue allocates its first block of 32 slots when it is made, so a
    /// slot the size of a pointer keeps an idle device's queue small (issue 17, RSS per
    /// connected device), where a slot the size of a whole challenge message did not.
    tx: mpsc::Sender<Box<Outbound>>,
}

/// The device sockets open on this node, by device id.
pub struct ConnectedDevices {
    sockets: Mutex<HashMap<String, Vec<Conn>>>,
    waiting: Arc<Waiting>,
    next_id: AtomicU64,
}

/// Relying parties waiting for challenges, by challenge id. Before, one broadcast carried
/// every finished id to every waiter, and each re-read its own row from the database on
/// every other challenge's finish (issue 17).
type Waiting = Mutex<HashMap<String, Vec<oneshot::Sender<()>>>>;

impl Default for ConnectedDevices {
    fn default() -> Self {
        Self {
            sockets: Mutex::new(HashMap::new()),
            waiting: Arc::default(),
            next_id: AtomicU64::new(1),
        }
    }
}

impl ConnectedDevices {
    /// Registers a socket of `device_id`; returns its id and the queue it reads from.
    pub fn register(&self, device_id: &str) -> (u64, mpsc::Receiver<Box<Outbound>>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
        if let Ok(mut sockets) = self.sockets.lock() {
            sockets
                .entry(device_id.to_owned())
                .or_default()
                .push(Conn { id, tx });
        }
        (id, rx)
    }

    pub fn unregister(&self, device_id: &str, conn_id: u64) {
        if let Ok(mut sockets) = self.sockets.lock() {
            if let Some(conns) = sockets.get_mut(device_id) {
                conns.retain(|c| c.id != conn_id);
                if conns.is_empty() {
                    sockets.remove(device_id);
                }
            }
        }
    }

    pub fn is_connected(&self, device_id: &str) -> bool {
        self.sockets
            .lock()
            .map(|s| s.contains_key(device_id))
            .unwrap_or(false)
    }

    /// Queues `message` for every socket of the device; false when none is open here. A
    /// socket whose queue is full is dropped (its loop sees the queue end and closes it).
    pub fn send(&self, device_id: &str, message: Outbound) -> bool {
        let Ok(mut sockets) = self.sockets.lock() else {
            return false;
        };
        let Some(conns) = sockets.get_mut(device_id) else {
            return false;
        };
        conns.retain(|conn| queue(device_id, conn, message.clone()));
        if conns.is_empty() {
            sockets.remove(device_id);
        }
        true
    }

    /// Closes every socket on this node with `message`.
    pub fn close_all(&self, message: ServerMessage) {
        if let Ok(mut sockets) = self.sockets.lock() {
            for (device_id, conns) in sockets.iter_mut() {
                conns.retain(|conn| queue(device_id, conn, Outbound::Close(message.clone())));
            }
            sockets.retain(|_, conns| !conns.is_empty());
        }
    }

    /// The devices with at least one socket open here (for catching up after the cluster
    /// listener reconnects).
    pub fn device_ids(&self) -> Vec<String> {
        self.sockets
            .lock()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn connected_count(&self) -> usize {
        self.sockets
            .lock()
            .map(|s| s.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    /// Wakes everyone waiting on this node for `challenge_id` ([`Self::on_finished`]).
    pub fn challenge_finished(&self, challenge_id: &str) {
        let woken = self
            .waiting
            .lock()
            .ok()
            .and_then(|mut waiting| waiting.remove(challenge_id));
        for waiter in woken.into_iter().flatten() {
            let _ = waiter.send(());
        }
    }

    /// Completes when [`Self::challenge_finished`] is called for `challenge_id` after this
    /// call. Register before reading the challenge's state, so no finish falls in between.
    pub fn on_finished(&self, challenge_id: &str) -> Finished {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.entry(challenge_id.to_owned()).or_default().push(tx);
        }
        Finished {
            challenge_id: challenge_id.to_owned(),
            rx,
            waiting: self.waiting.clone(),
        }
    }

    /// How many waiters are registered (for tests: none may be left behind).
    pub fn waiting_count(&self) -> usize {
        self.waiting
            .lock()
            .map(|w| w.values().map(Vec::len).sum())
            .unwrap_or(0)
    }
}

/// One relying party's wait for one challenge ([`ConnectedDevices::on_finished`]). Dropping
/// it (a deadline passed) removes its registration.
pub struct Finished {
    challenge_id: String,
    rx: oneshot::Receiver<()>,
    waiting: Arc<Waiting>,
}

impl Future for Finished {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A dropped sender (never the case while registered) also ends the wait.
        Pin::new(&mut self.rx).poll(cx).map(|_| ())
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        // Closed first, so this waiter's own sender counts among the closed ones.
        self.rx.close();
        if let Ok(mut waiting) = self.waiting.lock() {
            if let Some(waiters) = waiting.get_mut(&self.challenge_id) {
                waiters.retain(|w| !w.is_closed());
                if waiters.is_empty() {
                    waiting.remove(&self.challenge_id);
                }
            }
        }
    }
}

/// Queues `message` on `conn` without waiting; false when the socket is to be dropped: its
/// queue is full, or its loop already ended.
fn queue(device_id: &str, conn: &Conn, message: Outbound) -> bool {
    match conn.tx.try_send(Box::new(message)) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(%device_id, conn_id = conn.id, "device channel queue full; dropping the connection");
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
