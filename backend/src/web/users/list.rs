//! The Users list: prefix search over username, name and e-mail, a state filter, and keyset
//! paging (the next page starts after the last username shown, so page 2,000 costs what page 1
//! does).

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use twofold_core::proto::admin::MfaState;

use super::{full_name, state_label, status, user_href, STATES};
use crate::state::AppState;
use crate::store::user_search::{self, Search};
use crate::web::error::WebResult;
use crate::web::layout::{self, encode, Section};
use crate::web::session::Session;

/// Users per page of the list.
const PAGE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    after: Option<String>,
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
