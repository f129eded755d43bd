//! Usage reports for per-user and per-authentication billing.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use twofold_core::proto::admin::{UsageQuery, UsageReport};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiQuery};
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use crate::store::reports;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/admin/reports/usage", get(usage))
}

#[utoipa::path(get, path = "/v1/admin/reports/usage", tag = "admin", security(("admin" = [])), params(UsageQuery),
    responses((status = 200, body = UsageReport), (status = 422, body = ErrorBody)))]
pub async fn usage(
    State(state): State<AppState>,
    _: AdminAuth,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageReport>> {
    let until = q.until.unwrap_or_else(|| state.now_i64().saturating_add(1));
    // Saturating: `until` comes from the query and may be i64::MIN.
    let since = q.since.unwrap_or(until.saturating_sub(30 * 86_400));
    if since >= until {
        return Err(Error::invalid("since", "must be before until").into());
    }
    let period = match q.period.as_deref().unwrap_or("day") {
        "hour" => 3_600,
        "day" => 86_400,
        "week" => 604_800,
        other => {
            return Err(
                Error::invalid("period", format!("{other:?} is not hour, day or week")).into(),
            )
        }
    };
    let epoch = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    let mut conn = state.store.pool().acquire().await.map_err(Error::from)?;
    Ok(Json(
        reports::usage(&mut conn, since, until, period, epoch).await?,
    ))
}
