//! The relying-party API: `/v1/preauth` and `/v1/auth`. Each handler parses, calls
//! [`crate::signin`] and answers; nothing is decided here.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use twofold_core::proto::{AuthRequest, AuthResponse, ErrorBody, PreauthRequest, PreauthResponse};

use super::extract::{ApiJson, ApiQuery, AppAuth};
use crate::error::ApiResult;
use crate::signin::{self, push};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/preauth", post(preauth))
        .route("/v1/auth", post(auth))
        .route("/v1/auth/{txid}", get(poll).delete(cancel))
}

/// What can this user do?
#[utoipa::path(post, path = "/v1/preauth", tag = "relying party", request_body = PreauthRequest,
    security(("application" = [])),
    responses((status = 200, body = PreauthResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn preauth(
    State(state): State<AppState>,
    AppAuth(_app): AppAuth,
    ApiJson(req): ApiJson<PreauthRequest>,
) -> ApiResult<Json<PreauthResponse>> {
    Ok(Json(signin::preauth(&state, &req.username).await?))
}

/// Is this really the user?
#[utoipa::path(post, path = "/v1/auth", tag = "relying party", request_body = AuthRequest,
    security(("application" = [])),
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn auth(
    State(state): State<AppState>,
    AppAuth(app): AppAuth,
    ApiJson(req): ApiJson<AuthRequest>,
) -> ApiResult<Json<AuthResponse>> {
    Ok(Json(signin::auth(&state, &app, req).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    /// Seconds to wait for an answer before replying "waiting" (0 to 30, default 25).
    pub wait: Option<u64>,
}

/// The outcome of an asynchronous push: long-polls until answered or `wait` seconds pass.
#[utoipa::path(get, path = "/v1/auth/{txid}", tag = "relying party", params(("txid" = String, Path), PollQuery),
    security(("application" = [])),
    responses((status = 200, body = AuthResponse), (status = 404, body = ErrorBody)))]
pub async fn poll(
    State(state): State<AppState>,
    AppAuth(app): AppAuth,
    Path(txid): Path<String>,
    ApiQuery(query): ApiQuery<PollQuery>,
) -> ApiResult<Json<AuthResponse>> {
    Ok(Json(
        push::poll(&state, &app, &txid, query.wait.unwrap_or(25)).await?,
    ))
}

/// Cancels a push still waiting for the user.
#[utoipa::path(delete, path = "/v1/auth/{txid}", tag = "relying party", params(("txid" = String, Path)),
    security(("application" = [])),
    responses((status = 200, body = AuthResponse), (status = 404, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    AppAuth(app): AppAuth,
    Path(txid): Path<String>,
) -> ApiResult<Json<AuthResponse>> {
    Ok(Json(push::cancel(&state, &app, &txid).await?))
}
