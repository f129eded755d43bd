//! Signing in to the console: name, password (Argon2id) and the admin's own TOTP code
//! (RFC 6238), limited per client network and per account, every attempt audited.
//!
//! Limits live in the shared `rate_limits` table, so every node of a cluster spends the same
//! budget: `web.signin_attempts_per_minute` per client network (scope `web_signin`), and
//! `web.lockout_failures` failures per admin name within `web.lockout_seconds` (scope
//! `web_signin_account`, failures counted as the row's refusals) lock that name until the
//! window ends, however many addresses the guesses come from.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::admins::{self, check_name};
use super::error::{WebError, WebResult};
use super::layout;
use super::session::{self, Posted};
use crate::api::client_addr::ClientAddr;
use crate::auth::audit::{self, Event};
use crate::error::Error;
use crate::ratelimit::{source_of, Window};
use crate::state::AppState;
use crate::store::audit as store_audit;
use crate::store::rate_limits::{self, Counter};

const PER_SOURCE: &str = "web_signin";
const PER_ACCOUNT: &str = "web_signin_account";

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

impl Drop for SigninForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}

fn form(message: Option<&str>) -> maud::Markup {
    html! {
        @if let Some(message) = message {
            p class="error" role="alert" id="signin-error" { (message) }
        }
        form method="post" action="/admin/signin" class="stack" {
            label for="name" { "Name" }
            input id="name" name="name" type="text" autocomplete="username" required
                autocapitalize="none" spellcheck="false";
            label for="password" { "Password" }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            label for="code" { "Code from your authenticator app" }
            input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="8" required;
            button type="submit" { "Sign in" }
        }
    }
}

pub async fn show() -> Response {
    layout::page_bare("Sign in", form(None)).into_response()
}

/// What the audit record of an attempt says.
struct Attempt<'a> {
    result: &'a str,
    reason: Option<&'a str>,
    admin_id: Option<&'a str>,
    name: &'a str,
    client: Option<&'a str>,
}

async fn record(state: &AppState, a: Attempt<'_>) -> Result<(), Error> {
    let name: String = a.name.chars().take(64).collect();
    let detail = format!("console_admin={name}");
    let record = audit::record(
        state,
        &Event {
            reason: a.reason,
            admin_id: a.admin_id,
            client_ip: a.client,
            detail: Some(&detail),
            ..Event::new("console_signin", a.result)
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<SigninForm>,
) -> WebResult<Response> {
    if !session::same_origin(&headers) {
        return Err(WebError::Forbidden);
    }
    let web = &state.config.web;
    let now = state.now();
    let client_text = client.map(|ip| ip.to_string());
    let source = client
        .map(source_of)
        .unwrap_or_else(|| "unknown".to_owned());
    let per_source = Window {
        scope: PER_SOURCE,
        seconds: 60,
    };
    let mut conn = state.store.pool().acquire().await?;
    let hits = per_source.hit(&mut conn, &source, now).await?;
    let attempt = |reason| Attempt {
        result: "failure",
        reason: Some(reason),
        admin_id: None,
        name: &f.name,
        client: client_text.as_deref(),
    };
    if hits > u64::from(web.signin_attempts_per_minute) {
        if per_source.first_refusal(&mut conn, &source, now).await? {
            record(&state, attempt("rate_limited")).await?;
        }
        return Ok(refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts from your network; wait a minute and try again.",
        ));
    }
    let account = Window {
        scope: PER_ACCOUNT,
        seconds: web.lockout_seconds.max(1),
    };
    let account_key = check_name(&f.name).ok();
    if let Some(key) = &account_key {
        let start = account.start(now);
        let counts =
            rate_limits::increment(&mut conn, PER_ACCOUNT, key, start, Counter::Hits, start)
                .await?;
        if counts.refusals >= u64::from(web.lockout_failures) {
            record(&state, attempt("locked_out")).await?;
            return Ok(refused(
                StatusCode::TOO_MANY_REQUESTS,
                "This account is locked after too many failed sign-ins; try again later.",
            ));
        }
    }
    match admins::check_signin(&state, &f.name, Zeroizing::new(f.password.clone()), &f.code).await?
    {
        Ok(admin) => {
            let cookie = session::start(&state, &admin.id).await?;
            record(
                &state,
                Attempt {
                    result: "success",
                    reason: None,
                    admin_id: Some(&admin.id),
                    name: &admin.name,
                    client: client_text.as_deref(),
                },
            )
            .await?;
            tracing::info!(admin_id = %admin.id, "console sign-in");
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/admin/users")).into_response())
        }
        Err((refusal, admin)) => {
            if let Some(key) = &account_key {
                let start = account.start(now);
                rate_limits::increment(
                    &mut conn,
                    PER_ACCOUNT,
                    key,
                    start,
                    Counter::Refusals,
                    start,
                )
                .await?;
            }
            record(
                &state,
                Attempt {
                    admin_id: admin.as_ref().map(|a| a.id.as_str()),
                    ..attempt(refusal.as_str())
                },
            )
            .await?;
            Ok(refused(
                StatusCode::UNAUTHORIZED,
                "Wrong name, password or code.",
            ))
        }
    }
}

fn refused(status: StatusCode, message: &str) -> Response {
    (status, layout::page_bare("Sign in", form(Some(message)))).into_response()
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn signout(
    State(state): State<AppState>,
    posted: Posted<Nothing>,
) -> WebResult<Response> {
    let session = posted.session;
    let admin_id = session.admin.id.clone();
    let name = session.admin.name.clone();
    let cookie = session.end(&state).await?;
    let detail = format!("console_admin={name}");
    let record = audit::record(
        &state,
        &Event {
            admin_id: Some(&admin_id),
            detail: Some(&detail),
            ..Event::new("console_signout", "success")
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/admin/signin"),
    )
        .into_response())
}
