//! The console's Users pages: the list (prefix search, state filter, keyset paging) in
//! [`list`], one user's page in [`page`], and the actions the admin API offers in [`actions`],
//! through the same functions (so the same checks and audit records).

mod actions;
mod list;
mod page;

use axum::routing::{get, post};
use axum::Router;
use twofold_core::proto::admin::MfaState;

use super::layout::encode;
use crate::state::AppState;
use crate::store::users::User;

pub use actions::*;
pub use list::*;
pub use page::*;

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

pub(crate) fn state_label(state: MfaState) -> &'static str {
    match state {
        MfaState::Disabled => "Disabled",
        MfaState::Enabled => "Enabled",
        MfaState::Enforced => "Enforced",
    }
}

pub(crate) const STATES: [MfaState; 3] =
    [MfaState::Enabled, MfaState::Enforced, MfaState::Disabled];

pub(crate) fn full_name(user: &User) -> String {
    [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A path segment for a username (letters, digits and a few marks are all it can hold, but
/// encode anyway: the href must not depend on that rule).
pub(crate) fn user_href(username: &str) -> String {
    format!("/admin/users/{}", encode(username))
}

pub(crate) fn status(user: &User) -> &'static str {
    match (user.blocked, user.needs_registration) {
        (true, _) => "Blocked",
        (false, true) => "Must register a device",
        (false, false) => "Normal",
    }
}
