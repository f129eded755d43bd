//! The users' self-service portal at `/portal/` (issue 16): a user signs in with a
//! single-use link an admin issued ([`link`]), passes their second factor if they have one
//! ([`verify`]), and manages their sign-in methods on the *Security verification* page
//! ([`home`]).
//!
//! Built on the console's machinery: the session cookie, CSRF synchronizer tokens, timeouts
//! and origin checks of [`crate::web::session`] (with [`crate::web::session::Kind::Portal`]),
//! the security headers and CSP of [`crate::web::headers`], the one embedded stylesheet.
//! Every action calls the functions the admin API calls.

pub mod api;
pub mod error;
pub mod home;
pub mod layout;
pub mod link;
pub mod session;
pub mod verify;

use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;
use crate::web::{assets, headers};

pub const HOME: &str = "/portal/";
pub const VERIFY: &str = "/portal/verify";
pub const SIGNED_OUT: &str = "/portal/signed-out";

/// The portal's pages (none when `[web] portal_enabled` is false) and its admin API route.
pub fn routes(state: &AppState) -> Router<AppState> {
    let api = api::routes();
    if !state.config.web.portal_enabled {
        return api;
    }
    let pages = Router::new()
        .route("/portal", get(|| async { Redirect::to(HOME) }))
        .route(HOME, get(home::show))
        .route("/portal/link/{token}", get(link::show).post(link::submit))
        .route(VERIFY, get(verify::show).post(verify::submit))
        .route("/portal/signout", post(home::signout))
        .route(SIGNED_OUT, get(home::signed_out))
        .route(layout::CSS_PATH, get(assets::css))
        .layer(middleware::from_fn(headers::secure));
    api.merge(pages)
}
