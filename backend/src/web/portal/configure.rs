//! **Configure**: a new activation for the signed-in user, made by the admin API's function
//! ([`crate::auth::activation::create`], audited with admin id [`super::devices::ACTOR`]).
//! Its QR code and code are only in the answer to the POST (the page is `no-store`; a reload
//! asks again), with a live status: `live.js` asks `GET /portal/status` until the app
//! redeemed it; without JavaScript, "Check again" (`GET /portal/configure/check`) does.
//!
//! "Redeemed" is judged from the devices, not the activation: a device of the user, active on
//! the current epoch, activated at or after the moment the page was made.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::html;
use serde::{Deserialize, Serialize};

use super::devices::{active, actor};
use super::error::PortalResult;
use super::home::Nothing;
use super::layout::{self, SignedIn};
use super::session::{Posted, Session};
use crate::error::Error;
use crate::state::AppState;
use crate::store::users::User;
use crate::web::assets;

#[derive(Deserialize)]
pub struct Since {
    #[serde(default)]
    since: u64,
}

/// What `GET /portal/status` answers.
#[derive(Serialize)]
pub struct Status {
    pub activated: bool,
    /// The name of the device that redeemed it.
    pub device: Option<String>,
}

async fn status_of(state: &AppState, user: &User, since: u64) -> Result<Status, Error> {
    let epoch = state.epoch().await;
    let device = active(state, &user.id)
        .await?
        .into_iter()
        .filter(|d| d.epoch == epoch && d.created_at >= since)
        .max_by_key(|d| d.created_at);
    Ok(Status {
        activated: device.is_some(),
        device: device.map(|d| d.name),
    })
}

fn check_link(since: u64) -> String {
    format!("/portal/configure/check?since={since}")
}

/// `POST /portal/configure`.
pub async fn create(
    State(state): State<AppState>,
    posted: Posted<Session, Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let since = state.now();
    let issued = crate::auth::activation::create(&state, &actor(), &session.user).await?;
    let body = html! {
        p { "In the Twofold app, choose " strong { "Add account" } ", then scan this QR code, or type the code below with this server's address." }
        img src={"data:image/png;base64," (issued.qr_png_base64)} width="256" height="256"
            alt="QR code of your activation";
        p { "Activation code:" }
        p class="secret" id="activation-code" { (issued.code) }
        p { "Server: " span id="activation-server" { (issued.server_url) } }
        p { "The code works once, until " (super::devices::when(u64::try_from(issued.expires_at).unwrap_or(0))) ". It is shown only on this page." }
        p id="activation-status" role="status" data-since=(since) { "Waiting for your app…" }
        p { a href=(check_link(since)) id="check-again" { "Check again" } }
        p { a href=(super::HOME) { "Back to Security verification" } }
        script src=(assets::PORTAL_SCRIPT_PATH) defer {}
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    Ok(layout::page("Configure your app", Some(who), body).into_response())
}

/// `GET /portal/status?since=T`: JSON for `live.js`.
pub async fn status(
    State(state): State<AppState>,
    Session(session): Session,
    Query(q): Query<Since>,
) -> PortalResult<Json<Status>> {
    Ok(Json(status_of(&state, &session.user, q.since).await?))
}

/// `GET /portal/configure/check?since=T`: the same answer as a page, for no JavaScript.
pub async fn check(
    State(state): State<AppState>,
    Session(session): Session,
    Query(q): Query<Since>,
) -> PortalResult<Response> {
    let status = status_of(&state, &session.user, q.since).await?;
    let body = html! {
        @if status.activated {
            p id="activation-status" class="notice" role="status" {
                "Activated" @if let Some(d) = &status.device { ": " (d) }
            }
        } @else {
            p id="activation-status" role="status" { "Not activated yet. Finish in the app, then check again." }
            p { a href=(check_link(q.since)) id="check-again" { "Check again" } }
        }
        p { a href=(super::HOME) { "Back to Security verification" } }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    Ok(layout::page("Configure your app", Some(who), body).into_response())
}
