//! The push fleet: one [`PushClient`] per Twofold account of a vault, and what a shell needs
//! to know about them. The app and the `twofold` CLI both hold one.
//!
//! [`Fleet::sync`] makes the running clients match the vault (start the missing, restart those
//! activated again, stop the removed). Every [`PushEvent`] the clients report goes through
//! [`Fleet::observe`] (connection states, "is this request new?") and [`Fleet::store`] (what
//! the vault must remember, deferred while it is locked and applied at the next sync), or
//! through [`Fleet::pump`], which does both and hands each event to a callback: the fleet
//! does not know where events go (a window, a terminal, a channel).
//!
//! The fleet reads no clock itself (the clients get the one it is made with) and spawns its
//! clients through the [`Spawn`] it is given, so it runs on any Tokio runtime a shell has.

mod activate;
mod status;
#[cfg(test)]
mod tests;

pub use activate::{activate_account, EngineAccess};
pub use status::{AccountStatus, Connection, PushStatus};

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;

use super::{PushClient, PushEvent, PushHandle, PushOptions};
use crate::account::PushState;
use crate::{Clock, Engine, Error};

/// How many events may wait between the clients and whoever reads them.
const EVENT_CAPACITY: usize = 64;

/// How many request ids are remembered so a request re-sent after a reconnect is not
/// announced twice.
const ANNOUNCED_MEMORY: usize = 64;

/// A client's connection loop, ready to be spawned.
pub type ClientTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Runs a client's loop in the background (`tokio::spawn`, or the app's async runtime).
pub type Spawn = Box<dyn Fn(ClientTask) + Send + Sync>;

/// Why an account has no client to answer with.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum NoClient {
    /// The server no longer knows the device; its message.
    #[error("{0}: remove this account and add it again with a new activation code")]
    NeedsReactivation(String),
    /// Not a running Twofold account (not started, removed, or not a push account).
    #[error("this account has no connection to its Twofold server")]
    NotRunning,
}

impl NoClient {
    /// A stable machine-readable code for the UI (the same as the push client's own).
    pub fn kind(&self) -> &'static str {
        match self {
            NoClient::NeedsReactivation(_) => "push.needs_reactivation",
            NoClient::NotRunning => "push.not_connected",
        }
    }
}

/// One event as [`Fleet::pump`] hands it on.
#[derive(Debug)]
pub struct Delivery<'a> {
    pub event: &'a PushEvent,
    /// A sign-in request not seen before: announce it (a notification, a sound).
    pub new_request: bool,
    /// Storing what the event changes in the vault: `Ok(true)` saved, `Ok(false)` nothing to
    /// save now (unchanged, or deferred while the vault is locked).
    pub stored: Result<bool, Error>,
}

struct Running {
    handle: PushHandle,
    /// The activation the client was started for: a new activation restarts it.
    device_id: String,
    state: Connection,
    message: Option<String>,
    retry_in_ms: Option<u64>,
}

#[derive(Default)]
struct Clients {
    running: HashMap<String, Running>,
    /// Accounts whose client stopped because the server no longer knows the device, with the
    /// server's message (also stored in the vault, or in `deferred` until it is unlocked).
    deactivated: HashMap<String, String>,
    /// Events the vault must store, received while it was locked.
    deferred: Vec<PushEvent>,
    announced: VecDeque<String>,
}

/// The push clients of one vault, sharing one event channel.
pub struct Fleet {
    clients: Mutex<Clients>,
    events: mpsc::Sender<PushEvent>,
    clock: Arc<dyn Clock + Send + Sync>,
    spawn: Spawn,
    options: PushOptions,
}

impl Fleet {
    /// A fleet whose clients read `clock`, run through `spawn` and report to the returned
    /// receiver (read it with [`Fleet::pump`], or with [`Fleet::observe`] and
    /// [`Fleet::store`]).
    pub fn new(
        clock: Arc<dyn Clock + Send + Sync>,
        spawn: Spawn,
    ) -> (Self, mpsc::Receiver<PushEvent>) {
        let (events, receiver) = mpsc::channel(EVENT_CAPACITY);
        let fleet = Self {
            clients: Mutex::new(Clients::default()),
            events,
            clock,
            spawn,
            options: PushOptions::default(),
        };
        (fleet, receiver)
    }

    /// [`Fleet::new`] with clients spawned on the current Tokio runtime (`tokio::spawn`).
    pub fn on_tokio(clock: Arc<dyn Clock + Send + Sync>) -> (Self, mpsc::Receiver<PushEvent>) {
        Self::new(
            clock,
            Box::new(|task| {
                tokio::spawn(task);
            }),
        )
    }

