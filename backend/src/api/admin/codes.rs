//! One-time codes an administrator issues: a bypass code, a set of recovery codes. The
//! codes are in the answer only.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use twofold_core::proto::admin::{IssuedBypass, IssuedRecoveryCodes, NewBypass};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::auth::users;
use crate::error::ApiResult;
use crate::signin::{bypass, recovery};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users/{username}/bypass", post(issue_bypass))
        .route(
            "/v1/admin/users/{username}/recovery-codes",
            post(issue_recovery_codes),
        )
}

/// A one-time bypass code (voids the previous one): valid `minutes` (1..=1440) for `uses`
/// (1..=10) sign-ins.
#[utoipa::path(post, path = "/v1/admin/users/{username}/bypass", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)), request_body = NewBypass,
    responses((status = 201, body = IssuedBypass), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_bypass(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
    ApiJson(new): ApiJson<NewBypass>,
) -> ApiResult<(StatusCode, Json<IssuedBypass>)> {
    let user = users::find(&state, &username).await?;
    let issued = bypass::issue(&state, &admin, &user, new.minutes, new.uses).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Ten single-use recovery codes; the user's earlier set stops working.
#[utoipa::path(post, path = "/v1/admin/users/{username}/recovery-codes", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)),
    responses((status = 201, body = IssuedRecoveryCodes), (status = 404, body = ErrorBody)))]
pub async fn issue_recovery_codes(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<(StatusCode, Json<IssuedRecoveryCodes>)> {
    let user = users::find(&state, &username).await?;
    Ok((
        StatusCode::CREATED,
        Json(recovery::issue(&state, &admin, &user).await?),
    ))
}
