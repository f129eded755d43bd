//! The per-user push caps (push fatigue, issue 13 item 6): `push.max_per_minute` and
//! `push.max_per_day`, counted over the challenges table in the transaction that then inserts
//! the new one (only when it is within both), under the user's lock ([`challenges::lock_user_pushes`]), so concurrent pushes on
//! any number of nodes never pass a cap together. Part of [`super`]; a file of its own so
//! that one stays small.

use sqlx::AnyConnection;
use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};

use super::super::outcome;
use crate::error::Error;
use crate::ratelimit::Window;
use crate::state::AppState;
use crate::store::audit as store_audit;
use crate::store::challenges;
use crate::store::users::User;

/// The push caps' spans; their refusals are audited once per window of the same length.
const MINUTE_CAP: Window = Window {
    scope: "push_limit",
    seconds: 60,
};
const DAY_CAP: Window = Window {
    scope: "push_daily_limit",
    seconds: 86_400,
};

/// Which cap (per minute, per 24 hours) the user's pushes would exceed with the one being
/// started (counted before it is inserted); None within both.
pub(super) async fn over_cap(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &User,
    now: u64,
) -> Result<Option<Reason>, Error> {
    let push = &state.config.push;
    let caps = [
        (
            MINUTE_CAP,
            u64::from(push.max_per_minute),
            Reason::PushLimit,
        ),
        (DAY_CAP, u64::from(push.max_per_day), Reason::PushDailyLimit),
    ];
    for (window, cap, reason) in caps {
        let sent =
            challenges::count_since(&mut *conn, &user.id, now.saturating_sub(window.seconds))
                .await?;
        if sent >= cap {
            return Ok(Some(reason));
        }
    }
    Ok(None)
}

/// Refuses a push over a cap. An attacker who knows the password can ask for as many as they
/// like, so only the first refusal per user and window is audited; the others are counted in
/// `twofold_audit_suppressed_total{event="push_limit"}` (and, like every answer, in
/// `twofold_authentications_total`).
pub(super) async fn refuse_over_cap(
    state: &AppState,
    user: &User,
    context: &AuthContext,
    reason: Reason,
) -> Result<AuthResponse, Error> {
    let window = if reason == Reason::PushDailyLimit {
        DAY_CAP
    } else {
        MINUTE_CAP
    };
    let (result, factor) = (AuthResult::Deny, Factor::Push);
    let mut tx = state.store.begin().await?;
    let first = window.first_refusal(&mut tx, &user.id, state.now()).await?;
    if first {
        let record = outcome::audit_record(state, user, context, result, reason, factor, None)?;
        store_audit::insert(&mut *tx, &record).await?;
    }
    tx.commit().await?;
    if !first {
        state.metrics.audit_suppressed("push_limit");
    }
    outcome::count(state, factor, result, reason);
    Ok(AuthResponse::new(result, reason))
}
