//! The relying-party API: `/v1/preauth` and `/v1/auth`.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use twofold_core::proto::{
    AuthRequest, AuthResponse, AuthResult, DeviceSummary, ErrorBody, Factor, PreauthRequest,
    PreauthResponse, PreauthResult, Reason,
};

use super::extract::{ApiJson, AppAuth};
use crate::auth::gate::{gate, Gate};
use crate::auth::{passcode, users};
use crate::error::{ApiError, ApiResult, Error};
use crate::state::AppState;
use crate::store::{credentials, devices};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/preauth", post(preauth))
        .route("/v1/auth", post(auth))
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
    let user = users::find(&state, &req.username).await?;
    let epoch = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    let creds = credentials::usable_for_user(state.store.pool(), &user.id, epoch).await?;
    let active = devices::active_for_user(state.store.pool(), &user.id, epoch).await?;
    let mut methods = Vec::new();
    if !creds.is_empty() {
        methods.push(Factor::Passcode);
    }
    let (result, reason) = match gate(&user, !methods.is_empty(), state.config.policy.no_method) {
        Gate::Proceed => (PreauthResult::Auth, Reason::MethodsAvailable),
        Gate::Allow(r) => (PreauthResult::Allow, r),
        Gate::Deny(r) => (PreauthResult::Deny, r),
        Gate::Enroll(r) => (PreauthResult::Enroll, r),
    };
    if result != PreauthResult::Auth {
        methods.clear();
    }
    Ok(Json(PreauthResponse {
        result,
        reason,
        message: reason.message().to_owned(),
        methods,
        devices: active
            .into_iter()
            .map(|d| DeviceSummary {
                id: d.id,
                name: d.name,
                platform: d.platform,
            })
            .collect(),
    }))
}

/// Is this really the user?
#[utoipa::path(post, path = "/v1/auth", tag = "relying party", request_body = AuthRequest,
    security(("application" = [])),
    responses((status = 200, body = AuthResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn auth(
    State(state): State<AppState>,
    AppAuth(app): AppAuth,
    ApiJson(mut req): ApiJson<AuthRequest>,
) -> ApiResult<Json<AuthResponse>> {
    if req.context.application.as_deref().is_none_or(str::is_empty) {
        req.context.application = Some(app.name.clone());
    }
    let user = users::find(&state, &req.username).await?;
    match req.factor {
        Factor::Passcode => {}
        Factor::Push | Factor::Auto => {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "auth.factor_unavailable",
                "push sign-in is not available on this server; use factor \"passcode\"",
            ))
        }
    }
    let passcode = req
        .passcode
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::invalid("passcode", "required with factor \"passcode\""))?;
    if passcode.len() > 64 {
        return Err(Error::invalid("passcode", "must be at most 64 characters").into());
    }
    let epoch = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    let creds = credentials::usable_for_user(state.store.pool(), &user.id, epoch).await?;
    let answer = match gate(&user, !creds.is_empty(), state.config.policy.no_method) {
        Gate::Proceed => passcode::verify(&state, &user, &creds, passcode, &req.context).await?,
        Gate::Allow(r) => {
            passcode::finish(
                &state,
                &user,
                &req.context,
                AuthResult::Allow,
                r,
                Some(req.factor),
            )
            .await?
        }
        Gate::Deny(r) => {
            passcode::finish(
                &state,
                &user,
                &req.context,
                AuthResult::Deny,
                r,
                Some(req.factor),
            )
            .await?
        }
        Gate::Enroll(r) => {
            passcode::finish(
                &state,
                &user,
                &req.context,
                AuthResult::Enroll,
                r,
                Some(req.factor),
            )
            .await?
        }
    };
    Ok(Json(answer))
}
