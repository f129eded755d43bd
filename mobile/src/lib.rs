//! twofold-authenticator: the engine of the Twofold authenticator app.
//!
//! It keeps the user's accounts in an encrypted vault file ([`vault`]), computes TOTP, HOTP
//! and Steam codes with `twofold-core`, adds accounts from `otpauth://` URIs, QR images
//! ([`qr`]) and Google Authenticator exports, and imports other apps' exports
//! ([`importers`]). [`Engine`] is the one object a shell holds; its methods return typed
//! [`Error`]s and serialisable views ([`AccountView`], [`AddReport`]).
//!
//! It is not a UI and has no Tauri dependency; it does not read the clock (every call that
//! shows a code takes `now`, unix seconds; [`SystemClock`] is for the outermost layer). The
//! activation and push-channel clients come later; [`PushLink`] is the stored shape of a
//! Twofold push account.

pub mod account;
pub mod engine;
pub mod error;
pub mod importers;
pub mod qr;
mod serde_helpers;
pub mod vault;

pub use account::{Account, AccountDraft, AccountView, Kind, PushLink, PushState, PushView};
pub use engine::{default_vault_path, AccountEdit, AddReport, Added, Engine};
pub use error::Error;
pub use importers::{ImportError, ImportFormat, ImportReport, Importer, Skipped};
pub use qr::QrError;
pub use vault::{KdfParams, Vault, VaultError};

/// Where "now" comes from. Only the outermost layer (the CLI, the app shell) uses the system
/// clock; tests pass fixed times.
pub trait Clock {
    /// Unix seconds.
    fn now(&self) -> u64;
}

/// The device's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}
