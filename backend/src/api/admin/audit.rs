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

/// The CSV export. Cells that a spreadsheet would run as a formula are neutralised first
/// ([`neutralise`]): a username or user agent chosen by an attacker must not execute when
/// an administrator opens the export.
pub fn to_csv(records: &[AuditRecord]) -> Result<String, Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer
            .serialize(neutralised(record))
            .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("CSV: {e}")))
}

/// OWASP "CSV Injection": a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return is a formula (or becomes one) in Excel, LibreOffice and Google Sheets; prefixing a
/// single quote makes it text. The CSV writer still quotes cells with commas or quotes.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// `record` with every text cell [`neutralise`]d (`at` is a number, never a formula).
fn neutralised(record: &AuditRecord) -> AuditRecord {
    let text = |v: &String| neutralise(v);
    let opt = |v: &Option<String>| v.as_deref().map(neutralise);
    AuditRecord {
        id: text(&record.id),
        at: record.at,
        event: text(&record.event),
        username: opt(&record.username),
        first_name: opt(&record.first_name),
        last_name: opt(&record.last_name),
        email: opt(&record.email),
        phone: opt(&record.phone),
        device_id: opt(&record.device_id),
        factor: opt(&record.factor),
        result: text(&record.result),
        reason: opt(&record.reason),
        server_name: text(&record.server_name),
        server_ip: opt(&record.server_ip),
        client_ip: opt(&record.client_ip),
        application: opt(&record.application),
        admin_id: opt(&record.admin_id),
        detail: opt(&record.detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for bad in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for fine in ["alice", "", "a=b", "198.51.100.7", "'quoted"] {
            assert_eq!(neutralise(fine), fine);
        }
    }
}
