//! The activation client: redeems a Twofold activation code (`twofold://activate?...`, typed
//! or scanned) with the server that issued it, as `docs/PROTOCOL.md` § Activation describes.
//!
//! [`activate`] generates the device's P-256 key, proves possession by signing
//! `sign::activation_bytes(code, public_key)`, calls `POST /v1/device/activate` and checks the
//! answer. It touches no vault: [`crate::Engine::add_activation`] stores the result, so a shell
//! can run the network part without holding the engine's lock.

use std::fmt;
use std::time::Duration;

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use thiserror::Error;
use twofold_core::proto::{
    b64_decode, b64_encode, ActivateRequest, ActivateResponse, ActivationUri, ActivationUriError,
    ErrorBody,
};
use twofold_core::sign::{activation_bytes, P256_PUBLIC_KEY_LEN};
use twofold_core::{OtpAccount, OtpKind, SecretBytes};

/// What the device tells the server about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// A name the user and the administrator recognise ("Alice's Pixel").
    pub name: String,
    /// "android", "ios", "linux", "macos", "windows", "cli", ...
    pub platform: String,
    /// Allow a plain `http://` server that is not on this machine. Off by default: over
    /// plain HTTP anyone on the network path can read the offline-code secret and swap the
    /// server key.
    pub allow_insecure_http: bool,
}

/// Why an activation failed, each with what the user can do about it.
#[derive(Debug, Error)]
pub enum ActivationError {
    #[error("{0}")]
    BadUri(#[from] ActivationUriError),
    #[error("the image holds no Twofold activation QR code (twofold://activate?...)")]
    NoActivationInImage,
    #[error(
        "the server address {0} uses plain http:// on the network: the activation would cross \
         it unencrypted; ask your administrator for an https:// activation code"
    )]
    InsecureUrl(String),
    #[error(
        "the server does not know this activation code; check that it was typed correctly, or \
         ask your administrator for a new activation code"
    )]
    InvalidCode,
    #[error("the activation code has expired; ask your administrator for a new activation code")]
    Expired,
    #[error(
        "the activation code was already used (or replaced by a newer one); ask your \
         administrator for a new activation code"
    )]
    AlreadyUsed,
    #[error(
        "the server did not accept this device's key signature; try again, and if it happens \
         again report it to your administrator"
    )]
    BadSignature,
    #[error("too many activation attempts from this network; wait a minute and try again")]
    RateLimited,
    #[error("the server refused the activation ({code}): {message}")]
    Refused { code: String, message: String },
    #[error(
        "the server could not complete the activation (a server fault); try again later or \
         tell your administrator"
    )]
    ServerFault,
    #[error(
        "cannot reach the Twofold server at {url}: {reason}; check the address and your network"
    )]
    Unreachable { url: String, reason: String },
    #[error("the server at {url} did not answer like a Twofold server: {reason}")]
    BadResponse { url: String, reason: String },
    #[error("cannot create a device key: the system random generator failed")]
    KeyGeneration,
}

impl ActivationError {
    /// A stable machine-readable code for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            ActivationError::BadUri(_) => "activation.bad_uri",
            ActivationError::NoActivationInImage => "activation.no_code_in_image",
            ActivationError::InsecureUrl(_) => "activation.insecure_url",
            ActivationError::InvalidCode => "activation.invalid_code",
            ActivationError::Expired => "activation.expired",
            ActivationError::AlreadyUsed => "activation.already_used",
            ActivationError::BadSignature => "activation.bad_signature",
            ActivationError::RateLimited => "activation.rate_limited",
            ActivationError::Refused { .. } => "activation.refused",
            ActivationError::ServerFault => "activation.server_fault",
            ActivationError::Unreachable { .. } => "activation.unreachable",
            ActivationError::BadResponse { .. } => "activation.bad_response",
            ActivationError::KeyGeneration => "activation.key_generation",
        }
    }

    /// Maps a server error body (`docs/PROTOCOL.md` § Errors) to what the user should do.
    fn from_server(status: u16, body: Option<ErrorBody>) -> Self {
        let (code, message) = body
            .map(|b| (b.error.code, b.error.message))
            .unwrap_or_else(|| (format!("http {status}"), String::new()));
        match code.as_str() {
            "activation.invalid_code" => ActivationError::InvalidCode,
            "activation.expired" => ActivationError::Expired,
            "activation.already_used" => ActivationError::AlreadyUsed,
            "activation.bad_signature" => ActivationError::BadSignature,
            "request.rate_limited" => ActivationError::RateLimited,
            "internal" => ActivationError::ServerFault,
            _ if status >= 500 => ActivationError::ServerFault,
            _ => ActivationError::Refused { code, message },
        }
    }
}

