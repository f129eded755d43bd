//! The web pages' embedded assets: one stylesheet, compiled into the binary (no CDN, nothing
//! read from disk at run time). No JavaScript: every console page works without it.

use axum::http::header;
use axum::response::IntoResponse;

pub const CSS: &str = include_str!("../../assets/web.css");
pub const CSS_PATH: &str = "/admin/assets/web.css";

/// The stylesheet, revalidated on every use (`no-cache`), so a new build's is picked up at
/// once.
pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
}
