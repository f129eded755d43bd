//! Devices: list a user's, revoke one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use twofold_core::proto::admin::Device;
use twofold_core::proto::ErrorBody;

use super::convert;
use crate::api::extract::AdminAuth;
use crate::auth::audit::{self, Event};
use crate::auth::users;
use crate::channel::events::{self, Event as ChannelEvent};
use crate::error::{ApiResult, Error};
use crate::signin::push;
use crate::state::AppState;
use crate::store::{audit as store_audit, devices, users as store_users};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users/{username}/devices", get(list_devices))
        .route("/v1/admin/devices/{id}", delete(revoke_device))
}

#[utoipa::path(get, path = "/v1/admin/users/{username}/devices", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)), responses((status = 200, body = [Device]), (status = 404, body = ErrorBody)))]
pub async fn list_devices(
    State(state): State<AppState>,
    _: AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<Json<Vec<Device>>> {
    let user = users::find(&state, &username).await?;
    let list = devices::for_user(state.store.pool(), &user.id).await?;
    Ok(Json(convert::all(list)))
}

/// Revokes a device: it can no longer receive pushes or produce accepted offline codes. Its
/// socket is closed on every node and the user's pending pushes (which it was shown) are
/// cancelled, so a lost phone that stays online approves nothing.
#[utoipa::path(delete, path = "/v1/admin/devices/{id}", tag = "admin", security(("admin" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let device = devices::by_id(state.store.pool(), &id)
        .await?
        .ok_or_else(|| Error::DeviceNotFound(id.clone()))?;
    let user = store_users::by_id(state.store.pool(), &device.user_id).await?;
    let mut tx = state.store.begin().await?;
    let revoked = devices::revoke(&mut *tx, &id, state.now()).await?;
    if revoked {
        let record = audit::admin_record(
            &state,
            &admin,
            "device_revoked",
            Event {
                user: user.as_ref(),
                device_id: Some(&id),
                ..Event::target()
            },
        )?;
        store_audit::insert(&mut *tx, &record).await?;
    }
    tx.commit().await?;
    tracing::info!(device_id = %id, "device revoked");
    if revoked {
        events::publish(
            &state,
            ChannelEvent::Revoked {
                device_ids: vec![id.clone()],
            },
        )
        .await?;
        push::cancel_pending_for_user(&state, &device.user_id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
