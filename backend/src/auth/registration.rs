//! Re-registration (an admin resets a user) and server reactivation (new activation
//! credentials: a new epoch and server key, so every device must activate again).

use super::admin::Admin;
use super::audit::{self, Event as AuditEvent};
use crate::channel::events::{self, Event};
use crate::error::Error;
use crate::identity::new_sealed_key;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{audit as store_audit, devices, state as server_state, users as store_users};

pub use twofold_core::proto::admin::{Reactivation, ResetReport};

/// Revokes all the user's devices at once and marks the user as needing registration: the
/// next preauth or auth answers `enroll`.
pub async fn reset_user(
    state: &AppState,
    admin: &Admin,
    user: &User,
) -> Result<ResetReport, Error> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let revoked = devices::revoke_all_for_user(&mut tx, &user.id, now).await?;
    store_users::set_needs_registration(&mut *tx, &user.id, true, now).await?;
    let record = audit::admin_record(
        state,
        admin,
        "user_reset",
        AuditEvent {
            user: Some(user),
            ..AuditEvent::target()
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, devices = revoked.len(), "user reset: devices revoked, registration required");
    events::publish(
        state,
        Event::Revoked {
            device_ids: revoked.clone(),
        },
    )
    .await?;
    let cancelled = crate::signin::push::cancel_pending_for_user(state, &user.id).await?;
    Ok(ResetReport {
        username: user.username.clone(),
        revoked_devices: revoked,
        cancelled_requests: cancelled,
    })
}

/// New activation credentials: a new server key and epoch. Devices activated before get
/// `not_activated`; hardware tokens keep working.
pub async fn reactivate_server(state: &AppState, admin: &Admin) -> Result<Reactivation, Error> {
    let sealed = new_sealed_key(&state.master_key)?;
    let mut tx = state.store.begin().await?;
    let current = server_state::epoch(&mut *tx)
        .await?
        .ok_or_else(|| Error::Internal("the activation epoch is missing".into()))?;
    let epoch = current + 1;
    server_state::set(&mut *tx, server_state::SIGNING_KEY, &sealed).await?;
    server_state::set_epoch(&mut *tx, epoch).await?;
    let detail = format!("epoch={epoch}");
    let record = audit::admin_record(
        state,
        admin,
        "server_reactivated",
        AuditEvent {
            detail: Some(&detail),
            ..AuditEvent::target()
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    tracing::warn!(
        epoch,
        "server reactivated: every device must activate again"
    );
    state.reload_identity().await?;
    events::publish(state, Event::Reactivated).await?;
    Ok(Reactivation { epoch })
}
