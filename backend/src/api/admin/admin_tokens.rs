//! Admin tokens: create (shown once), list, revoke.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use twofold_core::proto::admin::{AdminToken, IssuedAdminToken, NewAdminToken};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::auth::admin;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/admin-tokens",
            get(list_admin_tokens).post(create_admin_token),
        )
        .route("/v1/admin/admin-tokens/{id}", delete(revoke_admin_token))
}

/// Every admin token (never a secret), oldest first; revoked ones carry `revoked_at`.
#[utoipa::path(get, path = "/v1/admin/admin-tokens", tag = "admin", security(("admin" = [])),
    responses((status = 200, body = [AdminToken]), (status = 401, body = ErrorBody)))]
pub async fn list_admin_tokens(
    State(state): State<AppState>,
    _: AdminAuth,
) -> ApiResult<Json<Vec<AdminToken>>> {
    Ok(Json(admin::list_tokens(&state).await?))
}

/// A new admin token; the token text is in this answer only.
#[utoipa::path(post, path = "/v1/admin/admin-tokens", tag = "admin", security(("admin" = [])),
    request_body = NewAdminToken,
    responses((status = 201, body = IssuedAdminToken), (status = 422, body = ErrorBody)))]
pub async fn create_admin_token(
    State(state): State<AppState>,
    AdminAuth(by): AdminAuth,
    ApiJson(new): ApiJson<NewAdminToken>,
) -> ApiResult<(StatusCode, Json<IssuedAdminToken>)> {
    Ok((
        StatusCode::CREATED,
        Json(admin::create_token(&state, &by, new).await?),
    ))
}

/// Revokes a token: it stops working at once. The last token that works cannot be revoked
/// (409 `admin.last_token`).
#[utoipa::path(delete, path = "/v1/admin/admin-tokens/{id}", tag = "admin", security(("admin" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_admin_token(
    State(state): State<AppState>,
    AdminAuth(by): AdminAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    admin::revoke_token(&state, &by, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
