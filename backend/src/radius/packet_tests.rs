//! The codec against RFC 2865 §7.1 (the worked example), RFC 3579 §3.2 and any bytes.

use super::*;
use crate::radius::attributes::{USER_NAME, USER_PASSWORD};

fn hex(text: &str) -> Vec<u8> {
    let clean: String = text.split_whitespace().collect();
    crate::crypto::decode_hex(&clean).unwrap_or_default()
}

/// RFC 2865 §7.1: nemo / arctangent, shared secret xyzzy5461.
const REQUEST: &str = "01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
    98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee
    04 06 c0 a8 01 10 05 06 00 00 00 03";
const RESPONSE: &str = "02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
    9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03";
const SECRET: &[u8] = b"xyzzy5461";

#[test]
fn the_rfc_2865_example_request_parses_and_its_password_unhides() {
    let bytes = hex(REQUEST);
    let packet = Packet::parse(&bytes).unwrap();
    assert_eq!(packet.code, Code::AccessRequest as u8);
    assert_eq!(packet.get(USER_NAME), Some(&b"nemo"[..]));
    let hidden = packet.get(USER_PASSWORD).unwrap();
    let password = unhide_password(hidden, SECRET, &packet.authenticator).unwrap();
    assert_eq!(password.as_slice(), b"arctangent");
    // And hiding it again gives the example's octets.
    assert_eq!(
        hide_password(b"arctangent", SECRET, &packet.authenticator).unwrap(),
        hidden
    );
    assert_eq!(packet.encode().unwrap(), bytes);
}

#[test]
fn the_rfc_2865_example_response_authenticator_checks_out() {
    let request = Packet::parse(&hex(REQUEST)).unwrap();
    let response = hex(RESPONSE);
    assert!(check_response_authenticator(
        &response,
        SECRET,
        &request.authenticator
    ));
    assert!(!check_response_authenticator(
        &response,
        b"xyzzy5462",
        &request.authenticator
    ));
    let mut tampered = response.clone();
    tampered[25] ^= 1;
    assert!(!check_response_authenticator(
        &tampered,
        SECRET,
        &request.authenticator
    ));
}

#[test]
fn long_passwords_hide_in_16_octet_blocks_and_come_back() {
    let authenticator = [0x42; 16];
    for len in [1usize, 15, 16, 17, 31, 32, 40, 128] {
        let password: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let hidden = hide_password(&password, b"s3cret", &authenticator).unwrap();
        assert_eq!(hidden.len(), len.div_ceil(16) * 16, "length {len}");
        assert_ne!(&hidden[..len.min(16)], &password[..len.min(16)]);
        let back = unhide_password(&hidden, b"s3cret", &authenticator).unwrap();
        assert_eq!(back.as_slice(), password.as_slice(), "length {len}");
        // RFC 2865 §5.2 chains the blocks: the second block depends on the first.
        if len > 16 {
            let mut other = password.clone();
            other[0] ^= 1;
            let hidden2 = hide_password(&other, b"s3cret", &authenticator).unwrap();
            assert_ne!(hidden[16..32], hidden2[16..32]);
        }
    }
    assert_eq!(
        hide_password(&[b'x'; 129], b"s", &authenticator),
        Err(PacketError::PasswordTooLong(129))
    );
    assert_eq!(
        unhide_password(&[0; 15], b"s", &authenticator),
        Err(PacketError::BadPassword)
    );
}

fn signed_request(secret: &[u8]) -> Vec<u8> {
    let packet = Packet {
        code: Code::AccessRequest as u8,
        identifier: 9,
        authenticator: [7; 16],
        attributes: vec![
            crate::radius::attributes::message_authenticator(),
            Attribute {
                kind: USER_NAME,
                value: b"alice".to_vec(),
            },
        ],
    };
    sign(&packet, secret, None).unwrap()
}

#[test]
fn message_authenticator_is_hmac_md5_over_the_packet() {
    let bytes = signed_request(b"secret");
    assert_eq!(
        check_message_authenticator(&bytes, b"secret", None),
        MessageAuth::Valid
    );
    assert_eq!(
        check_message_authenticator(&bytes, b"Secret", None),
        MessageAuth::Invalid
    );
    // Independently: HMAC-MD5 of the packet with the value zeroed (RFC 3579 §3.2).
    let mut zeroed = bytes.clone();
    zeroed[22..38].fill(0);
    let mut mac = HmacMd5::new_from_slice(b"secret").unwrap();
    mac.update(&zeroed);
    assert_eq!(&bytes[22..38], mac.finalize().into_bytes().as_slice());
    // Any change to the packet breaks it.
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x20;
    assert_eq!(
        check_message_authenticator(&tampered, b"secret", None),
        MessageAuth::Invalid
    );
    // Two of them are refused.
    let mut doubled = bytes.clone();
    doubled.extend_from_slice(&bytes[20..38]);
    let len = (doubled.len() as u16).to_be_bytes();
    doubled[2..4].copy_from_slice(&len);
    assert_eq!(
        check_message_authenticator(&doubled, b"secret", None),
        MessageAuth::Invalid
    );
    // A wrong length is refused, none is missing.
    let none = Packet::parse(&bytes).map(|mut p| {
        p.attributes.remove(0);
        p.encode().unwrap()
    });
    assert_eq!(
        check_message_authenticator(&none.unwrap(), b"secret", None),
        MessageAuth::Missing
    );
}

