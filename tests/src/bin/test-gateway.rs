//! test-gateway: a small HTTP server that plays an SMS or voice gateway for the tests
//! (started by `twofold_testkit::TestGateway`, never by hand). It listens on 127.0.0.1 on a
//! free port, prints `listening on http://127.0.0.1:PORT` on stdout, and records every
//! request it gets (method, path, query, headers, body). What it answers depends on its
//! mode: `ok` (200), `fail` (500) or `hang` (no answer until the client gives up).
//!
//! - `GET /_test/received`: the recorded requests, oldest first, as JSON.
//! - `PUT /_test/mode` with the body `ok`, `fail` or `hang`: changes the mode.
//! - anything else: a gateway request, recorded and answered by the mode.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test tool: a panic is the report

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};

#[derive(Default)]
struct Gateway {
    received: Mutex<Vec<Value>>,
    mode: Mutex<String>,
}

type Shared = Arc<Gateway>;

async fn received(State(gateway): State<Shared>) -> Json<Value> {
    Json(Value::Array(gateway.received.lock().unwrap().clone()))
}

async fn set_mode(State(gateway): State<Shared>, body: String) -> Response {
    let mode = body.trim();
    if !["ok", "fail", "hang"].contains(&mode) {
        return (StatusCode::BAD_REQUEST, format!("unknown mode {mode:?}")).into_response();
    }
    *gateway.mode.lock().unwrap() = mode.to_owned();
    StatusCode::NO_CONTENT.into_response()
}

async fn gateway_request(State(gateway): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, 1024 * 1024)
        .await
        .unwrap_or_default();
    let headers: BTreeMap<String, String> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    gateway.received.lock().unwrap().push(json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query().unwrap_or_default(),
        "headers": headers,
        "body": String::from_utf8_lossy(&bytes),
    }));
    let mode = gateway.mode.lock().unwrap().clone();
    match mode.as_str() {
        "fail" => (StatusCode::INTERNAL_SERVER_ERROR, "gateway failure").into_response(),
        "hang" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        _ if parts.method == Method::GET || parts.method == Method::POST => {
            Json(json!({"status": "queued"})).into_response()
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let gateway = Arc::new(Gateway {
        mode: Mutex::new("ok".into()),
        ..Gateway::default()
    });
    let app = Router::new()
        .route("/_test/received", get(received))
        .route("/_test/mode", put(set_mode))
        .fallback(gateway_request)
        .with_state(gateway);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{address}").unwrap();
    stdout.flush().unwrap();
    axum::serve(listener, app).await.unwrap();
}
