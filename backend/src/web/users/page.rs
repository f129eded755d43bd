//! One user's page: details, the action forms, devices and recent audit records.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use twofold_core::proto::admin::AuditQuery;

use super::{full_name, state_label, status, user_href, STATES};
use crate::auth::users as auth_users;
use crate::cli::time::format as when;
use crate::state::AppState;
use crate::store::users::User;
use crate::store::{audit as store_audit, devices};
use crate::web::error::WebResult;
use crate::web::layout::{self, csrf_field, Section};
use crate::web::session::Session;

/// Audit records on a user's page.
const RECENT: i64 = 20;

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
