//! What the shell keeps between commands: the engine behind a mutex, and the clock.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use twofold_authenticator::push::fleet::EngineAccess;
use twofold_authenticator::{Clock, Engine, KdfParams, SystemClock};

use crate::error::CommandError;

/// The app's state, managed by Tauri (`app.manage`). Commands lock the engine for the length
/// of one engine call.
pub struct AppState {
    engine: Mutex<Engine>,
    path: PathBuf,
    kdf: KdfParams,
    clock: Box<dyn Clock + Send + Sync>,
}

impl AppState {
    /// A locked engine for the vault at `path` (which need not exist yet). `kdf` is used when
    /// a vault is created or its password changed.
    pub fn new(path: PathBuf, kdf: KdfParams) -> Self {
        Self::with_clock(path, kdf, Box::new(SystemClock))
    }

    pub fn with_clock(path: PathBuf, kdf: KdfParams, clock: Box<dyn Clock + Send + Sync>) -> Self {
        let mut engine = Engine::locked(path.clone());
        engine.set_kdf_params(kdf);
        Self {
            engine: Mutex::new(engine),
            path,
            kdf,
            clock,
        }
    }

    pub fn engine(&self) -> Result<MutexGuard<'_, Engine>, CommandError> {
        self.engine.lock().map_err(|_| CommandError::poisoned())
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }

    /// Unix seconds, from the clock this state was made with.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}

/// How the engine's push fleet and activation borrow the engine: one step at a time, with the
/// commands' lock.
impl EngineAccess for AppState {
    type Guard<'a> = MutexGuard<'a, Engine>;
    type Error = CommandError;

    fn lock_engine(&self) -> Result<MutexGuard<'_, Engine>, CommandError> {
        self.engine()
    }
}
