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

struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Outbound>,
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
    pub fn register(&self, device_id: &str) -> (u64, mpsc::UnboundedReceiver<Outbound>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
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

    /// Queues `message` for every socket of the device; false when none is open here.
    pub fn send(&self, device_id: &str, message: Outbound) -> bool {
        let Ok(sockets) = self.sockets.lock() else {
            return false;
        };
        match sockets.get(device_id) {
            Some(conns) => {
                for conn in conns {
                    let _ = conn.tx.send(message.clone());
                }
                true
            }
            None => false,
        }
    }

    /// Closes every socket on this node with `message`.
    pub fn close_all(&self, message: ServerMessage) {
        if let Ok(sockets) = self.sockets.lock() {
            for conn in sockets.values().flatten() {
                let _ = conn.tx.send(Outbound::Close(message.clone()));
            }
        }
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
