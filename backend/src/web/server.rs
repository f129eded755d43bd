//! The console's Server page: the health of this node and its database (what `/health`
//! answers, through [`crate::api::ops::check`]), the activation epoch, a directory sync now
//! (the admin API's [`crate::api::admin::sync_now`]), and server reactivation behind a typed
//! confirmation (the API's [`registration::reactivate_server`]), and every node of the
//! cluster from the heartbeats they record ([`crate::nodes`]), each with when it was last
//! seen and marked stale past [`crate::nodes::STALE_AFTER_SECONDS`].

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
use crate::store::nodes::Node;

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
    // The page still shows this node's health when the database cannot list the others.
    let nodes = crate::nodes::all(state).await;
    if let Err(e) = &nodes {
        tracing::warn!(error = %e, "the Server page cannot list the nodes");
    }
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
        p class="muted" { "The same as " code { "GET /health" } " on this node." }
        (nodes_table(state, &nodes))
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

/// Every node with its heartbeat's age, this one marked; or why they cannot be listed.
fn nodes_table(state: &AppState, nodes: &Result<Vec<Node>, Error>) -> Markup {
    let now = state.now();
    html! {
        h2 { "Nodes" }
        @match nodes {
            Err(_) => {
                p class="error" role="alert" id="nodes-error" { "The nodes cannot be listed: the database did not answer (see this node's log)." }
            }
            Ok(list) if list.is_empty() => {
                p id="no-nodes" { "No node has recorded a heartbeat yet." }
            }
            Ok(list) => {
                p class="muted" { "Each node records a heartbeat every " (crate::nodes::HEARTBEAT_SECONDS) " s; one not seen for more than " (crate::nodes::STALE_AFTER_SECONDS) " s is stale (stopped, hung, or cut off from the database)." }
                div class="table-wrap" tabindex="0" role="region" aria-label="Nodes" {
                    table id="nodes" {
                        caption { "Nodes of this cluster" }
                        thead { tr {
                            th scope="col" { "Node" }
                            th scope="col" { "Address" }
                            th scope="col" { "Version" }
                            th scope="col" { "Started" }
                            th scope="col" { "Last seen" }
                            th scope="col" { "State" }
                        } }
                        tbody {
                            @for n in list {
                                @let (ago, stale) = crate::nodes::age(n, now);
                                tr id={"node-" (n.id)} {
                                    td { (n.id) @if *n.id == *state.server_name { " (this node)" } }
                                    td { (n.address) }
                                    td { (n.version) }
                                    td { (crate::cli::time::format(i64::try_from(n.started_at).unwrap_or(i64::MAX))) }
                                    td class="last-seen" { (ago) " s ago" }
                                    td class="node-state" {
                                        @if stale { strong class="error" { "stale" } } @else { "live" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
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
