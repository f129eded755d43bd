//! `[sms]` and `[voice]`: the HTTP gateway each kind of code goes through, in the shape of
//! privacyIDEA's "HTTP SMS provider": a URL, a method, headers and a parameter template the
//! server fills in. The same keys serve both sections; a section without `gateway_url`
//! switches its method off.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::template::{self, BodyKind};
use crate::config::ConfigError;

/// How the gateway is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GatewayMethod {
    /// The rendered `body` is the request body (its `Content-Type` from `headers`, default
    /// `application/json`).
    Post,
    /// The rendered `body` is the query string appended to `gateway_url`.
    Get,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    /// Where codes are sent: `https://...` (the certificate is verified), or `http://` to a
    /// loopback address only. Empty: the method is off.
    pub gateway_url: String,
    /// "POST" (default) or "GET".
    pub method: GatewayMethod,
    /// Extra request headers (an API key, a `Content-Type`). Never logged or shown.
    #[serde(skip_serializing)]
    pub headers: BTreeMap<String, String>,
    /// More headers, one `Name: value` per line, read at start-up: keeps API keys out of the
    /// configuration file. Empty: none.
    pub headers_file: PathBuf,
    /// The request body (POST) or query string (GET), with `{phone}` (E.164), `{code}`,
    /// `{message}` and `{username}` replaced by values escaped for the body's content type:
    /// JSON string escapes for JSON, percent-encoding for a form or a query string.
    pub body: String,
    /// The text `{message}` stands for, with `{code}`, `{server_name}` and `{username}`.
    pub message: String,
    /// How long the gateway has to answer (connect and response), in seconds.
    pub timeout_seconds: u64,
    /// How long a sent code can be used (Azure MFA Server's `pfsvc_pendingSmsTimeoutSeconds`).
    pub code_ttl_seconds: u64,
    /// Digits in a code (6 to 10).
    pub code_digits: u32,
    /// Codes sent to one user (text and voice counted apart) within `window_seconds`.
    pub max_per_window: u32,
    pub window_seconds: u64,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            gateway_url: String::new(),
            method: GatewayMethod::Post,
            headers: BTreeMap::new(),
            headers_file: PathBuf::new(),
            body: r#"{"to": "{phone}", "text": "{message}"}"#.into(),
            message: "Your {server_name} code is {code}".into(),
            timeout_seconds: 10,
            code_ttl_seconds: 300,
            code_digits: 6,
            max_per_window: 5,
            window_seconds: 300,
        }
    }
}

/// Header values may be API keys: the Debug form shows only their names.
impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("gateway_url", &self.gateway_url)
            .field("method", &self.method)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("headers_file", &self.headers_file)
            .field("body", &self.body)
            .field("message", &self.message)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("code_ttl_seconds", &self.code_ttl_seconds)
            .field("code_digits", &self.code_digits)
            .field("max_per_window", &self.max_per_window)
            .field("window_seconds", &self.window_seconds)
            .finish()
    }
}

/// Which section a [`GatewayConfig`] is, for messages that name the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Sms,
    Voice,
}

impl Section {
    /// `sms.<key>` or `voice.<key>`: keys are static so [`ConfigError::Invalid`] can hold them.
    fn key(self, key: &str) -> &'static str {
        macro_rules! keys {
            ($($k:literal),*) => {
                match (self, key) {
                    $((Section::Sms, $k) => concat!("sms.", $k), (Section::Voice, $k) => concat!("voice.", $k),)*
                    (Section::Sms, _) => "sms",
                    (Section::Voice, _) => "voice",
                }
            };
        }
        keys!(
            "gateway_url",
            "headers",
            "body",
            "message",
            "timeout_seconds",
            "code_ttl_seconds",
            "code_digits",
            "max_per_window",
            "window_seconds"
        )
    }
}

impl GatewayConfig {
    /// Whether the method is on.
    pub fn enabled(&self) -> bool {
        !self.gateway_url.is_empty()
    }

    /// The content type the body is rendered for (`Content-Type` in `headers`, else JSON).
    pub fn content_type(&self) -> &str {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map_or("application/json", |(_, value)| value.as_str())
    }

    /// How placeholders in `body` are escaped.
    pub fn body_kind(&self) -> Result<BodyKind, String> {
        match self.method {
            GatewayMethod::Get => Ok(BodyKind::Query),
            GatewayMethod::Post => BodyKind::for_content_type(self.content_type()),
        }
    }

    /// Checks the section (nothing when the method is off).
    pub fn validate(&self, section: Section) -> Result<(), ConfigError> {
        if !self.enabled() {
            return Ok(());
        }
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: section.key(key),
            message,
        };
        check_url(&self.gateway_url).map_err(|m| invalid("gateway_url", m))?;
        for (key, value, range) in [
            ("timeout_seconds", self.timeout_seconds, 1..=120),
            ("code_ttl_seconds", self.code_ttl_seconds, 30..=3600),
            ("code_digits", u64::from(self.code_digits), 6..=10),
            ("max_per_window", u64::from(self.max_per_window), 1..=1000),
            ("window_seconds", self.window_seconds, 1..=86_400),
        ] {
            if !range.contains(&value) {
                return Err(invalid(
                    key,
                    format!("{value} is not within {}..={}", range.start(), range.end()),
                ));
            }
        }
        for (name, value) in &self.headers {
            template::check_header(name, value).map_err(|m| invalid("headers", m))?;
        }
        template::check_message(&self.message).map_err(|m| invalid("message", m))?;
        let kind = self.body_kind().map_err(|m| invalid("headers", m))?;
        template::check_body(&self.body, kind).map_err(|m| invalid("body", m))?;
        Ok(())
    }
}

/// `https://` anywhere, `http://` only to a loopback address (a local relay).
fn check_url(text: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "{text:?} is plain http to a host that is not loopback: codes would cross the network \
             unencrypted; use https://"
        )),
        other => Err(format!("{text:?}: the scheme must be https, not {other}")),
    }
}
