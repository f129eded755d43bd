//! Extractors whose failures are [`ApiError`]s with stable codes: JSON and query bodies,
//! the client address, and the two kinds of API credentials.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::applications::Application;

/// Moved to [`super::client_addr`] (trusted proxies); re-exported for existing callers.
pub use super::client_addr::ClientAddr;

/// `Json<T>` whose rejections are API errors.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let code = match &rejection {
        JsonRejection::JsonDataError(_) => "request.invalid_body",
        JsonRejection::JsonSyntaxError(_) => "request.malformed_json",
        JsonRejection::MissingJsonContentType(_) => "request.unsupported_media_type",
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "request.too_large",
        _ => "request.unreadable_body",
    };
    ApiError::new(status, code, rejection.body_text())
}

/// `Query<T>` whose rejections are API errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "request.invalid_query",
                    e.body_text(),
                )
            })
    }
}

/// A request from a registered relying-party application (HTTP Basic `app_id:secret`).
pub struct AppAuth(pub Application);

impl FromRequestParts<AppState> for AppAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let encoded = value.strip_prefix("Basic ").ok_or_else(unauthorized)?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| unauthorized())?;
        let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
        let (id, secret) = text.split_once(':').ok_or_else(unauthorized)?;
        let app = auth::applications::authenticate(state, id, secret)
            .await
            .map_err(ApiError::from)?;
        Ok(AppAuth(app))
    }
}

/// A request from an administrator (`Authorization: Bearer adm_<id>.<secret>`): which admin
/// token it carried, for the audit record of any change it makes
/// ([`auth::audit::admin_change`]).
pub struct AdminAuth(pub auth::admin::Admin);

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let token = value.strip_prefix("Bearer ").ok_or_else(unauthorized)?;
        let admin = auth::admin::verify_token(state, token.trim())
            .await
            .map_err(ApiError::from)?;
        Ok(AdminAuth(admin))
    }
}

/// A scrape of `/metrics`: free when `[metrics] token` is empty, otherwise it must carry
/// `Authorization: Bearer <token>` (compared in constant time).
pub struct MetricsAuth;

impl FromRequestParts<AppState> for MetricsAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let expected = state.config.metrics.token.as_bytes();
        if expected.is_empty() {
            return Ok(MetricsAuth);
        }
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected)) {
            Ok(MetricsAuth)
        } else {
            Err(unauthorized())
        }
    }
}

fn unauthorized() -> ApiError {
    ApiError::from(crate::error::Error::Unauthorized)
}
