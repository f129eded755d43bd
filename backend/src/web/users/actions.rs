//! The actions of a user's page: each a POST with its CSRF token (checked by [`Posted`]),
//! each through the function the admin API's handler calls.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use twofold_core::proto::admin::{MfaState, UserPatch};

use super::user_href;
use crate::auth::{registration, users as auth_users};
use crate::cli::time::format as when;
use crate::state::AppState;
use crate::web::error::{WebError, WebResult};
use crate::web::layout::{self, Section};
use crate::web::session::Posted;

/// The end of a page with a secret: it is not kept, and the way back.
fn shown_once(username: &str) -> Markup {
    html! {
        p class="muted" { "This page is shown once: reloading it will not show the code again." }
        p { a href=(user_href(username)) { "Back to " (username) } }
    }
}

fn back(username: &str, done: &str) -> Response {
    Redirect::to(&format!("{}?done={done}", user_href(username))).into_response()
}

fn patch() -> UserPatch {
    UserPatch {
        first_name: None,
        last_name: None,
        email: None,
        phone: None,
        mfa_state: None,
        blocked: None,
        unlock: false,
        default_method: None,
        clear_default_method: false,
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    mfa_state: String,
}

pub async fn set_state(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<StateForm>,
) -> WebResult<Response> {
    let mfa_state = MfaState::parse(&posted.form.mfa_state).ok_or_else(|| {
        crate::error::Error::invalid("mfa_state", "must be disabled, enabled or enforced")
    })?;
    let patch = UserPatch {
        mfa_state: Some(mfa_state),
        ..patch()
    };
    let user = auth_users::update(&state, &posted.session.as_admin(), &username, patch).await?;
    Ok(back(&user.username, "state"))
}

#[derive(Deserialize)]
pub struct BlockForm {
    blocked: String,
}

pub async fn block(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<BlockForm>,
) -> WebResult<Response> {
    let blocked = match posted.form.blocked.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(crate::error::Error::invalid("blocked", "must be true or false").into()),
    };
    let patch = UserPatch {
        blocked: Some(blocked),
        ..patch()
    };
    let user = auth_users::update(&state, &posted.session.as_admin(), &username, patch).await?;
    Ok(back(
        &user.username,
        if blocked { "blocked" } else { "unblocked" },
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn unlock(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<Empty>,
) -> WebResult<Response> {
    let patch = UserPatch {
        unlock: true,
        ..patch()
    };
    let user = auth_users::update(&state, &posted.session.as_admin(), &username, patch).await?;
    Ok(back(&user.username, "unlocked"))
}

pub async fn reset(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<Empty>,
) -> WebResult<Response> {
    let user = auth_users::find(&state, &username).await?;
    registration::reset_user(&state, &posted.session.as_admin(), &user).await?;
    Ok(back(&user.username, "reset"))
}

/// A new activation, shown in the answer to this POST only (no redirect to a page that could
/// show it again; the page is `no-store`).
pub async fn activation(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<Empty>,
) -> WebResult<Response> {
    let user = auth_users::find(&state, &username).await?;
    if user.mfa_state == MfaState::Disabled {
        return Err(crate::error::Error::invalid(
            "username",
            format!("MFA is disabled for {}; enable it first", user.username),
        )
        .into());
    }
    let issued = crate::auth::activation::create(&state, &posted.session.as_admin(), &user).await?;
    let session = &posted.session;
    let body = html! {
        p { "Scan this code with the Twofold app, or type the code below. It works once, until "
            (when(issued.expires_at)) "." }
        img src={"data:image/png;base64," (issued.qr_png_base64)} width="256" height="256"
            alt={"QR code of the activation for " (user.username)};
        p { "Activation code:" }
        p class="secret" id="activation-code" { (issued.code) }
        p class="muted" { "Server: " (issued.server_url) }
        (shown_once(&user.username))
    };
    Ok(layout::signed_in(
        session,
        "Activation",
        Section::Users,
        body,
    ))
}

#[derive(Deserialize)]
pub struct BypassForm {
    minutes: String,
}

pub async fn bypass(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<BypassForm>,
) -> WebResult<Response> {
    let user = auth_users::find(&state, &username).await?;
    let minutes: u32 = posted.form.minutes.trim().parse().map_err(|_| {
        crate::error::Error::invalid("minutes", "must be a whole number from 1 to 1440")
    })?;
    let issued =
        crate::signin::bypass::issue(&state, &posted.session.as_admin(), &user, minutes, 1).await?;
    let session = &posted.session;
    let body = html! {
        p { "A one-time bypass code for " (user.username) ", valid once until " (when(issued.expires_at)) ":" }
        p class="secret" id="bypass-code" { (issued.code) }
        (shown_once(&user.username))
    };
    Ok(layout::signed_in(
        session,
        "Bypass code",
        Section::Users,
        body,
    ))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    confirm: String,
}

pub async fn delete(
    State(state): State<AppState>,
    Path(username): Path<String>,
    posted: Posted<DeleteForm>,
) -> WebResult<Response> {
    let user = auth_users::find(&state, &username).await?;
    if posted.form.confirm.trim() != user.username {
        let why = crate::error::Error::invalid(
            "confirm",
            format!("type {} exactly to delete this user", user.username),
        );
        crate::auth::audit::admin_refusal(
            &state,
            &posted.session.as_admin(),
            "user_deleted",
            &why.to_string(),
            crate::auth::audit::Event {
                user: Some(&user),
                ..crate::auth::audit::Event::target()
            },
        )
        .await?;
        return Err(WebError::Domain(why));
    }
    auth_users::delete(&state, &posted.session.as_admin(), &user.username).await?;
    Ok(Redirect::to("/admin/users").into_response())
}
