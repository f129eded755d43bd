//! Sign-in with a one-time code (TOTP or HOTP): from the app's offline account or from a
//! hardware token. The lockout counter, replay state and the audit record move in one
//! transaction that first counts the attempt, so a code is accepted once across every node
//! and a locked factor checks no code at all.

use sqlx::AnyConnection;
use twofold_core::otp::{Hotp, Totp, VerifyError, Window};
use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};
use twofold_core::{Algorithm, SecretBytes};
use zeroize::Zeroizing;

use super::{outcome, token};
use crate::auth::audit::{self, Event};
use crate::error::Error;
use crate::state::AppState;
use crate::store::credentials::{self, Credential, CredentialKind};
use crate::store::users::User;
use crate::store::{audit as store_audit, lockouts};

/// The lockout counter this factor uses.
pub const LOCKOUT_FACTOR: &str = "passcode";

/// Longest passcode accepted (anything longer is a malformed request, not a wrong code).
pub const MAX_LEN: usize = 64;

enum Check {
    /// (credential id, how to record it)
    Accepted(String, Accept),
    Replayed,
    /// A right code from further off than `policy.max_drift_steps` (TOTP only).
    BeyondDrift,
    Invalid,
}

enum Accept {
    Step { step: u64, drift: i64 },
    Counter { expected: i64, next: u64 },
}

/// Verifies `passcode` for `user` against `creds` and records the outcome.
///
/// The attempt is counted as a failure before any code is checked (and refused unchecked
/// when the factor is locked), in the one transaction that then records the outcome: so
/// concurrent guesses on any node check at most `policy.lockout_threshold` codes per lock.
/// That transaction is the store's write path ([`crate::store::Store::write`]: on SQLite one
/// group commit with other requests' attempts, which run one after the other); the answer
/// comes after it committed.
pub async fn verify(
    state: &AppState,
    user: &User,
    creds: &[Credential],
    passcode: &str,
    context: &AuthContext,
) -> Result<AuthResponse, Error> {
    let now = state.now();
    let policy = &state.config.policy;
    let escalation = lockouts::Escalation {
        threshold: policy.lockout_threshold,
        first_lock_seconds: policy.lockout_seconds,
        permanent_after: policy.lockout_permanent_after,
    };

    // Owned copies for the writer (on SQLite the work runs in its group-commit task).
    let (state_w, user, creds) = (state.clone(), user.clone(), creds.to_vec());
    let (passcode, context) = (Zeroizing::new(passcode.to_owned()), context.clone());
    let origin = audit::Origin::capture();
    let (result, reason) = state
        .store
        .write(move |tx| {
            Box::pin(origin.scope(async move {
                let state = &state_w;
                let reserved =
                    lockouts::reserve(&mut *tx, &user.id, LOCKOUT_FACTOR, now, &escalation).await?;
                let (result, reason, device) = match reserved {
                    Some(reserved) => {
                        judge(state, &mut *tx, &user, &creds, &passcode, reserved).await?
                    }
                    None => (AuthResult::Deny, Reason::LockedOut, None),
                };
                let record = outcome::audit_record(
                    state,
                    &user,
                    &context,
                    result,
                    reason,
                    Factor::Passcode,
                    device.as_deref(),
                )?;
                store_audit::insert(&mut *tx, &record).await?;
                Ok((result, reason))
            }))
        })
        .await?;
    outcome::count(state, Factor::Passcode, result, reason);
    Ok(AuthResponse::new(result, reason))
}

