//! The RADIUS front end's parsers of untrusted datagrams (RFC 2865 §3, §5; RFC 3579 §3.2):
//! the packet decoder, the Message-Authenticator check, the attributes the front end reads
//! (User-Name, the hidden User-Password, State, NAS addresses, Calling-Station-Id) and the
//! `password_and_code` split, with the answer built and signed as the server would. What
//! needs the database (the sign-in decision) is not reached: it sees only what `decode`
//! returns.
//!
//! Besides "no panic", the target checks the codec's own promises on every packet that
//! parses: its encoding parses back to the same packet, a packet signed with the client's
//! secret passes the Message-Authenticator check, and every answer carries a Response
//! Authenticator the client accepts.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};

use twofold_server::radius::clients::{Client, Clients};
use twofold_server::radius::config::RadiusConfig;
use twofold_server::radius::modes::{self, Reply};
use twofold_server::radius::packet::{self, Code, MessageAuth, Packet};
use twofold_server::radius::{attributes as attr, server};

/// The shared secret of the corpus' packets (`fuzz/corpus/radius_packet/`).
pub const SECRET: &str = "fuzz-radius-secret";

/// Where the client's packets come from.
const SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The one configured client, as `[[radius.clients]]` makes it.
fn client() -> Option<Arc<Client>> {
    static CLIENT: OnceLock<Option<Arc<Client>>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let config: RadiusConfig = serde_json::from_value(serde_json::json!({
                "clients": [{
                    "name": "fuzz-nas",
                    "address": "127.0.0.1",
                    "secret": SECRET,
                    "mode": "password_and_code",
                }],
            }))
            .ok()?;
            Clients::from_config(&config).ok()?.find(SOURCE)
        })
        .clone()
}

/// One datagram, as the RADIUS listener receives it.
pub fn radius_packet(data: &[u8]) {
    let client = client();
    // Not the input's fault: the fixed configuration above must load.
    assert!(
        client.is_some(),
        "the fuzz RADIUS client configuration does not load"
    );
    let Some(client) = client else {
        return;
    };
    let secret = client.secret.as_slice();
    let auth = packet::check_message_authenticator(data, secret, None);
    let Ok(request) = Packet::parse(data) else {
        // A datagram that does not parse never carries a valid Message-Authenticator.
        assert_ne!(
            auth,
            MessageAuth::Valid,
            "an unparsable packet was authenticated"
        );
        return;
    };
    roundtrip(&request);
    signed_packet_verifies(&request, secret);
    let _ = attr::text(&request, attr::CALLING_STATION_ID);
    let _ = attr::text(&request, attr::NAS_IDENTIFIER);
    let _ = attr::nas_ip(&request);
    if request.code != Code::AccessRequest as u8 {
        return;
    }
    let reply = match server::decode(&client, &request) {
        Ok(decoded) => {
            let _ = modes::source_detail(&client, &decoded);
            let text = String::from_utf8_lossy(&decoded.password);
            let split = modes::split_appended(&text, client.digits);
            Reply {
                code: if split.is_some() {
                    Code::AccessChallenge
                } else {
                    Code::AccessReject
                },
                message: Some(format!("Hello {}", decoded.username)),
                state: decoded.state.clone(),
            }
        }
        Err(problem) => Reply {
            code: Code::AccessReject,
            message: Some(problem.to_owned()),
            state: None,
        },
    };
    answer_verifies(&client, &request, &reply);
}

/// Parsing what [`Packet::encode`] wrote gives the packet back.
fn roundtrip(request: &Packet) {
    if let Ok(bytes) = request.encode() {
        let again = Packet::parse(&bytes);
        assert_eq!(
            again.as_ref(),
            Ok(request),
            "encode then parse changed the packet"
        );
    }
}

/// A packet with exactly one well-formed Message-Authenticator, signed with the secret,
/// passes the check (RFC 3579 §3.2); the same bytes with one octet changed do not.
fn signed_packet_verifies(request: &Packet, secret: &[u8]) {
    let mut mas = request.all(attr::MESSAGE_AUTHENTICATOR);
    let one_good = mas.next().is_some_and(|v| v.len() == 16) && mas.next().is_none();
    if !one_good {
        return;
    }
    let Ok(mut signed) = packet::sign(request, secret, None) else {
        return;
    };
    assert_eq!(
        packet::check_message_authenticator(&signed, secret, None),
        MessageAuth::Valid,
        "a packet signed with the client's secret was refused"
    );
    if let Some(last) = signed.last_mut() {
        *last ^= 0x01;
        assert_ne!(
            packet::check_message_authenticator(&signed, secret, None),
            MessageAuth::Valid,
            "a changed packet kept its Message-Authenticator"
        );
    }
}

