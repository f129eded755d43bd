//! The audit log: filter, page, export as CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use twofold_core::proto::admin::{AuditQuery, AuditRecord};
use twofold_core::proto::ErrorBody;

use crate::api::extract::{AdminAuth, ApiQuery};
use crate::error::{ApiResult, Error};
use crate::state::AppState;
use crate::store::audit as store_audit;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/admin/audit", get(list_audit))
}

/// Audit records, newest first.
#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", security(("admin" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditRecord]), (status = 400, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    _: AdminAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let q = AuditQuery {
        username: q.username.map(|u| u.trim().to_lowercase()),
        ..q
    };
    let records = store_audit::query(state.store.pool(), &q).await?;
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
