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
pub mod codes;
pub mod configure;
pub mod devices;
pub mod error;
pub mod home;
pub mod layout;
pub mod link;
pub mod push;
pub mod reactivate;
pub mod session;
pub mod settings;
pub mod signin;
pub mod test_push;
pub mod verify;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
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
        .route(
            HOME,
            get(home::show).layer(middleware::from_fn_with_state(state.clone(), signin::gate)),
        )
        .route("/portal/link/{token}", get(link::show).post(link::submit))
        .route(VERIFY, get(verify::show).post(verify::submit))
        .route("/portal/signout", post(home::signout))
        .route(SIGNED_OUT, get(home::signed_out))
        .route("/portal/devices/{id}/remove", post(devices::remove))
        .route("/portal/configure", post(configure::create))
        .route("/portal/configure/check", get(configure::check))
        .route("/portal/status", get(configure::status))
        .route("/portal/reactivate", get(reactivate::show))
        .route(codes::PATH, get(codes::show))
        .route("/portal/codes/app-passwords", post(codes::create))
        .route(
            "/portal/codes/app-passwords/delete-all",
            post(codes::delete_all),
        )
        .route(
            "/portal/codes/app-passwords/{name}/delete",
            post(codes::delete),
        )
        .route("/portal/codes/recovery", post(codes::new_recovery))
        .route(settings::PATH, get(settings::show))
        .route(
            settings::DEFAULT_METHOD_PATH,
            post(settings::save_default_method),
        )
        .route(settings::PHONE_PATH, post(settings::request_phone))
        .route(settings::PHONE_CONFIRM_PATH, post(settings::confirm_phone))
        .route(settings::PHONE_REMOVE_PATH, post(settings::remove_phone))
        .route(test_push::PATH, post(test_push::send))
        .route(test_push::STATUS_PATH, get(test_push::status))
        .route(test_push::CHECK_PATH, get(test_push::check))
        .route(layout::CSS_PATH, get(assets::css))
        .route(assets::PORTAL_SCRIPT_PATH, get(assets::portal_script))
        .route(signin::PATH, get(signin::show).post(signin::submit))
        .route(push::START, post(push::start))
        .route(push::STATUS, get(push::status))
        .route(push::CHECK, get(push::check))
        .layer(middleware::from_fn(headers::secure))
        .layer(middleware::from_fn(csp));
    api.merge(pages)
}

/// The console's policy ([`headers::CSP`]) plus `connect-src 'self'`: the Configure page's
/// script asks this origin's status endpoint (under `default-src 'none'` a `fetch` would be
/// refused). Set after [`headers::secure`], so it replaces that header.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

async fn csp(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    response
}
