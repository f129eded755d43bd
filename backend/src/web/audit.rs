//! The console's Audit page: filters (user, result, event, time range), keyset paging, and
//! the CSV export of the same selection (the admin API's CSV writer, formula cells
//! neutralised).

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;
use twofold_core::proto::admin::AuditQuery;

use super::error::WebResult;
use super::layout::{self, Section};
use super::session::Session;
use crate::cli::time::{format as when, parse as parse_time};
use crate::error::Error;
use crate::state::AppState;
use crate::store::{audit as store_audit, audit_page};

const PAGE: i64 = 50;
/// The most records one CSV export holds (the admin API's own ceiling).
const EXPORT_MAX: i64 = 100_000;
const RESULTS: [&str; 5] = ["allow", "deny", "enroll", "success", "failure"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(page))
        .route("/admin/audit.csv", get(export))
}

#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    user: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    before: Option<i64>,
}

fn some(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl Filters {
    /// The store's query; a time that is neither unix seconds nor "24h"-style is refused
    /// with the field's name.
    fn query(&self, now: i64) -> Result<AuditQuery, Error> {
        let time = |field: &'static str, text: &str| -> Result<Option<i64>, Error> {
            some(text)
                .map(|t| parse_time(&t, now).map_err(|e| Error::invalid(field, e.to_string())))
                .transpose()
        };
        Ok(AuditQuery {
            username: some(&self.user).map(|u| u.to_lowercase()),
            result: some(&self.result),
            event: some(&self.event),
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            ..AuditQuery::default()
        })
    }

    /// The filters as a query string (for the next page and the export links).
    fn query_string(&self) -> String {
        let enc = |t: &str| layout::encode(t.trim());
        format!(
            "user={}&result={}&event={}&since={}&until={}",
            enc(&self.user),
            enc(&self.result),
            enc(&self.event),
            enc(&self.since),
            enc(&self.until)
        )
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(f): Query<Filters>,
) -> WebResult<Response> {
    let query = f.query(state.now_i64())?;
    let mut rows = audit_page::page(state.store.pool(), &query, f.before, PAGE + 1).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let next = more
        .then(|| rows.last().map(|(seq, _)| *seq))
        .flatten()
        .map(|seq| format!("/admin/audit?{}&before={seq}", f.query_string()));
    let result = some(&f.result);
    let body = html! {
        form method="get" action="/admin/audit" class="row" aria-label="Filters" {
            div { label for="user" { "User" } input id="user" name="user" type="text" value=(f.user) autocomplete="off"; }
            div {
                label for="result" { "Result" }
                select id="result" name="result" {
                    option value="" selected[result.is_none()] { "Any" }
                    @for r in RESULTS { option value=(r) selected[result.as_deref() == Some(r)] { (r) } }
                }
            }
            div { label for="event" { "Event" } input id="event" name="event" type="text" value=(f.event) placeholder="authentication"; }
            div { label for="since" { "Since (unix time or 24h, 7d ago)" } input id="since" name="since" type="text" value=(f.since); }
            div { label for="until" { "Until" } input id="until" name="until" type="text" value=(f.until); }
            button type="submit" { "Filter" }
        }
        p { a href={"/admin/audit.csv?" (f.query_string())} download="audit.csv" { "Export these records as CSV" } }
        @if rows.is_empty() {
            p role="status" { "No records match." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Audit records" {
                table {
                    caption { "Audit records, newest first" }
                    thead { tr {
                        th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "User" }
                        th scope="col" { "Result" } th scope="col" { "Reason" } th scope="col" { "Factor" }
                        th scope="col" { "Application" } th scope="col" { "Client" } th scope="col" { "Admin" }
                    } }
                    tbody {
                        @for (_, r) in &rows {
                            tr {
                                td { (when(r.at)) }
                                td { (r.event) }
                                td { (r.username.as_deref().unwrap_or("")) }
                                td { (r.result) }
                                td { (r.reason.as_deref().unwrap_or("")) }
                                td { (r.factor.as_deref().unwrap_or("")) }
                                td { (r.application.as_deref().unwrap_or("")) }
                                td { (r.client_ip.as_deref().unwrap_or("")) }
                                td { (r.admin_id.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            nav class="pager" aria-label="Pages" { a href=(next) rel="next" { "Older records" } }
        }
    };
    Ok(layout::signed_in(&session, "Audit", Section::Audit, body))
}

pub async fn export(
    State(state): State<AppState>,
    _session: Session,
    Query(f): Query<Filters>,
) -> WebResult<Response> {
    let query = AuditQuery {
        limit: Some(EXPORT_MAX),
        ..f.query(state.now_i64())?
    };
    let records = store_audit::query(state.store.pool(), &query).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        crate::api::admin::to_csv(&records)?,
    )
        .into_response())
}
