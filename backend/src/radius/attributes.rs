//! The attributes this front end reads and writes (RFC 2865 §5, RFC 3579 §3.2), and how
//! their values are read: text is UTF-8 (RFC 2865 §5: "text" attributes), addresses are
//! four octets.

use std::net::{IpAddr, Ipv4Addr};

use super::packet::{Attribute, Packet};

pub const USER_NAME: u8 = 1;
pub const USER_PASSWORD: u8 = 2;
pub const NAS_IP_ADDRESS: u8 = 4;
pub const REPLY_MESSAGE: u8 = 18;
pub const STATE: u8 = 24;
pub const CALLING_STATION_ID: u8 = 31;
pub const NAS_IDENTIFIER: u8 = 32;
pub const PROXY_STATE: u8 = 33;
pub const MESSAGE_AUTHENTICATOR: u8 = 80;
/// RFC 3162 §2.1.
pub const NAS_IPV6_ADDRESS: u8 = 95;
/// RFC 3579 §3.1: EAP is not offered; a request carrying it is refused.
pub const EAP_MESSAGE: u8 = 79;
/// RFC 2865 §5.3: CHAP is not offered (the code must reach the server in clear).
pub const CHAP_PASSWORD: u8 = 3;

/// A text attribute as UTF-8 (None when absent or not UTF-8).
pub fn text(packet: &Packet, kind: u8) -> Option<&str> {
    packet.get(kind).and_then(|v| std::str::from_utf8(v).ok())
}

/// NAS-IP-Address (or NAS-IPv6-Address) of the request.
pub fn nas_ip(packet: &Packet) -> Option<IpAddr> {
    if let Some(v) = packet.get(NAS_IP_ADDRESS) {
        if let Ok(octets) = <[u8; 4]>::try_from(v) {
            return Some(IpAddr::V4(Ipv4Addr::from(octets)));
        }
    }
    let v = packet.get(NAS_IPV6_ADDRESS)?;
    <[u8; 16]>::try_from(v).ok().map(IpAddr::from)
}

/// A zeroed Message-Authenticator, to be filled by [`super::packet::sign`]; first in a
/// response's attribute list (BlastRADIUS guidance: a client can check it before anything).
pub fn message_authenticator() -> Attribute {
    Attribute {
        kind: MESSAGE_AUTHENTICATOR,
        value: vec![0; 16],
    }
}

/// A Reply-Message, cut to 253 octets on a character boundary.
pub fn reply_message(text: &str) -> Attribute {
    let mut end = text.len().min(253);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Attribute {
        kind: REPLY_MESSAGE,
        value: text.as_bytes()[..end].to_vec(),
    }
}
