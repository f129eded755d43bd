//! Portal links: how a user reaches the portal without a directory. An admin issues one
//! (`twofold-server portal link NAME`): 256 random bits in the URL, only their keyed hash
//! stored, single use, expiring after the minutes asked. Opening the link (GET) only shows a
//! Continue button, so mail scanners and link previews that fetch it do not use it up; the
//! POST uses it (one conditional UPDATE, in the transaction of its audit record) and starts
//! a portal session. Issued, used and refused links are all audited.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use twofold_core::proto::admin::{NewPortalLink, PortalLink};

use super::error::PortalResult;
use super::layout;
use crate::api::client_addr::ClientAddr;
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::crypto::random_token;
use crate::error::Error;
use crate::signin::options::Options;
use crate::state::AppState;
use crate::store::portal_links::{self, NewLink};
use crate::store::{audit as store_audit, users as store_users};
use crate::web::error::WebError;
use crate::web::session::same_origin;

/// Minutes a link works when the admin does not say.
pub const DEFAULT_MINUTES: u64 = 15;
/// Attempts to use a link per client network per minute (scope `portal_link`).
const PER_SOURCE: &str = "portal_link";
/// Longest token accepted in the path (ours are 43 characters of base64url).
const MAX_TOKEN: usize = 128;

fn hash(state: &AppState, token: &str) -> String {
    state
        .master_key
        .lookup_hash(&format!("portal_link:{token}"))
}

/// A new link for `username`, working `new.minutes` minutes (audited as `portal_link_issued`
/// with the admin token's id; a refusal as the same action with result `failure`).
pub async fn issue(
    state: &AppState,
    by: &Admin,
    username: &str,
    new: &NewPortalLink,
) -> Result<PortalLink, Error> {
    const ACTION: &str = "portal_link_issued";
    let max = state.config.web.portal_link_max_minutes;
    let minutes = new.minutes.unwrap_or(DEFAULT_MINUTES);
    let checked = if !state.config.web.portal_enabled {
        Err(Error::invalid(
            "web.portal_enabled",
            "the portal is disabled on this server; set [web] portal_enabled = true",
        ))
    } else if minutes == 0 || minutes > max {
        Err(Error::invalid(
            "minutes",
            format!("must be 1 to {max} ([web] portal_link_max_minutes)"),
        ))
    } else {
        crate::auth::users::find(state, username).await
    };
    let user = match checked {
        Ok(user) => user,
        Err(why) => {
            let detail = why.to_string();
            let target = Event {
                username: Some(username),
                ..Event::target()
            };
            audit::admin_refusal(state, by, ACTION, &detail, target).await?;
            return Err(why);
        }
    };
    let token = zeroize::Zeroizing::new(random_token()?);
    let now = state.now();
    let expires_at = now.saturating_add(minutes.saturating_mul(60));
    let mut tx = state.store.begin().await?;
    portal_links::delete_expired(&mut *tx, now).await?;
    let id_hash = hash(state, &token);
    let link = NewLink {
        id_hash: &id_hash,
        user_id: &user.id,
        admin_id: &by.id,
        now,
        expires_at,
    };
    portal_links::insert(&mut *tx, &link).await?;
    let detail = format!("expires_at={expires_at}");
    let target = Event {
        user: Some(&user),
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, by, ACTION, target).await?;
    tx.commit().await?;
    Ok(PortalLink {
        username: user.username.clone(),
        url: format!(
            "{}/portal/link/{}",
            state.public_url.trim_end_matches('/'),
            token.as_str()
        ),
        expires_at,
    })
}

/// `GET /portal/link/{token}`: the Continue button (nothing is used or checked yet).
pub async fn show(Path(token): Path<String>) -> Response {
    let action = format!("/portal/link/{}", crate::web::layout::encode(&token));
    let body = html! {
        p { "This link signs you in to manage your sign-in methods: your authenticator app, app passwords, recovery codes." }
        p { "It works once. Press Continue to use it." }
        form method="post" action=(action) class="stack" {
            button type="submit" id="continue" { "Continue" }
        }
    };
    layout::page("Sign in to Twofold security", None, body).into_response()
}

/// Why a link was refused: the audit reason and what the user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    Unknown,
    Used,
    Expired,
    Blocked,
}

