//! Push as the portal's second factor: a challenge started through the same code path as
//! `/v1/auth` with `factor: push` ([`crate::signin::push::start`]: number matching, the
//! per-user push caps, delivery on the device channel, expiry, one audit record per answer),
//! for the application [`super::verify::APPLICATION`]. The page shows the number to pick on
//! the phone and a live status: `live.js` (script-src 'self') asks
//! `GET /portal/verify/push/status` every two seconds; without JavaScript "Check again"
//! (`GET /portal/verify/push/check`) does the same as a page.
//!
//! The challenge belongs to the session that started it: its pages and status carry the
//! transaction id with a tag, the server's keyed hash of the id and the session's CSRF token
//! (itself an HMAC of the session cookie). Another session, even of the same user, cannot
//! make the tag, so it can neither read the challenge's state nor be verified by its
//! approval; a tag that does not match is answered as an unknown challenge (compared in
//! constant time).

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::html;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, ErrorBody, ErrorDetail, Reason};

use super::error::PortalResult;
use super::home::Nothing;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted};
use super::verify::{self, APPLICATION};
use crate::api::client_addr::ClientAddr;
use crate::auth::audit::{self, Event};
use crate::error::Error;
use crate::signin::options::Options;
use crate::state::AppState;
use crate::store::applications::Application;
use crate::store::audit as store_audit;
use crate::web::assets;

pub const START: &str = "/portal/verify/push";
pub const STATUS: &str = "/portal/verify/push/status";
pub const CHECK: &str = "/portal/verify/push/check";
/// The stable code of a challenge this session does not own (or that does not exist).
pub const NOT_FOUND: &str = "portal.push_not_found";
/// Longest transaction id or tag accepted (ours are much shorter).
const MAX_FIELD: usize = 128;

/// The relying party the portal's pushes are for (not an `applications` row: the portal is
/// part of the server, as a RADIUS client is).
fn application() -> Application {
    Application {
        id: format!("portal:{APPLICATION}"),
        name: APPLICATION.to_owned(),
        secret_hash: String::new(),
        created_at: 0,
    }
}

/// Which challenge, and the tag that says it is this session's.
#[derive(Deserialize)]
pub struct Ticket {
    #[serde(default)]
    txid: String,
    #[serde(default)]
    tag: String,
}

fn tag_of(state: &AppState, session: &AnySession, txid: &str) -> String {
    state
        .master_key
        .lookup_hash(&format!("portal_push:{}:{txid}", session.csrf))
}

impl Ticket {
    fn new(state: &AppState, session: &AnySession, txid: &str) -> Self {
        Self {
            txid: txid.to_owned(),
            tag: tag_of(state, session, txid),
        }
    }

    /// True when this session started the challenge.
    fn owned_by(&self, state: &AppState, session: &AnySession) -> bool {
        if self.txid.is_empty() || self.txid.len() > MAX_FIELD || self.tag.len() > MAX_FIELD {
            return false;
        }
        let expected = tag_of(state, session, &self.txid);
        expected.as_bytes().ct_eq(self.tag.as_bytes()).into()
    }

    fn query(&self) -> String {
        format!(
            "txid={}&tag={}",
            crate::web::layout::encode(&self.txid),
            crate::web::layout::encode(&self.tag)
        )
    }
}

/// What `GET /portal/verify/push/status` answers.
#[derive(Serialize)]
pub struct Status {
    /// `pending`, `approved`, or `refused` (denied, wrong number, expired, cancelled).
    pub state: &'static str,
    /// The `/v1/auth` reason (`pending`, `approved`, `denied`, `expired`, ...).
    pub reason: Reason,
}

/// What the user reads when a push did not verify them.
fn refusal_text(reason: Reason) -> &'static str {
    match reason {
        Reason::Denied => "The request was denied on your phone. Send another one, or type a code.",
        Reason::WrongNumber => "The number picked on your phone was not the one this page showed. Send another request, or type a code.",
        Reason::FraudReported => "You reported the request as not yours. If your account is blocked now, ask your administrator.",
        Reason::Expired => "The request expired before it was answered. Send another one, or type a code.",
        Reason::PushLimit | Reason::PushDailyLimit => "Too many requests were sent to your phone lately. Wait a while, or type a code.",
        Reason::UserBlocked => "Your account is blocked. Ask your administrator.",
        _ => "The request was not approved. Send another one, or type a code.",
    }
}

