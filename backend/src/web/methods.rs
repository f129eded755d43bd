//! The console's Methods page: each sign-in method's state, and enable/disable for everyone,
//! through [`crate::auth::methods`] (the admin API's `PUT /v1/admin/methods/{method}`), so
//! the change and its audit record (`method_enabled` / `method_disabled`, a name that is no
//! method audited as refused) are the API's.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use serde::Deserialize;
use twofold_core::proto::Factor;

use super::error::WebResult;
use super::layout::{self, csrf_field, encode, Section};
use super::session::{Posted, Session};
use crate::auth::methods;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/methods", get(page))
        .route("/admin/methods/{method}", post(set))
}

/// What each method is, in the words an admin reads.
fn describe(method: Factor) -> &'static str {
    match method {
        Factor::Push => "Push to the Twofold app, with number matching",
        Factor::Passcode => "A code from the app, a hardware token, text or voice",
        Factor::AppPassword => "App passwords, for clients that cannot ask for a second factor",
        Factor::Bypass => "One-time bypass codes an admin issues",
        Factor::Recovery => "Recovery codes the user keeps",
        Factor::Sms => "A code sent by text message",
        Factor::Voice => "A code read out in a phone call",
        Factor::Auto => "The user's default method",
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<layout::DoneQuery>,
) -> WebResult<Response> {
    let all = methods::list(&state).await?;
    // Only a fixed text is shown, never the query's own words.
    let notice = match query.done.as_deref() {
        Some("enabled") => Some("Method enabled for everyone."),
        Some("disabled") => Some("Method disabled for everyone: sign-ins with it are refused."),
        _ => None,
    };
    let body = html! {
        @if let Some(text) = notice { (layout::notice(text)) }
        p { "A disabled method is refused for every user and application; users whose only way in it was are asked to register another." }
        div class="table-wrap" tabindex="0" role="region" aria-label="Methods" {
            table {
                thead { tr { th scope="col" { "Method" } th scope="col" { "What it is" } th scope="col" { "State" } th scope="col" { "Change" } } }
                tbody {
                    @for m in &all {
                        tr {
                            td { code { (m.method.as_str()) } }
                            td { (describe(m.method)) }
                            td id={"state-" (m.method.as_str())} { @if m.enabled { "Enabled" } @else { "Disabled" } }
                            td {
                                form method="post" action={"/admin/methods/" (encode(m.method.as_str()))} {
                                    (csrf_field(&session.csrf))
                                    input type="hidden" name="enabled" value=(if m.enabled { "false" } else { "true" });
                                    button type="submit" class=[m.enabled.then_some("danger")]
                                        aria-label={(if m.enabled { "Disable " } else { "Enable " }) (m.method.as_str())} {
                                        @if m.enabled { "Disable" } @else { "Enable" }
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
        "Methods",
        Section::Methods,
        body,
    ))
}

#[derive(Deserialize)]
pub struct SetForm {
    enabled: String,
}

pub async fn set(
    State(state): State<AppState>,
    Path(method): Path<String>,
    posted: Posted<SetForm>,
) -> WebResult<Response> {
    let enabled = match posted.form.enabled.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(crate::error::Error::invalid("enabled", "must be true or false").into()),
    };
    methods::set(&state, &posted.session.as_admin(), &method, enabled).await?;
    let done = if enabled { "enabled" } else { "disabled" };
    Ok(Redirect::to(&format!("/admin/methods?done={done}")).into_response())
}
