//! The console's Hardware tokens page: the tokens (serial, kind, user, state), a seed file
//! upload (PSKC, RFC 6030, or CSV, with the PSKC pre-shared key or password) answered with
//! the per-row report, and assign/unassign. Through [`store_import::import`] and
//! [`manage`], the functions the admin API calls: the same checks, one transaction per file
//! (a file with a refused row imports nothing) and the same audit records.
//!
//! The upload is `multipart/form-data` (a file input), which [`super::session::Posted`]
//! does not read, so [`upload`] checks the form's CSRF token and origin itself, with the
//! same rules and the same audit record of a refusal.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use twofold_core::proto::admin::{TokenImport, TokenImportReport};
use zeroize::Zeroizing;

use super::error::{WebError, WebResult};
use super::layout::{self, csrf_field, encode, Section};
use super::session::{Posted, Session};
use crate::api::client_addr::ClientAddr;
use crate::auth::audit::{self, Event};
use crate::error::{ApiError, Error};
use crate::state::AppState;
use crate::tokens::{manage, store_import};

/// The admin API's own ceiling for a seed file (1,000 encrypted PSKC keys are about 2 MB).
const MAX_UPLOAD: usize = 32 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/tokens", get(page))
        .route(
            "/admin/tokens/import",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/admin/tokens/{serial}/assign", post(assign))
        .route("/admin/tokens/{serial}/unassign", post(unassign))
}

