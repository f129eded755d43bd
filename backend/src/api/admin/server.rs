//! Server-wide actions: reset a user, reactivate the server.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use twofold_core::proto::admin::{Reactivation, ResetQuery, ResetReport};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiQuery};
use crate::auth::registration;
use crate::auth::users;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users/{username}/reset", post(reset_user))
        .route("/v1/admin/server/reactivate", post(reactivate))
}

/// Revokes all the user's devices (their open channels are closed) and requires them to
/// register again; deletes their app passwords unless `keep_app_passwords=true`.
#[utoipa::path(post, path = "/v1/admin/users/{username}/reset", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path), ResetQuery), responses((status = 200, body = ResetReport), (status = 404, body = ErrorBody)))]
pub async fn reset_user(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
    ApiQuery(query): ApiQuery<ResetQuery>,
) -> ApiResult<Json<ResetReport>> {
    let user = users::find(&state, &username).await?;
    // First: a lost phone's app passwords must stop working even if the rest fails.
    if !query.keep_app_passwords {
        crate::signin::app_password::delete_all(&state, &admin, &user).await?;
    }
    Ok(Json(registration::reset_user(&state, &admin, &user).await?))
}

/// New activation credentials (epoch and server key): every device must activate again.
#[utoipa::path(post, path = "/v1/admin/server/reactivate", tag = "admin", security(("admin" = [])),
    responses((status = 200, body = Reactivation)))]
pub async fn reactivate(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
) -> ApiResult<Json<Reactivation>> {
    Ok(Json(registration::reactivate_server(&state, &admin).await?))
}