impl Refused {
    fn reason(self) -> &'static str {
        match self {
            Refused::Unknown => "link_unknown",
            Refused::Used => "link_used",
            Refused::Expired => "link_expired",
            Refused::Blocked => "user_blocked",
        }
    }

    fn answer(self) -> (StatusCode, &'static str) {
        match self {
            Refused::Unknown => (StatusCode::NOT_FOUND, "This sign-in link is not valid. Check that you opened the whole link, or ask your administrator for a new one."),
            Refused::Used => (StatusCode::GONE, "This sign-in link was already used. Each link works once: ask your administrator for a new one."),
            Refused::Expired => (StatusCode::GONE, "This sign-in link has expired. Ask your administrator for a new one."),
            Refused::Blocked => (StatusCode::FORBIDDEN, "Your account is blocked. Ask your administrator."),
        }
    }
}

/// The audit record of a link sign-in: event `portal_signin`, detail `method=link`.
fn signin_record(
    state: &AppState,
    user: Option<&store_users::User>,
    result: &str,
    reason: Option<&str>,
    client: Option<&str>,
) -> Result<crate::store::audit::AuditRecord, Error> {
    audit::record(
        state,
        &Event {
            user,
            reason,
            client_ip: client,
            detail: Some("method=link"),
            ..Event::new("portal_signin", result)
        },
    )
}

async fn refuse(
    state: &AppState,
    user: Option<&store_users::User>,
    why: Refused,
    client: Option<&str>,
) -> PortalResult<Response> {
    let record = signin_record(state, user, "failure", Some(why.reason()), client)?;
    store_audit::insert(state.store.pool(), &record).await?;
    let (status, text) = why.answer();
    Ok((status, layout::message("Sign-in link refused", text)).into_response())
}

/// `POST /portal/link/{token}`: uses the link and starts a session; the user then passes their
/// second factor if they have one, or goes straight to the Security verification page.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> PortalResult<Response> {
    if !same_origin(&headers) {
        return Err(WebError::Forbidden.into());
    }
    let now = state.now();
    let client_text = client.map(|ip| ip.to_string());
    let client_text = client_text.as_deref();
    let refusal = || signin_record(&state, None, "failure", Some("rate_limited"), client_text);
    if super::signin::over_limit(&state, PER_SOURCE, client, refusal).await? {
        let text = "Too many sign-in attempts from your network; wait a minute and try again.";
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            layout::message("Sign-in link refused", text),
        )
            .into_response());
    }
    if token.is_empty() || token.len() > MAX_TOKEN {
        return refuse(&state, None, Refused::Unknown, client_text).await;
    }
    let id_hash = hash(&state, &token);
    let pool = state.store.pool();
    let Some(link) = portal_links::by_hash(pool, &id_hash).await? else {
        return refuse(&state, None, Refused::Unknown, client_text).await;
    };
    let user = store_users::by_id(pool, &link.user_id).await?;
    let Some(user) = user else {
        return refuse(&state, None, Refused::Unknown, client_text).await;
    };
    if link.used {
        return refuse(&state, Some(&user), Refused::Used, client_text).await;
    }
    if link.expires_at <= now {
        return refuse(&state, Some(&user), Refused::Expired, client_text).await;
    }
    if user.blocked {
        return refuse(&state, Some(&user), Refused::Blocked, client_text).await;
    }
    // A user with a factor (an app's offline account or a device to push to, a hardware
    // token) passes it next.
    let options = Options::gather(&state, &user.username).await?;
    let verified = !super::verify::has_factor(&options);
    let mut tx = state.store.begin().await?;
    if !portal_links::consume(&mut *tx, &id_hash, now).await? {
        drop(tx);
        // Another request used it between the read and the update.
        return refuse(&state, Some(&user), Refused::Used, client_text).await;
    }
    let reason = if verified {
        None
    } else {
        Some("second_factor_next")
    };
    let record = signin_record(&state, Some(&user), "success", reason, client_text)?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    let cookie = super::session::start(&state, &user.id, verified).await?;
    tracing::info!(user_id = %user.id, "portal sign-in with a link");
    let next = if verified { super::HOME } else { super::VERIFY };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response())
}