/// The answer the server would send for `reply` parses, names the request's identifier,
/// and carries a Response Authenticator (RFC 2865 §3) and a Message-Authenticator the
/// client accepts.
fn answer_verifies(client: &Client, request: &Packet, reply: &Reply) {
    let secret = client.secret.as_slice();
    let Ok(answer) = server::encode(client, request, reply) else {
        return;
    };
    let parsed = Packet::parse(&answer);
    assert!(
        parsed
            .as_ref()
            .is_ok_and(|p| p.identifier == request.identifier),
        "the answer does not parse or names another request: {parsed:?}"
    );
    assert!(
        packet::check_response_authenticator(&answer, secret, &request.authenticator),
        "the answer's Response Authenticator does not verify"
    );
    assert_eq!(
        packet::check_message_authenticator(&answer, secret, Some(&request.authenticator)),
        MessageAuth::Valid,
        "the answer's Message-Authenticator does not verify"
    );
}

/// The seed inputs of `fuzz/corpus/radius_packet/`: real Access-Requests built and signed
/// with the server's own codec under [`SECRET`] (fixed Request Authenticators, so the files
/// are reproducible; `fuzz/tests/it` checks they still are what this builds), each reaching
/// another part of the front end.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let secret = SECRET.as_bytes();
    let text = |kind: u8, value: &str| packet::Attribute {
        kind,
        value: value.as_bytes().to_vec(),
    };
    let build = |id: u8, user: &str, password: &[u8], extra: Vec<packet::Attribute>, sign: bool| {
        let authenticator = [id.wrapping_mul(17); 16];
        let mut request = Packet::pap_request(id, authenticator, user, password, secret).ok()?;
        if !sign {
            request.attributes.remove(0);
        }
        request.attributes.extend(extra);
        if sign {
            packet::sign(&request, secret, None).ok()
        } else {
            request.encode().ok()
        }
    };
    let nas = vec![
        packet::Attribute {
            kind: attr::NAS_IP_ADDRESS,
            value: vec![192, 0, 2, 10],
        },
        text(attr::NAS_IDENTIFIER, "vpn-gw-1"),
        text(attr::CALLING_STATION_ID, "198.51.100.7"),
    ];
    let candidates = [
        (
            "password-and-code",
            build(1, "alice", b"correct horse123456", nas.clone(), true),
        ),
        (
            "password-and-push",
            build(2, "bob@example.org", b"hunter2,push", nas, true),
        ),
        (
            "challenge-answer-with-state",
            build(
                3,
                "alice",
                b"654321",
                vec![packet::Attribute {
                    kind: attr::STATE,
                    value: b"rst_0123456789abcdef".to_vec(),
                }],
                true,
            ),
        ),
        (
            "proxy-state-twice",
            build(
                4,
                "carol",
                b"pw000000",
                vec![
                    text(attr::PROXY_STATE, "hop-1"),
                    text(attr::PROXY_STATE, "hop-2"),
                ],
                true,
            ),
        ),
        (
            "longest-password",
            build(5, "dave", &[b'p'; 128], Vec::new(), true),
        ),
        (
            "without-message-authenticator",
            build(6, "erin", b"secret123456", Vec::new(), false),
        ),
        (
            "nas-ipv6-address",
            build(
                7,
                "frank",
                b"pw123456",
                vec![packet::Attribute {
                    kind: attr::NAS_IPV6_ADDRESS,
                    value: vec![0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                }],
                true,
            ),
        ),
        (
            "chap-password-refused",
            build(
                8,
                "grace",
                b"pw123456",
                vec![packet::Attribute {
                    kind: attr::CHAP_PASSWORD,
                    value: vec![1; 17],
                }],
                true,
            ),
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(name, bytes)| Some((name, bytes?)))
        .collect()
}
