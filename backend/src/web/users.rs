//! The console's Users pages: the list (prefix search, state filter, keyset paging) and one
//! user's page with the actions the admin API offers, through the same functions (so the
//! same checks and audit records).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;
use twofold_core::proto::admin::{AuditQuery, MfaState, UserPatch};

use super::error::{WebError, WebResult};
use super::layout::{self, csrf_field, encode, Section};
use super::session::{Posted, Session};
use crate::auth::{registration, users as auth_users};
use crate::cli::time::format as when;
use crate::state::AppState;
use crate::store::user_search::{self, Search};
use crate::store::users::User;
use crate::store::{audit as store_audit, devices};

/// Users per page of the list.
const PAGE: u32 = 50;
/// Audit records on a user's page.
const RECENT: i64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list))
        .route("/admin/users/{username}", get(show))
        .route("/admin/users/{username}/state", post(set_state))
        .route("/admin/users/{username}/block", post(block))
        .route("/admin/users/{username}/unlock", post(unlock))
        .route("/admin/users/{username}/reset", post(reset))
        .route("/admin/users/{username}/activation", post(activation))
        .route("/admin/users/{username}/bypass", post(bypass))
        .route("/admin/users/{username}/delete", post(delete))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    after: Option<String>,
}

fn state_label(state: MfaState) -> &'static str {
    match state {
        MfaState::Disabled => "Disabled",
        MfaState::Enabled => "Enabled",
        MfaState::Enforced => "Enforced",
    }
}

const STATES: [MfaState; 3] = [MfaState::Enabled, MfaState::Enforced, MfaState::Disabled];

