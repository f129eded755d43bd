//! The one place the server reads the time. Tests substitute [`ManualClock`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync + 'static {
    /// Unix seconds.
    fn now(&self) -> u64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    // The one place the server reads the wall clock (clippy.toml disallows it elsewhere).
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to.
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn new(now: u64) -> Self {
        Self(AtomicU64::new(now))
    }

    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock `twofold-server serve` runs on: the system clock, or, in debug builds with the
/// `test-clock` cargo feature (the test kit's), the system clock shifted by
/// `TWOFOLD_TEST_CLOCK_OFFSET_SECONDS` (a signed integer): how the cluster tests run nodes
/// whose clocks disagree. Elsewhere the variable is not read at all: a release build never
/// honours it, whatever features it was built with.
pub fn serve_clock() -> Result<std::sync::Arc<dyn Clock>, crate::error::Error> {
    #[cfg(all(feature = "test-clock", debug_assertions))]
    if let Some(value) = std::env::var_os(OFFSET_VARIABLE) {
        let offset: i64 = value.to_str().and_then(|v| v.parse().ok()).ok_or_else(|| {
            crate::error::Error::invalid(
                OFFSET_VARIABLE,
                format!("{value:?} is not a whole number of seconds"),
            )
        })?;
        tracing::warn!(offset, "test clock: this node's clock is shifted");
        return Ok(std::sync::Arc::new(OffsetClock(offset)));
    }
    Ok(std::sync::Arc::new(SystemClock))
}

#[cfg(all(feature = "test-clock", debug_assertions))]
const OFFSET_VARIABLE: &str = "TWOFOLD_TEST_CLOCK_OFFSET_SECONDS";

/// The system clock plus a fixed offset (test builds only; see [`serve_clock`]).
#[cfg(all(feature = "test-clock", debug_assertions))]
pub struct OffsetClock(pub i64);

#[cfg(all(feature = "test-clock", debug_assertions))]
impl Clock for OffsetClock {
    fn now(&self) -> u64 {
        SystemClock.now().saturating_add_signed(self.0)
    }
}
