//! Sign-in requests: one [`PushClient`] per Twofold account, running in the background for as
//! long as the app runs, and what the screens need to know about them.
//!
//! The clients start at the first unlock (their device keys are inside the vault) and keep
//! running when the vault is locked again, so a request still brings the window forward; the
//! screens refuse to answer until the vault is unlocked ([`PushHub::answer`] is only called by
//! a command that checks). Every [`PushEvent`] goes through [`pump`]: it updates the
//! connection states here, stores what the vault must remember
//! ([`twofold_authenticator::Engine::apply_push_event`], deferred while locked), forwards the
//! event to the window as `push`, and announces new requests.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc;
use twofold_authenticator::account::PushState;
use twofold_authenticator::{
    Answer, Clock, Engine, PendingChallenge, PushClient, PushEvent, PushHandle, PushOptions,
};

use crate::{AppState, CommandError};

/// The name of the event the screens listen to; its payload is a [`PushEvent`].
pub const EVENT: &str = "push";

/// How many request ids are remembered so a request re-sent after a reconnect is not
/// announced twice.
const ANNOUNCED_MEMORY: usize = 64;

/// A Twofold account's connection, as the account list shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    Connecting,
    Connected,
    Reconnecting,
    NeedsReactivation,
}

/// One Twofold account's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountStatus {
    pub account_id: String,
    pub label: String,
    pub username: String,
    pub server_name: String,
    pub server_url: String,
    pub state: Connection,
    /// Why the connection dropped, or the server's reactivation message.
    pub message: Option<String>,
    /// With `reconnecting`: when the next attempt is.
    pub retry_in_ms: Option<u64>,
}

/// What the screens ask for after unlock; events keep it current afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushStatus {
    pub accounts: Vec<AccountStatus>,
    pub pending: Vec<PendingChallenge>,
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

/// The push clients, managed by Tauri next to [`AppState`].
pub struct PushHub {
    clients: Mutex<Clients>,
    events: mpsc::Sender<PushEvent>,
    clock: Arc<dyn Clock + Send + Sync>,
}

impl PushHub {
    /// A hub whose clients report to `events` (read them with [`pump`]).
    pub fn new(events: mpsc::Sender<PushEvent>, clock: Arc<dyn Clock + Send + Sync>) -> Self {
        Self {
            clients: Mutex::new(Clients::default()),
            events,
            clock,
        }
    }

    fn clients(&self) -> MutexGuard<'_, Clients> {
        // The map stays consistent even if a holder panicked: each change is one insert or
        // remove.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the running clients match the vault's Twofold accounts: starts one for every
    /// active account without one, restarts those activated again, stops those removed.
    /// Stores events deferred while the vault was locked first. Call with the engine unlocked
    /// (after unlock, activation, removal), from a command (it needs the async runtime).
    pub fn sync(&self, engine: &mut Engine) -> Result<(), CommandError> {
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
                PushOptions::default(),
            )?;
            tauri::async_runtime::spawn(client.run());
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

    /// Every Twofold account in the (unlocked) vault with its connection, and the requests
    /// waiting for an answer.
    pub fn status(&self, engine: &Engine) -> Result<PushStatus, CommandError> {
        let clients = self.clients();
        let mut pending = Vec::new();
        let accounts = engine
            .push_accounts()?
            .into_iter()
            .map(|account| {
                let running = clients.running.get(&account.account_id);
                let deactivated = match &account.link.state {
                    PushState::NeedsReactivation { message } => Some(message.clone()),
                    PushState::Active => clients.deactivated.get(&account.account_id).cloned(),
                };
                let (state, message, retry_in_ms) = match (deactivated, running) {
                    (Some(message), _) => (Connection::NeedsReactivation, Some(message), None),
                    (None, Some(r)) => (r.state, r.message.clone(), r.retry_in_ms),
                    (None, None) => (Connection::Connecting, None, None),
                };
                if let Some(running) = running {
                    pending.extend(running.handle.pending());
                }
                AccountStatus {
                    account_id: account.account_id,
                    label: account.label,
                    username: account.link.username,
                    server_name: account.link.server_name,
                    server_url: account.link.server_url,
                    state,
                    message,
                    retry_in_ms,
                }
            })
            .collect();
        pending.sort_by_key(|c| c.created_at);
        Ok(PushStatus { accounts, pending })
    }

    /// Sends the user's answer on the account's channel. `Ok`: sent; the server's verdict
    /// arrives as a [`PushEvent::AnswerResult`].
    pub async fn answer(
        &self,
        account_id: &str,
        challenge_id: &str,
        answer: Answer,
    ) -> Result<(), CommandError> {
        let handle = {
            let clients = self.clients();
            match clients.running.get(account_id) {
                Some(running) => running.handle.clone(),
                None => {
                    return Err(match clients.deactivated.get(account_id) {
                        Some(message) => CommandError::new(
                            "push.needs_reactivation",
                            format!(
                                "{message}: remove this account and add it again with a new \
                                 activation code"
                            ),
                        ),
                        None => CommandError::new(
                            "push.not_connected",
                            "this account has no connection to its Twofold server",
                        ),
                    })
                }
            }
        };
        Ok(handle.answer(challenge_id, answer).await?)
    }

    /// Updates the connection states from an event. Returns true for a request not seen
    /// before (to be announced).
    fn observe(&self, event: &PushEvent) -> bool {
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

    /// Stores what the vault must remember of `event`, now or at the next unlock.
    fn store(&self, state: &AppState, event: &PushEvent) {
        if !matches!(
            event,
            PushEvent::NeedsReactivation { .. } | PushEvent::Connected { .. }
        ) {
            return;
        }
        let stored = match state.engine() {
            Ok(mut engine) if !engine.is_locked() => engine.apply_push_event(event).map(|_| ()),
            _ => {
                self.clients().deferred.push(event.clone());
                Ok(())
            }
        };
        if let Err(error) = stored {
            eprintln!("twofold-app: cannot store a push event in the vault: {error}");
        }
    }
}

/// Reads the clients' events for the life of the app: state, vault, window, announcement.
pub async fn pump<R: Runtime>(app: AppHandle<R>, mut events: mpsc::Receiver<PushEvent>) {
    while let Some(event) = events.recv().await {
        let hub = app.state::<PushHub>();
        let new_request = hub.observe(&event);
        hub.store(&app.state::<AppState>(), &event);
        if let Err(error) = app.emit(EVENT, &event) {
            eprintln!("twofold-app: cannot forward a push event to the window: {error}");
        }
        if let (true, PushEvent::Challenge(challenge)) = (new_request, &event) {
            crate::attention::announce(&app, challenge);
        }
    }
}
