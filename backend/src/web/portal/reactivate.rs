//! The guided fix for the app's "Authentication request is not for an activated account":
//! the server was reactivated (or the account reset) since the app's account was made, so
//! that account can never sign in again. The user removes it from the app, then makes a new
//! one with Configure.

use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::{self, SignedIn};
use super::session::Session;
use crate::web::layout::csrf_field;

/// `GET /portal/reactivate`.
pub async fn show(Session(session): Session) -> Response {
    let body = html! {
        p { "Your app says " q { "Authentication request is not for an activated account" } " when its account for this server no longer works: the server was reactivated, or your account was reset. Make a new one:" }
        ol class="steps" {
            li { "In the Twofold app, open the account for this server, choose " strong { "Remove" } " and confirm. (The old account cannot be repaired.)" }
            li { "Press " strong { "Configure" } " below. A QR code and a code appear." }
            li { "In the app, choose " strong { "Add account" } " and scan the QR code, or type the code." }
            li { "Wait until this site says " strong { "Activated" } ". Sign in as before." }
        }
        form method="post" action="/portal/configure" {
            (csrf_field(&session.csrf))
            button type="submit" id="configure" { "Configure" }
        }
        p { a href=(super::HOME) { "Back to Security verification" } }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    layout::page("Fix: not an activated account", Some(who), body).into_response()
}
