//! `/portal/codes`: the user's app passwords (create with a name, delete one, delete all) and
//! recovery codes (a new set), through the admin API's functions
//! ([`crate::signin::app_password`], [`crate::signin::recovery`]; audited with admin id
//! [`super::devices::ACTOR`]). A new secret is only in the answer to the POST that made it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::devices::{actor, when};
use super::error::PortalResult;
use super::home::Nothing;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted, Session};
use crate::error::{ApiError, Error};
use crate::signin::{app_password, recovery};
use crate::state::AppState;
use crate::store::app_passwords;
use crate::web::layout::{csrf_field, encode, notice};

pub const PATH: &str = "/portal/codes";

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// The page, with `top` (a new secret, a notice or an error) above the lists.
async fn page(
    state: &AppState,
    session: &AnySession,
    status: StatusCode,
    top: Markup,
) -> PortalResult<Response> {
    let list = app_passwords::for_user(state.store.pool(), &session.user.id).await?;
    let csrf = &session.csrf;
    let enabled = state.config.app_passwords.enabled;
    let body = html! {
        (top)
        h2 { "App passwords" }
        p { "For a mail or calendar app that cannot ask for your second factor: it signs in with an app password instead. Make one per app, and delete it when you stop using the app." }
        @if list.is_empty() {
            p id="no-app-passwords" { "You have no app password." }
        } @else {
            div class="table-wrap" {
                table id="app-passwords" {
                    caption { "Your app passwords" }
                    thead { tr {
                        th scope="col" { "Name" }
                        th scope="col" { "Created" }
                        th scope="col" { "Last used" }
                        th scope="col" { "Delete" }
                    } }
                    tbody {
                        @for p in &list {
                            tr {
                                td { (p.name) }
                                td { (when(p.created_at)) }
                                td { (p.last_used_at.map(when).unwrap_or_else(|| "never".to_owned())) }
                                td {
                                    form method="post" action={(PATH) "/app-passwords/" (encode(&p.name)) "/delete"} {
                                        (csrf_field(csrf))
                                        button type="submit" aria-label={"Delete " (p.name)} { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action={(PATH) "/app-passwords/delete-all"} {
                (csrf_field(csrf))
                button type="submit" id="delete-all" { "Delete all app passwords" }
            }
        }
        @if enabled {
            form method="post" action={(PATH) "/app-passwords"} class="stack" {
                (csrf_field(csrf))
                label for="app-password-name" { "Name of the app (for example: Mail on my laptop)" }
                input id="app-password-name" name="name" type="text" maxlength="64" required autocomplete="off";
                button type="submit" id="create-app-password" { "Create app password" }
            }
        } @else {
            p { "App passwords are turned off on this server." }
        }
        h2 { "Recovery codes" }
        p { "Ten codes that each sign you in once when you do not have your phone. Keep them somewhere safe. Making a new set stops the old one." }
        form method="post" action={(PATH) "/recovery"} {
            (csrf_field(csrf))
            button type="submit" id="new-recovery-codes" { "Make new recovery codes" }
        }
        p { a href=(super::HOME) { "Back to Security verification" } }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf,
    };
    Ok((
        status,
        layout::page("App passwords and recovery codes", Some(who), body),
    )
        .into_response())
}

/// A refusal the user can act on (a taken or bad name, app passwords off) as a message on
/// the page; anything else as the usual error page.
async fn refused(state: &AppState, session: &AnySession, e: Error) -> PortalResult<Response> {
    match e {
        Error::AppPasswordExists { .. }
        | Error::AppPasswordNotFound { .. }
        | Error::AppPasswordsDisabled
        | Error::InvalidField { .. } => {
            let api = ApiError::from(e);
            let top = html! { p class="error" role="alert" id="codes-error" { (api.message) } };
            page(state, session, api.status, top).await
        }
        e => Err(e.into()),
    }
}

/// `GET /portal/codes`.
pub async fn show(
    State(state): State<AppState>,
    Session(session): Session,
) -> PortalResult<Response> {
    page(&state, &session, StatusCode::OK, html! {}).await
}

/// `POST /portal/codes/app-passwords`: the new password, shown only in this answer.
pub async fn create(
    State(state): State<AppState>,
    posted: Posted<Session, NameForm>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    match app_password::create(&state, &actor(), &session.user, &posted.form.name).await {
        Ok(issued) => {
            let top = html! {
                (notice(&format!("App password {:?} created. Type it in the app now: it is shown only on this page.", issued.name)))
                p class="secret" id="app-password" { (issued.password) }
            };
            page(&state, session, StatusCode::OK, top).await
        }
        Err(e) => refused(&state, session, e).await,
    }
}

/// `POST /portal/codes/app-passwords/{name}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
    posted: Posted<Session, Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    match app_password::delete(&state, &actor(), &session.user, &name).await {
        Ok(()) => {
            let top = notice(&format!("App password {name:?} deleted."));
            page(&state, session, StatusCode::OK, top).await
        }
        Err(e) => refused(&state, session, e).await,
    }
}

/// `POST /portal/codes/app-passwords/delete-all`.
pub async fn delete_all(
    State(state): State<AppState>,
    posted: Posted<Session, Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let deleted = app_password::delete_all(&state, &actor(), &session.user).await?;
    let top = notice(&format!("{deleted} app passwords deleted."));
    page(&state, session, StatusCode::OK, top).await
}

/// `POST /portal/codes/recovery`: a new set, shown only in this answer.
pub async fn new_recovery(
    State(state): State<AppState>,
    posted: Posted<Session, Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let issued = recovery::issue(&state, &actor(), &session.user).await?;
    let top = html! {
        (notice("New recovery codes: write them down or print this page now. They are shown only on this page, and your earlier codes no longer work."))
        ol id="recovery-codes" class="secret" {
            @for code in &issued.codes { li { (code) } }
        }
    };
    page(&state, session, StatusCode::OK, top).await
}