#[test]
fn a_response_is_signed_over_the_request_authenticator() {
    let request_auth = [3u8; 16];
    let response = Packet {
        code: Code::AccessAccept as u8,
        identifier: 9,
        authenticator: [0; 16],
        attributes: vec![crate::radius::attributes::message_authenticator()],
    };
    let bytes = sign(&response, b"k", Some(&request_auth)).unwrap();
    assert!(check_response_authenticator(&bytes, b"k", &request_auth));
    assert_eq!(
        check_message_authenticator(&bytes, b"k", Some(&request_auth)),
        MessageAuth::Valid
    );
    assert_eq!(
        check_message_authenticator(&bytes, b"k", Some(&[4; 16])),
        MessageAuth::Invalid
    );
    assert!(!check_response_authenticator(&bytes, b"k", &[4; 16]));
}

#[test]
fn lengths_outside_the_rfc_limits_are_refused() {
    assert_eq!(Packet::parse(&[1; 19]), Err(PacketError::TooShort(19)));
    let mut bytes = vec![1, 0, 0, 19];
    bytes.extend_from_slice(&[0; 16]);
    assert_eq!(Packet::parse(&bytes), Err(PacketError::BadLength(19)));
    bytes[2..4].copy_from_slice(&4097u16.to_be_bytes());
    assert_eq!(Packet::parse(&bytes), Err(PacketError::BadLength(4097)));
    bytes[2..4].copy_from_slice(&30u16.to_be_bytes());
    assert_eq!(
        Packet::parse(&bytes),
        Err(PacketError::Truncated {
            length: 30,
            received: 20
        })
    );
    // Attribute length 1, and one running past the end.
    let mut bad = vec![1, 0, 0, 22];
    bad.extend_from_slice(&[0; 16]);
    bad.extend_from_slice(&[1, 1]);
    assert!(matches!(
        Packet::parse(&bad),
        Err(PacketError::BadAttribute {
            offset: 20,
            length: 1
        })
    ));
    bad[21] = 3;
    assert!(matches!(
        Packet::parse(&bad),
        Err(PacketError::BadAttribute {
            offset: 20,
            length: 3
        })
    ));
    // Octets after Length are padding (RFC 2865 §3).
    let mut padded = signed_request(b"s");
    padded.extend_from_slice(&[0xff; 7]);
    let packet = Packet::parse(&padded).unwrap();
    assert_eq!(packet.get(USER_NAME), Some(&b"alice"[..]));
    assert_eq!(
        check_message_authenticator(&padded, b"s", None),
        MessageAuth::Valid
    );
}

/// A deterministic xorshift: no crate for property tests is in Cargo.lock.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn any_bytes_parse_or_fail_without_panicking_and_what_parses_round_trips() {
    let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..20_000 {
        let len = (rng.next() % 300) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Half the time a plausible header, so the attribute walk is exercised too.
        if round % 2 == 0 && len >= 20 {
            let mut at = 20;
            loop {
                let attr_len = 2 + (rng.next() % 20) as usize;
                if at + attr_len > len || rng.next().is_multiple_of(16) {
                    break;
                }
                bytes[at + 1] = attr_len as u8;
                at += attr_len;
            }
            // Mostly where the attributes end; sometimes a little off, to hit the checks.
            let length = match rng.next() % 8 {
                0 => at + 1,
                1 => at.saturating_sub(1),
                _ => at,
            };
            bytes[2..4].copy_from_slice(&(length as u16).to_be_bytes());
        }
        let _ = check_message_authenticator(&bytes, b"k", None);
        let _ = check_response_authenticator(&bytes, b"k", &[0; 16]);
        match Packet::parse(&bytes) {
            Ok(packet) => {
                parsed += 1;
                let length = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
                assert_eq!(packet.encode().unwrap(), bytes[..length], "round {round}");
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        parsed > 1000 && refused > 1000,
        "parsed {parsed}, refused {refused}"
    );
}
