use super::*;
use crate::account::PushLink;
use ring::signature::KeyPair;
use twofold_core::proto::channel::AnswerOutcome;
use twofold_core::SecretBytes;

const NOW: u64 = 1_700_000_000;

struct Fixture {
    server_key: EcdsaKeyPair,
    device_public: Vec<u8>,
    protocol: Protocol,
}

fn key() -> (Vec<u8>, EcdsaKeyPair) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    (pkcs8.as_ref().to_vec(), pair)
}

fn account(server_public_key: Vec<u8>, device_key: Vec<u8>, state: PushState) -> PushAccount {
    PushAccount {
        account_id: "acc1".into(),
        label: "Twofold (alice)".into(),
        link: PushLink {
            device_key: SecretBytes::new(device_key),
            server_url: "https://mfa.example".into(),
            server_public_key,
            activation_epoch: 3,
            device_id: "dev_1".into(),
            username: "alice".into(),
            server_name: "mfa-1".into(),
            state,
        },
    }
}

/// A protocol past `hello`/`ready`, its device clock 10 s behind the server.
fn ready() -> Fixture {
    let (_, server_key) = key();
    let (device_pkcs8, device_pair) = key();
    let account = account(
        server_key.public_key().as_ref().to_vec(),
        device_pkcs8,
        PushState::Active,
    );
    let mut protocol = Protocol::new(&account, 0).unwrap();
    let out = protocol.on_message(
        ServerMessage::Hello {
            nonce: b64_encode(b"nonce-nonce-nonce-nonce-nonce-32"),
            server_time: NOW + 10,
        },
        NOW,
    );
    let [Output::Send(DeviceMessage::Auth {
        device_id,
        epoch,
        signature,
    })] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    // The auth signature is the device key's over the channel-auth bytes.
    assert!(sign::verify(
        device_pair.public_key().as_ref(),
        &sign::channel_auth_bytes(b"nonce-nonce-nonce-nonce-nonce-32", device_id, *epoch),
        &b64_decode(signature).unwrap()
    ));
    let out = protocol.on_message(
        ServerMessage::Ready {
            device_id: "dev_1".into(),
            server_time: NOW + 10,
        },
        NOW,
    );
    assert!(matches!(
        out.as_slice(),
        [Output::Event(PushEvent::Connected {
            clock_offset: 10,
            ..
        })]
    ));
    Fixture {
        server_key,
        device_public: device_pair.public_key().as_ref().to_vec(),
        protocol,
    }
}

fn challenge(id: &str) -> Challenge {
    Challenge {
        id: id.into(),
        device_id: "dev_1".into(),
        epoch: 3,
        username: "alice".into(),
        application: "VPN".into(),
        client_ip: "198.51.100.7".into(),
        location: "Lisbon, PT".into(),
        created_at: NOW + 10,
        expires_at: NOW + 70,
        number_required: false,
    }
}

fn signed(key: &EcdsaKeyPair, challenge: Challenge) -> ServerMessage {
    let signature = key
        .sign(&SystemRandom::new(), &challenge.signed_bytes())
        .unwrap();
    ServerMessage::Challenge {
        challenge,
        signature: b64_encode(signature.as_ref()),
    }
}

fn refusal(out: &[Output]) -> Option<Refusal> {
    match out {
        [Output::Event(PushEvent::Refused { reason, .. })] => Some(*reason),
        _ => None,
    }
}

#[test]
fn a_genuine_challenge_is_shown_with_a_local_countdown() {
    let mut f = ready();
    let out = f
        .protocol
        .on_message(signed(&f.server_key, challenge("chl_1")), NOW);
    let [Output::Event(PushEvent::Challenge(view))] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(view.application, "VPN");
    // Server clock NOW+70 is device clock NOW+60.
    assert_eq!(view.expires_at_local, NOW + 60);
    assert_eq!(view.seconds_left(NOW + 15), 45);
    assert_eq!(f.protocol.pending().len(), 1);
}

