//! Adding a Twofold account, the steps every shell takes in this order: the vault must be
//! unlocked before the single-use code is spent, nothing holds the engine while the server
//! answers, and the account's client starts as soon as it is stored.

use std::ops::DerefMut;
use std::sync::{Mutex, MutexGuard, PoisonError};

use twofold_core::proto::ActivationUri;

use super::Fleet;
use crate::activation::{activate, DeviceInfo};
use crate::engine::ActivationReport;
use crate::{Engine, Error};

/// How a shell lends its engine for one step at a time (the app keeps it behind a mutex
/// shared with its commands).
pub trait EngineAccess {
    type Guard<'a>: DerefMut<Target = Engine>
    where
        Self: 'a;
    /// The shell's error; the engine's converts into it.
    type Error: From<Error>;

    fn lock_engine(&self) -> Result<Self::Guard<'_>, Self::Error>;
}

/// An engine owned by one caller (the CLI): a panic elsewhere cannot leave it half-changed
/// for anyone else, so a poisoned lock is taken as it is.
impl EngineAccess for Mutex<Engine> {
    type Guard<'a> = MutexGuard<'a, Engine>;
    type Error = Error;

    fn lock_engine(&self) -> Result<MutexGuard<'_, Engine>, Error> {
        Ok(self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Redeems an activation code with its server and stores the account in the engine `vault`
/// lends; `now` is read once the server has answered. With a `fleet`, the account's client
/// starts (or restarts, for a replaced activation) right away.
pub async fn activate_account<A: EngineAccess>(
    vault: &A,
    uri: &ActivationUri,
    device: &DeviceInfo,
    now: impl FnOnce() -> u64,
    fleet: Option<&Fleet>,
) -> Result<ActivationReport, A::Error> {
    if vault.lock_engine()?.is_locked() {
        return Err(Error::Locked.into());
    }
    // No lock is held while the server answers.
    let activation = activate(uri, device).await.map_err(Error::from)?;
    let now = now();
    let mut engine = vault.lock_engine()?;
    let report = engine.add_activation(activation, now)?;
    if let Some(fleet) = fleet {
        fleet.sync(&mut engine)?;
    }
    Ok(report)
}
