//! The UDP loop: every datagram is checked before anything is decided (RFC 2865 §3, RFC
//! 3579 §3.2) and each failure is dropped silently and counted
//! (`twofold_radius_dropped_total{reason}`): an unknown source address, a malformed packet,
//! a code other than Access-Request, a missing (where required) or wrong
//! Message-Authenticator. Retransmissions are answered from the duplicate cache
//! (RFC 5080 §2.2.2). Answers carry the Message-Authenticator first and the request's
//! Proxy-State attributes in order (RFC 2865 §5.33).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::UdpSocket;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use super::attributes::{self as attr, message_authenticator, reply_message};
use super::clients::{Client, Clients};
use super::duplicate::{DuplicateCache, Key, Seen};
use super::modes::{self, Front, Reply, Request};
use super::packet::{self, Attribute, Code, MessageAuth, Packet, MAX_LENGTH};
use super::primary::Primary;
use crate::state::AppState;

/// Requests worked on at once; datagrams beyond are dropped (`overloaded`) and the
/// clients retransmit.
pub const MAX_IN_FLIGHT: usize = 4096;

/// The front end of one node: its clients, its duplicate cache, its primaries.
pub struct RadiusServer {
    pub state: AppState,
    pub clients: Clients,
    pub cache: DuplicateCache,
    /// `[radius.upstream]`, when a client checks primary passwords there.
    pub upstream: Option<Primary>,
    /// `[directory]`, when a client checks primary passwords there.
    pub directory: Option<Primary>,
    pub state_ttl: u64,
}

/// Receives until the socket fails; one task per datagram.
pub async fn run(server: Arc<RadiusServer>, socket: Arc<UdpSocket>) {
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut buf = vec![0u8; MAX_LENGTH];
    loop {
        let (n, source) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(e) => {
                // ICMP errors of earlier sends surface here on some systems: keep going.
                tracing::debug!(error = %e, "RADIUS receive error");
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            server.state.metrics.radius_dropped("overloaded");
            continue;
        };
        let datagram = buf[..n].to_vec();
        let (server, socket) = (server.clone(), socket.clone());
        tokio::spawn(async move {
            if let Some(answer) = server.handle(&datagram, source).await {
                if let Err(e) = socket.send_to(&answer, source).await {
                    tracing::warn!(error = %e, %source, "cannot send a RADIUS answer");
                }
            }
            drop(permit);
        });
    }
}

impl RadiusServer {
    /// The answer to one datagram from `source`, or None (dropped, or a retransmission
    /// of a request still being worked on).
    pub async fn handle(&self, datagram: &[u8], source: SocketAddr) -> Option<Vec<u8>> {
        let metrics = &self.state.metrics;
        let drop = |reason: &'static str| {
            metrics.radius_dropped(reason);
            tracing::debug!(%source, reason, "RADIUS datagram dropped");
            None
        };
        let Some(client) = self.clients.find(source.ip()) else {
            return drop("unknown_client");
        };
        let Ok(request) = Packet::parse(datagram) else {
            return drop("malformed");
        };
        if request.code != Code::AccessRequest as u8 {
            return drop("unsupported_code");
        }
        match packet::check_message_authenticator(datagram, &client.secret, None) {
            MessageAuth::Valid => {}
            MessageAuth::Missing if !client.require_message_authenticator => {}
            MessageAuth::Missing => return drop("missing_message_authenticator"),
            MessageAuth::Invalid => return drop("bad_message_authenticator"),
        }
        let key = Key {
            source,
            identifier: request.identifier,
            authenticator: request.authenticator,
        };
        match self.cache.begin(&key, self.state.now()) {
            Seen::New => {}
            Seen::InProgress => return drop("retransmission_in_progress"),
            Seen::Answered(bytes) => {
                metrics.radius_dropped("retransmission_answered_again");
                return Some(bytes);
            }
        }
        let reply = match self.reply(&client, &request).await {
            Ok(reply) => reply,
            Err(e) => {
                // Nothing was decided (the store failed): no answer, and a retransmission
                // is worked on afresh.
                tracing::warn!(error = %e, client = %client.name, "RADIUS request failed");
                self.cache.forget(&key);
                return drop("internal_error");
            }
        };
        let answer = match encode(&client, &request, &reply) {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(error = %e, client = %client.name, "cannot encode a RADIUS answer");
                self.cache.forget(&key);
                return drop("internal_error");
            }
        };
        metrics.radius_request(reply.code.as_str());
        self.cache.answered(&key, answer.clone(), self.state.now());
        Some(answer)
    }

    async fn reply(&self, client: &Client, packet: &Packet) -> Result<Reply, crate::error::Error> {
        let front = Front {
            state: &self.state,
            client,
            primary: if client.primary_directory {
                self.directory.as_ref()
            } else {
                self.upstream.as_ref()
            },
            state_ttl: self.state_ttl,
        };
        let request = match decode(client, packet) {
            Ok(request) => request,
            Err(problem) => {
                let request = Request {
                    username: attr::text(packet, attr::USER_NAME)
                        .unwrap_or_default()
                        .to_owned(),
                    password: Zeroizing::new(Vec::new()),
                    state: None,
                    nas: attr::nas_ip(packet),
                    calling_station: attr::text(packet, attr::CALLING_STATION_ID)
                        .map(str::to_owned),
                };
                return modes::refuse_malformed(&front, &request, problem).await;
            }
        };
        modes::answer(&front, &request).await
    }
}

/// The request's fields, or why it cannot be answered (a short text safe to show).
pub fn decode(client: &Client, packet: &Packet) -> Result<Request, &'static str> {
    if packet.get(attr::EAP_MESSAGE).is_some() || packet.get(attr::CHAP_PASSWORD).is_some() {
        return Err("Only PAP is supported.");
    }
    let username = attr::text(packet, attr::USER_NAME)
        .filter(|u| !u.trim().is_empty())
        .ok_or("The user name is missing.")?
        .to_owned();
    let hidden = packet
        .get(attr::USER_PASSWORD)
        .ok_or("The password is missing.")?;
    let password = packet::unhide_password(hidden, &client.secret, &packet.authenticator)
        .map_err(|_| "The password is malformed.")?;
    Ok(Request {
        username,
        password,
        state: packet.get(attr::STATE).map(<[u8]>::to_vec),
        nas: attr::nas_ip(packet),
        calling_station: attr::text(packet, attr::CALLING_STATION_ID).map(str::to_owned),
    })
}

/// The signed answer: Message-Authenticator first, then Reply-Message, State, and the
/// Proxy-State attributes in their order.
pub fn encode(
    client: &Client,
    request: &Packet,
    reply: &Reply,
) -> Result<Vec<u8>, packet::PacketError> {
    let mut attributes = vec![message_authenticator()];
    if let Some(message) = &reply.message {
        attributes.push(reply_message(message));
    }
    if let Some(state) = &reply.state {
        attributes.push(Attribute {
            kind: attr::STATE,
            value: state.clone(),
        });
    }
    for proxy in request.all(attr::PROXY_STATE) {
        attributes.push(Attribute {
            kind: attr::PROXY_STATE,
            value: proxy.to_vec(),
        });
    }
    let answer = Packet {
        code: reply.code as u8,
        identifier: request.identifier,
        authenticator: request.authenticator,
        attributes,
    };
    packet::sign(&answer, &client.secret, Some(&request.authenticator))
}
