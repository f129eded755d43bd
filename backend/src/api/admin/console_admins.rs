//! Web console administrators (`twofold-server admin add|list|remove|reset-totp`): their
//! password goes in once, their TOTP enrolment comes out once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use twofold_core::proto::admin::{ConsoleAdmin, ConsoleAdminEnrolment, NewConsoleAdmin};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::admins;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/console-admins",
            get(list_console_admins).post(add_console_admin),
        )
        .route(
            "/v1/admin/console-admins/{name}",
            delete(remove_console_admin),
        )
        .route(
            "/v1/admin/console-admins/{name}/reset-totp",
            post(reset_console_admin_totp),
        )
}

/// Every console admin, by name (never a password hash or a TOTP secret).
#[utoipa::path(get, path = "/v1/admin/console-admins", tag = "admin", security(("admin" = [])),
    responses((status = 200, body = [ConsoleAdmin]), (status = 401, body = ErrorBody)))]
pub async fn list_console_admins(
    State(state): State<AppState>,
    _: AdminAuth,
) -> ApiResult<Json<Vec<ConsoleAdmin>>> {
    Ok(Json(admins::list(&state).await?))
}

/// A new console admin; the answer holds its TOTP enrolment URI, only this once.
#[utoipa::path(post, path = "/v1/admin/console-admins", tag = "admin", security(("admin" = [])),
    request_body = NewConsoleAdmin,
    responses((status = 201, body = ConsoleAdminEnrolment), (status = 422, body = ErrorBody)))]
pub async fn add_console_admin(
    State(state): State<AppState>,
    AdminAuth(by): AdminAuth,
    ApiJson(new): ApiJson<NewConsoleAdmin>,
) -> ApiResult<(StatusCode, Json<ConsoleAdminEnrolment>)> {
    Ok((
        StatusCode::CREATED,
        Json(admins::add(&state, &by, new).await?),
    ))
}

/// Removes a console admin; its sessions end at once.
#[utoipa::path(delete, path = "/v1/admin/console-admins/{name}", tag = "admin", security(("admin" = [])),
    params(("name" = String, Path)), responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn remove_console_admin(
    State(state): State<AppState>,
    AdminAuth(by): AdminAuth,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    admins::remove(&state, &by, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new TOTP secret for a console admin; the old one stops working and its sessions end.
#[utoipa::path(post, path = "/v1/admin/console-admins/{name}/reset-totp", tag = "admin", security(("admin" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = ConsoleAdminEnrolment), (status = 422, body = ErrorBody)))]
pub async fn reset_console_admin_totp(
    State(state): State<AppState>,
    AdminAuth(by): AdminAuth,
    Path(name): Path<String>,
) -> ApiResult<Json<ConsoleAdminEnrolment>> {
    Ok(Json(admins::reset_totp(&state, &by, &name).await?))
}
