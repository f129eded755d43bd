//! A server state on a fresh database: a temporary SQLite file, or a fresh database on the
//! PostgreSQL the test command started (`TWOFOLD_TEST_POSTGRES_URL`).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use twofold_server::clock::ManualClock;
use twofold_server::{build_state, AppState, Config};

pub struct TestServer {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub admin_token: String,
    _dir: TempDir,
}

pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(tag: &str) -> TempDir {
    let bytes = twofold_server::crypto::random_bytes(6).unwrap();
    let dir = std::env::temp_dir().join(format!(
        "twofold-{tag}-{}",
        twofold_server::crypto::encode_hex(&bytes)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// The engines to run a test on: SQLite always; PostgreSQL when the test command started one
/// (and required when it asks for it).
pub fn engines() -> Vec<&'static str> {
    let mut engines = vec!["sqlite"];
    if std::env::var("TWOFOLD_TEST_POSTGRES_URL").is_ok() {
        engines.push("postgres");
    } else if std::env::var("TWOFOLD_REQUIRE_POSTGRES").is_ok() {
        panic!("TWOFOLD_REQUIRE_POSTGRES is set but TWOFOLD_TEST_POSTGRES_URL is not");
    }
    engines
}

/// A new, empty PostgreSQL database on the test server; returns its URL.
pub async fn fresh_postgres_database() -> String {
    let base = std::env::var("TWOFOLD_TEST_POSTGRES_URL").unwrap();
    let name = format!(
        "t_{}",
        twofold_server::crypto::encode_hex(&twofold_server::crypto::random_bytes(8).unwrap())
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

impl TestServer {
    pub async fn start(engine: &str, tweak: impl FnOnce(&mut Config)) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("info,sqlx=warn")
            .try_init();
        let dir = temp_dir("handler");
        let mut config = Config::load(None, |_| None).unwrap();
        config.data_dir = dir.0.join("data");
        config.server_name = "test-node".into();
        if engine == "postgres" {
            config.database_url = fresh_postgres_database().await;
        }
        tweak(&mut config);
        let clock = Arc::new(ManualClock::new(1_700_000_000));
        let (state, first) = build_state(config, clock.clone(), "127.0.0.1:8080".parse().unwrap())
            .await
            .unwrap();
        Self {
            state,
            clock,
            admin_token: first.admin_token.unwrap(),
            _dir: dir,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
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
        .unwrap();
        self.raw(request).await
    }

    pub async fn raw(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = twofold_server::router(self.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value)
    }

    /// Serves the router on a real socket (127.0.0.1, a free port); returns its base URL.
    pub async fn listen(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = twofold_server::router(self.state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{addr}")
    }

    /// Adds a user and returns a fresh activation code for them.
    pub async fn user_with_code(&self, username: &str) -> String {
        let admin = self.admin();
        let (status, body) = self
            .call(
                "POST",
                "/v1/admin/users",
                Some(&admin),
                Some(serde_json::json!({ "username": username })),
            )
            .await;
        assert!(status == 201 || status == 409, "{body}");
        self.code_for(username).await
    }

    pub async fn code_for(&self, username: &str) -> String {
        let (status, issued) = self
            .call(
                "POST",
                &format!("/v1/admin/users/{username}/activation"),
                Some(&self.admin()),
                None,
            )
            .await;
        assert_eq!(status, 201, "{issued}");
        issued["code"].as_str().unwrap().to_owned()
    }

    /// Registers an application; returns its Basic authorization header value.
    pub async fn application(&self, name: &str) -> String {
        use base64::Engine;
        let (status, creds) = self
            .call(
                "POST",
                "/v1/admin/applications",
                Some(&self.admin()),
                Some(serde_json::json!({ "name": name })),
            )
            .await;
        assert_eq!(status, 201, "{creds}");
        let pair = format!(
            "{}:{}",
            creds["id"].as_str().unwrap(),
            creds["secret"].as_str().unwrap()
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    pub fn admin(&self) -> String {
        format!("Bearer {}", self.admin_token)
    }
}
