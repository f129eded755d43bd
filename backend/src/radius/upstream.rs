//! The upstream RADIUS server as a primary (`[radius.upstream]`, e.g. NPS or FreeRADIUS):
//! an Access-Request with PAP (RFC 2865 §5.2) and a Message-Authenticator first (RFC 3579
//! §3.2), retransmitted unchanged on timeout (RFC 5080 §2.2.1), and an answer believed only
//! when its Identifier, Response Authenticator (RFC 2865 §3) and Message-Authenticator
//! check out. Each check uses its own socket, connected to the upstream, so answers from
//! anywhere else are never read.

use std::net::SocketAddr;
use std::time::Duration;

use thiserror::Error;
use tokio::net::UdpSocket;
use zeroize::Zeroizing;

use super::attributes::NAS_IDENTIFIER;
use super::config::{load_secret, UpstreamConfig};
use super::packet::{self, Attribute, Code, MessageAuth, Packet, PacketError, MAX_LENGTH};
use crate::crypto::random_bytes;

#[derive(Debug, Error)]
pub enum UpstreamError {
    #[error("upstream RADIUS {address}: {source}")]
    Io {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("upstream RADIUS {address}: no valid answer after {attempts} attempts")]
    Timeout { address: SocketAddr, attempts: u32 },
    #[error("upstream RADIUS {address}: answered with an Access-Challenge, which a primary password check cannot follow")]
    Challenged { address: SocketAddr },
    #[error("upstream RADIUS request: {0}")]
    Packet(#[from] PacketError),
    #[error("upstream RADIUS: no random numbers: {0}")]
    Random(String),
}

pub struct UpstreamRadius {
    address: SocketAddr,
    secret: Zeroizing<Vec<u8>>,
    timeout: Duration,
    retries: u32,
    nas_identifier: String,
    require_message_authenticator: bool,
}

impl std::fmt::Debug for UpstreamRadius {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamRadius")
            .field("address", &self.address)
            .field("secret", &"Secret(***)")
            .finish()
    }
}

impl UpstreamRadius {
    pub fn from_config(config: &UpstreamConfig) -> Result<Self, String> {
        Ok(Self {
            address: config.address,
            secret: load_secret(
                &config.secret,
                config.secret_file.as_ref(),
                "radius.upstream",
            )?,
            timeout: Duration::from_millis(config.timeout_ms),
            retries: config.retries,
            nas_identifier: config.nas_identifier.clone(),
            require_message_authenticator: config.require_message_authenticator,
        })
    }

    /// True when the upstream accepts `password` for `username`, false when it rejects it.
    pub async fn check(&self, username: &str, password: &[u8]) -> Result<bool, UpstreamError> {
        let address = self.address;
        let io = |source| UpstreamError::Io { address, source };
        let random = random_bytes(17).map_err(|e| UpstreamError::Random(e.to_string()))?;
        let mut authenticator = [0u8; 16];
        authenticator.copy_from_slice(&random[1..17]);
        let mut request =
            Packet::pap_request(random[0], authenticator, username, password, &self.secret)?;
        if !self.nas_identifier.is_empty() {
            request.attributes.push(Attribute {
                kind: NAS_IDENTIFIER,
                value: self.nas_identifier.as_bytes().to_vec(),
            });
        }
        let bytes = packet::sign(&request, &self.secret, None)?;
        let local: SocketAddr = if address.is_ipv4() {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            SocketAddr::from(([0u16; 8], 0))
        };
        let socket = UdpSocket::bind(local).await.map_err(io)?;
        socket.connect(address).await.map_err(io)?;
        let attempts = self.retries.saturating_add(1);
        let mut buf = vec![0u8; MAX_LENGTH];
        for _ in 0..attempts {
            socket.send(&bytes).await.map_err(io)?;
            let deadline = tokio::time::Instant::now() + self.timeout;
            loop {
                let received = tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await;
                let Ok(received) = received else { break };
                let n = received.map_err(io)?;
                if let Some(answer) = self.verify(&buf[..n], &request) {
                    return match answer {
                        Code::AccessAccept => Ok(true),
                        Code::AccessChallenge => Err(UpstreamError::Challenged { address }),
                        _ => Ok(false),
                    };
                }
                tracing::warn!(upstream = %address, "ignored an invalid answer from the upstream RADIUS server");
            }
        }
        Err(UpstreamError::Timeout { address, attempts })
    }

    /// The code of a valid answer to `request`, or None.
    fn verify(&self, bytes: &[u8], request: &Packet) -> Option<Code> {
        let answer = Packet::parse(bytes).ok()?;
        if answer.identifier != request.identifier {
            return None;
        }
        let code = Code::from_u8(answer.code).filter(|c| *c != Code::AccessRequest)?;
        let auth = &request.authenticator;
        let message_auth =
            match packet::check_message_authenticator(bytes, &self.secret, Some(auth)) {
                MessageAuth::Valid => true,
                MessageAuth::Missing => !self.require_message_authenticator,
                MessageAuth::Invalid => false,
            };
        let signed =
            message_auth && packet::check_response_authenticator(bytes, &self.secret, auth);
        signed.then_some(code)
    }
}
