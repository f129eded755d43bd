//! The real Twofold server, in process, on 127.0.0.1 and a free port, with a temporary SQLite
//! database and a manual clock. Tests talk to it only over HTTP, as a device and a relying
//! party would.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{json, Value};
use twofold_server::clock::ManualClock;
use twofold_server::{build_state, Config};

pub const START: u64 = 1_700_000_000;

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub clock: Arc<ManualClock>,
    admin: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start(number_matching: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::load(None, |_| None).unwrap();
        config.data_dir = dir.path().join("data");
        config.server_name = "test-node".into();
        config.push.number_matching = if number_matching {
            twofold_server::config::NumberMatching::Always
        } else {
            twofold_server::config::NumberMatching::Off
        };
        // Bind first, so the activation codes carry the real address.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bound = listener.local_addr().unwrap();
        let clock = Arc::new(ManualClock::new(START));
        let (state, first) = build_state(config, clock.clone(), bound).await.unwrap();
        let app = twofold_server::router(state).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url: format!("http://{bound}"),
            clock,
            admin: format!("Bearer {}", first.admin_token.unwrap()),
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        auth: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("authorization", auth);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn admin_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, &self.admin, body).await;
        assert!((200..300).contains(&status), "{method} {path}: {value}");
        value
    }

    /// Creates the user (if needed) and returns a fresh activation URI for them.
    pub async fn activation_uri(&self, username: &str) -> String {
        self.activation(username).await["uri"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates the user (if needed) and a fresh activation: `{"uri", "code", "qr_png_base64", ...}`.
    pub async fn activation(&self, username: &str) -> Value {
        let (status, body) = self
            .call(
                "POST",
                "/v1/admin/users",
                &self.admin,
                Some(json!({ "username": username })),
            )
            .await;
        assert!(status == 201 || status == 409, "{body}");
        self.admin_call(
            "POST",
            &format!("/v1/admin/users/{username}/activation"),
            None,
        )
        .await
    }

    /// Registers an application; returns its Basic authorization header value.
    pub async fn application(&self, name: &str) -> String {
        use base64::Engine;
        let creds = self
            .admin_call(
                "POST",
                "/v1/admin/applications",
                Some(json!({ "name": name })),
            )
            .await;
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

    /// An asynchronous push for `username` from a relying party: `{"result": "waiting",
    /// "txid": ..., "number": ...}`.
    pub async fn push(&self, app: &str, username: &str) -> Value {
        let body = json!({"username": username, "factor": "push", "async": true,
            "context": {"client_ip": "198.51.100.7", "location": "Lisbon, PT"}});
        let (status, value) = self.call("POST", "/v1/auth", app, Some(body)).await;
        assert_eq!(status, 200, "{value}");
        value
    }

    /// The relying party's answer for a transaction (long poll).
    pub async fn outcome(&self, app: &str, txid: &str) -> (String, String) {
        let (status, value) = self
            .call("GET", &format!("/v1/auth/{txid}?wait=10"), app, None)
            .await;
        assert_eq!(status, 200, "{value}");
        (
            value["result"].as_str().unwrap().to_owned(),
            value["reason"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn passcode(&self, app: &str, username: &str, code: &str) -> String {
        let body = json!({"username": username, "factor": "passcode", "passcode": code});
        let (_, value) = self.call("POST", "/v1/auth", app, Some(body)).await;
        value["result"].as_str().unwrap_or_default().to_owned()
    }
}
