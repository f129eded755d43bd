//! What tests of the in-process server set up through its admin API and ask through its
//! relying-party API: users with activation codes, applications, pushes and their outcomes.
//! Every call goes through the router, as a client's would.

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::{json, Value};

use super::InProcessServer;
use crate::error::Error;
use crate::Result;

/// `value[key]` as text, or an error quoting the body.
fn text(value: &Value, key: &str) -> Result<String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::new(format!("no {key:?} in {value}")))
}

impl InProcessServer {
    /// `METHOD PATH` with the admin token, whatever the answer.
    pub async fn as_admin(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value)> {
        self.call(method, path, Some(&self.admin()), body).await
    }

    /// An admin call that must succeed (2xx); its body.
    pub async fn admin_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let (status, value) = self.as_admin(method, path, body).await?;
        if !status.is_success() {
            return Err(Error::new(format!("{method} {path}: {status} {value}")));
        }
        Ok(value)
    }

    /// Adds the user (when not there yet) and a fresh activation for them:
    /// `{"uri", "code", "qr_png_base64", ...}`.
    pub async fn activation(&self, username: &str) -> Result<Value> {
        let user = json!({ "username": username });
        let (status, body) = self.as_admin("POST", "/v1/admin/users", Some(user)).await?;
        if status != 201 && status != 409 {
            return Err(Error::new(format!("adding {username}: {status} {body}")));
        }
        self.issue_activation(username).await
    }

    /// A fresh activation for an existing user.
    async fn issue_activation(&self, username: &str) -> Result<Value> {
        let path = format!("/v1/admin/users/{username}/activation");
        let (status, issued) = self.as_admin("POST", &path, None).await?;
        if status != 201 {
            return Err(Error::new(format!(
                "activation for {username}: {status} {issued}"
            )));
        }
        Ok(issued)
    }

    /// Adds the user (when not there yet); a fresh activation code for them.
    pub async fn user_with_code(&self, username: &str) -> Result<String> {
        text(&self.activation(username).await?, "code")
    }

    /// A fresh activation code for an existing user.
    pub async fn code_for(&self, username: &str) -> Result<String> {
        text(&self.issue_activation(username).await?, "code")
    }

    /// Adds the user (when not there yet); a fresh activation URI (`twofold://activate?...`).
    pub async fn activation_uri(&self, username: &str) -> Result<String> {
        text(&self.activation(username).await?, "uri")
    }

    /// Registers an application; its HTTP Basic `Authorization` header value.
    pub async fn application(&self, name: &str) -> Result<String> {
        let app = json!({ "name": name });
        let (status, creds) = self
            .as_admin("POST", "/v1/admin/applications", Some(app))
            .await?;
        if status != 201 {
            return Err(Error::new(format!("adding {name}: {status} {creds}")));
        }
        let pair = format!("{}:{}", text(&creds, "id")?, text(&creds, "secret")?);
        Ok(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    /// An asynchronous push for `username` from the relying party `app` (a Basic header):
    /// `{"result": "waiting", "txid": ..., "number": ...}`.
    pub async fn push(&self, app: &str, username: &str) -> Result<Value> {
        let body = json!({"username": username, "factor": "push", "async": true,
            "context": {"client_ip": "198.51.100.7", "location": "Lisbon, PT"}});
        let (status, value) = self.call("POST", "/v1/auth", Some(app), Some(body)).await?;
        if status != 200 {
            return Err(Error::new(format!("push for {username}: {status} {value}")));
        }
        Ok(value)
    }

    /// What the relying party hears for a transaction (long poll of 10 s): (result, reason).
    pub async fn outcome(&self, app: &str, txid: &str) -> Result<(String, String)> {
        let (status, value) = self
            .call("GET", &format!("/v1/auth/{txid}?wait=10"), Some(app), None)
            .await?;
        if status != 200 {
            return Err(Error::new(format!("outcome of {txid}: {status} {value}")));
        }
        Ok((text(&value, "result")?, text(&value, "reason")?))
    }

    /// `POST /v1/auth` with a passcode: the result (`allow`, `deny`...), empty when the
    /// answer has none.
    pub async fn passcode(&self, app: &str, username: &str, code: &str) -> Result<String> {
        let body = json!({"username": username, "factor": "passcode", "passcode": code});
        let (_, value) = self.call("POST", "/v1/auth", Some(app), Some(body)).await?;
        Ok(value["result"].as_str().unwrap_or_default().to_owned())
    }
}
