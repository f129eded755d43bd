//! The console's Applications page: the relying parties, add one (its secret shown in the
//! answer to that POST only, `no-store`, never kept), delete one with a typed confirmation.
//! Through [`crate::auth::applications`], the functions the admin API calls, so the checks
//! and audit records (`application_added`, `application_deleted`) are the API's.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde::Deserialize;

use super::error::{WebError, WebResult};
use super::layout::{self, csrf_field, encode, Section};
use super::session::{Posted, Session};
use crate::auth::applications::{self, NewApplication};
use crate::auth::audit::{self, Event};
use crate::cli::time::format as when;
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications as store_apps;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/applications", get(page).post(add))
        .route("/admin/applications/{id}/delete", post(delete))
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<layout::DoneQuery>,
) -> WebResult<Response> {
    let apps = store_apps::list(state.store.pool()).await?;
    let notice = match query.done.as_deref() {
        Some("deleted") => Some("Application deleted: its credentials no longer work."),
        _ => None,
    };
    let csrf = &session.csrf;
    let body = html! {
        @if let Some(text) = notice { (layout::notice(text)) }
        h2 { "Add an application" }
        form method="post" action="/admin/applications" class="row" {
            (csrf_field(csrf))
            div {
                label for="name" { "Name" }
                input id="name" name="name" type="text" maxlength="128" autocomplete="off" required;
            }
            button type="submit" { "Add" }
        }
        h2 { "Applications" }
        @if apps.is_empty() {
            p { "No applications yet." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Applications" {
                table {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Id" } th scope="col" { "Added" } th scope="col" { "Delete" } } }
                    tbody {
                        @for app in &apps {
                            @let field = format!("confirm-{}", app.id);
                            tr {
                                td { (app.name) }
                                td { code { (app.id) } }
                                td { (when(crate::store::columns::to_db(app.created_at))) }
                                td {
                                    form method="post" action={"/admin/applications/" (encode(&app.id)) "/delete"} class="row" {
                                        (csrf_field(csrf))
                                        div {
                                            label for=(field) { "Type " (app.name) " to delete it" }
                                            input id=(field) name="confirm" type="text" autocomplete="off" required;
                                        }
                                        button type="submit" class="danger" { "Delete" }
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
        "Applications",
        Section::Applications,
        body,
    ))
}

#[derive(Deserialize)]
pub struct AddForm {
    name: String,
}

/// The new application's credentials, in the answer to this POST only (no redirect to a page
/// that could show them again; the page is `no-store`).
pub async fn add(State(state): State<AppState>, posted: Posted<AddForm>) -> WebResult<Response> {
    let session = &posted.session;
    let made = applications::create(
        &state,
        &session.as_admin(),
        NewApplication {
            name: posted.form.name.clone(),
        },
    )
    .await?;
    let body = html! {
        p { "Application " strong { (made.name) } " added. Put these in its configuration now:" }
        dl class="details" {
            dt { "Application id" } dd { code id="application-id" { (made.id) } }
            dt { "Secret" } dd { p class="secret" id="application-secret" { (made.secret) } }
        }
        p class="muted" { "This page is shown once: reloading it will not show the secret again, and the server keeps only its hash." }
        p { a href="/admin/applications" { "Back to the applications" } }
    };
    Ok(layout::signed_in(
        session,
        "Application added",
        Section::Applications,
        body,
    ))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    confirm: String,
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<DeleteForm>,
) -> WebResult<Response> {
    let admin = posted.session.as_admin();
    let app = store_apps::by_id(state.store.pool(), &id)
        .await?
        .ok_or_else(|| Error::ApplicationNotFound(id.clone()))?;
    if posted.form.confirm.trim() != app.name {
        let why = Error::invalid(
            "confirm",
            format!("type {} exactly to delete this application", app.name),
        );
        let target = Event {
            application: Some(&app.name),
            ..Event::target()
        };
        audit::admin_refusal(
            &state,
            &admin,
            "application_deleted",
            &why.to_string(),
            target,
        )
        .await?;
        return Err(WebError::Domain(why));
    }
    applications::delete(&state, &admin, &app.id).await?;
    Ok(Redirect::to("/admin/applications?done=deleted").into_response())
}
