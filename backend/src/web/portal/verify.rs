//! The second factor after a portal link: a link proves the admin sent it to someone, not
//! that the person who opened it holds the user's phone. A user with a factor must pass it
//! before any portal page serves them. The portal asks for a code (the authenticator app's
//! offline code, or a hardware token's): it goes through the same check as `/v1/auth`
//! ([`crate::signin::passcode::verify`]: lockout counting, replay refusal (RFC 6238 §5.2),
//! audit record). Push is not offered here yet (see the README).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use twofold_core::proto::{AuthContext, AuthResult, Reason};
use zeroize::Zeroizing;

use super::error::PortalResult;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted};
use crate::api::client_addr::ClientAddr;
use crate::signin::options::Options;
use crate::signin::passcode;
use crate::state::AppState;
use crate::web::layout::csrf_field;

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

fn page(session: &AnySession, message: Option<&str>) -> axum::response::Html<String> {
    let body = html! {
        @if let Some(message) = message {
            p class="error" role="alert" id="verify-error" { (message) }
        }
        p { "Before you change your sign-in methods, prove it is you: type the code your authenticator app shows for this account." }
        form method="post" action=(super::VERIFY) class="stack" {
            (csrf_field(&session.csrf))
            label for="code" { "Code from your authenticator app" }
            input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="10" required;
            button type="submit" { "Verify" }
        }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    layout::page("Verify it is you", Some(who), body)
}

/// `GET /portal/verify`.
pub async fn show(session: AnySession) -> Response {
    if session.verified {
        return Redirect::to(super::HOME).into_response();
    }
    page(&session, None).into_response()
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
    if code.is_empty() || code.len() > passcode::MAX_LEN {
        let message = "Type the code your authenticator app shows.";
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(session, Some(message)),
        )
            .into_response());
    }
    let options = Options::gather(&state, &session.user.username).await?;
    let context = AuthContext {
        application: Some("portal".to_owned()),
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
    Ok((StatusCode::UNAUTHORIZED, page(session, Some(message))).into_response())
}
