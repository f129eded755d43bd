//! The `[radius]` section: where the RADIUS front end listens, which clients (NAS: VPN
//! concentrators, RD Gateway, Wi-Fi controllers) may ask, in which mode, and the upstream
//! RADIUS server that checks primary passwords. Off unless `listen` is set.

use std::net::SocketAddr;
use std::path::PathBuf;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::config::ConfigError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RadiusConfig {
    /// UDP address to listen on (e.g. `0.0.0.0:1812`). Unset: no RADIUS listener.
    pub listen: Option<SocketAddr>,
    /// Seconds a `State` of an Access-Challenge stays valid (`password_then_challenge`).
    pub state_ttl_seconds: Option<u64>,
    /// Answers remembered per node for retransmissions (RFC 5080 §2.2.2).
    pub duplicate_cache_size: Option<usize>,
    /// The RADIUS clients allowed to ask (`[[radius.clients]]`).
    pub clients: Vec<RadiusClientConfig>,
    /// The RADIUS server (e.g. NPS, FreeRADIUS) that checks primary passwords for clients
    /// with `primary = "upstream"`.
    pub upstream: Option<UpstreamConfig>,
}

/// Defaults of the optional keys (kept as `Option` so the example file shows them unset).
pub const DEFAULT_STATE_TTL_SECONDS: u64 = 120;
pub const DEFAULT_DUPLICATE_CACHE_SIZE: usize = 4096;

impl RadiusConfig {
    pub fn state_ttl(&self) -> u64 {
        self.state_ttl_seconds.unwrap_or(DEFAULT_STATE_TTL_SECONDS)
    }

    pub fn duplicate_cache(&self) -> usize {
        self.duplicate_cache_size
            .unwrap_or(DEFAULT_DUPLICATE_CACHE_SIZE)
    }

    /// Checks what serde cannot: every client named once, a parseable address, one secret,
    /// a primary that is built in, and an upstream when a client needs one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid =
            |key: &'static str, message: String| Err(ConfigError::Invalid { key, message });
        if self.state_ttl_seconds == Some(0) {
            return invalid("radius.state_ttl_seconds", "must be at least 1".into());
        }
        if self.duplicate_cache_size == Some(0) {
            return invalid("radius.duplicate_cache_size", "must be at least 1".into());
        }
        for (i, client) in self.clients.iter().enumerate() {
            let name = &client.name;
            if name.trim().is_empty() {
                return invalid(
                    "radius.clients.name",
                    format!("client #{} has no name", i + 1),
                );
            }
            if self.clients[..i].iter().any(|c| &c.name == name) {
                return invalid(
                    "radius.clients.name",
                    format!("client {name:?} is configured twice"),
                );
            }
            if client.network().is_none() {
                return invalid(
                    "radius.clients.address",
                    format!(
                        "client {name:?}: {:?} is not an IP address or CIDR network",
                        client.address
                    ),
                );
            }
            match (client.secret.is_empty(), client.secret_file.is_some()) {
                (true, false) => {
                    return invalid(
                        "radius.clients.secret",
                        format!("client {name:?}: set secret or secret_file"),
                    )
                }
                (false, true) => {
                    return invalid(
                        "radius.clients.secret",
                        format!("client {name:?}: set secret or secret_file, not both"),
                    )
                }
                _ => {}
            }
            if !(1..=8).contains(&client.digits) {
                return invalid(
                    "radius.clients.digits",
                    format!("client {name:?}: must be 1 to 8"),
                );
            }
            match client.primary.as_str() {
                "upstream" => {}
                "directory" => {}
                other => {
                    return invalid(
                        "radius.clients.primary",
                        format!("client {name:?}: {other:?} is not a primary; use \"upstream\" or \"directory\""),
                    )
                }
            }
            if client.mode != RadiusMode::SecondFactor
                && client.primary == "upstream"
                && self.upstream.is_none()
            {
                return invalid(
                    "radius.upstream",
                    format!("client {name:?} checks a primary password (mode {}): configure [radius.upstream]", client.mode.as_str()),
                );
            }
        }
        if let Some(up) = &self.upstream {
            if up.secret.is_empty() == up.secret_file.is_none() {
                return invalid(
                    "radius.upstream.secret",
                    "set secret or secret_file (one of them)".into(),
                );
            }
            if up.timeout_ms == 0 {
                return invalid("radius.upstream.timeout_ms", "must be at least 1".into());
            }
        }
        Ok(())
    }
}

