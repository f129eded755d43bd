//! The admin API client the CLI uses.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use twofold_core::proto::ErrorBody;

use super::args::Connection;
use crate::config::Config;

pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    pub fn new(conn: &Connection, config: &Config) -> Result<Self, String> {
        let base = conn
            .server
            .clone()
            .unwrap_or_else(|| config.public_url_for(config.listen))
            .trim_end_matches('/')
            .to_owned();
        let token = match &conn.token {
            Some(t) => t.trim().to_owned(),
            None => {
                let path = config.admin_token_path();
                std::fs::read_to_string(&path)
                    .map_err(|e| {
                        format!(
                            "no admin token: pass --token or set TWOFOLD_ADMIN_TOKEN, or run where {} is readable ({e})",
                            path.display()
                        )
                    })?
                    .trim()
                    .to_owned()
            }
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { http, base, token })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body<'_>>,
    ) -> Result<reqwest::Response, String> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        request = match body {
            Some(Body::Json(value)) => request.json(&value),
            Some(Body::Csv(text)) => request
                .header(reqwest::header::CONTENT_TYPE, "text/csv")
                .body(text.to_owned()),
            None => request,
        };
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                format!(
                    "cannot reach the server at {}: is it running (twofold-server serve)?",
                    self.base
                )
            } else {
                format!("request to {url} failed: {e}")
            }
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) if status == StatusCode::UNAUTHORIZED => {
                format!(
                    "{} ({}): check the admin token",
                    body.error.message, body.error.code
                )
            }
            Ok(body) => format!("{} ({})", body.error.message, body.error.code),
            Err(_) => format!("the server answered {status}"),
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        decode(self.send(Method::GET, path, None).await?).await
    }

    pub async fn get_text(&self, path: &str) -> Result<String, String> {
        self.send(Method::GET, path, None)
            .await?
            .text()
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, String> {
        let value = serde_json::to_value(body).map_err(|e| e.to_string())?;
        decode(
            self.send(Method::POST, path, Some(Body::Json(value)))
                .await?,
        )
        .await
    }

    pub async fn post_csv<T: DeserializeOwned>(&self, path: &str, csv: &str) -> Result<T, String> {
        decode(self.send(Method::POST, path, Some(Body::Csv(csv))).await?).await
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, String> {
        let value = serde_json::to_value(body).map_err(|e| e.to_string())?;
        decode(
            self.send(Method::PATCH, path, Some(Body::Json(value)))
                .await?,
        )
        .await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, String> {
        let value = serde_json::to_value(body).map_err(|e| e.to_string())?;
        decode(
            self.send(Method::PUT, path, Some(Body::Json(value)))
                .await?,
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Result<(), String> {
        self.send(Method::DELETE, path, None).await.map(|_| ())
    }
}

enum Body<'a> {
    Json(serde_json::Value),
    Csv(&'a str),
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, String> {
    let text = response.text().await.map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("unexpected answer from the server: {e}"))
}

/// A path segment, percent-encoded.
pub fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
