//! HTTP: the router, the extractors that turn bad requests into stable error codes, and one
//! module per API (relying party, device, admin, operations).

pub mod admin;
pub mod client_addr;
pub mod device;
pub mod extract;
pub mod openapi_errors;
pub mod ops;
pub mod rp;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;

use std::time::Duration;

use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body accepted (CSV imports have their own, larger limit).
pub const MAX_BODY: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(rp::routes())
        .merge(device::routes())
        .merge(admin::routes())
        .merge(ops::routes())
        .merge(crate::web::routes(&state));
    with_limits(routes, state)
}

/// `routes` with what every listener's router has: the 404 and 405 answers, the body limit
/// and timeout, the request metrics.
pub fn with_limits(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // A body trickled in slower than this is cut off (the header has its own deadline in
        // the listener).
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(
            state.config.server.body_timeout_seconds,
        )))
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
    // Labels come only from fixed sets (known methods, route templates), never from the
    // request line: a client sending random methods and paths must not grow `/metrics`.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(request.method());
    let response = next.run(request).await;
    state
        .metrics
        .http_request(&format!("{method} {route}"), response.status().as_u16());
    response
}

/// The standard methods our routes answer or refuse; anything else is "other".
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
