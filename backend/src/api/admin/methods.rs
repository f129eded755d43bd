//! Enable or disable an authentication method for everyone.

use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use twofold_core::proto::admin::{MethodChange, MethodState};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::auth::methods;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/methods", get(list_methods))
        .route("/v1/admin/methods/{method}", put(set_method))
}

#[utoipa::path(get, path = "/v1/admin/methods", tag = "admin", security(("admin" = [])),
    responses((status = 200, body = [MethodState])))]
pub async fn list_methods(
    State(state): State<AppState>,
    _: AdminAuth,
) -> ApiResult<Json<Vec<MethodState>>> {
    Ok(Json(methods::list(&state).await?))
}

/// Users whose way in was this method are asked to register another (`enroll`).
#[utoipa::path(put, path = "/v1/admin/methods/{method}", tag = "admin", security(("admin" = [])),
    params(("method" = String, Path, description = "push, passcode, app_password, bypass or recovery")), request_body = MethodChange,
    responses((status = 200, body = [MethodState]), (status = 422, body = ErrorBody)))]
pub async fn set_method(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(method): Path<String>,
    ApiJson(change): ApiJson<MethodChange>,
) -> ApiResult<Json<Vec<MethodState>>> {
    Ok(Json(
        methods::set(&state, &admin, &method, change.enabled).await?,
    ))
}
