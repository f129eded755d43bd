//! The admin API client the CLI uses.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use twofold_core::proto::ErrorBody;

use super::args::Connection;
use super::error::CliError;
use crate::config::Config;

pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    pub fn new(conn: &Connection, config: &Config) -> Result<Self, CliError> {
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
                    .map_err(|source| CliError::NoToken {
                        path: path.clone(),
                        source,
                    })?
                    .trim()
                    .to_owned()
            }
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(CliError::HttpClient)?;
        Ok(Self { http, base, token })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body<'_>>,
    ) -> Result<reqwest::Response, CliError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        request = match body {
            Some(Body::Json(value)) => request.json(&value),
            Some(Body::Csv(text)) => request
                .header(reqwest::header::CONTENT_TYPE, "text/csv")
                .body(text.to_owned()),
            None => request,
        };
        let response = request.send().await.map_err(|source| {
            if source.is_connect() {
                CliError::Unreachable(self.base.clone())
            } else {
                CliError::Request { url, source }
            }
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(ErrorBody { error }) if status == StatusCode::UNAUTHORIZED => {
                CliError::Unauthorized {
                    code: error.code,
                    message: error.message,
                }
            }
            Ok(ErrorBody { error }) => CliError::Refused {
                code: error.code,
                message: error.message,
            },
            Err(_) => CliError::Status(status),
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CliError> {
        decode(self.send(Method::GET, path, None).await?).await
    }

    pub async fn get_text(&self, path: &str) -> Result<String, CliError> {
        self.send(Method::GET, path, None)
            .await?
            .text()
            .await
            .map_err(CliError::Answer)
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, CliError> {
        self.send_json(Method::POST, path, body).await
    }

    pub async fn post_csv<T: DeserializeOwned>(
        &self,
        path: &str,
        csv: &str,
    ) -> Result<T, CliError> {
        decode(self.send(Method::POST, path, Some(Body::Csv(csv))).await?).await
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, CliError> {
        self.send_json(Method::PATCH, path, body).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, CliError> {
        self.send_json(Method::PUT, path, body).await
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, CliError> {
        let value = serde_json::to_value(body).map_err(CliError::Encode)?;
        decode(self.send(method, path, Some(Body::Json(value))).await?).await
    }

    pub async fn delete(&self, path: &str) -> Result<(), CliError> {
        self.send(Method::DELETE, path, None).await.map(|_| ())
    }
}

enum Body<'a> {
    Json(serde_json::Value),
    Csv(&'a str),
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, CliError> {
    let text = response.text().await.map_err(CliError::Answer)?;
    serde_json::from_str(&text).map_err(CliError::UnexpectedAnswer)
}

/// A path segment, percent-encoded.
pub fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
