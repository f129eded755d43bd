//! **Send a test push** (issue 16): a user with an activated device checks that pushes
//! reach it. The push goes through `/v1/auth`'s own path ([`crate::signin::auth`] with
//! `factor: push`, `async: true`: the same decision, caps, number matching, delivery and
//! audit), for the relying party [`APPLICATION`], which exists only here (no relying party
//! can poll its challenges). The page shows the number to match and the result live:
//! `live.js` asks `GET /portal/test-push/status?txid=...` until it is approved, denied
//! or expired; without JavaScript, "Check again" (`GET /portal/test-push/check`) does.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use twofold_core::proto::{AuthContext, AuthRequest, AuthResponse, AuthResult, Factor, Reason};

use super::error::PortalResult;
use super::home::Nothing;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted, Session};
use crate::api::client_addr::ClientAddr;
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::Application;
use crate::store::challenges;
use crate::web::assets;
use crate::web::error::WebError;
use crate::web::layout::csrf_field;

pub const PATH: &str = "/portal/test-push";
pub const STATUS_PATH: &str = "/portal/test-push/status";
pub const CHECK_PATH: &str = "/portal/test-push/check";

/// The application name (and id) of test pushes, in the challenge and its audit records.
pub const APPLICATION: &str = "portal-test";

/// The relying party of test pushes: never stored, holds no credential.
fn application() -> Application {
    Application {
        id: APPLICATION.to_owned(),
        name: APPLICATION.to_owned(),
        secret_hash: String::new(),
        created_at: 0,
    }
}

/// Where a test push is, for the page and `live.js`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PushState {
    Pending,
    Approved,
    Denied,
    Expired,
}

impl PushState {
    fn of(answer: &AuthResponse) -> Self {
        match (answer.result, answer.reason) {
            (AuthResult::Waiting, _) => PushState::Pending,
            (AuthResult::Allow, _) => PushState::Approved,
            (AuthResult::Timeout, _) | (_, Reason::Expired) => PushState::Expired,
            _ => PushState::Denied,
        }
    }

    /// What the page says.
    pub fn text(self) -> &'static str {
        match self {
            PushState::Pending => "Waiting for your answer in the app…",
            PushState::Approved => "Approved: pushes reach your app.",
            PushState::Denied => "Denied in the app.",
            PushState::Expired => "Expired: the app did not answer in time.",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Status {
    pub state: PushState,
    pub text: &'static str,
}

#[derive(Deserialize)]
pub struct Txid {
    #[serde(default)]
    txid: String,
}

fn check_link(txid: &str) -> String {
    format!("{CHECK_PATH}?txid={}", crate::web::layout::encode(txid))
}

/// The form on the Security verification page.
pub fn form(csrf: &str) -> Markup {
    html! {
        form method="post" action=(PATH) {
            (csrf_field(csrf))
            button type="submit" id="test-push" { "Send a test push" }
        }
    }
}

fn page(session: &AnySession, status: StatusCode, body: Markup) -> Response {
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    (status, layout::page("Test push", Some(who), body)).into_response()
}

/// `POST /portal/test-push`.
pub async fn send(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    posted: Posted<Session, Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let request = AuthRequest {
        username: session.user.username.clone(),
        factor: Factor::Push,
        passcode: None,
        context: AuthContext {
            application: Some(APPLICATION.to_owned()),
            client_ip: client.map(|ip| ip.to_string()),
            ..AuthContext::default()
        },
        asynchronous: true,
    };
    let answer = crate::signin::auth(&state, &application(), request).await?;
    let Some(txid) = answer
        .txid
        .clone()
        .filter(|_| answer.result == AuthResult::Waiting)
    else {
        let body = html! {
            p class="error" role="alert" id="test-push-status" { "No push was sent: " (answer.message) }
            p { a href=(super::HOME) { "Back to Security verification" } }
        };
        return Ok(page(session, StatusCode::CONFLICT, body));
    };
    let body = html! {
        p { "A sign-in request is on its way to your app. Open it and answer." }
        @if let Some(number) = &answer.number {
            p { "Your app asks for the number shown here:" }
            p class="secret" id="test-push-number" { (number) }
        }
        p id="test-push-status" role="status" data-txid=(txid) { (PushState::Pending.text()) }
        p { a href=(check_link(&txid)) id="check-again" { "Check again" } }
        p { a href=(super::HOME) { "Back to Security verification" } }
        script src=(assets::PORTAL_SCRIPT_PATH) defer {}
    };
    Ok(page(session, StatusCode::OK, body))
}

/// The state of the user's own test push `txid` (another user's, or a real sign-in's,
/// is not found).
async fn status_of(state: &AppState, session: &AnySession, txid: &str) -> PortalResult<Status> {
    let row = challenges::by_id(state.store.pool(), txid)
        .await?
        .filter(|r| r.user_id == session.user.id && r.application_id == APPLICATION)
        .ok_or_else(|| WebError::NotFound("You have no such test push.".to_owned()))?;
    let answer = match crate::signin::push::poll(state, &application(), &row.id, 0).await {
        Ok(answer) => answer,
        Err(Error::ChallengeNotFound) => {
            return Err(WebError::NotFound("You have no such test push.".to_owned()).into())
        }
        Err(e) => return Err(e.into()),
    };
    let push = PushState::of(&answer);
    Ok(Status {
        state: push,
        text: push.text(),
    })
}

/// `GET /portal/test-push/status?txid=T`: JSON for `live.js`.
pub async fn status(
    State(state): State<AppState>,
    Session(session): Session,
    Query(q): Query<Txid>,
) -> PortalResult<Json<Status>> {
    Ok(Json(status_of(&state, &session, &q.txid).await?))
}

/// `GET /portal/test-push/check?txid=T`: the same answer as a page, for no JavaScript.
pub async fn check(
    State(state): State<AppState>,
    Session(session): Session,
    Query(q): Query<Txid>,
) -> PortalResult<Response> {
    let status = status_of(&state, &session, &q.txid).await?;
    let body = html! {
        @if status.state == PushState::Pending {
            p id="test-push-status" role="status" { (status.text) }
            p { a href=(check_link(&q.txid)) id="check-again" { "Check again" } }
        } @else {
            p id="test-push-status" role="status" class=[(status.state == PushState::Approved).then_some("notice")] { (status.text) }
        }
        p { a href=(super::HOME) { "Back to Security verification" } }
    };
    Ok(page(&session, StatusCode::OK, body))
}