#[test]
fn forged_misaddressed_and_expired_challenges_are_refused() {
    let mut f = ready();
    let (_, forger) = key();
    let out = f.protocol.on_message(signed(&forger, challenge("c1")), NOW);
    assert_eq!(refusal(&out), Some(Refusal::BadSignature));

    // A genuine signature over other contents.
    let ServerMessage::Challenge { signature, .. } = signed(&f.server_key, challenge("c2")) else {
        unreachable!()
    };
    let mut altered = challenge("c2");
    altered.application = "Payroll".into();
    let out = f.protocol.on_message(
        ServerMessage::Challenge {
            challenge: altered,
            signature,
        },
        NOW,
    );
    assert_eq!(refusal(&out), Some(Refusal::BadSignature));

    let out = f.protocol.on_message(
        ServerMessage::Challenge {
            challenge: challenge("c3"),
            signature: "not base64!".into(),
        },
        NOW,
    );
    assert_eq!(refusal(&out), Some(Refusal::BadSignature));

    let mut other = challenge("c4");
    other.device_id = "dev_2".into();
    let out = f.protocol.on_message(signed(&f.server_key, other), NOW);
    assert_eq!(refusal(&out), Some(Refusal::WrongDevice));

    let mut old = challenge("c5");
    old.epoch = 2;
    let out = f.protocol.on_message(signed(&f.server_key, old), NOW);
    assert_eq!(refusal(&out), Some(Refusal::WrongEpoch));

    // Expiry is judged on the server's clock: NOW+60 on the device is NOW+70 there.
    let out = f
        .protocol
        .on_message(signed(&f.server_key, challenge("c6")), NOW + 60);
    assert_eq!(refusal(&out), Some(Refusal::Expired));

    assert!(f.protocol.pending().is_empty());
    assert!(matches!(
        f.protocol
            .answer("c1", &Answer::Deny { report: false }, NOW),
        Err(PushError::NotPending(_))
    ));
}

#[test]
fn answers_are_signed_by_the_device_and_checked_locally() {
    let mut f = ready();
    let mut numbered = challenge("chl_n");
    numbered.number_required = true;
    f.protocol.on_message(signed(&f.server_key, numbered), NOW);
    assert_eq!(
        f.protocol
            .answer("chl_n", &Answer::Approve { number: None }, NOW),
        Err(PushError::NumberRequired)
    );
    assert_eq!(
        f.protocol.answer(
            "chl_n",
            &Answer::Approve {
                number: Some(" ".into())
            },
            NOW
        ),
        Err(PushError::NumberRequired)
    );
    let message = f
        .protocol
        .answer(
            "chl_n",
            &Answer::Approve {
                number: Some("42".into()),
            },
            NOW,
        )
        .unwrap();
    let DeviceMessage::Answer {
        decision,
        number,
        report,
        signature,
        ..
    } = &message
    else {
        panic!("{message:?}")
    };
    assert_eq!(
        (*decision, number.as_deref(), *report),
        (Decision::Approve, Some("42"), false)
    );
    assert!(sign::verify(
        &f.device_public,
        &sign::answer_bytes("chl_n", "dev_1", true, "42", false),
        &b64_decode(signature).unwrap()
    ));
    assert_eq!(
        f.protocol
            .answer("chl_n", &Answer::Deny { report: false }, NOW),
        Err(PushError::AlreadyAnswered("chl_n".into()))
    );

    f.protocol
        .on_message(signed(&f.server_key, challenge("chl_d")), NOW);
    let message = f
        .protocol
        .answer("chl_d", &Answer::Deny { report: true }, NOW)
        .unwrap();
    assert!(matches!(
        message,
        DeviceMessage::Answer {
            decision: Decision::Deny,
            number: None,
            report: true,
            ..
        }
    ));
    // Past expiry (server clock) an answer is not even sent.
    f.protocol
        .on_message(signed(&f.server_key, challenge("chl_x")), NOW);
    assert_eq!(
        f.protocol
            .answer("chl_x", &Answer::Deny { report: false }, NOW + 61),
        Err(PushError::Expired("chl_x".into()))
    );
}

