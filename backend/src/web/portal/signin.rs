//! `/portal/signin`: signing in to the portal with the directory password (issue 16), when
//! `[directory]` is configured. The password is checked by [`Directory::verify_password`]
//! (a bind as the user's DN, RFC 4513 §5.1.3, with the directory's own per-username lockout
//! and its `directory_password` audit record); the portal adds its own limit per client
//! network (`web.signin_attempts_per_minute`, scope `portal_signin` of `rate_limits`, shared
//! by every node) and one `portal_signin` record (`detail` `method=directory`) per attempt.
//!
//! An unknown username and a wrong password get the same page, status and wording, and the
//! directory check spends a bind on both (see `verify_password`), so the answer does not tell
//! which names exist; only the audit log says which it was.
//!
//! A directory user who passes the password but is not a Twofold user yet is refused, naming
//! why (`user_not_synced`): the portal never creates users. Users come from a directory sync
//! (`twofold-server directory sync`, or the periodic one), which checks the whole entry (its
//! stable identifier, the group, a name already held by a local user) before adding anyone.
//! For the same reason a *local* Twofold user whose name the directory also has is refused
//! (`user_not_from_directory`): the sync never took that name over, so the directory's entry
//! may be someone else.
//!
//! Without `[directory]` the page says that sign-in is by a link from an administrator.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::error::PortalResult;
use super::layout;
use crate::api::client_addr::ClientAddr;
use crate::auth::audit::{self, Event};
use crate::directory::{self, PasswordVerdict};
use crate::error::Error;
use crate::ratelimit::{source_of, Window};
use crate::signin::options::Options;
use crate::state::AppState;
use crate::store::audit::AuditRecord;
use crate::store::users::{self as store_users, User};
use crate::store::{audit as store_audit, directory as store_directory};
use crate::web::error::WebError;
use crate::web::session::{cookie_value, same_origin, Kind};

/// The page and its form's target.
pub const PATH: &str = "/portal/signin";
/// Attempts per client network per minute (`web.signin_attempts_per_minute`).
const PER_SOURCE: &str = "portal_signin";
/// Longest username looked up (longer ones are refused without asking the directory).
const MAX_USERNAME: usize = 256;
/// Longest password sent to the directory.
const MAX_PASSWORD: usize = 1024;
const TITLE: &str = "Sign in to Twofold security";
const WRONG: &str = "Wrong username or password.";

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

impl Drop for SigninForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}

/// The form, with `message` as an alert and `username` typed again.
fn form_page(message: Option<&str>, username: &str) -> axum::response::Html<String> {
    let body = html! {
        @if let Some(message) = message {
            p class="error" role="alert" id="signin-error" { (message) }
        }
        p { "Sign in with your usual username and password to manage your sign-in methods." }
        form method="post" action=(PATH) class="stack" {
            label for="username" { "Username" }
            input id="username" name="username" type="text" autocomplete="username" required
                autocapitalize="none" spellcheck="false" value=(username);
            label for="password" { "Password" }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            button type="submit" id="signin" { "Sign in" }
        }
    };
    layout::page(TITLE, None, body)
}

/// What the page says when no directory is configured.
fn link_only() -> axum::response::Html<String> {
    let body = html! {
        p id="signin-by-link" { "Sign-in to this portal is by a link from your administrator." }
        p { "Ask them for one: the link works once, for a few minutes. Open it on this device and press Continue." }
    };
    layout::page(TITLE, None, body)
}

/// `GET /portal/signin`.
pub async fn show(State(state): State<AppState>) -> Response {
    if state.directory.is_none() {
        return link_only().into_response();
    }
    form_page(None, "").into_response()
}

/// `/portal/` without a portal cookie, when a directory is configured: to the sign-in page.
/// (Without a directory there is nothing to sign in with there: the signed-out page, which
/// says to ask for a link, stays where an ended session leads.)
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let name = Kind::Portal.cookie_name(&state);
    if state.directory.is_some() && cookie_value(request.headers(), name).is_none() {
        return Redirect::to(PATH).into_response();
    }
    next.run(request).await
}

/// The `portal_signin` record of one attempt.
fn attempt(
    state: &AppState,
    user: Option<&User>,
    username: &str,
    result: &str,
    reason: Option<&str>,
    client: Option<&str>,
) -> Result<AuditRecord, Error> {
    let username: String = username.chars().take(64).collect();
    audit::record(
        state,
        &Event {
            user,
            username: Some(&username),
            reason,
            client_ip: client,
            detail: Some("method=directory"),
            ..Event::new("portal_signin", result)
        },
    )
}

/// Writes the [`attempt`] record.
async fn record(
    state: &AppState,
    user: Option<&User>,
    username: &str,
    result: &str,
    reason: Option<&str>,
    client: Option<&str>,
) -> Result<(), Error> {
    let record = attempt(state, user, username, result, reason, client)?;
    store_audit::insert(state.store.pool(), &record).await
}

