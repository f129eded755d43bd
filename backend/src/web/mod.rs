//! The web pages the server renders itself: the admin console at `/admin/` (issue 16).
//! HTML is built with maud (checked at compile time, every value escaped), styled by one
//! embedded stylesheet, and works without JavaScript. Sessions, CSRF tokens and timeouts are
//! in [`session`]; the security headers in [`headers`]; console admins in [`admins`].
//!
//! What it is not: a second admin API. Every action calls the same functions the admin API's
//! handlers call, so the checks and the audit records are the same.

pub mod admins;
pub mod applications;
pub mod assets;
pub mod audit;
pub mod chart;
pub mod config;
pub mod error;
pub mod headers;
pub mod layout;
pub mod methods;
pub mod password;
pub mod portal;
pub mod server;
pub mod session;
pub mod signin;
pub mod tokens;
pub mod usage;
pub mod users;

use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The web pages the main listener serves: the portal, and the console unless `[web]
/// admin_enabled` is false or `[web] admin_listen` gives it its own address.
pub fn routes(state: &AppState) -> Router<AppState> {
    let web = &state.config.web;
    if !web.admin_enabled || web.admin_listen.is_some() {
        return portal::routes(state);
    }
    console(state).merge(portal::routes(state))
}

/// The console's routes, wherever they are served.
fn console(_state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/", get(home))
        .route("/admin/signin", get(signin::show).post(signin::submit))
        .route("/admin/signout", post(signin::signout))
        .route(assets::CSS_PATH, get(assets::css))
        .merge(users::routes())
        .merge(audit::routes())
        .merge(usage::routes())
        .merge(tokens::routes())
        .merge(applications::routes())
        .merge(methods::routes())
        .merge(server::routes())
        .layer(middleware::from_fn(headers::secure))
}

/// What the `[web] admin_listen` listener serves: the console only (anything else is the
/// API's 404), with the main router's body limit and timeout.
pub fn admin_router(state: AppState) -> axum::Router {
    crate::api::with_limits(console(&state), state)
}

async fn home() -> Redirect {
    Redirect::to("/admin/users")
}
