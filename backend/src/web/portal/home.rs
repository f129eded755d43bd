//! `/portal/`: the *Security verification* page of the signed-in user (devices with Remove,
//! Configure, the reactivation guide), and sign-out.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::devices;
use super::error::PortalResult;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted, Session};
use crate::auth::audit::{self, Event};
use crate::state::AppState;
use crate::store::audit as store_audit;
use crate::web::layout::csrf_field;

/// `GET /portal/`: the devices, Configure, and the reactivation guide.
pub async fn show(
    State(state): State<AppState>,
    Session(session): Session,
) -> PortalResult<Response> {
    let list = devices::active(&state, &session.user.id).await?;
    let epoch = state.epoch().await;
    let body = html! {
        p { "Here you manage how you prove it is you when you sign in." }
        h2 { "Devices" }
        (devices::table(&list, epoch, &session.csrf))
        form method="post" action="/portal/configure" {
            (csrf_field(&session.csrf))
            button type="submit" id="configure" { "Configure" }
        }
        @if list.iter().any(|d| !d.is_stale(epoch)) {
            (super::test_push::form(&session.csrf))
        }
        h2 { "Sign-in settings" }
        p id="default-method" { "Default method: " (super::settings::label(session.user.default_method)) }
        p { a href=(super::settings::PATH) id="settings-link" { "Change your default method and phone number" } }
        h2 { "App passwords and recovery codes" }
        p { a href="/portal/codes" id="codes-link" { "Manage app passwords and recovery codes" } }
        p { "Your app says " q { "Authentication request is not for an activated account" } "? "
            a href="/portal/reactivate" id="reactivate-guide" { "Fix it step by step" } }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    Ok(layout::page("Security verification", Some(who), body).into_response())
}

#[derive(Deserialize)]
pub struct Nothing {}

/// `POST /portal/signout` (also from the verification page: a user may leave before it).
pub async fn signout(
    State(state): State<AppState>,
    posted: Posted<AnySession, Nothing>,
) -> PortalResult<Response> {
    let session = posted.session;
    let user = session.user.clone();
    let cookie = session.end(&state).await?;
    let record = audit::record(
        &state,
        &Event {
            user: Some(&user),
            ..Event::new("portal_signout", "success")
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(super::SIGNED_OUT),
    )
        .into_response())
}

/// `GET /portal/signed-out`: where an ended session leads. With a directory, the way back is
/// its password; without one, only a new link from an administrator.
pub async fn signed_out(State(state): State<AppState>) -> Response {
    let body = html! {
        p role="status" { "You are signed out." }
        @if state.directory.is_some() {
            p {
                a href=(super::signin::PATH) id="sign-in-again" { "Sign in again" }
                " with your directory username and password, or open a new sign-in link from your administrator."
            }
        } @else {
            p { "To sign in again, open a new sign-in link from your administrator." }
        }
    };
    layout::page("Signed out", None, body).into_response()
}
