//! Revoking a device, for the admin API (`DELETE /v1/admin/devices/{id}`) and the users'
//! portal (Remove): one function, so both audit and close the device's sockets the same way.

use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::channel::events::{self, Event as ChannelEvent};
use crate::error::Error;
use crate::signin::push;
use crate::state::AppState;
use crate::store::devices::Device;
use crate::store::{audit as store_audit, devices, users as store_users};

/// Revokes `device`: it can no longer receive pushes or produce accepted offline codes. Its
/// socket is closed on every node and the user's pending pushes (which it was shown) are
/// cancelled, so a lost phone that stays online approves nothing. Audited as
/// `device_revoked` by `by`, in the transaction of the change. False when it was revoked
/// already.
pub async fn revoke(state: &AppState, by: &Admin, device: &Device) -> Result<bool, Error> {
    let id = &device.id;
    let user = store_users::by_id(state.store.pool(), &device.user_id).await?;
    let mut tx = state.store.begin().await?;
    let revoked = devices::revoke(&mut *tx, id, state.now()).await?;
    if revoked {
        let record = audit::admin_record(
            state,
            by,
            "device_revoked",
            Event {
                user: user.as_ref(),
                device_id: Some(id),
                ..Event::target()
            },
        )?;
        store_audit::insert(&mut *tx, &record).await?;
    }
    tx.commit().await?;
    tracing::info!(device_id = %id, "device revoked");
    if revoked {
        events::publish(
            state,
            ChannelEvent::Revoked {
                device_ids: vec![id.clone()],
            },
        )
        .await?;
        push::cancel_pending_for_user(state, &device.user_id).await?;
    }
    Ok(revoked)
}
