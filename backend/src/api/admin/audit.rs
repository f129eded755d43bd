//! The audit log: filter, page, export as CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiQuery};
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use crate::store::audit::{self as store_audit, AuditFilter, AuditRecord};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/admin/audit", get(list_audit))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub username: Option<String>,
    /// "allow", "deny", "enroll", "success", "failure", ...
    pub result: Option<String>,
    /// "authentication", "activation", "admin", ...
    pub event: Option<String>,
    /// From this time (unix seconds, inclusive).
    pub since: Option<i64>,
    /// Before this time (unix seconds, exclusive).
    pub until: Option<i64>,
    /// At most this many records, newest first (default 1000).
    pub limit: Option<i64>,
    /// "json" (default) or "csv".
    pub format: Option<String>,
}

/// Audit records, newest first.
#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", security(("admin" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditRecord]), (status = 400, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    _: AdminAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let filter = AuditFilter {
        username: q.username.map(|u| u.trim().to_lowercase()),
        result: q.result,
        event: q.event,
        since: q.since,
        until: q.until,
        limit: q.limit,
    };
    let records = store_audit::query(state.store.pool(), &filter).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(records).into_response()),
        "csv" => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            to_csv(&records)?,
        )
            .into_response()),
        other => Err(Error::invalid("format", format!("{other:?} is not json or csv")).into()),
    }
}

pub fn to_csv(records: &[AuditRecord]) -> Result<String, Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer
            .serialize(record)
            .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("CSV: {e}")))
}
