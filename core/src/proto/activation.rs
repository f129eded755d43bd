//! Activation: the code an admin hands out, and the exchange that turns it into a device.

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// `twofold://activate?url=SERVER_URL&code=CODE`: what the activation QR code carries.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationUri {
    pub server_url: String,
    pub code: String,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ActivationUriError {
    #[error("not a Twofold activation code (twofold://activate?url=...&code=...)")]
    NotActivation,
    #[error("the activation code has no server address (url)")]
    MissingUrl,
    #[error("the server address must start with https:// or http://")]
    BadUrl,
    #[error("the activation code has no code")]
    MissingCode,
}

impl ActivationUri {
    pub fn parse(text: &str) -> Result<Self, ActivationUriError> {
        let text = text.trim();
        let rest = text
            .split_once("://")
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("twofold"))
            .map(|(_, rest)| rest)
            .ok_or(ActivationUriError::NotActivation)?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if !path.trim_end_matches('/').eq_ignore_ascii_case("activate") {
            return Err(ActivationUriError::NotActivation);
        }
        let mut server_url = None;
        let mut code = None;
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(value)
                .decode_utf8_lossy()
                .trim()
                .to_owned();
            match key {
                "url" if server_url.is_none() && !value.is_empty() => server_url = Some(value),
                "code" if code.is_none() && !value.is_empty() => code = Some(value),
                _ => {}
            }
        }
        let server_url = server_url.ok_or(ActivationUriError::MissingUrl)?;
        let lower = server_url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(ActivationUriError::BadUrl);
        }
        let code = code.ok_or(ActivationUriError::MissingCode)?;
        Ok(Self {
            server_url: server_url.trim_end_matches('/').to_owned(),
            code,
        })
    }

    pub fn to_uri(&self) -> String {
        format!(
            "twofold://activate?url={}&code={}",
            utf8_percent_encode(&self.server_url, NON_ALPHANUMERIC),
            utf8_percent_encode(&self.code, NON_ALPHANUMERIC)
        )
    }
}

impl fmt::Debug for ActivationUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivationUri")
            .field("server_url", &self.server_url)
            .field("code", &"***")
            .finish()
    }
}

/// `POST /v1/device/activate`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The activation code, as shown to the user (spaces and dashes are ignored).
    pub code: String,
    /// The device's P-256 public key, uncompressed SEC1 (65 bytes), base64url.
    pub public_key: String,
    /// ECDSA P-256 SHA-256 (DER) over `sign::activation_bytes(code, public_key)`, base64url:
    /// proof that the device holds the private key.
    pub signature: String,
    /// A name the user recognises ("Alice's Pixel").
    pub name: String,
    /// "android", "ios", "linux", "macos", "windows", "cli", ...
    pub platform: String,
}

impl fmt::Debug for ActivateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivateRequest")
            .field("code", &"***")
            .field("name", &self.name)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

/// The answer to a successful activation.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivateResponse {
    pub device_id: String,
    pub username: String,
    /// The server's P-256 public key (uncompressed SEC1, base64url); every push challenge is
    /// signed with it.
    pub server_public_key: String,
    /// The activation epoch: when the server is reactivated it changes and this device must
    /// activate again.
    pub epoch: u64,
    /// The server's clock (unix seconds), so the device can correct its own.
    pub server_time: u64,
    /// The account's offline codes: an `otpauth://totp/...` URI holding the OATH secret.
    pub otpauth_uri: String,
    /// The server's name, to label the account.
    pub server_name: String,
}

impl fmt::Debug for ActivateResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivateResponse")
            .field("device_id", &self.device_id)
            .field("username", &self.username)
            .field("epoch", &self.epoch)
            .field("server_time", &self.server_time)
            .field("otpauth_uri", &"***")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_uri_round_trips_and_hides_the_code() {
        let uri = ActivationUri {
            server_url: "https://mfa.example.com:8443".into(),
            code: "1234 5678 9012".into(),
        };
        let text = uri.to_uri();
        assert!(text.starts_with("twofold://activate?url=https%3A%2F%2Fmfa"));
        assert_eq!(ActivationUri::parse(&text).unwrap(), uri);
        assert!(!format!("{uri:?}").contains("5678"));
    }

    #[test]
    fn bad_activation_uris_are_refused_with_a_reason() {
        assert_eq!(
            ActivationUri::parse("otpauth://totp/a?secret=A"),
            Err(ActivationUriError::NotActivation)
        );
        assert_eq!(
            ActivationUri::parse("twofold://other?url=x"),
            Err(ActivationUriError::NotActivation)
        );
        assert_eq!(
            ActivationUri::parse("twofold://activate?code=1"),
            Err(ActivationUriError::MissingUrl)
        );
        assert_eq!(
            ActivationUri::parse("twofold://activate?url=ftp%3A%2F%2Fx&code=1"),
            Err(ActivationUriError::BadUrl)
        );
        assert_eq!(
            ActivationUri::parse("twofold://activate?url=http%3A%2F%2Fx"),
            Err(ActivationUriError::MissingCode)
        );
    }
}
