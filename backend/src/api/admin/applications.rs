//! Relying-party applications.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use twofold_core::proto::admin::{Application, ApplicationCredentials, NewApplication};
use twofold_core::proto::ErrorBody;

use super::convert;
use crate::api::extract::{AdminAuth, ApiJson};
use crate::auth::applications;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::applications as store_apps;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/applications",
            get(list_applications).post(add_application),
        )
        .route("/v1/admin/applications/{id}", delete(delete_application))
}

#[utoipa::path(get, path = "/v1/admin/applications", tag = "admin", security(("admin" = [])),
    responses((status = 200, body = [Application])))]
pub async fn list_applications(
    State(state): State<AppState>,
    _: AdminAuth,
) -> ApiResult<Json<Vec<Application>>> {
    Ok(Json(convert::all(
        store_apps::list(state.store.pool()).await?,
    )))
}

/// Registers an application; its secret is in this response only.
#[utoipa::path(post, path = "/v1/admin/applications", tag = "admin", security(("admin" = [])),
    request_body = NewApplication,
    responses((status = 201, body = ApplicationCredentials), (status = 409, body = ErrorBody)))]
pub async fn add_application(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiJson(new): ApiJson<NewApplication>,
) -> ApiResult<(StatusCode, Json<ApplicationCredentials>)> {
    Ok((
        StatusCode::CREATED,
        Json(applications::create(&state, &admin, new).await?),
    ))
}

#[utoipa::path(delete, path = "/v1/admin/applications/{id}", tag = "admin", security(("admin" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_application(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    applications::delete(&state, &admin, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
