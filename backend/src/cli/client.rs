//! The admin API client the CLI uses.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use twofold_core::proto::ErrorBody;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

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
            .unwrap_or_else(|| config.public_url_for(reachable(config.listen)))
            .trim_end_matches('/')
            .to_owned();
        // Before the token is even read: it must not travel in clear text to another host.
        check_transport(&base)?;
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

/// Where this machine reaches a server listening on `listen`: its loopback address when it
/// listens on every address (`0.0.0.0`, `::`), which is not an address to connect to.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, listen.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, listen.port()).into(),
        _ => listen,
    }
}

/// The admin token is a bearer credential: over `http://` anyone on the path could replay
/// it. Allowed are `https://` anywhere and `http://` to this machine's loopback interface
/// only, decided on the host of the parsed URL (so `http://localhost:1@evil.example`, whose
/// host is `evil.example`, is refused), as the authenticator engine does (issue 13, item 17).
pub fn check_transport(base: &str) -> Result<(), CliError> {
    let url = reqwest::Url::parse(base).map_err(|e| CliError::BadServerUrl {
        url: base.to_owned(),
        message: e.to_string(),
    })?;
    let loopback = match url.host_str() {
        Some("localhost") => true,
        // An IPv6 host comes bracketed: "[::1]".
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(CliError::InsecureServer(base.to_owned())),
        other => Err(CliError::BadServerUrl {
            url: base.to_owned(),
            message: format!("the scheme must be https or http, not {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_only_over_https_or_to_loopback() {
        for fine in [
            "https://mfa.example.com",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(check_transport(fine).is_ok(), "{fine}");
        }
        for bad in [
            "http://mfa.example.com",
            "http://localhost:1@evil.example",
            "http://127.0.0.1@evil.example",
            "http://127.0.0.1.evil.example",
            "http://0.0.0.0:8080",
            "http://[::ffff:127.0.0.1]",
            "http://192.0.2.1",
        ] {
            assert!(
                matches!(check_transport(bad), Err(CliError::InsecureServer(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            check_transport("ftp://127.0.0.1"),
            Err(CliError::BadServerUrl { .. })
        ));
        assert!(matches!(
            check_transport("not a url"),
            Err(CliError::BadServerUrl { .. })
        ));
        assert_eq!(
            reachable("0.0.0.0:8080".parse().unwrap()),
            "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            reachable("[::]:8080".parse().unwrap()),
            "[::1]:8080".parse::<SocketAddr>().unwrap()
        );
    }
}