#[test]
fn results_withdrawals_and_expiry_take_requests_off_the_list() {
    let mut f = ready();
    for id in ["a", "b", "c"] {
        f.protocol
            .on_message(signed(&f.server_key, challenge(id)), NOW);
    }
    let out = f.protocol.on_message(
        ServerMessage::AnswerResult {
            challenge_id: "a".into(),
            outcome: AnswerOutcome::Accepted,
            message: "ok".into(),
        },
        NOW,
    );
    assert!(matches!(
        out.as_slice(),
        [Output::Event(PushEvent::AnswerResult {
            outcome: AnswerOutcome::Accepted,
            ..
        })]
    ));
    let out = f.protocol.on_message(
        ServerMessage::Withdrawn {
            challenge_id: "b".into(),
            reason: "approved".into(),
        },
        NOW,
    );
    assert!(matches!(
        out.as_slice(),
        [Output::Event(PushEvent::Withdrawn { .. })]
    ));
    // An unknown withdrawal is no news.
    assert!(f
        .protocol
        .on_message(
            ServerMessage::Withdrawn {
                challenge_id: "zz".into(),
                reason: "approved".into()
            },
            NOW
        )
        .is_empty());
    assert!(f.protocol.tick(NOW + 59).is_empty());
    let expired = f.protocol.tick(NOW + 60);
    assert!(
        matches!(expired.as_slice(), [PushEvent::Withdrawn { challenge_id, reason, .. }]
            if challenge_id == "c" && reason == "expired"),
        "{expired:?}"
    );
    assert!(f.protocol.pending().is_empty());
}

#[test]
fn after_a_reconnect_requests_not_sent_again_are_dropped() {
    let mut f = ready();
    for id in ["kept", "gone"] {
        f.protocol
            .on_message(signed(&f.server_key, challenge(id)), NOW);
    }
    f.protocol.connection_lost();
    assert_eq!(
        f.protocol
            .answer("kept", &Answer::Deny { report: false }, NOW),
        Err(PushError::NotConnected)
    );
    f.protocol.connection_opened();
    f.protocol.on_message(
        ServerMessage::Hello {
            nonce: b64_encode(b"n"),
            server_time: NOW + 10,
        },
        NOW,
    );
    f.protocol.on_message(
        ServerMessage::Ready {
            device_id: "dev_1".into(),
            server_time: NOW + 10,
        },
        NOW,
    );
    f.protocol
        .on_message(signed(&f.server_key, challenge("kept")), NOW);
    assert!(f.protocol.tick(NOW + 2).is_empty());
    let dropped = f.protocol.tick(NOW + 3);
    assert!(
        matches!(dropped.as_slice(), [PushEvent::Withdrawn { challenge_id, .. }] if challenge_id == "gone"),
        "{dropped:?}"
    );
    assert_eq!(f.protocol.pending()[0].id, "kept");
}

#[test]
fn not_activated_and_revocation_end_the_account_other_errors_reconnect() {
    let mut f = ready();
    let out = f.protocol.on_message(
        ServerMessage::Error {
            code: NOT_ACTIVATED.into(),
            message: "Authentication request is not for an activated account".into(),
        },
        NOW,
    );
    assert_eq!(
        out,
        vec![Output::End(End::Deactivated(
            "Authentication request is not for an activated account".into()
        ))]
    );
    let out = f.protocol.on_message(
        ServerMessage::AccountRevoked {
            message: "reset by an administrator".into(),
        },
        NOW,
    );
    assert!(matches!(out.as_slice(), [Output::End(End::Deactivated(m))] if m.contains("reset")));
    let out = f.protocol.on_message(
        ServerMessage::Error {
            code: "bad_signature".into(),
            message: "m".into(),
        },
        NOW,
    );
    assert!(matches!(out.as_slice(), [Output::End(End::Reconnect(_))]));
    // Out-of-order handshake messages are not trusted.
    let out = f.protocol.on_message(
        ServerMessage::Hello {
            nonce: b64_encode(b"n"),
            server_time: NOW,
        },
        NOW,
    );
    assert!(matches!(out.as_slice(), [Output::End(End::Reconnect(_))]));
    assert!(f.protocol.on_text("{\"type\":\"future\"}", NOW).is_empty());
}

#[test]
fn an_account_that_needs_reactivation_or_has_a_bad_key_does_not_start() {
    let (_, server) = key();
    let public = server.public_key().as_ref().to_vec();
    let (pkcs8, _) = key();
    let stopped = account(
        public.clone(),
        pkcs8,
        PushState::NeedsReactivation {
            message: "m".into(),
        },
    );
    assert_eq!(
        Protocol::new(&stopped, 0).err(),
        Some(PushError::NeedsReactivation("m".into()))
    );
    let broken = account(public, b"not a key".to_vec(), PushState::Active);
    assert_eq!(
        Protocol::new(&broken, 0).err(),
        Some(PushError::BadDeviceKey)
    );
}
