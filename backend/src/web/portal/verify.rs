//! The second factor after a portal sign-in (a link, or the directory password): a link
//! proves the admin sent it to someone, a password that someone knows it, neither that the
//! person holds the user's phone. A user with a factor must pass it before any portal page
//! serves them. Push with number matching comes first when the user has an activated device
//! ([`super::push`]); the code form (the authenticator app's offline code, or a hardware
//! token's) is always there: it goes through the same check as `/v1/auth`
//! ([`crate::signin::passcode::verify`]: lockout counting, replay refusal (RFC 6238 §5.2),
//! audit record).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use twofold_core::proto::{AuthContext, AuthResult, Factor, Reason};
use zeroize::Zeroizing;

use super::error::PortalResult;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted};
use crate::api::client_addr::ClientAddr;
use crate::signin::options::Options;
use crate::signin::passcode;
use crate::state::AppState;
use crate::web::layout::csrf_field;

/// The application name of the portal's sign-in checks (audit records, the phone's prompt).
pub const APPLICATION: &str = "portal";

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

impl Drop for CodeForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.code);
    }
}

/// Whether a user must pass a second factor after signing in: they have a code to type or
/// a device to approve a push on.
pub fn has_factor(options: &Options) -> bool {
    !options.credentials.is_empty() || !options.devices.is_empty()
}

/// Whether the portal offers push to this user: an activated device on the current epoch,
/// and push not disabled for everyone.
pub fn push_offered(options: &Options) -> bool {
    !options.devices.is_empty() && !options.disabled.contains(&Factor::Push)
}

/// The verification page: push first when offered, then the code form; `message` as an
/// alert (a wrong code, a denied push).
pub(super) fn page(
    session: &AnySession,
    push: bool,
    message: Option<&str>,
) -> axum::response::Html<String> {
    let body = html! {
        @if let Some(message) = message {
            p class="error" role="alert" id="verify-error" { (message) }
        }
        p { "Before you change your sign-in methods, prove it is you." }
        @if push {
            h2 { "Approve on your phone" }
            p { "We send a request to the Twofold app on your phone; you pick the number this page shows." }
            form method="post" action=(super::push::START) class="stack" {
                (csrf_field(&session.csrf))
                button id="push" { "Send a request to my phone" }
            }
            h2 { "Or type a code" }
        }
        form method="post" action=(super::VERIFY) class="stack" {
            (csrf_field(&session.csrf))
            label for="code" { "Code from your authenticator app" }
            input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="10" required;
            button type="submit" id="verify-code" class=[push.then_some("plain")] { "Verify" }
        }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    layout::page("Verify it is you", Some(who), body)
}

/// The verification page for `session` as its user's methods are now, with `status`.
pub(super) async fn answer(
    state: &AppState,
    session: &AnySession,
    status: StatusCode,
    message: Option<&str>,
) -> PortalResult<Response> {
    let options = Options::gather(state, &session.user.username).await?;
    Ok((status, page(session, push_offered(&options), message)).into_response())
}

/// `GET /portal/verify`.
pub async fn show(State(state): State<AppState>, session: AnySession) -> PortalResult<Response> {
    if session.verified {
        return Ok(Redirect::to(super::HOME).into_response());
    }
    answer(&state, &session, StatusCode::OK, None).await
}

/// `POST /portal/verify`: the code, checked as `/v1/auth` checks it.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    posted: Posted<AnySession, CodeForm>,
) -> PortalResult<Response> {
    let session = &posted.session;
    if session.verified {
        return Ok(Redirect::to(super::HOME).into_response());
    }
    let code = Zeroizing::new(posted.form.code.split_whitespace().collect::<String>());
    let options = Options::gather(&state, &session.user.username).await?;
    let push = push_offered(&options);
    if code.is_empty() || code.len() > passcode::MAX_LEN {
        let message = "Type the code your authenticator app shows.";
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(session, push, Some(message)),
        )
            .into_response());
    }
    let context = AuthContext {
        application: Some(APPLICATION.to_owned()),
        client_ip: client.map(|ip| ip.to_string()),
        ..AuthContext::default()
    };
    let answer =
        passcode::verify(&state, &options.user, &options.credentials, &code, &context).await?;
    if answer.result == AuthResult::Allow {
        session.verify(&state).await?;
        return Ok(Redirect::to(super::HOME).into_response());
    }
    let message = match answer.reason {
        Reason::LockedOut => "Too many wrong codes: codes are locked for a while. Try again later.",
        Reason::CodeReplayed => "That code was already used. Wait for the next one.",
        _ => "That code is not right. Check the account in your app and try again.",
    };
    Ok((StatusCode::UNAUTHORIZED, page(session, push, Some(message))).into_response())
}
