//! Sign-in with a one-time code (TOTP or HOTP): from the app's offline account or from a
//! hardware token. Replay state, the lockout counter and the audit record move in one
//! transaction, so a code is accepted once across every node.

use twofold_core::otp::{Hotp, Totp, VerifyError, Window};
use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};
use twofold_core::{Algorithm, SecretBytes};

use super::outcome;
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
    Invalid,
}

enum Accept {
    Step { step: u64, drift: i64 },
    Counter { expected: i64, next: u64 },
}

/// Verifies `passcode` for `user` against `creds` and records the outcome.
pub async fn verify(
    state: &AppState,
    user: &User,
    creds: &[Credential],
    passcode: &str,
    context: &AuthContext,
) -> Result<AuthResponse, Error> {
    let now = state.now();
    let policy = &state.config.policy;

    if lockouts::locked_until(state.store.pool(), &user.id, LOCKOUT_FACTOR, now)
        .await?
        .is_some()
    {
        return outcome::finish(
            state,
            user,
            context,
            Factor::Passcode,
            AuthResult::Deny,
            Reason::LockedOut,
        )
        .await;
    }

    let mut checked = Check::Invalid;
    for cred in creds {
        match check(state, cred, passcode, now)? {
            c @ Check::Accepted(..) => {
                checked = c;
                break;
            }
            Check::Replayed => checked = Check::Replayed,
            Check::Invalid => {}
        }
    }

    let mut tx = state.store.pool().begin().await?;
    let (result, reason, device) = match checked {
        Check::Accepted(id, accept) => {
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
        Check::Replayed => (AuthResult::Deny, Reason::CodeReplayed, None),
        Check::Invalid => (AuthResult::Deny, Reason::InvalidCode, None),
    };
    // A replayed code is a right code used twice (a double submit, or a code someone saw),
    // not a guess: it is refused but does not count towards the lockout.
    if result == AuthResult::Deny && reason != Reason::CodeReplayed {
        lockouts::record_failure(
            &mut *tx,
            &user.id,
            LOCKOUT_FACTOR,
            policy.lockout_threshold,
            now,
            policy.lockout_seconds,
        )
        .await?;
    }
    let record = outcome::audit_record(
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
    outcome::count(state, Factor::Passcode, result, reason);
    Ok(AuthResponse::new(result, reason))
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
            totp.verify(
                passcode,
                now,
                Window::symmetric(policy.totp_window),
                cred.drift,
                last,
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
        Err(VerifyError::Invalid | VerifyError::Malformed) => Check::Invalid,
    })
}