/// The challenge's state for this session; an approval verifies the session. None (audited
/// as `push_not_found`) for a challenge this session did not start.
async fn settle(
    state: &AppState,
    session: &AnySession,
    ticket: &Ticket,
    client: Option<std::net::IpAddr>,
) -> PortalResult<Option<AuthResponse>> {
    let polled = if ticket.owned_by(state, session) {
        crate::signin::push::poll(state, &application(), &ticket.txid, 0).await
    } else {
        Err(Error::ChallengeNotFound)
    };
    let answer = match polled {
        Ok(answer) => answer,
        Err(Error::ChallengeNotFound) => {
            refused(state, session, "push_not_found", client).await?;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    if answer.result == AuthResult::Allow && !session.verified {
        session.verify(state).await?;
    }
    Ok(Some(answer))
}

/// Audits a push the portal refused (event `portal`, result `failure`, the user).
async fn refused(
    state: &AppState,
    session: &AnySession,
    reason: &str,
    client: Option<std::net::IpAddr>,
) -> Result<(), Error> {
    let client = client.map(|ip| ip.to_string());
    let record = audit::record(
        state,
        &Event {
            user: Some(&session.user),
            factor: Some("push"),
            reason: Some(reason),
            client_ip: client.as_deref(),
            application: Some(APPLICATION),
            ..Event::new("portal", "failure")
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await
}

/// The page that waits for the phone.
fn waiting(
    session: &AnySession,
    ticket: &Ticket,
    number: Option<&str>,
) -> axum::response::Html<String> {
    let query = ticket.query();
    let check = format!("{CHECK}?{query}");
    let status = format!("{STATUS}?{query}");
    let body = html! {
        @if let Some(number) = number {
            p { "On your phone, open the Twofold app and pick this number:" }
            p class="secret" id="push-number" aria-label={"The number to pick: " (number)} { (number) }
        } @else {
            p { "On your phone, open the Twofold app and approve the request." }
        }
        p id="push-status" role="status" data-status=(status) data-check=(check) { "Waiting for your answer…" }
        p { a href=(check) id="check-again" { "Check again" } }
        p { a href=(super::VERIFY) id="use-code" { "Use a code instead" } }
        script src=(assets::PORTAL_SCRIPT_PATH) defer {}
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    layout::page("Approve on your phone", Some(who), body)
}

/// `POST /portal/verify/push`: sends the push and shows the number.
pub async fn start(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    posted: Posted<AnySession, Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session;
    if session.verified {
        return Ok(Redirect::to(super::HOME).into_response());
    }
    let options = Options::gather(&state, &session.user.username).await?;
    if options.user.blocked {
        refused(&state, session, "user_blocked", client).await?;
        let text = refusal_text(Reason::UserBlocked);
        return verify::answer(&state, session, StatusCode::FORBIDDEN, Some(text)).await;
    }
    if !verify::push_offered(&options) {
        refused(&state, session, "push_unavailable", client).await?;
        let text = "No phone of yours can receive a request now. Type a code instead.";
        return verify::answer(&state, session, StatusCode::CONFLICT, Some(text)).await;
    }
    let context = AuthContext {
        application: Some(APPLICATION.to_owned()),
        client_ip: client.map(|ip| ip.to_string()),
        ..AuthContext::default()
    };
    let started =
        crate::signin::push::start(&state, &application(), &options.user, &context, true).await?;
    let (AuthResult::Waiting, Some(txid)) = (started.result, started.txid.as_deref()) else {
        let text = refusal_text(started.reason);
        return verify::answer(&state, session, StatusCode::TOO_MANY_REQUESTS, Some(text)).await;
    };
    let ticket = Ticket::new(&state, session, txid);
    Ok(waiting(session, &ticket, started.number.as_deref()).into_response())
}

/// `GET /portal/verify/push/status?txid=..&tag=..`: JSON for `live.js`; 404 with
/// [`NOT_FOUND`] for a challenge this session did not start.
pub async fn status(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: AnySession,
    Query(ticket): Query<Ticket>,
) -> PortalResult<Response> {
    let Some(answer) = settle(&state, &session, &ticket, client).await? else {
        let body = ErrorBody {
            error: ErrorDetail {
                code: NOT_FOUND.to_owned(),
                message: "no push request of this session has this id".to_owned(),
            },
        };
        return Ok((StatusCode::NOT_FOUND, Json(body)).into_response());
    };
    let state = match answer.result {
        AuthResult::Allow => "approved",
        AuthResult::Waiting => "pending",
        _ => "refused",
    };
    let status = Status {
        state,
        reason: answer.reason,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(status)).into_response())
}

/// `GET /portal/verify/push/check?txid=..&tag=..`: approved -> the Security verification
/// page; still waiting -> the waiting page again; refused -> the verification page saying
/// why, with another push and the code form.
pub async fn check(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: AnySession,
    Query(ticket): Query<Ticket>,
) -> PortalResult<Response> {
    let Some(answer) = settle(&state, &session, &ticket, client).await? else {
        let text = "This request is not one this page sent, or it is gone. Send a new one, or type a code.";
        return verify::answer(&state, &session, StatusCode::NOT_FOUND, Some(text)).await;
    };
    match answer.result {
        AuthResult::Allow => Ok(Redirect::to(super::HOME).into_response()),
        AuthResult::Waiting => {
            Ok(waiting(&session, &ticket, answer.number.as_deref()).into_response())
        }
        _ => {
            let text = refusal_text(answer.reason);
            verify::answer(&state, &session, StatusCode::OK, Some(text)).await
        }
    }
}