/// Counts a portal sign-in attempt (link or password) from `client`'s network in `scope`
/// of `rate_limits` (shared by every node); true when it is over
/// `[web] signin_attempts_per_minute`. The window's first refusal writes `refusal` (built
/// only then), on the connection that counted it; later ones are only counted, so refusals
/// cannot flood the audit log.
pub(super) async fn over_limit(
    state: &AppState,
    scope: &'static str,
    client: Option<IpAddr>,
    refusal: impl FnOnce() -> Result<AuditRecord, Error>,
) -> Result<bool, Error> {
    let now = state.now();
    let source = client
        .map(source_of)
        .unwrap_or_else(|| "unknown".to_owned());
    let window = Window { scope, seconds: 60 };
    let mut conn = state.store.pool().acquire().await?;
    let limit = u64::from(state.config.web.signin_attempts_per_minute);
    if window.hit(&mut conn, &source, now).await? <= limit {
        return Ok(false);
    }
    if window.first_refusal(&mut conn, &source, now).await? {
        store_audit::insert(&mut *conn, &refusal()?).await?;
    }
    Ok(true)
}

/// Why an attempt was refused: the audit reason, the status and what the user reads.
struct Refusal {
    reason: &'static str,
    status: StatusCode,
    text: String,
}

impl Refusal {
    fn new(reason: &'static str, status: StatusCode, text: &str) -> Self {
        Self {
            reason,
            status,
            text: text.to_owned(),
        }
    }
}

/// `POST /portal/signin`: the password checked by the directory, then a portal session for
/// the Twofold user of that name (unverified when they have a second factor to pass).
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> PortalResult<Response> {
    let client_text = client.map(|ip| ip.to_string());
    let client_text = client_text.as_deref();
    let username = f.username.trim();
    if !same_origin(&headers) {
        let reason = Some("cross_site");
        record(&state, None, username, "failure", reason, client_text).await?;
        return Err(WebError::Forbidden.into());
    }
    let Ok(directory) = directory::of(&state) else {
        let reason = Some("directory_not_configured");
        record(&state, None, username, "failure", reason, client_text).await?;
        return Ok((StatusCode::NOT_FOUND, link_only()).into_response());
    };
    let reason = Some("rate_limited");
    let refusal = || attempt(&state, None, username, "failure", reason, client_text);
    if over_limit(&state, PER_SOURCE, client, refusal).await? {
        let text = "Too many sign-in attempts from your network; wait a minute and try again.";
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            form_page(Some(text), username),
        )
            .into_response());
    }
    let refusal = if username.is_empty() || f.password.is_empty() {
        Refusal::new(
            "missing_fields",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Type your username and your password.",
        )
    } else if username.len() > MAX_USERNAME || f.password.len() > MAX_PASSWORD {
        Refusal::new("too_long", StatusCode::UNAUTHORIZED, WRONG)
    } else {
        match directory
            .verify_password(&state, username, f.password.as_bytes())
            .await
        {
            Ok(PasswordVerdict::Valid) => {
                return signed_in(&state, username, client_text).await;
            }
            Ok(PasswordVerdict::Invalid) => {
                Refusal::new("invalid_password", StatusCode::UNAUTHORIZED, WRONG)
            }
            Ok(PasswordVerdict::UnknownUser) => {
                Refusal::new("unknown_user", StatusCode::UNAUTHORIZED, WRONG)
            }
            Ok(PasswordVerdict::LockedOut { retry_after }) => Refusal::new(
                "locked_out",
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Too many wrong passwords for this username: sign-in is locked for {} more minutes.",
                    retry_after.div_ceil(60).max(1)
                ),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "portal sign-in: the directory check failed");
                Refusal {
                    reason: e.code(),
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    text: "The directory cannot check passwords right now; try again in a few minutes.".to_owned(),
                }
            }
        }
    };
    record(
        &state,
        None,
        username,
        "failure",
        Some(refusal.reason),
        client_text,
    )
    .await?;
    Ok((refusal.status, form_page(Some(&refusal.text), username)).into_response())
}

/// The password was right: the session, or why this directory user cannot have one.
async fn signed_in(
    state: &AppState,
    username: &str,
    client: Option<&str>,
) -> PortalResult<Response> {
    let name = crate::auth::users::normalize_username(username)?;
    let pool = state.store.pool();
    let user = store_users::by_name(pool, &name).await?;
    let refused = match &user {
        None => Some((
            "user_not_synced",
            "Your directory account is not set up in Twofold yet. Ask your administrator to run a directory sync, then sign in again.",
        )),
        Some(u) if !store_directory::is_linked(pool, &u.id).await? => Some((
            "user_not_from_directory",
            "Your Twofold account is not linked to the directory, so your directory password cannot sign you in here. Ask your administrator for a sign-in link.",
        )),
        Some(u) if u.blocked => Some((
            "user_blocked",
            "Your account is blocked. Ask your administrator.",
        )),
        Some(_) => None,
    };
    let user = match (user, refused) {
        (Some(user), None) => user,
        (user, refused) => {
            let (reason, text) = refused.unwrap_or(("user_not_synced", WRONG));
            record(
                state,
                user.as_ref(),
                username,
                "failure",
                Some(reason),
                client,
            )
            .await?;
            return Ok((StatusCode::FORBIDDEN, form_page(Some(text), username)).into_response());
        }
    };
    let options = Options::gather(state, &user.username).await?;
    let verified = !super::verify::has_factor(&options);
    let reason = (!verified).then_some("second_factor_next");
    record(state, Some(&user), username, "success", reason, client).await?;
    let cookie = super::session::start(state, &user.id, verified).await?;
    tracing::info!(user_id = %user.id, "portal sign-in with the directory password");
    let next = if verified { super::HOME } else { super::VERIFY };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response())
}
