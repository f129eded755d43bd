//! The relying-party API: `/v1/preauth` and `/v1/auth`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use twofold_core::proto::{
    AuthRequest, AuthResponse, AuthResult, DeviceSummary, ErrorBody, Factor, PreauthRequest,
    PreauthResponse, PreauthResult, Reason,
};

use super::extract::{ApiJson, ApiQuery, AppAuth};
use crate::auth::gate::{gate, Gate};
use crate::auth::{passcode, users};
use crate::error::{ApiResult, Error};
use crate::push::challenges;
use crate::state::AppState;
use crate::store::{credentials, devices};

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
    let user = users::find(&state, &req.username).await?;
    let epoch = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    let creds = credentials::usable_for_user(state.store.pool(), &user.id, epoch).await?;
    let active = devices::active_for_user(state.store.pool(), &user.id, epoch).await?;
    let mut methods = Vec::new();
    let disabled = crate::auth::methods::disabled(&state).await?;
    if !active.is_empty() && !disabled.contains(&Factor::Push) {
        methods.push(Factor::Push);
    }
    if !creds.is_empty() && !disabled.contains(&Factor::Passcode) {
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
    let epoch = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    let creds = credentials::usable_for_user(state.store.pool(), &user.id, epoch).await?;
    let active = devices::active_for_user(state.store.pool(), &user.id, epoch).await?;
    let passcode = req
        .passcode
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if passcode.is_some_and(|p| p.len() > 64) {
        return Err(Error::invalid("passcode", "must be at most 64 characters").into());
    }
    // `auto`: a passcode when one was given, otherwise push.
    let factor = match (req.factor, passcode) {
        (Factor::Auto, Some(_)) => Factor::Passcode,
        (Factor::Auto, None) => Factor::Push,
        (factor, _) => factor,
    };
    let has_method = match factor {
        Factor::Push => !active.is_empty(),
        _ => !creds.is_empty(),
    };
    let finish = |result, reason| {
        passcode::finish(&state, &user, &req.context, result, reason, Some(factor))
    };
    let method_disabled = crate::auth::methods::disabled(&state)
        .await?
        .contains(&factor);
    let answer = match gate(&user, has_method, state.config.policy.no_method) {
        Gate::Allow(r) => finish(AuthResult::Allow, r).await?,
        Gate::Deny(r) => finish(AuthResult::Deny, r).await?,
        // Devices activated before a server reactivation must activate again.
        Gate::Enroll(Reason::NoMethod)
            if factor == Factor::Push && has_stale_device(&state, &user.id).await? =>
        {
            finish(AuthResult::Enroll, Reason::NotActivated).await?
        }
        Gate::Enroll(r) => finish(AuthResult::Enroll, r).await?,
        Gate::Proceed if method_disabled => {
            finish(AuthResult::Enroll, Reason::MethodDisabled).await?
        }
        Gate::Proceed => match factor {
            Factor::Push | Factor::Auto => {
                challenges::start(&state, &app, &user, &req.context, req.asynchronous).await?
            }
            Factor::Passcode => {
                let passcode = passcode.ok_or_else(|| {
                    Error::invalid("passcode", "required with factor \"passcode\"")
                })?;
                passcode::verify(&state, &user, &creds, passcode, &req.context).await?
            }
        },
    };
    Ok(Json(answer))
}

async fn has_stale_device(state: &AppState, user_id: &str) -> Result<bool, Error> {
    let current = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    Ok(devices::for_user(state.store.pool(), user_id)
        .await?
        .iter()
        .any(|d| d.status == devices::ACTIVE && d.epoch != current))
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
        challenges::poll(&state, &app, &txid, query.wait.unwrap_or(25)).await?,
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
    Ok(Json(challenges::cancel(&state, &app, &txid).await?))
}