    fn clients(&self) -> MutexGuard<'_, Clients> {
        // The maps stay consistent even if a holder panicked: each change is one insert or
        // remove.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the running clients match the vault's Twofold accounts: starts one for every
    /// active account without one, restarts those activated again, stops those removed.
    /// Stores events deferred while the vault was locked first. Call with the engine unlocked
    /// (after unlock, activation, removal), where `spawn` works.
    pub fn sync(&self, engine: &mut Engine) -> Result<(), Error> {
        let deferred = std::mem::take(&mut self.clients().deferred);
        for event in &deferred {
            engine.apply_push_event(event)?;
        }
        let accounts = engine.push_accounts()?;
        let offset = engine.clock_offset()?;
        let mut clients = self.clients();
        // Dropping the last handle stops a client.
        clients.running.retain(|id, running| {
            accounts.iter().any(|a| {
                a.account_id == *id
                    && a.link.device_id == running.device_id
                    && a.link.state == PushState::Active
            })
        });
        clients
            .deactivated
            .retain(|id, _| accounts.iter().any(|a| a.account_id == *id));
        for account in &accounts {
            if let PushState::NeedsReactivation { message } = &account.link.state {
                clients
                    .deactivated
                    .insert(account.account_id.clone(), message.clone());
                continue;
            }
            if clients.running.contains_key(&account.account_id) {
                continue;
            }
            clients.deactivated.remove(&account.account_id);
            let (client, handle) = PushClient::new(
                account,
                offset,
                self.clock.clone(),
                self.events.clone(),
                self.options,
            )?;
            (self.spawn)(Box::pin(client.run()));
            clients.running.insert(
                account.account_id.clone(),
                Running {
                    handle,
                    device_id: account.link.device_id.clone(),
                    state: Connection::Connecting,
                    message: None,
                    retry_in_ms: None,
                },
            );
        }
        Ok(())
    }

    /// The handle to answer on `account_id`'s channel with.
    pub fn client(&self, account_id: &str) -> Result<PushHandle, NoClient> {
        let clients = self.clients();
        match clients.running.get(account_id) {
            Some(running) => Ok(running.handle.clone()),
            None => Err(match clients.deactivated.get(account_id) {
                Some(message) => NoClient::NeedsReactivation(message.clone()),
                None => NoClient::NotRunning,
            }),
        }
    }

    /// How many clients are running.
    pub fn running(&self) -> usize {
        self.clients().running.len()
    }

    /// Stops every client and waits until each has been told.
    pub async fn stop_all(&self) {
        let handles: Vec<PushHandle> = self
            .clients()
            .running
            .values()
            .map(|r| r.handle.clone())
            .collect();
        for handle in handles {
            handle.stop().await;
        }
    }

    /// Updates the connection states from an event. Returns true for a request not seen
    /// before (to be announced); a request the server sends again after a reconnect is
    /// announced once.
    pub fn observe(&self, event: &PushEvent) -> bool {
        let mut clients = self.clients();
        let set = |clients: &mut Clients, id: &str, state, message, retry_in_ms| {
            if let Some(running) = clients.running.get_mut(id) {
                running.state = state;
                running.message = message;
                running.retry_in_ms = retry_in_ms;
            }
        };
        match event {
            PushEvent::Connected { account_id, .. } => {
                set(&mut clients, account_id, Connection::Connected, None, None);
            }
            PushEvent::Disconnected {
                account_id,
                reason,
                retry_in_ms,
            } => set(
                &mut clients,
                account_id,
                Connection::Reconnecting,
                Some(reason.clone()),
                Some(*retry_in_ms),
            ),
            PushEvent::NeedsReactivation {
                account_id,
                message,
            } => {
                // The client has stopped itself.
                clients.running.remove(account_id);
                clients
                    .deactivated
                    .insert(account_id.clone(), message.clone());
            }
            PushEvent::Challenge(challenge) => {
                if clients.announced.contains(&challenge.id) {
                    return false;
                }
                if clients.announced.len() == ANNOUNCED_MEMORY {
                    clients.announced.pop_front();
                }
                clients.announced.push_back(challenge.id.clone());
                return true;
            }
            _ => {}
        }
        false
    }

    /// Stores what the vault must remember of `event` in `engine` if it is given and
    /// unlocked; otherwise keeps the event for the next [`Fleet::sync`]. Returns whether the
    /// vault was saved.
    pub fn store(&self, event: &PushEvent, engine: Option<&mut Engine>) -> Result<bool, Error> {
        if !changes_vault(event) {
            return Ok(false);
        }
        match engine {
            Some(engine) if !engine.is_locked() => engine.apply_push_event(event),
            _ => {
                self.clients().deferred.push(event.clone());
                Ok(false)
            }
        }
    }

    /// Reads the clients' events until the channel closes: observes and stores each (in the
    /// engine `vault` holds, deferred while it is locked or unavailable), then hands it to
    /// `forward`.
    pub async fn pump<A, F>(&self, mut events: mpsc::Receiver<PushEvent>, vault: &A, mut forward: F)
    where
        A: EngineAccess,
        F: FnMut(Delivery<'_>),
    {
        while let Some(event) = events.recv().await {
            let new_request = self.observe(&event);
            let stored = if changes_vault(&event) {
                match vault.lock_engine() {
                    Ok(mut engine) => self.store(&event, Some(&mut engine)),
                    Err(_) => self.store(&event, None),
                }
            } else {
                Ok(false)
            };
            forward(Delivery {
                event: &event,
                new_request,
                stored,
            });
        }
    }
}

/// Events the vault keeps something of ([`Engine::apply_push_event`]).
fn changes_vault(event: &PushEvent) -> bool {
    matches!(
        event,
        PushEvent::NeedsReactivation { .. } | PushEvent::Connected { .. }
    )
}
