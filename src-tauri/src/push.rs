//! Sign-in requests in the app: the engine's push [`Fleet`] for the window, and forwarding
//! what its clients report.
//!
//! The clients start at the first unlock (their device keys are inside the vault) and keep
//! running when the vault is locked again, so a request still brings the window forward; the
//! screens refuse to answer until the vault is unlocked ([`PushService::answer`] is only
//! called by a command that checks). Every [`PushEvent`] goes through [`pump`]: the fleet
//! updates the connection states and stores what the vault must remember (deferred while it
//! is locked); here the event goes to the window as `push`, and a new request is announced
//! ([`crate::attention`]).

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::mpsc;
use twofold_authenticator::push::fleet::Delivery;
use twofold_authenticator::{Answer, Clock, Engine, Fleet, PushEvent};

pub use twofold_authenticator::push::fleet::{AccountStatus, Connection, PushStatus};

use crate::{AppState, CommandError};

/// The name of the event the screens listen to; its payload is a [`PushEvent`].
pub const EVENT: &str = "push";

/// The app's push clients, managed by Tauri next to [`AppState`]; its methods translate the
/// fleet's answers for the commands.
pub struct PushService {
    fleet: Fleet,
}

impl PushService {
    /// A service whose clients run on Tauri's async runtime and report to the returned
    /// receiver (read it with [`pump`]).
    pub fn new(clock: Arc<dyn Clock + Send + Sync>) -> (Self, mpsc::Receiver<PushEvent>) {
        let (fleet, events) = Fleet::new(
            clock,
            Box::new(|task| {
                tauri::async_runtime::spawn(task);
            }),
        );
        (Self { fleet }, events)
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// [`Fleet::sync`]: call with the engine unlocked (after unlock, activation, removal).
    pub fn sync(&self, engine: &mut Engine) -> Result<(), CommandError> {
        Ok(self.fleet.sync(engine)?)
    }

    /// Every Twofold account in the (unlocked) vault with its connection, and the requests
    /// waiting for an answer.
    pub fn status(&self, engine: &Engine) -> Result<PushStatus, CommandError> {
        Ok(self.fleet.status(engine)?)
    }

    /// Sends the user's answer on the account's channel. `Ok`: sent; the server's verdict
    /// arrives as a [`PushEvent::AnswerResult`].
    pub async fn answer(
        &self,
        account_id: &str,
        challenge_id: &str,
        answer: Answer,
    ) -> Result<(), CommandError> {
        let handle = self.fleet.client(account_id)?;
        Ok(handle.answer(challenge_id, answer).await?)
    }
}

/// Reads the clients' events for the life of the app: the fleet keeps states and the vault,
/// then the event goes to the window and a new request is announced.
pub async fn pump<R: Runtime>(app: AppHandle<R>, events: mpsc::Receiver<PushEvent>) {
    let service = app.state::<PushService>();
    let state = app.state::<AppState>();
    let forward = |delivery: Delivery<'_>| {
        if let Err(error) = delivery.stored {
            eprintln!("twofold-app: cannot store a push event in the vault: {error}");
        }
        if let Err(error) = app.emit(EVENT, delivery.event) {
            eprintln!("twofold-app: cannot forward a push event to the window: {error}");
        }
        if let (true, PushEvent::Challenge(challenge)) = (delivery.new_request, delivery.event) {
            crate::attention::announce(&app, challenge);
        }
    };
    service.fleet.pump(events, &*state, forward).await;
}
