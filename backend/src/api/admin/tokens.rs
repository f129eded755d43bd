//! Hardware tokens: import seed files, list, assign, unassign, enable, disable, delete,
//! resynchronise. The work is in `tokens::{store_import, manage}`; this maps it to HTTP.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use twofold_core::proto::admin::{
    HardwareToken, TokenAssign, TokenImport, TokenImportReport, TokenListQuery, TokenResync,
};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson, ApiQuery};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens::{manage, store_import, TokenError};

/// Seed files: 1,000 encrypted PSKC keys are about 2 MB; 10,000 CSV rows under 1 MB.
const MAX_IMPORT_BODY: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/tokens", get(list_tokens))
        .route(
            "/v1/admin/tokens/import",
            post(import_tokens).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY)),
        )
        .route(
            "/v1/admin/tokens/{serial}",
            get(show_token).delete(delete_token),
        )
        .route(
            "/v1/admin/tokens/{serial}/user",
            put(assign_token).delete(unassign_token),
        )
        .route("/v1/admin/tokens/{serial}/enable", post(enable_token))
        .route("/v1/admin/tokens/{serial}/disable", post(disable_token))
        .route("/v1/admin/tokens/{serial}/resync", post(resync_token))
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        use StatusCode as S;
        let (status, code) = match &err {
            TokenError::NotFound(_) => (S::NOT_FOUND, "token.not_found"),
            TokenError::File(_) => (S::UNPROCESSABLE_ENTITY, "token.file_invalid"),
            TokenError::BadKey(_) => (S::UNPROCESSABLE_ENTITY, "token.bad_key"),
            TokenError::ResyncFailed(_) => (S::UNPROCESSABLE_ENTITY, "token.resync_failed"),
            TokenError::AlreadyAssigned { .. } => (S::CONFLICT, "token.already_assigned"),
            TokenError::Server(_) => match err {
                TokenError::Server(inner) => return inner.into(),
                _ => (S::INTERNAL_SERVER_ERROR, "internal"),
            },
        };
        ApiError::new(status, code, err.to_string())
    }
}

/// Reads a PSKC (RFC 6030) or CSV seed file and imports every token in one transaction.
/// A file with any refused row imports nothing; the report says which rows and why.
#[utoipa::path(post, path = "/v1/admin/tokens/import", tag = "admin", security(("admin" = [])),
    request_body = TokenImport,
    responses((status = 200, body = TokenImportReport),
        (status = 422, description = "token.file_invalid (the file as a whole: not PSKC, MAC mismatch, key or password needed) or token.bad_key", body = ErrorBody)))]
pub async fn import_tokens(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiJson(request): ApiJson<TokenImport>,
) -> ApiResult<Json<TokenImportReport>> {
    Ok(Json(store_import::import(&state, &admin, request).await?))
}

#[utoipa::path(get, path = "/v1/admin/tokens", tag = "admin", security(("admin" = [])),
    params(TokenListQuery),
    responses((status = 200, body = [HardwareToken]), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    _: AdminAuth,
    ApiQuery(query): ApiQuery<TokenListQuery>,
) -> ApiResult<Json<Vec<HardwareToken>>> {
    Ok(Json(manage::list(&state, query.user.as_deref()).await?))
}

#[utoipa::path(get, path = "/v1/admin/tokens/{serial}", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)),
    responses((status = 200, body = HardwareToken), (status = 404, body = ErrorBody)))]
pub async fn show_token(
    State(state): State<AppState>,
    _: AdminAuth,
    Path(serial): Path<String>,
) -> ApiResult<Json<HardwareToken>> {
    Ok(Json(manage::view(manage::find(&state, &serial).await?)))
}

#[utoipa::path(delete, path = "/v1/admin/tokens/{serial}", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(serial): Path<String>,
) -> ApiResult<StatusCode> {
    manage::delete(&state, &admin, &serial).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assigns the token to a user: its codes then sign the user in (factor `passcode`).
#[utoipa::path(put, path = "/v1/admin/tokens/{serial}/user", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)), request_body = TokenAssign,
    responses((status = 200, body = HardwareToken), (status = 404, body = ErrorBody),
        (status = 409, description = "token.already_assigned", body = ErrorBody)))]
pub async fn assign_token(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(serial): Path<String>,
    ApiJson(body): ApiJson<TokenAssign>,
) -> ApiResult<Json<HardwareToken>> {
    Ok(Json(
        manage::assign(&state, &admin, &serial, &body.username).await?,
    ))
}

#[utoipa::path(delete, path = "/v1/admin/tokens/{serial}/user", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)),
    responses((status = 200, body = HardwareToken), (status = 404, body = ErrorBody)))]
pub async fn unassign_token(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(serial): Path<String>,
) -> ApiResult<Json<HardwareToken>> {
    Ok(Json(manage::unassign(&state, &admin, &serial).await?))
}

#[utoipa::path(post, path = "/v1/admin/tokens/{serial}/enable", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)),
    responses((status = 200, body = HardwareToken), (status = 404, body = ErrorBody)))]
pub async fn enable_token(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(serial): Path<String>,
) -> ApiResult<Json<HardwareToken>> {
    Ok(Json(
        manage::set_enabled(&state, &admin, &serial, true).await?,
    ))
}

/// A disabled token's codes are refused until it is enabled again.
#[utoipa::path(post, path = "/v1/admin/tokens/{serial}/disable", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)),
    responses((status = 200, body = HardwareToken), (status = 404, body = ErrorBody)))]
pub async fn disable_token(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(serial): Path<String>,
) -> ApiResult<Json<HardwareToken>> {
    Ok(Json(
        manage::set_enabled(&state, &admin, &serial, false).await?,
    ))
}

/// Two consecutive codes read off the token: HOTP searches 1,000 counters ahead, TOTP
/// `policy.max_drift_steps` steps either way, and the token's state moves past them.
#[utoipa::path(post, path = "/v1/admin/tokens/{serial}/resync", tag = "admin", security(("admin" = [])),
    params(("serial" = String, Path)), request_body = TokenResync,
    responses((status = 200, body = HardwareToken), (status = 404, body = ErrorBody),
        (status = 422, description = "token.resync_failed", body = ErrorBody)))]
pub async fn resync_token(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(serial): Path<String>,
    ApiJson(codes): ApiJson<TokenResync>,
) -> ApiResult<Json<HardwareToken>> {
    Ok(Json(
        manage::resync_token(&state, &admin, &serial, &codes).await?,
    ))
}
