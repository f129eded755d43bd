//! The device API: activation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use twofold_core::proto::{ActivateRequest, ActivateResponse, ErrorBody};

use super::extract::{ApiJson, ClientAddr};
use crate::auth::activation;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/device/activate", post(activate))
        .route("/v1/device/channel", get(crate::channel::socket::channel))
}

/// Redeem an activation code with the device's public key.
#[utoipa::path(post, path = "/v1/device/activate", tag = "device", request_body = ActivateRequest,
    responses((status = 201, body = ActivateResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn activate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<(StatusCode, Json<ActivateResponse>)> {
    let response = activation::redeem(&state, client, req).await?;
    Ok((StatusCode::CREATED, Json(response)))
}
