//! HTTP: the router, the extractors that turn bad requests into stable error codes, and one
//! module per API (relying party, device, admin, operations).

pub mod admin;
pub mod device;
pub mod extract;
pub mod ops;
pub mod rp;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body accepted (CSV imports have their own, larger limit).
pub const MAX_BODY: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(rp::routes())
        .merge(device::routes())
        .merge(admin::routes())
        .merge(ops::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "request.not_found",
        "no such endpoint; see /v1/openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "request.method_not_allowed",
        "method not allowed on this endpoint",
    )
}

async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().clone();
    let response = next.run(request).await;
    state
        .metrics
        .http_request(&format!("{method} {route}"), response.status().as_u16());
    response
}