/// What a client's User-Password holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RadiusMode {
    /// A code, an app password, a bypass or recovery code, or `push` (or nothing): the
    /// client checked the primary password itself.
    #[default]
    SecondFactor,
    /// The primary password; the code follows after an Access-Challenge.
    PasswordThenChallenge,
    /// The primary password with the code (or `,push`) appended.
    PasswordAndCode,
}

impl RadiusMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SecondFactor => "second_factor",
            Self::PasswordThenChallenge => "password_then_challenge",
            Self::PasswordAndCode => "password_and_code",
        }
    }
}

/// One `[[radius.clients]]` entry.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RadiusClientConfig {
    /// The client's name in audit records and on the phone's sign-in request.
    pub name: String,
    /// Source address of its packets: an IP address or a CIDR network.
    pub address: String,
    /// The shared secret (RFC 2865 §3). Prefer `secret_file`.
    #[serde(skip_serializing, deserialize_with = "secret")]
    pub secret: Zeroizing<String>,
    /// A file holding the shared secret (one line; the trailing newline is ignored).
    pub secret_file: Option<PathBuf>,
    pub mode: RadiusMode,
    /// Who checks the primary password: `"upstream"` (`[radius.upstream]`) or `"directory"`
    /// (a bind as the user's DN in `[directory]`).
    pub primary: String,
    /// Drop Access-Requests without a valid Message-Authenticator (RFC 3579 §3.2; the
    /// BlastRADIUS mitigation). Switch off only for clients that cannot send one.
    pub require_message_authenticator: bool,
    /// `password_and_code`: how many characters at the end of User-Password are the code.
    pub digits: usize,
}

impl Default for RadiusClientConfig {
    fn default() -> Self {
        Self {
            name: String::new(),
            address: String::new(),
            secret: Zeroizing::new(String::new()),
            secret_file: None,
            mode: RadiusMode::SecondFactor,
            primary: "upstream".into(),
            require_message_authenticator: true,
            digits: 6,
        }
    }
}

impl RadiusClientConfig {
    /// `address` as a network (a bare address is a /32 or /128).
    pub fn network(&self) -> Option<IpNet> {
        let text = self.address.trim();
        text.parse::<IpNet>()
            .ok()
            .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
    }
}

impl std::fmt::Debug for RadiusClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RadiusClientConfig")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("secret", &"Secret(***)")
            .field("secret_file", &self.secret_file)
            .field("mode", &self.mode)
            .field("primary", &self.primary)
            .field(
                "require_message_authenticator",
                &self.require_message_authenticator,
            )
            .field("digits", &self.digits)
            .finish()
    }
}

/// `[radius.upstream]`: the RADIUS server that checks primary passwords (PAP).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpstreamConfig {
    pub address: SocketAddr,
    #[serde(skip_serializing, deserialize_with = "secret")]
    pub secret: Zeroizing<String>,
    pub secret_file: Option<PathBuf>,
    /// Milliseconds to wait for each answer.
    pub timeout_ms: u64,
    /// Further attempts after the first one times out (RFC 5080 §2.2.1: same packet).
    pub retries: u32,
    /// Sent as NAS-Identifier, so the upstream can tell Twofold's requests apart.
    pub nas_identifier: String,
    /// Believe only answers with a valid Message-Authenticator (RFC 3579 §3.2, the
    /// BlastRADIUS mitigation). Switch off only for an upstream that cannot send one.
    pub require_message_authenticator: bool,
}

impl Default for UpstreamConfig {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 1812)),
            secret: Zeroizing::new(String::new()),
            secret_file: None,
            timeout_ms: 3000,
            retries: 2,
            nas_identifier: "twofold".into(),
            require_message_authenticator: true,
        }
    }
}

impl std::fmt::Debug for UpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamConfig")
            .field("address", &self.address)
            .field("secret", &"Secret(***)")
            .field("secret_file", &self.secret_file)
            .field("timeout_ms", &self.timeout_ms)
            .field("retries", &self.retries)
            .field("nas_identifier", &self.nas_identifier)
            .field(
                "require_message_authenticator",
                &self.require_message_authenticator,
            )
            .finish()
    }
}

/// Reads a secret from `inline` or `file`; errors name the key.
pub fn load_secret(
    inline: &Zeroizing<String>,
    file: Option<&PathBuf>,
    key: &str,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let text = match file {
        None => Zeroizing::new(inline.as_str().to_owned()),
        Some(path) => Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| format!("{key}: cannot read secret_file {}: {e}", path.display()))?,
        ),
    };
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(format!("{key}: the shared secret is empty"));
    }
    Ok(Zeroizing::new(secret.as_bytes().to_vec()))
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Zeroizing<String>, D::Error> {
    String::deserialize(d).map(Zeroizing::new)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