fn full_name(user: &User) -> String {
    [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A path segment for a username (letters, digits and a few marks are all it can hold, but
/// encode anyway: the href must not depend on that rule).
fn user_href(username: &str) -> String {
    format!("/admin/users/{}", encode(username))
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> WebResult<Response> {
    let filter = MfaState::parse(&query.state);
    let prefix = query.q.trim().to_lowercase();
    let mut found = user_search::search(
        &state.store,
        &Search {
            prefix: &prefix,
            state: filter,
            after: query.after.as_deref(),
            limit: PAGE + 1,
        },
    )
    .await?;
    let more = found.len() > PAGE as usize;
    found.truncate(PAGE as usize);
    let total = user_search::count(state.store.pool()).await?;
    let next = more.then(|| {
        let last = found
            .last()
            .map(|u| u.username.as_str())
            .unwrap_or_default();
        format!(
            "/admin/users?q={}&state={}&after={}",
            encode(&prefix),
            filter.map(MfaState::as_str).unwrap_or_default(),
            encode(last)
        )
    });
    let body = html! {
        form method="get" action="/admin/users" class="row" role="search" {
            div {
                label for="q" { "Name or e-mail starts with" }
                input id="q" name="q" type="search" value=(prefix) autocomplete="off";
            }
            div {
                label for="state" { "MFA state" }
                select id="state" name="state" {
                    option value="" selected[filter.is_none()] { "Any" }
                    @for s in STATES {
                        option value=(s.as_str()) selected[filter == Some(s)] { (state_label(s)) }
                    }
                }
            }
            button type="submit" { "Search" }
        }
        p class="muted" { (total) " users in all." }
        @if found.is_empty() {
            p role="status" { "No users match." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Users" {
                table {
                    caption { "Users, by username" @if query.after.is_some() { " (continued)" } }
                    thead { tr { th scope="col" { "Username" } th scope="col" { "Name" } th scope="col" { "E-mail" } th scope="col" { "MFA state" } th scope="col" { "Status" } } }
                    tbody {
                        @for user in &found {
                            tr {
                                td { a href=(user_href(&user.username)) { (user.username) } }
                                td { (full_name(user)) }
                                td { (user.email.as_deref().unwrap_or("")) }
                                td { (state_label(user.mfa_state)) }
                                td { (status(user)) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(next) = next {
            nav class="pager" aria-label="Pages" { a href=(next) rel="next" { "Next page" } }
        }
    };
    Ok(layout::signed_in(&session, "Users", Section::Users, body))
}

fn status(user: &User) -> &'static str {
    match (user.blocked, user.needs_registration) {
        (true, _) => "Blocked",
        (false, true) => "Must register a device",
        (false, false) => "Normal",
    }
}

/// What a finished action says above the user's page (a fixed set: nothing from the
/// request is echoed).
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Done {
    State,
    Blocked,
    Unblocked,
    Unlocked,
    Reset,
}

impl Done {
    fn text(&self) -> &'static str {
        match self {
            Done::State => "MFA state changed.",
            Done::Blocked => "User blocked: every sign-in is denied.",
            Done::Unblocked => "User unblocked.",
            Done::Unlocked => "Every lockout of the user lifted.",
            Done::Reset => {
                "User reset: devices revoked; the next sign-in asks to register a device."
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    done: Option<Done>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(username): Path<String>,
    Query(query): Query<ShowQuery>,
) -> WebResult<Response> {
    let user = auth_users::find(&state, &username).await?;
    let body = user_page(&state, &session, &user, query.done.map(|d| d.text())).await?;
    Ok(layout::signed_in(
        &session,
        &user.username,
        Section::Users,
        body,
    ))
}

async fn user_page(
    state: &AppState,
    session: &Session,
    user: &User,
    notice: Option<&str>,
) -> WebResult<Markup> {
    let devices = devices::for_user(state.store.pool(), &user.id).await?;
    let recent = store_audit::query(
        state.store.pool(),
        &AuditQuery {
            username: Some(user.username.clone()),
            limit: Some(RECENT),
            ..AuditQuery::default()
        },
    )
    .await?;
    let href = user_href(&user.username);
    let csrf = &session.csrf;
    Ok(html! {
        @if let Some(text) = notice { (layout::notice(text)) }
        p { a href="/admin/users" { "All users" } }
        dl class="details" {
            dt { "Name" } dd { (full_name(user)) }
            dt { "E-mail" } dd { (user.email.as_deref().unwrap_or("")) }
            dt { "MFA state" } dd { (state_label(user.mfa_state)) }
            dt { "Status" } dd { (status(user)) }
            dt { "Added" } dd { (when(crate::store::columns::to_db(user.created_at))) }
        }
        h2 { "Actions" }
        div class="actions" {
            form method="post" action={(href) "/state"} {
                (csrf_field(csrf))
                div {
                    label for="mfa_state" { "MFA state" }
                    select id="mfa_state" name="mfa_state" {
                        @for s in STATES {
                            option value=(s.as_str()) selected[user.mfa_state == s] { (state_label(s)) }
                        }
                    }
                }
                button type="submit" { "Change" }
            }
            form method="post" action={(href) "/block"} {
                (csrf_field(csrf))
                input type="hidden" name="blocked" value=(if user.blocked { "false" } else { "true" });
                button type="submit" class=[(!user.blocked).then_some("danger")] {
                    @if user.blocked { "Unblock" } @else { "Block" }
                }
            }
            form method="post" action={(href) "/unlock"} {
                (csrf_field(csrf))
                button type="submit" class="plain" { "Unlock" }
            }
            form method="post" action={(href) "/reset"} {
                (csrf_field(csrf))
                button type="submit" class="danger" { "Reset (lost phone)" }
            }
            form method="post" action={(href) "/activation"} {
                (csrf_field(csrf))
                button type="submit" { "Create activation" }
            }
            form method="post" action={(href) "/bypass"} {
                (csrf_field(csrf))
                div {
                    label for="minutes" { "Bypass valid for (minutes)" }
                    input id="minutes" name="minutes" type="number" min="1" max="1440" value="15" required;
                }
                button type="submit" { "One-time bypass" }
            }
        }
        h2 { "Devices" }
        @if devices.is_empty() {
            p { "No devices." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Devices" {
                table {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Platform" } th scope="col" { "Status" } th scope="col" { "Activated" } th scope="col" { "Last used" } } }
                    tbody {
                        @for d in &devices {
                            tr {
                                td { (d.name) }
                                td { (d.platform) }
                                td { (d.status.as_str()) }
                                td { (when(crate::store::columns::to_db(d.created_at))) }
                                td { (d.last_seen_at.map(|t| when(crate::store::columns::to_db(t))).unwrap_or_else(|| "never".to_owned())) }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Recent audit records" }
        @if recent.is_empty() {
            p { "None." }
        } @else {
            div class="table-wrap" tabindex="0" role="region" aria-label="Recent audit records" {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "Result" } th scope="col" { "Reason" } th scope="col" { "Admin" } } }
                    tbody {
                        @for r in &recent {
                            tr {
                                td { (when(r.at)) }
                                td { (r.event) }
                                td { (r.result) }
                                td { (r.reason.as_deref().unwrap_or("")) }
                                td { (r.admin_id.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Delete" }
        form method="post" action={(href) "/delete"} class="stack" {
            (csrf_field(csrf))
            label for="confirm" { "Type the username to delete " (user.username) " and everything of theirs" }
            input id="confirm" name="confirm" type="text" autocomplete="off" required;
            button type="submit" class="danger" { "Delete user" }
        }
    })
}

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
