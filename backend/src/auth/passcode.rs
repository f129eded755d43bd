//! Checking a one-time code from the app's offline account or a hardware token.

use twofold_core::otp::{Hotp, Totp, VerifyError, Window};
use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};
use twofold_core::{Algorithm, SecretBytes};

use super::audit::{self, Event};

use crate::error::Error;
use crate::state::AppState;
use crate::store::credentials::{self, Credential};
use crate::store::users::User;
use crate::store::{audit as store_audit, lockouts};

/// The lockout counter this factor uses.
pub const LOCKOUT_FACTOR: &str = "passcode";

enum Outcome {
    /// (credential id, how to record it)
    Accepted(String, Accept),
    Replayed,
    Invalid,
}

enum Accept {
    Step { step: i64, drift: i64 },
    Counter { expected: i64, next: i64 },
}

/// Verifies `passcode` for `user` against `credentials` and records the outcome (replay
/// state, lockout counter, audit record) in one transaction.
pub async fn verify(
    state: &AppState,
    user: &User,
    creds: &[Credential],
    passcode: &str,
    context: &AuthContext,
) -> Result<AuthResponse, Error> {
    let now = state.now();
    let now_i = state.now_i64();
    let policy = &state.config.policy;

    if lockouts::locked_until(state.store.pool(), &user.id, LOCKOUT_FACTOR, now_i)
        .await?
        .is_some()
    {
        return finish(
            state,
            user,
            context,
            AuthResult::Deny,
            Reason::LockedOut,
            None,
        )
        .await;
    }

    let mut outcome = Outcome::Invalid;
    for cred in creds {
        match check(
            state,
            cred,
            passcode,
            now,
            policy.totp_window,
            policy.hotp_look_ahead,
        )? {
            o @ Outcome::Accepted(..) => {
                outcome = o;
                break;
            }
            Outcome::Replayed => outcome = Outcome::Replayed,
            Outcome::Invalid => {}
        }
    }

    let mut tx = state.store.pool().begin().await?;
    let (result, reason, device) = match outcome {
        Outcome::Accepted(id, accept) => {
            let fresh = match accept {
                Accept::Step { step, drift } => {
                    credentials::accept_step(&mut *tx, &id, step, drift).await?
                }
                Accept::Counter { expected, next } => {
                    credentials::accept_counter(&mut *tx, &id, expected, next).await?
                }
            };
            let device = creds
                .iter()
                .find(|c| c.id == id)
                .and_then(|c| c.device_id.clone());
            if fresh {
                lockouts::reset(&mut *tx, &user.id, LOCKOUT_FACTOR).await?;
                (AuthResult::Allow, Reason::Verified, device)
            } else {
                // Another request accepted this code first.
                (AuthResult::Deny, Reason::CodeReplayed, device)
            }
        }
        Outcome::Replayed => (AuthResult::Deny, Reason::CodeReplayed, None),
        Outcome::Invalid => (AuthResult::Deny, Reason::InvalidCode, None),
    };
    // A replayed code is a right code used twice (a double submit, or a code someone saw),
    // not a guess: it is refused but does not count towards the lockout.
    if result == AuthResult::Deny && reason != Reason::CodeReplayed {
        lockouts::record_failure(
            &mut *tx,
            &user.id,
            LOCKOUT_FACTOR,
            i64::from(policy.lockout_threshold),
            now_i,
            i64::try_from(policy.lockout_seconds).unwrap_or(i64::MAX / 4),
        )
        .await?;
    }
    let record = audit_record(
        state,
        user,
        context,
        result,
        reason,
        Factor::Passcode,
        device.as_deref(),
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    state.metrics.authentication(
        Factor::Passcode.as_str(),
        result_str(result),
        reason.as_str(),
    );
    Ok(AuthResponse::new(result, reason))
}

fn check(
    state: &AppState,
    cred: &Credential,
    passcode: &str,
    now: u64,
    window: u64,
    look_ahead: u64,
) -> Result<Outcome, Error> {
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
    let verdict = if cred.kind == "hotp" {
        let hotp = Hotp::new(secret, algorithm, digits).map_err(bad)?;
        let expected = u64::try_from(cred.counter).unwrap_or(0);
        hotp.verify(passcode, expected, look_ahead)
            .map(|a| Accept::Counter {
                expected: cred.counter,
                next: i64::try_from(a.next_counter).unwrap_or(i64::MAX),
            })
    } else {
        let period =
            u64::try_from(cred.period).map_err(|_| Error::Internal("bad period".into()))?;
        let totp = Totp::new(secret, algorithm, digits, period).map_err(bad)?;
        let last = u64::try_from(cred.last_step).ok();
        totp.verify(passcode, now, Window::symmetric(window), cred.drift, last)
            .map(|a| Accept::Step {
                step: i64::try_from(a.step).unwrap_or(i64::MAX),
                drift: a.drift,
            })
    };
    Ok(match verdict {
        Ok(accept) => Outcome::Accepted(cred.id.clone(), accept),
        Err(VerifyError::Replayed) => Outcome::Replayed,
        Err(VerifyError::Invalid | VerifyError::Malformed) => Outcome::Invalid,
    })
}

pub fn result_str(result: AuthResult) -> &'static str {
    match result {
        AuthResult::Allow => "allow",
        AuthResult::Deny => "deny",
        AuthResult::Enroll => "enroll",
        AuthResult::Waiting => "waiting",
        AuthResult::Timeout => "timeout",
    }
}

/// The audit record of one authentication attempt.
pub fn audit_record(
    state: &AppState,
    user: &User,
    context: &AuthContext,
    result: AuthResult,
    reason: Reason,
    factor: Factor,
    device_id: Option<&str>,
) -> Result<crate::store::audit::AuditRecord, Error> {
    audit::record(
        state,
        &Event {
            user: Some(user),
            device_id,
            factor: Some(factor.as_str()),
            reason: Some(reason.as_str()),
            client_ip: context.client_ip.as_deref(),
            application: context.application.as_deref(),
            ..Event::new("authentication", result_str(result))
        },
    )
}

/// Records an answer given without checking a code (locked out, or decided by the gate).
pub async fn finish(
    state: &AppState,
    user: &User,
    context: &AuthContext,
    result: AuthResult,
    reason: Reason,
    factor: Option<Factor>,
) -> Result<AuthResponse, Error> {
    let factor = factor.unwrap_or(Factor::Passcode);
    let record = audit_record(state, user, context, result, reason, factor, None)?;
    store_audit::insert(state.store.pool(), &record).await?;
    state
        .metrics
        .authentication(factor.as_str(), result_str(result), reason.as_str());
    Ok(AuthResponse::new(result, reason))
}
