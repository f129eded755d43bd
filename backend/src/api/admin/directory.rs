//! The directory from the admin API: run a sync (or a dry run), and look one user up as
//! Twofold maps them (`directory check`). Errors carry the directory's stable codes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use twofold_core::proto::admin::{DirectoryEntry, DirectorySyncReport, DirectorySyncRequest};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiJson};
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::directory::{self, DirectoryError};
use crate::error::{ApiError, ApiResult, Error};
use crate::state::AppState;
use crate::store::directory as store;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/directory/sync", post(directory_sync))
        .route("/v1/admin/directory/users/{username}", get(directory_check))
}

impl From<DirectoryError> for ApiError {
    fn from(err: DirectoryError) -> Self {
        use StatusCode as S;
        let status = match &err {
            DirectoryError::Store(_) => return ApiError::from(Error::Internal(err.to_string())),
            DirectoryError::NotConfigured => S::CONFLICT,
            DirectoryError::SyncRunning { .. } => S::CONFLICT,
            DirectoryError::UserNotFound(_) => S::NOT_FOUND,
            DirectoryError::Ambiguous { .. } => S::CONFLICT,
            DirectoryError::Misconfigured { .. }
            | DirectoryError::ServiceBindRefused { .. }
            | DirectoryError::Unavailable { .. }
            | DirectoryError::SearchFailed { .. }
            | DirectoryError::MalformedEntry(_)
            | DirectoryError::BindFailed { .. } => S::BAD_GATEWAY,
        };
        ApiError::new(status, err.code(), err.to_string())
    }
}

/// Syncs users from the directory now (`dry_run`: only report). One node at a time:
/// 409 `directory.sync_running` while another sync runs.
#[utoipa::path(post, path = "/v1/admin/directory/sync", tag = "admin", security(("admin" = [])),
    request_body = DirectorySyncRequest,
    responses((status = 200, body = DirectorySyncReport), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn directory_sync(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    ApiJson(request): ApiJson<DirectorySyncRequest>,
) -> ApiResult<Json<DirectorySyncReport>> {
    Ok(Json(sync_now(&state, &admin, request.dry_run).await?))
}

/// A sync started by `admin` (the API's and the console's): no directory configured is a
/// refusal in the audit log; a sync that started records its own outcome.
pub async fn sync_now(
    state: &AppState,
    admin: &Admin,
    dry_run: bool,
) -> Result<DirectorySyncReport, DirectoryError> {
    let directory = match directory::of(state) {
        Ok(d) => d,
        Err(e) => {
            refused(state, admin, "directory_sync", &e)
                .await
                .map_err(DirectoryError::from)?;
            return Err(e);
        }
    };
    directory.sync(state, Some(admin), dry_run).await
}

/// One user as the directory has them and Twofold maps them.
#[utoipa::path(get, path = "/v1/admin/directory/users/{username}", tag = "admin", security(("admin" = [])),
    params(("username" = String, Path)),
    responses((status = 200, body = DirectoryEntry), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn directory_check(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    Path(username): Path<String>,
) -> ApiResult<Json<DirectoryEntry>> {
    let found = match directory::of(&state) {
        Ok(directory) => directory.check(&username).await,
        Err(e) => Err(e),
    };
    let user = match found {
        Ok(user) => user,
        Err(e) => {
            refused(&state, &admin, "directory_check", &e).await?;
            return Err(e.into());
        }
    };
    let twofold_source = store::users(state.store.pool())
        .await?
        .into_iter()
        .find(|u| u.username == user.username)
        .map(|u| u.source);
    Ok(Json(DirectoryEntry {
        dn: user.dn,
        id: user.id,
        username: user.username,
        first_name: user.first_name,
        last_name: user.last_name,
        email: user.email,
        phone: user.phone,
        twofold_source,
    }))
}

/// A refused directory request in the audit log (`directory_sync` failures of a sync that
/// started are recorded by the sync itself).
async fn refused(
    state: &AppState,
    admin: &Admin,
    action: &'static str,
    err: &DirectoryError,
) -> Result<(), Error> {
    audit::admin_refusal(state, admin, action, &err.to_string(), Event::target()).await
}
