//! Finishing a sign-in attempt, the same way for every method: one audit record, one count
//! in the metrics, one answer for the relying party.

use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};

use crate::auth::audit::{self, Event};
use crate::error::Error;
use crate::state::AppState;
use crate::store::audit::{self as store_audit, AuditRecord};
use crate::store::users::User;

/// The audit record of one authentication attempt.
pub fn audit_record(
    state: &AppState,
    user: &User,
    context: &AuthContext,
    result: AuthResult,
    reason: Reason,
    factor: Factor,
    device_id: Option<&str>,
) -> Result<AuditRecord, Error> {
    audit::record(
        state,
        &Event {
            user: Some(user),
            device_id,
            factor: Some(factor.as_str()),
            reason: Some(reason.as_str()),
            client_ip: context.client_ip.as_deref(),
            application: context.application.as_deref(),
            ..Event::new("authentication", result.as_str())
        },
    )
}

/// Counts a finished attempt in the metrics (after its record was committed).
pub fn count(state: &AppState, factor: Factor, result: AuthResult, reason: Reason) {
    state
        .metrics
        .authentication(factor.as_str(), result.as_str(), reason.as_str());
}

/// Records an answer given without checking a factor (decided before any check, or refused
/// by a method's own limits: lockout, push cap) and returns it.
pub async fn finish(
    state: &AppState,
    user: &User,
    context: &AuthContext,
    factor: Factor,
    result: AuthResult,
    reason: Reason,
) -> Result<AuthResponse, Error> {
    let record = audit_record(state, user, context, result, reason, factor, None)?;
    state
        .store
        .write(move |conn| Box::pin(async move { store_audit::insert(conn, &record).await }))
        .await?;
    count(state, factor, result, reason);
    Ok(AuthResponse::new(result, reason))
}
