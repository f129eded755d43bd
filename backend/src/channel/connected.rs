//! The devices connected to this node: their sockets' queues, and a broadcast of challenges
//! that reached a final state (what synchronous and long-polling relying parties wait on).
//! Other nodes' devices are reached through [`super::events`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::{broadcast, mpsc};
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
    tx: mpsc::Sender<Outbound>,
}

/// The device sockets open on this node, by device id.
pub struct ConnectedDevices {
    sockets: Mutex<HashMap<String, Vec<Conn>>>,
    finished: broadcast::Sender<String>,
    next_id: AtomicU64,
}

impl Default for ConnectedDevices {
    fn default() -> Self {
        Self {
            sockets: Mutex::new(HashMap::new()),
            finished: broadcast::channel(4096).0,
            next_id: AtomicU64::new(1),
        }
    }
}

impl ConnectedDevices {
    /// Registers a socket of `device_id`; returns its id and the queue it reads from.
    pub fn register(&self, device_id: &str) -> (u64, mpsc::Receiver<Outbound>) {
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

    pub fn challenge_finished(&self, challenge_id: &str) {
        let _ = self.finished.send(challenge_id.to_owned());
    }

    pub fn subscribe_finished(&self) -> broadcast::Receiver<String> {
        self.finished.subscribe()
    }
}

/// Queues `message` on `conn` without waiting; false when the socket is to be dropped: its
/// queue is full, or its loop already ended.
fn queue(device_id: &str, conn: &Conn, message: Outbound) -> bool {
    match conn.tx.try_send(message) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(%device_id, conn_id = conn.id, "device channel queue full; dropping the connection");
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