/// A completed activation, not yet stored. `Debug` shows neither the device key nor the
/// offline-code secret.
pub struct Activation {
    /// The device's P-256 private key, PKCS#8 DER.
    pub device_key: SecretBytes,
    /// The server's base URL, without a trailing slash.
    pub server_url: String,
    /// The server's signing key, uncompressed SEC1 (65 bytes).
    pub server_public_key: Vec<u8>,
    /// The offline-code account the server returned.
    pub otp: OtpAccount,
    pub device_id: String,
    pub username: String,
    pub epoch: u64,
    pub server_time: u64,
    pub server_name: String,
}

impl fmt::Debug for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Activation")
            .field("server_url", &self.server_url)
            .field("device_id", &self.device_id)
            .field("username", &self.username)
            .field("epoch", &self.epoch)
            .field("server_time", &self.server_time)
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// Finds the activation code among the texts of scanned QR codes.
pub fn find_activation_uri(texts: &[String]) -> Result<ActivationUri, ActivationError> {
    texts
        .iter()
        .find_map(|t| ActivationUri::parse(t).ok())
        .ok_or(ActivationError::NoActivationInImage)
}

/// The activation code in a PNG or JPEG image of its QR code.
pub fn activation_uri_from_image(image: &[u8]) -> Result<ActivationUri, crate::Error> {
    let texts = crate::qr::decode_image(image)?;
    Ok(find_activation_uri(&texts)?)
}

/// True for `http://` addresses of this machine (localhost, 127.0.0.0/8, ::1). Decided on the
/// host of the parsed URL, so `http://localhost:1@evil.example` (userinfo `localhost:1`, host
/// `evil.example`) is not mistaken for this machine (issue 13, item 17).
fn is_loopback_http(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    if parsed.scheme() != "http" {
        return false;
    }
    // The parser lower-cases the host and keeps IPv6 addresses in brackets.
    let host = parsed.host_str().unwrap_or("");
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn check_url(url: &str, device: &DeviceInfo) -> Result<(), ActivationError> {
    let https = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    if https || device.allow_insecure_http || is_loopback_http(url) {
        Ok(())
    } else {
        Err(ActivationError::InsecureUrl(url.to_owned()))
    }
}

/// Redeems the activation code with its server. On success nothing is stored yet: pass the
/// result to [`crate::Engine::add_activation`].
pub async fn activate(
    uri: &ActivationUri,
    device: &DeviceInfo,
) -> Result<Activation, ActivationError> {
    check_url(&uri.server_url, device)?;
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
        .map_err(|_| ActivationError::KeyGeneration)?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| ActivationError::KeyGeneration)?;
    let public_key = key.public_key().as_ref().to_vec();
    let signature = key
        .sign(&rng, &activation_bytes(&uri.code, &public_key))
        .map_err(|_| ActivationError::KeyGeneration)?;
    let request = ActivateRequest {
        code: uri.code.clone(),
        public_key: b64_encode(&public_key),
        signature: b64_encode(signature.as_ref()),
        name: device.name.clone(),
        platform: device.platform.clone(),
    };

    let url = uri.server_url.clone();
    let unreachable = |e: reqwest::Error| ActivationError::Unreachable {
        url: url.clone(),
        reason: error_chain(&e),
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("twofold-authenticator/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(unreachable)?;
    let response = client
        .post(format!("{url}/v1/device/activate"))
        .json(&request)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        let body = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        return Err(ActivationError::from_server(status.as_u16(), body));
    }
    let bad = |reason: String| ActivationError::BadResponse {
        url: url.clone(),
        reason,
    };
    let answer: ActivateResponse =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("unexpected body ({e})")))?;
    let server_public_key = b64_decode(&answer.server_public_key)
        .filter(|k| k.len() == P256_PUBLIC_KEY_LEN && k[0] == 4)
        .ok_or_else(|| bad("the server key is not a P-256 public key".into()))?;
    let otp = OtpAccount::from_uri(&answer.otpauth_uri)
        .map_err(|e| bad(format!("the offline-code account is unusable ({e})")))?;
    if !matches!(otp.kind, OtpKind::Totp { .. }) {
        return Err(bad("the offline-code account is not TOTP".into()));
    }
    crate::importers::check(&otp).map_err(bad)?;
    Ok(Activation {
        device_key: SecretBytes::new(pkcs8.as_ref().to_vec()),
        server_url: uri.server_url.clone(),
        server_public_key,
        otp,
        device_id: answer.device_id,
        username: answer.username,
        epoch: answer.epoch,
        server_time: answer.server_time,
        server_name: answer.server_name,
    })
}

