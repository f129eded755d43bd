//! `POST /v1/admin/users/{username}/portal-link` (admin API): what
//! `twofold-server portal link NAME` calls.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use twofold_core::proto::admin::{NewPortalLink, PortalLink};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::error::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/v1/admin/users/{username}/portal-link",
        post(issue_portal_link),
    )
}

/// A single-use portal sign-in link for the user; the answer is the only place it is shown.
#[utoipa::path(post, path = "/v1/admin/users/{username}/portal-link", tag = "admin",
    security(("admin" = [])), params(("username" = String, Path)), request_body = NewPortalLink,
    responses((status = 201, body = PortalLink), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn issue_portal_link(
    State(state): State<AppState>,
    AdminAuth(by): AdminAuth,
    Path(username): Path<String>,
    ApiJson(new): ApiJson<NewPortalLink>,
) -> ApiResult<(StatusCode, Json<PortalLink>)> {
    let link = super::link::issue(&state, &by, &username, &new).await?;
    Ok((StatusCode::CREATED, Json(link)))
}