fn refused(session: &Session, error: impl Into<ApiError>) -> Response {
    layout::refused(
        session,
        "Hardware tokens",
        Section::Tokens,
        error.into(),
        "/admin/tokens",
    )
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<layout::DoneQuery>,
) -> WebResult<Response> {
    let tokens = match manage::list(&state, None).await {
        Ok(t) => t,
        Err(e) => return Ok(refused(&session, e)),
    };
    let notice = match query.done.as_deref() {
        Some("assigned") => Some("Token assigned: its codes now sign the user in."),
        Some("unassigned") => Some("Token unassigned."),
        _ => None,
    };
    let csrf = &session.csrf;
    let body = html! {
        @if let Some(text) = notice { (layout::notice(text)) }
        h2 { "Import a seed file" }
        form method="post" action="/admin/tokens/import" enctype="multipart/form-data" class="stack" {
            (csrf_field(csrf))
            label for="file" { "PSKC (RFC 6030) or CSV file" }
            input id="file" name="file" type="file" accept=".xml,.pskc,.csv,text/xml,application/pskc+xml,text/csv" required;
            label for="key" { "PSKC pre-shared key, hex (if the file's keys are encrypted with one)" }
            input id="key" name="key" type="password" autocomplete="off" spellcheck="false";
            label for="password" { "PSKC password (if the file is protected with one)" }
            input id="password" name="password" type="password" autocomplete="off";
            button type="submit" { "Import" }
        }
        p class="muted" { "A file with a refused row imports nothing; the report lists every row." }
        h2 { "Tokens" }
        @if tokens.is_empty() {
            p { "No hardware tokens yet." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Hardware tokens" {
                table {
                    thead { tr { th scope="col" { "Serial" } th scope="col" { "Kind" } th scope="col" { "User" } th scope="col" { "State" } th scope="col" { "Assign" } } }
                    tbody {
                        @for t in &tokens {
                            @let href = format!("/admin/tokens/{}", encode(&t.serial));
                            @let field = format!("user-{}", t.serial);
                            tr {
                                td { code { (t.serial) } }
                                td { (t.kind.to_uppercase()) " " (t.digits) " digits" }
                                td { (t.username.as_deref().unwrap_or("")) }
                                td { @if t.enabled { "Enabled" } @else { "Disabled" } }
                                td {
                                    @if t.username.is_some() {
                                        form method="post" action={(href) "/unassign"} {
                                            (csrf_field(csrf))
                                            button type="submit" class="plain" aria-label={"Unassign " (t.serial)} { "Unassign" }
                                        }
                                    } @else {
                                        form method="post" action={(href) "/assign"} class="row" {
                                            (csrf_field(csrf))
                                            div {
                                                label for=(field) { "Username for " (t.serial) }
                                                input id=(field) name="username" type="text" autocomplete="off" required;
                                            }
                                            button type="submit" { "Assign" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::signed_in(
        &session,
        "Hardware tokens",
        Section::Tokens,
        body,
    ))
}

/// The upload's fields; the file, key and password are wiped when dropped.
#[derive(Default)]
struct Upload {
    csrf: String,
    file: Zeroizing<Vec<u8>>,
    key: Zeroizing<String>,
    password: Zeroizing<String>,
}

async fn read(mut multipart: Multipart) -> Option<Upload> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = Zeroizing::new(field.bytes().await.ok()?.to_vec());
        let text = || String::from_utf8(bytes.to_vec()).ok();
        match name.as_str() {
            "csrf" => upload.csrf = text()?,
            "key" => upload.key = Zeroizing::new(text()?),
            "password" => upload.password = Zeroizing::new(text()?),
            "file" => upload.file = bytes,
            _ => {}
        }
    }
    Some(upload)
}

fn some(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(client): ClientAddr,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> WebResult<Response> {
    let origin_ok = super::session::same_origin(&headers);
    let upload = read(multipart).await;
    let token_ok = upload
        .as_ref()
        .is_some_and(|u| bool::from(u.csrf.as_bytes().ct_eq(session.csrf.as_bytes())));
    let Some(upload) = upload.filter(|_| token_ok && origin_ok) else {
        let why = if !origin_ok {
            "the form came from another site (Origin / Sec-Fetch-Site)"
        } else {
            "the form's CSRF token is missing or wrong"
        };
        super::session::refuse(&state, &session, client, why).await?;
        return Err(WebError::Forbidden);
    };
    let Ok(content) = String::from_utf8(upload.file.to_vec()) else {
        let why = Error::invalid("file", "is not a text file (PSKC XML or CSV in UTF-8)");
        let admin = session.as_admin();
        audit::admin_refusal(
            &state,
            &admin,
            "token_import_refused",
            &why.to_string(),
            Event::target(),
        )
        .await?;
        return Ok(refused(&session, why));
    };
    let request = TokenImport {
        content,
        format: None,
        key: some(&upload.key),
        password: some(&upload.password),
    };
    match store_import::import(&state, &session.as_admin(), request).await {
        Ok(report) => {
            let body = report_page(&report);
            Ok(layout::signed_in(
                &session,
                "Token import",
                Section::Tokens,
                body,
            ))
        }
        Err(e) => Ok(refused(&session, e)),
    }
}

fn report_page(report: &TokenImportReport) -> Markup {
    let summary = if report.refused > 0 {
        format!(
            "Nothing imported: {} row(s) refused. Fix them and upload the whole file again.",
            report.refused
        )
    } else {
        format!(
            "{} token(s) imported, {} skipped.",
            report.imported, report.skipped
        )
    };
    html! {
        p role="status" id="import-summary" class=[(report.refused > 0).then_some("error")] { (summary) }
        p class="muted" { "Format: " (report.format) }
        div class="table-wrap" tabindex="0" role="region" aria-label="Rows of the file" {
            table id="import-report" {
                thead { tr { th scope="col" { "Row" } th scope="col" { "Serial" } th scope="col" { "Result" } th scope="col" { "Reason" } } }
                tbody {
                    @for row in &report.rows {
                        tr {
                            td { (row.row) }
                            td { (row.serial.as_deref().unwrap_or("")) }
                            td { (row.status) }
                            td { (row.reason.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
        p { a href="/admin/tokens" { "Back to the tokens" } }
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    username: String,
}

pub async fn assign(
    State(state): State<AppState>,
    Path(serial): Path<String>,
    posted: Posted<AssignForm>,
) -> WebResult<Response> {
    let admin = posted.session.as_admin();
    let username = posted.form.username.trim();
    match manage::assign(&state, &admin, &serial, username).await {
        Ok(_) => Ok(Redirect::to("/admin/tokens?done=assigned").into_response()),
        Err(e) => Ok(refused(&posted.session, e)),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn unassign(
    State(state): State<AppState>,
    Path(serial): Path<String>,
    posted: Posted<Empty>,
) -> WebResult<Response> {
    match manage::unassign(&state, &posted.session.as_admin(), &serial).await {
        Ok(_) => Ok(Redirect::to("/admin/tokens?done=unassigned").into_response()),
        Err(e) => Ok(refused(&posted.session, e)),
    }
}
