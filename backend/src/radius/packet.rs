//! The RADIUS packet (RFC 2865 §3, §5) and the cryptography bound to it: the Response
//! Authenticator (MD5, §3), User-Password hiding (§5.2) and the Message-Authenticator
//! (HMAC-MD5, RFC 3579 §3.2). MD5 and HMAC come from RustCrypto (`md-5`, `hmac`); nothing
//! here is a hand-written primitive.
//!
//! [`Packet::parse`] accepts any byte sequence without panicking: a datagram shorter than
//! its Length field, a Length outside 20..=4096, or an attribute whose length is below 2 or
//! runs past the end is an error (RFC 2865 §3: such packets are silently discarded);
//! octets after Length are padding and ignored.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use subtle::ConstantTimeEq;
use thiserror::Error;

use super::attributes::{MESSAGE_AUTHENTICATOR, USER_PASSWORD};
pub use super::password::{hide_password, unhide_password};

/// RFC 2865 §3: the shortest and the longest packet.
pub const MIN_LENGTH: usize = 20;
pub const MAX_LENGTH: usize = 4096;
const HEADER: usize = 20;
/// RFC 2865 §5.2: User-Password is at most 128 octets.
pub const MAX_PASSWORD: usize = 128;

/// RFC 2865 §4 and RFC 2866 codes this server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    AccessRequest = 1,
    AccessAccept = 2,
    AccessReject = 3,
    AccessChallenge = 11,
}

impl Code {
    pub fn from_u8(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::AccessRequest),
            2 => Some(Self::AccessAccept),
            3 => Some(Self::AccessReject),
            11 => Some(Self::AccessChallenge),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessRequest => "access_request",
            Self::AccessAccept => "accept",
            Self::AccessReject => "reject",
            Self::AccessChallenge => "challenge",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PacketError {
    #[error("datagram of {0} octets is shorter than a RADIUS header (20)")]
    TooShort(usize),
    #[error("Length field {0} is outside 20..=4096")]
    BadLength(usize),
    #[error("Length field {length} exceeds the {received} octets received")]
    Truncated { length: usize, received: usize },
    #[error(
        "attribute at offset {offset} has length {length} (must be 2..=255 and fit the packet)"
    )]
    BadAttribute { offset: usize, length: usize },
    #[error("packet would be {0} octets, more than 4096")]
    TooLong(usize),
    #[error("attribute value of {0} octets is longer than 253")]
    ValueTooLong(usize),
    #[error("User-Password is {0} octets, more than 128")]
    PasswordTooLong(usize),
    #[error("User-Password is not a multiple of 16 octets, or empty")]
    BadPassword,
    #[error("the shared secret was refused as an HMAC key")]
    Key,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Attribute {
    pub kind: u8,
    pub value: Vec<u8>,
}

/// Values may hold a hidden password or a State: never printed.
impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attribute({}, {} octets)", self.kind, self.value.len())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub code: u8,
    pub identifier: u8,
    pub authenticator: [u8; 16],
    pub attributes: Vec<Attribute>,
}

impl Packet {
    /// An Access-Request with PAP (RFC 2865 §5.2): a zeroed Message-Authenticator first (for
    /// [`sign`]), User-Name, the hidden User-Password.
    pub fn pap_request(
        identifier: u8,
        authenticator: [u8; 16],
        username: &str,
        password: &[u8],
        secret: &[u8],
    ) -> Result<Self, PacketError> {
        let hidden = hide_password(password, secret, &authenticator)?;
        Ok(Self {
            code: Code::AccessRequest as u8,
            identifier,
            authenticator,
            attributes: vec![
                super::attributes::message_authenticator(),
                Attribute {
                    kind: super::attributes::USER_NAME,
                    value: username.as_bytes().to_vec(),
                },
                Attribute {
                    kind: USER_PASSWORD,
                    value: hidden,
                },
            ],
        })
    }

    /// Parses one datagram (see the module comment for what is refused).
    pub fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        let length = checked_length(bytes)?;
        let mut authenticator = [0u8; 16];
        authenticator.copy_from_slice(&bytes[4..HEADER]);
        let mut attributes = Vec::new();
        for (offset, kind, value) in AttributeIter::new(&bytes[..length]) {
            let value = value.ok_or(PacketError::BadAttribute {
                offset,
                length: usize::from(kind.1),
            })?;
            attributes.push(Attribute {
                kind: kind.0,
                value: value.to_vec(),
            });
        }
        Ok(Self {
            code: bytes[0],
            identifier: bytes[1],
            authenticator,
            attributes,
        })
    }

    /// The first value of attribute `kind`.
    pub fn get(&self, kind: u8) -> Option<&[u8]> {
        self.attributes
            .iter()
            .find(|a| a.kind == kind)
            .map(|a| a.value.as_slice())
    }

    /// Every value of attribute `kind`, in order.
    pub fn all(&self, kind: u8) -> impl Iterator<Item = &[u8]> {
        self.attributes
            .iter()
            .filter(move |a| a.kind == kind)
            .map(|a| a.value.as_slice())
    }

    /// The wire form, with the Length field filled in.
    pub fn encode(&self) -> Result<Vec<u8>, PacketError> {
        let mut out = Vec::with_capacity(HEADER + 64);
        out.extend_from_slice(&[self.code, self.identifier, 0, 0]);
        out.extend_from_slice(&self.authenticator);
        for a in &self.attributes {
            if a.value.len() > 253 {
                return Err(PacketError::ValueTooLong(a.value.len()));
            }
            out.push(a.kind);
            out.push((a.value.len() + 2) as u8);
            out.extend_from_slice(&a.value);
        }
        if out.len() > MAX_LENGTH {
            return Err(PacketError::TooLong(out.len()));
        }
        let len = (out.len() as u16).to_be_bytes();
        out[2..4].copy_from_slice(&len);
        Ok(out)
    }
}

