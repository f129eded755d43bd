//! The HTTP gateways text-message and voice codes go through (privacyIDEA's "HTTP SMS
//! provider" idea): the server renders the configured body with the code and the number
//! and sends it; any 2xx answer is a success, anything else (another status, a TLS or
//! connection failure, no answer within `timeout_seconds`) a failure the sign-in reports as
//! `gateway_unavailable`. TLS is rustls with the WebPKI roots, the certificate and name
//! verified (`reqwest` defaults); plain HTTP only to loopback ([`config`]).
//!
//! What is not done here: deciding who gets a code, counting sends, storing codes
//! (`signin/sms.rs`). The number and the code are never logged: errors carry neither (a
//! GET's URL holds both, so `reqwest`'s errors are stripped of it).

pub mod config;
pub mod phone;
pub mod template;

use std::path::Path;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use zeroize::Zeroizing;

use self::config::{GatewayConfig, GatewayMethod};
use self::template::BodyKind;
use crate::error::Error;

/// Why a code could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("the gateway did not answer within {0} s")]
    Timeout(u64),
    #[error("the gateway answered HTTP {0}")]
    Status(u16),
    #[error("cannot reach the gateway: {0}")]
    Transport(String),
}

/// What one message is made of.
pub struct Outgoing<'a> {
    /// E.164.
    pub phone: &'a str,
    pub code: &'a str,
    pub username: &'a str,
    pub server_name: &'a str,
}

/// One configured gateway, ready to send.
pub struct Gateway {
    client: reqwest::Client,
    url: reqwest::Url,
    method: GatewayMethod,
    headers: HeaderMap,
    kind: BodyKind,
    body: String,
    message: String,
    timeout_seconds: u64,
}

/// The gateways of `[sms]` and `[voice]`; None where `gateway_url` is not set.
#[derive(Default)]
pub struct Gateways {
    pub sms: Option<Gateway>,
    pub voice: Option<Gateway>,
}

impl Gateways {
    pub fn new(sms: &GatewayConfig, voice: &GatewayConfig) -> Result<Self, Error> {
        Ok(Self {
            sms: Gateway::new("sms", sms)?,
            voice: Gateway::new("voice", voice)?,
        })
    }
}

/// `Name: value` lines of a headers file (`#` comments and blank lines skipped).
fn read_headers_file(section: &str, path: &Path) -> Result<Vec<(String, String)>, Error> {
    let fail = |why: String| {
        Error::Internal(format!(
            "configuration key `{section}.headers_file` ({}): {why}",
            path.display()
        ))
    };
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?);
    let mut headers = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| fail(format!("line {} is not `Name: value`", number + 1)))?;
        let (name, value) = (name.trim(), value.trim());
        template::check_header(name, value)
            .map_err(|why| fail(format!("line {}: {why}", number + 1)))?;
        headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(headers)
}

impl Gateway {
    /// The gateway of a validated section, or None when it is off. Reads `headers_file`.
    pub fn new(section: &str, config: &GatewayConfig) -> Result<Option<Self>, Error> {
        if !config.enabled() {
            return Ok(None);
        }
        let bad =
            |why: String| Error::Internal(format!("configuration section [{section}]: {why}"));
        let url = reqwest::Url::parse(&config.gateway_url).map_err(|e| bad(e.to_string()))?;
        let mut pairs: Vec<(String, String)> = config
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        if !config.headers_file.as_os_str().is_empty() {
            pairs.extend(read_headers_file(section, &config.headers_file)?);
        }
        let mut headers = HeaderMap::new();
        let mut content_type = None;
        for (name, value) in pairs {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
            let mut value = HeaderValue::from_str(&value).map_err(|e| bad(e.to_string()))?;
            if name == CONTENT_TYPE {
                content_type = value.to_str().ok().map(str::to_owned);
            }
            // Never printed by reqwest's or our Debug output (API keys).
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let kind = match config.method {
            GatewayMethod::Get => BodyKind::Query,
            GatewayMethod::Post => {
                let content_type = content_type.unwrap_or_else(|| "application/json".into());
                if !headers.contains_key(CONTENT_TYPE) {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                BodyKind::for_content_type(&content_type).map_err(bad)?
            }
        };
        let timeout = Duration::from_secs(config.timeout_seconds.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A gateway that redirects is misconfigured; following it could send the code
            // somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Some(Self {
            client,
            url,
            method: config.method,
            headers,
            kind,
            body: config.body.clone(),
            message: config.message.clone(),
            timeout_seconds: config.timeout_seconds.max(1),
        }))
    }

    /// The request body (POST) or query string (GET) for `out`.
    pub fn render(&self, out: &Outgoing<'_>) -> Zeroizing<String> {
        let message = template::render(
            &self.message,
            &[
                ("code", out.code),
                ("server_name", out.server_name),
                ("username", out.username),
            ],
            |v| Zeroizing::new(v.to_owned()),
        );
        template::render(
            &self.body,
            &[
                ("phone", out.phone),
                ("code", out.code),
                ("message", &message),
                ("username", out.username),
            ],
            |v| self.kind.escape(v),
        )
    }

    /// Sends one message; Ok on a 2xx answer.
    pub async fn send(&self, out: &Outgoing<'_>) -> Result<(), GatewayError> {
        let rendered = self.render(out);
        let request = match self.method {
            GatewayMethod::Post => self
                .client
                .post(self.url.clone())
                .body(rendered.as_bytes().to_vec()),
            GatewayMethod::Get => {
                let mut url = self.url.clone();
                let query = match url.query() {
                    Some(existing) if !existing.is_empty() => {
                        Zeroizing::new(format!("{existing}&{}", rendered.as_str()))
                    }
                    _ => rendered,
                };
                url.set_query(Some(&query));
                self.client.get(url)
            }
        };
        let response = request
            .headers(self.headers.clone())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    GatewayError::Timeout(self.timeout_seconds)
                } else {
                    GatewayError::Transport(e.without_url().to_string())
                }
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(GatewayError::Status(status.as_u16()))
        }
    }
}
