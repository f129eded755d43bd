//! Devices: list a user's, revoke one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use twofold_core::proto::admin::Device;
use twofold_core::proto::ErrorBody;

use super::convert;
use crate::api::extract::AdminAuth;
use crate::auth::users;
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use crate::store::devices;

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
    crate::auth::devices::revoke(&state, &admin, &device).await?;
    Ok(StatusCode::NO_CONTENT)
}
