//! Sign-in with an OATH hardware token: a user's assigned, enabled tokens verify through
//! the passcode method ([`super::passcode`]) exactly like the app's offline accounts (same
//! window, drift bound, once-only rule and lockout). This file turns tokens into the
//! credentials that method checks, records an accepted code on the token's own row, and
//! names the token's serial as the device in the audit record.

use sqlx::AnyConnection;

use crate::error::Error;
use crate::store::credentials::Credential;
use crate::store::hardware_tokens::{self, HardwareToken};

/// `Credential::source` of a credential that is a hardware token.
pub const SOURCE: &str = "hardware_token";

/// The user's enabled hardware tokens ([`hardware_tokens::usable_for_user`]), as passcode
/// credentials (the token id is the credential id, so the sealed secret opens with the same
/// associated data).
pub fn credentials(tokens: Vec<HardwareToken>, user_id: &str) -> Vec<Credential> {
    tokens
        .into_iter()
        .map(|t| Credential {
            id: t.id,
            user_id: user_id.to_owned(),
            device_id: None,
            source: SOURCE.to_owned(),
            kind: t.kind,
            serial: Some(t.serial),
            sealed_secret: t.sealed_secret,
            algorithm: t.algorithm,
            digits: t.digits,
            period: t.period,
            counter: t.counter,
            last_step: t.last_step,
            drift: t.drift,
            created_at: t.created_at,
        })
        .collect()
}

pub fn is_token(credential: &Credential) -> bool {
    credential.source == SOURCE
}

/// What the audit names as the device: the app's device id, or the token's serial.
pub fn device_label(credential: &Credential) -> Option<String> {
    match is_token(credential) {
        true => credential.serial.clone(),
        false => credential.device_id.clone(),
    }
}

/// Records an accepted TOTP step on the token (RFC 6238 §5.2: false when already used).
pub async fn accept_step(
    tx: &mut AnyConnection,
    id: &str,
    step: u64,
    drift: i64,
    now: u64,
) -> Result<bool, Error> {
    hardware_tokens::accept_step(tx, id, step, drift, now).await
}

/// Moves the token's HOTP counter (RFC 4226 §7.2: false when it had already moved).
pub async fn accept_counter(
    tx: &mut AnyConnection,
    id: &str,
    expected: i64,
    next: u64,
    now: u64,
) -> Result<bool, Error> {
    hardware_tokens::accept_counter(tx, id, expected, next, now).await
}
