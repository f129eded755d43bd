//! HTTP clients for the admin API (bearer token) and the relying-party API (HTTP Basic
//! `app_id:secret`), answering with status and JSON whatever the status.

use std::time::Duration;

use base64::Engine as _;
use reqwest::{header, Method};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use twofold_core::proto::{AuthContext, AuthRequest, Factor};

use crate::error::Error;
use crate::Result;

/// A status and a body: JSON when the body is JSON, otherwise the text as a JSON string.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Value,
}

impl ApiResponse {
    /// The stable error code (`error.code`), if the body is an error.
    pub fn error_code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }

    /// The body decoded as `T`, when the status is 2xx.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        if !(200..300).contains(&self.status) {
            return Err(Error::new(format!("HTTP {}: {}", self.status, self.body)));
        }
        serde_json::from_value(self.body.clone())
            .map_err(|e| Error::new(format!("unexpected body ({e}): {}", self.body)))
    }

    async fn read(response: reqwest::Response) -> Result<Self> {
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok(Self {
            status,
            body: read_body(&bytes),
        })
    }
}

/// A body as JSON: `null` when empty, the text as a JSON string when it is not JSON.
pub fn read_body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// A body to send as is: for malformed-request tests.
pub struct RawBody<'a> {
    pub content_type: Option<&'a str>,
    pub bytes: Vec<u8>,
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        // Only ever the local server: never a proxy from the environment.
        .no_proxy()
        .build()?)
}

pub(crate) fn check_loopback(base: &str) -> Result<()> {
    let rest = base
        .strip_prefix("http://")
        .or_else(|| base.strip_prefix("https://"))
        .unwrap_or(base);
    if rest.starts_with("127.0.0.1:")
        || rest.starts_with("localhost:")
        || rest.starts_with("[::1]:")
    {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{base} is not on this machine: the harness only talks to 127.0.0.1"
        )))
    }
}

/// Any request with any credentials: the base of both clients.
#[derive(Clone)]
pub struct RawClient {
    pub http: reqwest::Client,
    pub base: String,
    authorization: Option<String>,
}

impl RawClient {
    pub fn new(base: &str, authorization: Option<String>) -> Result<Self> {
        check_loopback(base)?;
        Ok(Self {
            http: client()?,
            base: base.trim_end_matches('/').to_owned(),
            authorization,
        })
    }

    /// Sends `body` exactly as given (no content type unless it names one).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<RawBody<'_>>,
    ) -> Result<ApiResponse> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| Error::new(format!("method {method}: {e}")))?;
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(auth) = &self.authorization {
            request = request.header(header::AUTHORIZATION, auth);
        }
        if let Some(body) = body {
            if let Some(ct) = body.content_type {
                request = request.header(header::CONTENT_TYPE, ct);
            }
            request = request.body(body.bytes);
        }
        ApiResponse::read(request.send().await?).await
    }

    /// Sends `value` as JSON.
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        value: &impl Serialize,
    ) -> Result<ApiResponse> {
        let bytes = serde_json::to_vec(value)?;
        self.raw(
            method,
            path,
            Some(RawBody {
                content_type: Some("application/json"),
                bytes,
            }),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Result<ApiResponse> {
        self.raw("GET", path, None).await
    }
}

/// The admin API with the admin token.
#[derive(Clone)]
pub struct AdminClient(pub RawClient);

impl AdminClient {
    pub fn new(base: &str, token: &str) -> Result<Self> {
        Ok(Self(RawClient::new(base, Some(format!("Bearer {token}")))?))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.0.get(path).await?.decode()
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T> {
        self.0.json("POST", path, body).await?.decode()
    }

    /// The audit log, newest first.
    pub async fn audit(&self, query: &str) -> Result<Vec<twofold_core::proto::admin::AuditRecord>> {
        self.get(&format!("/v1/admin/audit?limit=100000{query}"))
            .await
    }

    pub async fn users(&self) -> Result<Vec<twofold_core::proto::admin::User>> {
        self.get("/v1/admin/users").await
    }
}

/// The relying-party API as one registered application.
#[derive(Clone)]
pub struct RpClient(pub RawClient);

impl RpClient {
    pub fn new(base: &str, app_id: &str, secret: &str) -> Result<Self> {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{app_id}:{secret}"));
        Ok(Self(RawClient::new(base, Some(format!("Basic {basic}")))?))
    }

    /// `POST /v1/auth` with a passcode.
    pub async fn auth(
        &self,
        username: &str,
        passcode: &str,
        context: AuthContext,
    ) -> Result<ApiResponse> {
        let request = AuthRequest {
            username: username.to_owned(),
            factor: Factor::Passcode,
            passcode: Some(passcode.to_owned()),
            context,
            asynchronous: false,
        };
        self.0.json("POST", "/v1/auth", &request).await
    }

    /// `POST /v1/preauth`: what can this user do?
    pub async fn preauth(&self, username: &str) -> Result<ApiResponse> {
        let request = twofold_core::proto::PreauthRequest {
            username: username.to_owned(),
        };
        self.0.json("POST", "/v1/preauth", &request).await
    }

    /// `POST /v1/auth` and the `reason` of the answer (or the error code when it is not 200).
    pub async fn auth_reason(&self, username: &str, passcode: &str) -> Result<String> {
        let response = self
            .auth(username, passcode, AuthContext::default())
            .await?;
        Ok(match response.status {
            200 => response.body["reason"].as_str().unwrap_or("").to_owned(),
            status => format!("{status} {}", response.error_code().unwrap_or("")),
        })
    }
}