/// The Length field, checked against the datagram (RFC 2865 §3).
fn checked_length(bytes: &[u8]) -> Result<usize, PacketError> {
    if bytes.len() < HEADER {
        return Err(PacketError::TooShort(bytes.len()));
    }
    let length = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(PacketError::BadLength(length));
    }
    if length > bytes.len() {
        return Err(PacketError::Truncated {
            length,
            received: bytes.len(),
        });
    }
    Ok(length)
}

/// Walks the attributes of a packet (`bytes` cut to its Length): (offset, (type, length),
/// value or None when the length is invalid; iteration stops after an invalid one).
struct AttributeIter<'a> {
    bytes: &'a [u8],
    offset: usize,
    done: bool,
}

impl<'a> AttributeIter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: HEADER,
            done: false,
        }
    }
}

impl<'a> Iterator for AttributeIter<'a> {
    type Item = (usize, (u8, u8), Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.offset >= self.bytes.len() {
            return None;
        }
        let offset = self.offset;
        let kind = self.bytes[offset];
        let Some(&len) = self.bytes.get(offset + 1) else {
            self.done = true;
            return Some((offset, (kind, 0), None));
        };
        let end = offset + usize::from(len);
        if len < 2 || end > self.bytes.len() {
            self.done = true;
            return Some((offset, (kind, len), None));
        }
        self.offset = end;
        Some((offset, (kind, len), Some(&self.bytes[offset + 2..end])))
    }
}

type HmacMd5 = Hmac<Md5>;

/// What a packet's Message-Authenticator says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAuth {
    Missing,
    Valid,
    /// Wrong value, wrong length, or more than one (RFC 3579 §3.2: at most one).
    Invalid,
}

/// Checks the Message-Authenticator of the raw packet `bytes` (RFC 3579 §3.2): HMAC-MD5
/// under `secret` over the packet with the attribute's value zeroed and, for a response,
/// the Request Authenticator of the request in the Authenticator field.
pub fn check_message_authenticator(
    bytes: &[u8],
    secret: &[u8],
    request_authenticator: Option<&[u8; 16]>,
) -> MessageAuth {
    let Ok(length) = checked_length(bytes) else {
        return MessageAuth::Invalid;
    };
    let mut copy = bytes[..length].to_vec();
    let mut found = None;
    for (offset, (kind, len), value) in AttributeIter::new(&bytes[..length]) {
        if value.is_none() {
            return MessageAuth::Invalid;
        }
        if kind == MESSAGE_AUTHENTICATOR {
            if found.is_some() || len != 18 {
                return MessageAuth::Invalid;
            }
            found = Some(offset + 2);
        }
    }
    let Some(start) = found else {
        return MessageAuth::Missing;
    };
    let mut received = [0u8; 16];
    received.copy_from_slice(&copy[start..start + 16]);
    copy[start..start + 16].fill(0);
    if let Some(auth) = request_authenticator {
        copy[4..HEADER].copy_from_slice(auth);
    }
    let Ok(mut mac) = HmacMd5::new_from_slice(secret) else {
        return MessageAuth::Invalid;
    };
    mac.update(&copy);
    if mac.verify_slice(&received).is_ok() {
        MessageAuth::Valid
    } else {
        MessageAuth::Invalid
    }
}

/// Signs `packet` (whose first attribute must be a zeroed Message-Authenticator) and
/// returns its wire form. For a response, `request_authenticator` is the request's: the
/// HMAC covers it (RFC 3579 §3.2), then the Response Authenticator (RFC 2865 §3) covers the
/// finished Message-Authenticator.
pub fn sign(
    packet: &Packet,
    secret: &[u8],
    request_authenticator: Option<&[u8; 16]>,
) -> Result<Vec<u8>, PacketError> {
    let mut bytes = packet.encode()?;
    if let Some(auth) = request_authenticator {
        bytes[4..HEADER].copy_from_slice(auth);
    }
    let ma = AttributeIter::new(&bytes)
        .find(|(_, (kind, len), _)| *kind == MESSAGE_AUTHENTICATOR && *len == 18)
        .map(|(offset, _, _)| offset + 2);
    if let Some(start) = ma {
        bytes[start..start + 16].fill(0);
        let mut mac = HmacMd5::new_from_slice(secret).map_err(|_| PacketError::Key)?;
        mac.update(&bytes);
        let tag = mac.finalize().into_bytes();
        bytes[start..start + 16].copy_from_slice(&tag);
    }
    if request_authenticator.is_some() {
        let digest = response_authenticator(&bytes, secret);
        bytes[4..HEADER].copy_from_slice(&digest);
    }
    Ok(bytes)
}

/// RFC 2865 §3: MD5(Code+Identifier+Length+RequestAuth+Attributes+Secret), where `bytes`
/// already carries the Request Authenticator in the Authenticator field.
fn response_authenticator(bytes: &[u8], secret: &[u8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(bytes);
    md5.update(secret);
    md5.finalize().into()
}

/// Checks a response's Response Authenticator against the request it answers, in
/// constant time.
pub fn check_response_authenticator(
    bytes: &[u8],
    secret: &[u8],
    request_authenticator: &[u8; 16],
) -> bool {
    let Ok(length) = checked_length(bytes) else {
        return false;
    };
    let mut copy = bytes[..length].to_vec();
    let received: [u8; 16] = {
        let mut r = [0u8; 16];
        r.copy_from_slice(&copy[4..HEADER]);
        r
    };
    copy[4..HEADER].copy_from_slice(request_authenticator);
    bool::from(response_authenticator(&copy, secret).ct_eq(&received))
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;
