//! Users and their activations.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use twofold_core::proto::admin::{
    Device, ImportQuery, ImportReport, IssuedActivation, MfaState, NewUser, User, UserDetail,
    UserPatch,
};
use twofold_core::proto::ErrorBody;

use super::convert;
use crate::api::extract::{AdminAuth, ApiJson, ApiQuery};
use crate::auth::{activation, users};
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use crate::store::{devices, users as store_users};

/// CSV imports may be large; the CLI sends them in chunks well under this.
const MAX_CSV_BODY: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users", get(list_users).post(add_user))
        .route(
            "/v1/admin/users/import",
            post(import_users).layer(DefaultBodyLimit::max(MAX_CSV_BODY)),
        )
        .route(
            "/v1/admin/users/{username}",
            get(show_user).patch(update_user).delete(delete_user),
        )
        .route(
            "/v1/admin/users/{username}/activation",
            post(create_activation),
        )
}

#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", security(("admin" = [])),
    responses((status = 200, body = [User]), (status = 401, body = ErrorBody)))]
pub async fn list_users(State(state): State<AppState>, _: AdminAuth) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(convert::all(
        store_users::list(state.store.pool()).await?,
    )))
}

#[utoipa::path(post, path = "/v1/admin/users", tag = "admin", security(("admin" = [])), request_body = NewUser,
    responses((status = 201, body = User), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_user(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = users::create(&state, &admin, new).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Adds users from CSV text (`text/csv`): a header line naming some of
/// username, first_name, last_name, email, phone, mfa_state; one user per line.
#[utoipa::path(post, path = "/v1/admin/users/import", tag = "admin", security(("admin" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 422, body = ErrorBody)))]
pub async fn import_users(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: String,
) -> ApiResult<Json<ImportReport>> {
    Ok(Json(
        users::import_csv(&state, &admin, &body, query.first_line.unwrap_or(1)).await?,
    ))
}

#[utoipa::path(get, path = "/v1/admin/users/{username}", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)), responses((status = 200, body = UserDetail), (status = 404, body = ErrorBody)))]
pub async fn show_user(
    State(state): State<AppState>,
    _: AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<Json<UserDetail>> {
    let user = users::find(&state, &username).await?;
    let devices: Vec<Device> = convert::all(devices::for_user(state.store.pool(), &user.id).await?);
    Ok(Json(UserDetail {
        user: user.into(),
        devices,
    }))
}

#[utoipa::path(patch, path = "/v1/admin/users/{username}", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        users::update(&state, &admin, &username, patch)
            .await?
            .into(),
    ))
}

#[utoipa::path(delete, path = "/v1/admin/users/{username}", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_user(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    users::delete(&state, &admin, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a single-use activation code for the user, voiding any earlier one.
#[utoipa::path(post, path = "/v1/admin/users/{username}/activation", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)),
    responses((status = 201, body = IssuedActivation), (status = 404, body = ErrorBody)))]
pub async fn create_activation(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<(StatusCode, Json<IssuedActivation>)> {
    let user = users::find(&state, &username).await?;
    if user.mfa_state == MfaState::Disabled {
        return Err(Error::invalid(
            "username",
            format!("MFA is disabled for {}; enable it first", user.username),
        )
        .into());
    }
    Ok((
        StatusCode::CREATED,
        Json(activation::create(&state, &admin, &user).await?),
    ))
}
