//! The real server in this process: an [`AppState`] on a temporary SQLite file or a fresh
//! PostgreSQL database, a manual clock, and the first admin token. Handler tests drive its
//! router with `oneshot` ([`InProcessServer::call`]); tests of HTTP and WebSocket clients
//! (devices, the authenticator engine) have it [`listen`](InProcessServer::listen) on
//! 127.0.0.1 and a free port.
//!
//! What it is not: the server binary. Start-up, configuration files, signals and the CLI are
//! tested with [`crate::ServerProcess`].

mod calls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use twofold_server::clock::ManualClock;
use twofold_server::config::NumberMatching;
use twofold_server::{build_state, AppState, Config};

use crate::engine::{fresh_postgres_database, Engine};
use crate::error::Error;
use crate::http::read_body;
use crate::temp::temp_dir;
use crate::Result;

/// The `push.number_matching` setting for "on" (always) or "off": what push tests switch.
pub fn number_matching(on: bool) -> NumberMatching {
    if on {
        NumberMatching::Always
    } else {
        NumberMatching::Off
    }
}

/// Where the manual clock starts (2023-11-14T22:13:20Z).
pub const START: u64 = 1_700_000_000;

pub struct InProcessServer {
    pub engine: Engine,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub admin_token: String,
    /// `http://127.0.0.1:PORT`, the address activation codes carry; served once
    /// [`listen`](Self::listen) is called.
    pub url: String,
    /// Bound before the state is built (so the server knows its address), served on demand.
    listener: Mutex<Option<tokio::net::TcpListener>>,
    _dir: tempfile::TempDir,
}

impl InProcessServer {
    /// A server on `engine` with the default configuration changed by `tweak`, its data in a
    /// temporary directory, named `test-node`, its clock at [`START`].
    pub async fn start(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Result<Self> {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("info,sqlx=warn")
            .try_init();
        let dir = temp_dir("handler")?;
        let mut config = Config::load(None, |_| None)
            .map_err(|e| Error::new(format!("default configuration: {e}")))?;
        config.data_dir = dir.path().join("data");
        config.server_name = "test-node".into();
        if engine == Engine::Postgres {
            config.database_url = fresh_postgres_database().await?;
        }
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let bound = listener.local_addr()?;
        let clock = Arc::new(ManualClock::new(START));
        let (state, first) = build_state(config, clock.clone(), bound)
            .await
            .map_err(|e| Error::new(format!("cannot build the server state: {e}")))?;
        let admin_token = first
            .admin_token
            .ok_or_else(|| Error::new("a fresh database printed no admin token"))?;
        Ok(Self {
            engine,
            state,
            clock,
            admin_token,
            url: format!("http://{bound}"),
            listener: Mutex::new(Some(listener)),
            _dir: dir,
        })
    }

    /// [`start`](Self::start), then [`listen`](Self::listen): for tests that talk to it only
    /// over the network, as a device and a relying party would.
    pub async fn listening(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Result<Self> {
        let server = Self::start(engine, tweak).await?;
        server.listen().await?;
        Ok(server)
    }

    /// Serves the router on its socket (from the first call on); returns its base URL.
    pub async fn listen(&self) -> Result<String> {
        let listener = self
            .listener
            .lock()
            .map_err(|_| Error::new("the listener lock is poisoned"))?
            .take();
        if let Some(listener) = listener {
            let app = twofold_server::router(self.state.clone())
                .into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    eprintln!("the in-process server stopped: {e}");
                }
            });
        }
        Ok(self.url.clone())
    }

    /// `METHOD PATH` through the router (no socket), with an `Authorization` header and a
    /// JSON body when given; the status and the body (see [`read_body`]).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value)> {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let request = match body {
            Some(json) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string())),
            None => request.body(Body::empty()),
        }
        .map_err(|e| Error::new(format!("request {method} {path}: {e}")))?;
        self.raw(request).await
    }

    /// Any request through the router: for bodies and headers [`call`](Self::call) cannot
    /// make.
    pub async fn raw(&self, request: Request<Body>) -> Result<(StatusCode, Value)> {
        let response = twofold_server::router(self.state.clone())
            .oneshot(request)
            .await
            .map_err(|e| Error::new(format!("the router failed: {e}")))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::new(format!("reading the body: {e}")))?
            .to_bytes();
        Ok((status, read_body(&bytes)))
    }

    /// The admin API's `Authorization` header value.
    pub fn admin(&self) -> String {
        format!("Bearer {}", self.admin_token)
    }
}