/// "error sending request: connection refused" rather than only the outermost message.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(code: &str) -> Option<ErrorBody> {
        Some(ErrorBody {
            error: twofold_core::proto::ErrorDetail {
                code: code.into(),
                message: "m".into(),
            },
        })
    }

    #[test]
    fn every_server_error_code_maps_to_advice() {
        let cases = [
            (404, "activation.invalid_code", "activation.invalid_code"),
            (410, "activation.expired", "activation.expired"),
            (409, "activation.already_used", "activation.already_used"),
            (400, "activation.bad_signature", "activation.bad_signature"),
            (429, "request.rate_limited", "activation.rate_limited"),
            (500, "internal", "activation.server_fault"),
            (400, "request.invalid_body", "activation.refused"),
        ];
        for (status, code, kind) in cases {
            let error = ActivationError::from_server(status, detail(code));
            assert_eq!(error.kind(), kind, "{code}");
        }
        let expired = ActivationError::from_server(410, detail("activation.expired"));
        assert!(expired
            .to_string()
            .contains("ask your administrator for a new activation code"));
        assert_eq!(
            ActivationError::from_server(502, None).kind(),
            "activation.server_fault"
        );
    }

    #[test]
    fn plain_http_is_only_for_this_machine_unless_allowed() {
        let device = DeviceInfo {
            name: "n".into(),
            platform: "cli".into(),
            allow_insecure_http: false,
        };
        for ok in [
            "https://mfa.example.com",
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9/",
        ] {
            assert!(check_url(ok, &device).is_ok(), "{ok}");
        }
        for bad in ["http://mfa.example.com", "http://127.0.0.1.evil.example"] {
            assert!(
                matches!(
                    check_url(bad, &device),
                    Err(ActivationError::InsecureUrl(_))
                ),
                "{bad}"
            );
        }
        let allowed = DeviceInfo {
            allow_insecure_http: true,
            ..device
        };
        assert!(check_url("http://mfa.example.com", &allowed).is_ok());
    }

    /// Issue 13, item 17: userinfo that looks like a loopback host used to pass the check.
    #[test]
    fn item17_userinfo_does_not_make_a_remote_http_server_local() {
        let device = DeviceInfo {
            name: "n".into(),
            platform: "cli".into(),
            allow_insecure_http: false,
        };
        for bad in [
            "http://localhost:1@evil.example",
            "http://localhost@evil.example/",
            "http://127.0.0.1:80@evil.example:8080/",
            "http://[::1]@evil.example",
            "http://evil.example#@localhost",
            "http:/\\evil.example",
            "ftp://localhost/",
        ] {
            assert!(
                matches!(
                    check_url(bad, &device),
                    Err(ActivationError::InsecureUrl(_))
                ),
                "{bad}"
            );
        }
        assert!(check_url("http://user@LOCALHOST:8080/", &device).is_ok());
        assert!(check_url("http://127.5.6.7/", &device).is_ok());
    }

    #[test]
    fn the_activation_code_is_found_among_scanned_texts() {
        let texts = vec![
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP".to_owned(),
            "twofold://activate?url=https%3A%2F%2Fmfa&code=1234".to_owned(),
        ];
        assert_eq!(find_activation_uri(&texts).unwrap().code, "1234");
        assert!(matches!(
            find_activation_uri(&texts[..1]),
            Err(ActivationError::NoActivationInImage)
        ));
    }
}
