//! twofold-ceiling: the benchmark's yardstick (issue 17). A trivial axum server that does
//! what `POST /v1/auth` must do at the least: parse the same JSON body (the server's own
//! `AuthRequest`), check HTTP Basic credentials are present, and answer a small JSON
//! `AuthResponse`. No storage, no code check. `twofold-bench` runs it beside the real server
//! in the same run, on the same runtime settings (tokio's multi-thread runtime with its
//! defaults, HTTP/1.1), so a figure divided by this one cancels the machine's noise.
//!
//! It listens on 127.0.0.1 only and prints `listening on http://127.0.0.1:PORT` once ready.

use std::process::ExitCode;

use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use twofold_core::proto::{AuthRequest, AuthResponse, AuthResult, Reason};

#[derive(Debug, Parser)]
#[command(
    name = "twofold-ceiling",
    about = "A trivial /v1/auth handler: the ceiling twofold-bench measures the server against.",
    after_help = "Example:\n  twofold-ceiling --port 0    # prints the address it listens on"
)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// Parses the body as the server does and answers `deny` / `invalid_code`.
async fn auth(
    headers: HeaderMap,
    Json(req): Json<AuthRequest>,
) -> Result<Json<AuthResponse>, StatusCode> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    if !basic || req.username.is_empty() {
        return Err(StatusCode::UNAUTHORIZED);
    }
    Ok(Json(AuthResponse::new(
        AuthResult::Deny,
        Reason::InvalidCode,
    )))
}

fn main() -> ExitCode {
    twofold_testkit::tool_main::run(serve(Args::parse().port))
}

async fn serve(port: u16) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new().route("/v1/auth", post(auth));
    axum::serve(listener, app).await
}
