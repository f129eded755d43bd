//! What the screens show of the fleet: each Twofold account's connection and the requests
//! waiting for an answer.

use serde::Serialize;

use super::Fleet;
use crate::account::PushState;
use crate::push::PendingChallenge;
use crate::{Engine, Error};

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

impl Fleet {
    /// Every Twofold account in the (unlocked) vault with its connection, and the requests
    /// waiting for an answer, oldest first.
    pub fn status(&self, engine: &Engine) -> Result<PushStatus, Error> {
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
}
