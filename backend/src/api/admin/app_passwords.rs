//! A user's app passwords: create (the value is in that answer only), list, delete one or
//! all (the lost-phone step).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use twofold_core::proto::admin::{
    AppPassword, DeletedAppPasswords, IssuedAppPassword, NewAppPassword,
};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::auth::users;
use crate::error::ApiResult;
use crate::signin::app_password;
use crate::state::AppState;
use crate::store::app_passwords::{self as store, AppPassword as Row};
use crate::store::columns::to_db;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/admin/users/{username}/app-passwords",
            get(list_app_passwords)
                .post(create_app_password)
                .delete(delete_app_passwords),
        )
        .route(
            "/v1/admin/users/{username}/app-passwords/{name}",
            delete(delete_app_password),
        )
}

impl From<Row> for AppPassword {
    fn from(row: Row) -> Self {
        Self {
            name: row.name,
            created_at: to_db(row.created_at),
            last_used_at: row.last_used_at.map(to_db),
        }
    }
}

/// The user's app passwords: names and times, never the values.
#[utoipa::path(get, path = "/v1/admin/users/{username}/app-passwords", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = [AppPassword]), (status = 404, body = ErrorBody)))]
pub async fn list_app_passwords(
    State(state): State<AppState>,
    _: AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<Json<Vec<AppPassword>>> {
    let user = users::find(&state, &username).await?;
    let rows = store::for_user(state.store.pool(), &user.id).await?;
    Ok(Json(rows.into_iter().map(AppPassword::from).collect()))
}

/// A new app password; its value is in this answer only. Refused (403
/// `app_password.disabled`) while `[app_passwords] enabled = false`.
#[utoipa::path(post, path = "/v1/admin/users/{username}/app-passwords", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)), request_body = NewAppPassword,
    responses((status = 201, body = IssuedAppPassword), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_app_password(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
    ApiJson(new): ApiJson<NewAppPassword>,
) -> ApiResult<(StatusCode, Json<IssuedAppPassword>)> {
    let user = users::find(&state, &username).await?;
    let issued = app_password::create(&state, &admin, &user, &new.name).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// Deletes every app password of the user.
#[utoipa::path(delete, path = "/v1/admin/users/{username}/app-passwords", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = DeletedAppPasswords), (status = 404, body = ErrorBody)))]
pub async fn delete_app_passwords(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<Json<DeletedAppPasswords>> {
    let user = users::find(&state, &username).await?;
    let deleted = app_password::delete_all(&state, &admin, &user).await?;
    Ok(Json(DeletedAppPasswords {
        username: user.username,
        deleted,
    }))
}

/// Deletes the user's app password `name`.
#[utoipa::path(delete, path = "/v1/admin/users/{username}/app-passwords/{name}", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_app_password(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path((username, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let user = users::find(&state, &username).await?;
    app_password::delete(&state, &admin, &user, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
