//! twofold-authenticator: the engine of the Twofold authenticator app.
//!
//! It keeps the user's accounts in an encrypted vault file ([`vault`]), computes TOTP, HOTP
//! and Steam codes with `twofold-core`, adds accounts from `otpauth://` URIs, QR images
//! ([`qr`]) and Google Authenticator exports, and imports other apps' exports
//! ([`importers`]) and writes
//! exports for leaving ([`exporters`]: the Aegis format). [`Engine`] is the one object a shell holds; its methods return typed
//! [`Error`]s and serialisable views ([`AccountView`], [`AddReport`]).
//!
//! Twofold accounts come from a server: [`activation`] redeems an activation code (HTTP,
//! `reqwest`) and [`Engine::add_activation`] stores the result; [`push`] keeps the device
//! channel open (WebSocket, `tokio-tungstenite`), verifies and reports sign-in requests as
//! events, and sends signed answers; [`Fleet`] runs one client per account for a shell (the
//! app, the `twofold` CLI) and keeps what the vault must remember of their events.
//!
//! It is not a UI and has no Tauri dependency; it does not read the clock (every call that
//! shows a code takes `now`, unix seconds; [`SystemClock`] is for the outermost layer).

pub mod account;
pub mod activation;
pub mod codes;
pub mod engine;
pub mod error;
pub mod exporters;
pub mod icon;
pub mod importers;
pub mod push;
pub mod qr;
mod serde_helpers;
pub mod vault;

pub use account::{Account, AccountDraft, AccountView, Kind, PushLink, PushState, PushView};
pub use activation::{activate, Activation, ActivationError, DeviceInfo};
pub use codes::TimeCode;
pub use engine::{default_vault_path, AccountEdit, ActivationReport, AddReport, Added, Engine};
pub use error::Error;
pub use exporters::{Existing, ExportError, ExportFormat, OutputError};
pub use icon::{AccountIcon, IconError, IconView, ImageType, MAX_ICON_BYTES};
pub use importers::{ImportError, ImportFormat, ImportReport, Importer, Skipped};
pub use push::{
    Answer, Fleet, PendingChallenge, PushAccount, PushClient, PushError, PushEvent, PushHandle,
    PushOptions,
};
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
    // The one place the engine reads the wall clock (clippy.toml disallows it elsewhere).
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}
