//! The console's Server page: the health of this node and its database (what `/health`
//! answers, through [`crate::api::ops::check`]), the activation epoch, a directory sync now
//! (the admin API's [`crate::api::admin::sync_now`]), and server reactivation behind a typed
//! confirmation (the API's [`registration::reactivate_server`]). The store keeps no list of
//! cluster nodes, so the page shows the node that answered.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;
use twofold_core::proto::admin::DirectorySyncReport;

use super::error::{WebError, WebResult};
use super::layout::{self, csrf_field, Section};
use super::session::{Posted, Session};
use crate::auth::audit::{self, Event};
use crate::auth::registration;
use crate::error::{ApiError, Error};
use crate::state::AppState;

/// What the admin types to reactivate: a word, so a stray click or Enter cannot do it.
const CONFIRM: &str = "reactivate";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/server", get(page))
        .route("/admin/server/reactivate", post(reactivate))
        .route("/admin/server/directory-sync", post(directory_sync))
}

async fn body(state: &AppState, session: &Session, notice: Option<Markup>) -> Markup {
    let health = crate::api::ops::check(state).await;
    let epoch = state.epoch().await;
    let csrf = &session.csrf;
    html! {
        @if let Some(notice) = notice { (notice) }
        h2 { "Health" }
        dl class="details" id="health" {
            dt { "This node" } dd { (state.public_url) }
            dt { "Status" } dd id="health-status" { (health.status) }
            dt { "Database" } dd id="health-database" { (health.database) }
            dt { "Version" } dd { (health.version) }
            dt { "Activation epoch" } dd id="epoch" { (epoch) }
        }
        p class="muted" { "The same as " code { "GET /health" } " on this node. The store keeps no list of nodes: open this page on each node (or its /health) to see it." }
        h2 { "Directory" }
        @if state.directory.is_some() {
            form method="post" action="/admin/server/directory-sync" {
                (csrf_field(csrf))
                p { "Adds and updates users from the directory now; users gone from it are blocked, never deleted." }
                button type="submit" { "Sync now" }
            }
        } @else {
            p id="directory-not-configured" {
                "No directory is configured. To sync users from LDAP or Active Directory, set "
                code { "[directory] url" } " (and its bind and search keys, see "
                code { "twofold.example.toml" } ") in the server's configuration and restart it."
            }
        }
        h2 { "Reactivate the server" }
        form method="post" action="/admin/server/reactivate" class="stack" {
            (csrf_field(csrf))
            p { "New activation credentials: every device must activate again (hardware tokens keep working). Use it when the server's key may have leaked." }
            label for="confirm" { "Type " code { (CONFIRM) } " to reactivate" }
            input id="confirm" name="confirm" type="text" autocomplete="off" required;
            button type="submit" class="danger" { "Reactivate" }
        }
    }
}

pub async fn page(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let body = body(&state, &session, None).await;
    Ok(layout::signed_in(&session, "Server", Section::Server, body))
}

#[derive(Deserialize)]
pub struct ReactivateForm {
    confirm: String,
}

pub async fn reactivate(
    State(state): State<AppState>,
    posted: Posted<ReactivateForm>,
) -> WebResult<Response> {
    let admin = posted.session.as_admin();
    if posted.form.confirm.trim() != CONFIRM {
        let why = Error::invalid(
            "confirm",
            format!("type {CONFIRM} exactly to reactivate the server"),
        );
        audit::admin_refusal(
            &state,
            &admin,
            "server_reactivated",
            &why.to_string(),
            Event::target(),
        )
        .await?;
        return Err(WebError::Domain(why));
    }
    let done = registration::reactivate_server(&state, &admin).await?;
    let text = format!(
        "Server reactivated: activation epoch {}. Every device must activate again.",
        done.epoch
    );
    let body = body(&state, &posted.session, Some(layout::notice(&text))).await;
    Ok(layout::signed_in(
        &posted.session,
        "Server",
        Section::Server,
        body,
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn directory_sync(
    State(state): State<AppState>,
    posted: Posted<Empty>,
) -> WebResult<Response> {
    let session = &posted.session;
    match crate::api::admin::sync_now(&state, &session.as_admin(), false).await {
        Ok(report) => {
            let body = html! {
                (layout::notice("Directory sync done."))
                (sync_report(&report))
                p { a href="/admin/server" { "Back to the server page" } }
            };
            Ok(layout::signed_in(
                session,
                "Directory sync",
                Section::Server,
                body,
            ))
        }
        Err(e) => Ok(layout::refused(
            session,
            "Directory sync",
            Section::Server,
            ApiError::from(e),
            "/admin/server",
        )),
    }
}

fn names(title: &str, list: &[String]) -> Markup {
    html! {
        h3 { (title) " (" (list.len()) ")" }
        @if !list.is_empty() { ul { @for n in list { li { (n) } } } }
    }
}

fn sync_report(report: &DirectorySyncReport) -> Markup {
    html! {
        p id="sync-summary" { (report.entries) " directory entries; " (report.added.len()) " added, "
            (report.updated.len()) " updated, " (report.disabled.len()) " blocked, "
            (report.enabled.len()) " unblocked, " (report.unchanged) " unchanged, "
            (report.skipped.len()) " skipped." }
        (names("Added", &report.added))
        h3 { "Updated (" (report.updated.len()) ")" }
        @if !report.updated.is_empty() {
            ul { @for u in &report.updated { li { (u.username) ": " (u.fields.join(", ")) } } }
        }
        (names("Blocked (gone from the directory)", &report.disabled))
        (names("Unblocked", &report.enabled))
        h3 { "Skipped (" (report.skipped.len()) ")" }
        @if !report.skipped.is_empty() {
            ul { @for s in &report.skipped { li { (s.dn) ": " (s.reason) } } }
        }
    }
}
