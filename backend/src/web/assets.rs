//! The web pages' embedded assets, compiled into the binary (no CDN, nothing read from disk
//! at run time): one stylesheet, and the portal's one script for its live statuses. Every
//! page works without the script; the console has none.

use axum::http::header;
use axum::response::IntoResponse;

pub const CSS: &str = include_str!("../../assets/web.css");
pub const CSS_PATH: &str = "/admin/assets/web.css";

pub const PORTAL_SCRIPT: &str = include_str!("../../assets/portal-live.js");
pub const PORTAL_SCRIPT_PATH: &str = "/portal/assets/live.js";

/// The stylesheet.
pub async fn css() -> impl IntoResponse {
    revalidated("text/css; charset=utf-8", CSS)
}

/// The portal's script (activation, push and test-push statuses).
pub async fn portal_script() -> impl IntoResponse {
    revalidated("text/javascript; charset=utf-8", PORTAL_SCRIPT)
}

/// Revalidated on every use (`no-cache`), so a new build's asset is picked up at once.
fn revalidated(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
