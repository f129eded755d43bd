//! The relying-party API: `/v1/preauth` and `/v1/auth`. Each handler parses, calls
//! [`crate::signin`] and answers; nothing is decided here.
//!
//! Two things are settled before sign-in runs (issue 13, item 4): the application name is
//! always the authenticated application's (a relying party cannot make the phone show
//! another), and every context field is checked (length, no control or bidi characters);
//! a refused context is audited and answered with 400 `context.invalid_<field>`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use twofold_core::proto::CodeSubmission;
use twofold_core::proto::{AuthRequest, AuthResponse, ErrorBody, PreauthRequest, PreauthResponse};

use super::extract::{ApiJson, ApiQuery, AppAuth};
use crate::auth::audit::{self, Event};
use crate::error::{ApiError, ApiResult, Error};
use crate::signin::{self, push};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/preauth", post(preauth))
        .route("/v1/auth", post(auth))
        .route("/v1/auth/{txid}", get(poll).delete(cancel))
        .route("/v1/auth/{txid}/code", post(submit_code))
}

/// What can this user do?
#[utoipa::path(post, path = "/v1/preauth", tag = "relying party", request_body = PreauthRequest,
    security(("application" = [])),
    responses((status = 200, body = PreauthResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn preauth(
    State(state): State<AppState>,
    AppAuth(app): AppAuth,
    ApiJson(req): ApiJson<PreauthRequest>,
) -> ApiResult<Json<PreauthResponse>> {
    let answer = signin::preauth(&state, &req.username).await;
    Ok(Json(
        audit_unknown_user(&state, &app, "preauth", &req.username, None, answer).await?,
    ))
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
    if let Err(refused) = req.context.validate() {
        let record = audit::record(
            &state,
            &Event {
                username: Some(capped(&req.username)),
                factor: Some(req.factor.as_str()),
                reason: Some("invalid_context"),
                application: Some(&app.name),
                detail: Some(refused.field),
                ..Event::new("request", "deny")
            },
        )?;
        crate::store::audit::insert(state.store.pool(), &record).await?;
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            refused.code(),
            refused.to_string(),
        ));
    }
    // The name on the phone, in the signed challenge, the audit log and the reports is the
    // one the administrator registered, whatever the relying party sent.
    req.context.application = Some(app.name.clone());
    let (username, factor, client_ip) = (
        req.username.clone(),
        req.factor,
        req.context.client_ip.clone(),
    );
    let answer = signin::auth(&state, &app, req).await;
    let client_ip = client_ip.as_deref();
    Ok(Json(
        audit_unknown_user(&state, &app, factor.as_str(), &username, client_ip, answer).await?,
    ))
}

/// A username as given, cut to the longest a username can be, for an audit record.
fn capped(username: &str) -> &str {
    username
        .char_indices()
        .nth(256)
        .map_or(username, |(end, _)| &username[..end])
}

/// Audits a question about a user nobody has (event `request`, reason `unknown_user`, the
/// username as given) and passes `answer` on. Against a flood of made-up names (username
/// enumeration through a login page), one name is audited at most once a minute (checked
/// in the shared audit table, so on any node); every attempt is counted in the metrics as
/// `twofold_authentications_total{result="error",reason="unknown_user"}`.
pub(crate) async fn audit_unknown_user<T>(
    state: &AppState,
    app: &crate::store::applications::Application,
    factor: &str,
    username: &str,
    client_ip: Option<&str>,
    answer: Result<T, Error>,
) -> Result<T, Error> {
    let Err(Error::UserNotFound(normalised)) = &answer else {
        return answer;
    };
    state
        .metrics
        .authentication(factor, "error", "unknown_user");
    let given = capped(username);
    let since = state.now_i64().saturating_sub(60);
    let pool = state.store.pool();
    if !crate::store::audit::recent_exists(pool, "request", given, "unknown_user", since).await? {
        let record = audit::record(
            state,
            &Event {
                username: Some(given),
                factor: Some(factor),
                reason: Some("unknown_user"),
                application: Some(&app.name),
                client_ip,
                ..Event::new("request", "deny")
            },
        )?;
        crate::store::audit::insert(pool, &record).await?;
    }
    tracing::info!(username = %normalised, application = %app.name, "sign-in for an unknown user");
    answer
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

/// The code a text message or call (`factor: sms`/`voice`) gave the user, for the txid
/// `/v1/auth` answered; any node checks it.
#[utoipa::path(post, path = "/v1/auth/{txid}/code", tag = "relying party", params(("txid" = String, Path)),
    request_body = CodeSubmission, security(("application" = [])),
    responses((status = 200, body = AuthResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_code(
    State(state): State<AppState>,
    AppAuth(app): AppAuth,
    Path(txid): Path<String>,
    ApiJson(body): ApiJson<CodeSubmission>,
) -> ApiResult<Json<AuthResponse>> {
    Ok(Json(
        signin::sms::submit(&state, &app, &txid, body.passcode.trim()).await?,
    ))
}