/// Checks the code of an attempt already counted as a failure, and settles the count: a
/// success resets it; a code that is no guess gives the reservation back.
async fn judge(
    state: &AppState,
    tx: &mut AnyConnection,
    user: &User,
    creds: &[Credential],
    passcode: &str,
    reserved: lockouts::Reserved,
) -> Result<(AuthResult, Reason, Option<String>), Error> {
    let now = state.now();
    let mut checked = Check::Invalid;
    for cred in creds {
        match check(state, cred, passcode, now)? {
            c @ Check::Accepted(..) => {
                checked = c;
                break;
            }
            Check::Replayed => checked = Check::Replayed,
            Check::BeyondDrift if !matches!(checked, Check::Replayed) => {
                checked = Check::BeyondDrift;
            }
            Check::BeyondDrift | Check::Invalid => {}
        }
    }
    let (result, reason, device) = match checked {
        Check::Accepted(id, accept) => {
            let cred = creds.iter().find(|c| c.id == id);
            let hardware = cred.is_some_and(token::is_token);
            let fresh = match accept {
                Accept::Step { step, drift } if hardware => {
                    token::accept_step(&mut *tx, &id, step, drift, now).await?
                }
                Accept::Counter { expected, next } if hardware => {
                    token::accept_counter(&mut *tx, &id, expected, next, now).await?
                }
                Accept::Step { step, drift } => {
                    credentials::accept_step(&mut *tx, &id, step, drift).await?
                }
                Accept::Counter { expected, next } => {
                    credentials::accept_counter(&mut *tx, &id, expected, next).await?
                }
            };
            let device = cred.and_then(token::device_label);
            if fresh {
                lockouts::reset(&mut *tx, &user.id, LOCKOUT_FACTOR).await?;
                return Ok((AuthResult::Allow, Reason::Verified, device));
            }
            // Another request accepted this code first.
            (AuthResult::Deny, Reason::CodeReplayed, device)
        }
        Check::Replayed => (AuthResult::Deny, Reason::CodeReplayed, None),
        Check::BeyondDrift => {
            tracing::warn!(username = %user.username, max_drift_steps = state.config.policy.max_drift_steps,
                "passcode from a generator whose clock is off by more than the drift bound");
            (AuthResult::Deny, Reason::InvalidCode, None)
        }
        Check::Invalid => return Ok((AuthResult::Deny, Reason::InvalidCode, None)),
    };
    // A replayed code is a right code used twice (a double submit, or a code someone saw),
    // and a code beyond the drift bound a right code from a badly set clock: neither is a
    // guess, so neither counts towards the lockout.
    lockouts::give_back(&mut *tx, &user.id, LOCKOUT_FACTOR, reserved).await?;
    Ok((result, reason, device))
}

/// An administrator lifts the user's lockout (a permanent one too) and forgets their
/// failures; the audit records it (reason `unlocked`) whether or not anything was locked.
pub async fn unlock(
    state: &AppState,
    admin: &crate::auth::admin::Admin,
    user: &User,
) -> Result<(), Error> {
    let mut tx = state.store.begin().await?;
    let was_locked = lockouts::unlock(&mut *tx, &user.id, state.now()).await?;
    let record = audit::record(
        state,
        &Event {
            user: Some(user),
            factor: Some(Factor::Passcode.as_str()),
            reason: Some("unlocked"),
            admin_id: Some(&admin.id),
            ..Event::new("admin", "success")
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, was_locked, "lockout lifted by an administrator");
    Ok(())
}

fn check(state: &AppState, cred: &Credential, passcode: &str, now: u64) -> Result<Check, Error> {
    let policy = &state.config.policy;
    let secret = SecretBytes::new(
        state
            .master_key
            .open(&cred.sealed_secret, &cred.id)?
            .to_vec(),
    );
    let algorithm = Algorithm::parse(&cred.algorithm).ok_or_else(|| {
        Error::Internal(format!(
            "credential {} has algorithm {:?}",
            cred.id, cred.algorithm
        ))
    })?;
    let digits = u8::try_from(cred.digits).map_err(|_| Error::Internal("bad digits".into()))?;
    let bad = |e: twofold_core::OtpError| Error::Internal(format!("credential {}: {e}", cred.id));
    let verdict = match cred.kind {
        CredentialKind::Hotp => {
            let hotp = Hotp::new(secret, algorithm, digits).map_err(bad)?;
            let expected = u64::try_from(cred.counter).unwrap_or(0);
            hotp.verify(passcode, expected, policy.hotp_look_ahead)
                .map(|a| Accept::Counter {
                    expected: cred.counter,
                    next: a.next_counter,
                })
        }
        CredentialKind::Totp => {
            let period =
                u64::try_from(cred.period).map_err(|_| Error::Internal("bad period".into()))?;
            let totp = Totp::new(secret, algorithm, digits, period).map_err(bad)?;
            let last = u64::try_from(cred.last_step).ok();
            totp.verify_bounded(
                passcode,
                now,
                Window::symmetric(policy.totp_window),
                cred.drift,
                last,
                policy.max_drift_steps,
            )
            .map(|a| Accept::Step {
                step: a.step,
                drift: a.drift,
            })
        }
    };
    Ok(match verdict {
        Ok(accept) => Check::Accepted(cred.id.clone(), accept),
        Err(VerifyError::Replayed) => Check::Replayed,
        Err(VerifyError::BeyondDrift) => Check::BeyondDrift,
        Err(VerifyError::Invalid | VerifyError::Malformed) => Check::Invalid,
    })
}
