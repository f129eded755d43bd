//! The device side of the channel protocol without I/O: messages and "now" in, messages to
//! send and events out. [`super::PushClient`] runs it over a WebSocket; tests run it directly.

use std::collections::{BTreeMap, BTreeSet};

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde::Serialize;
use twofold_core::proto::channel::{
    Challenge, Decision, DeviceMessage, ServerMessage, NOT_ACTIVATED,
};
use twofold_core::proto::{b64_decode, b64_encode};
use twofold_core::sign;

use super::{Answer, PendingChallenge, PushAccount, PushError, PushEvent};
use crate::account::PushState;

/// After a reconnect, a request we still show that the server does not send again within
/// this many seconds is gone (decided or cancelled while we were away).
pub const RESYNC_GRACE_SECONDS: u64 = 3;

/// Why a challenge was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not signed by the server key this device received at activation.
    BadSignature,
    /// Addressed to another device.
    WrongDevice,
    /// Signed for another activation epoch.
    WrongEpoch,
    /// Past its `expires_at`.
    Expired,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::BadSignature => {
                "the request is not signed by your Twofold server's key; it was ignored"
            }
            Refusal::WrongDevice => "the request is addressed to another device; it was ignored",
            Refusal::WrongEpoch => {
                "the request belongs to another activation of this account; it was ignored"
            }
            Refusal::Expired => "the request had already expired; it was ignored",
        }
    }
}

/// The checks a device must make before showing a challenge (`docs/PROTOCOL.md`): the server's
/// signature over the challenge bytes, then that it is for this device and epoch, then that it
/// has not expired by the server's clock `server_now`.
pub fn check_challenge(
    server_public_key: &[u8],
    device_id: &str,
    epoch: u64,
    challenge: &Challenge,
    signature: &str,
    server_now: u64,
) -> Result<(), Refusal> {
    let signature = b64_decode(signature).ok_or(Refusal::BadSignature)?;
    if !sign::verify(server_public_key, &challenge.signed_bytes(), &signature) {
        return Err(Refusal::BadSignature);
    }
    if challenge.device_id != device_id {
        return Err(Refusal::WrongDevice);
    }
    if challenge.epoch != epoch {
        return Err(Refusal::WrongEpoch);
    }
    if challenge.expires_at <= server_now {
        return Err(Refusal::Expired);
    }
    Ok(())
}

/// What one step of the protocol asks the connection to do, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    Send(DeviceMessage),
    Event(PushEvent),
    /// Close the socket; `End` says what next.
    End(End),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Try again later (network trouble, an unexpected message, a server error).
    Reconnect(String),
    /// The server no longer knows this device: stop, with the server's message.
    Deactivated(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    AwaitHello,
    AwaitReady,
    Ready,
}

struct Pending {
    view: PendingChallenge,
    answered: bool,
    /// An answer was sent on a connection that was lost before its verdict came: when the
    /// server sends the request again, it is shown again (the user answers again).
    answer_lost: bool,
}

/// One account's protocol state; it lives across reconnects (the pending requests do).
pub struct Protocol {
    account_id: String,
    device_id: String,
    epoch: u64,
    server_public_key: Vec<u8>,
    key: EcdsaKeyPair,
    rng: SystemRandom,
    phase: Phase,
    /// `server time - device time`, learned from `hello`.
    offset: i64,
    pending: BTreeMap<String, Pending>,
    /// After `ready`: requests shown before the reconnect that the server has not re-sent,
    /// and the device time after which they are dropped.
    resync: Option<(u64, BTreeSet<String>)>,
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protocol")
            .field("account_id", &self.account_id)
            .field("device_id", &self.device_id)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl Protocol {
    /// `clock_offset`: the vault's stored correction, used until the first `hello`.
    pub fn new(account: &PushAccount, clock_offset: i64) -> Result<Self, PushError> {
        let link = &account.link;
        if let PushState::NeedsReactivation { message } = &link.state {
            return Err(PushError::NeedsReactivation(message.clone()));
        }
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            link.device_key.expose(),
            &SystemRandom::new(),
        )
        .map_err(|_| PushError::BadDeviceKey)?;
        Ok(Self {
            account_id: account.account_id.clone(),
            device_id: link.device_id.clone(),
            epoch: link.activation_epoch,
            server_public_key: link.server_public_key.clone(),
            key,
            rng: SystemRandom::new(),
            phase: Phase::AwaitHello,
            offset: clock_offset,
            pending: BTreeMap::new(),
            resync: None,
        })
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// A new socket: expect `hello`.
    pub fn connection_opened(&mut self) {
        self.phase = Phase::AwaitHello;
    }

    /// The socket is gone; pending requests stay (they may be answered after a reconnect).
    pub fn connection_lost(&mut self) {
        self.phase = Phase::AwaitHello;
        for p in self.pending.values_mut() {
            // An answer without a verdict may have been lost with the socket.
            p.answer_lost |= p.answered;
            p.answered = false;
        }
    }

    fn server_now(&self, device_now: u64) -> u64 {
        device_now.saturating_add_signed(self.offset)
    }

    /// The requests waiting for the user, oldest first.
    pub fn pending(&self) -> Vec<PendingChallenge> {
        let mut list: Vec<PendingChallenge> =
            self.pending.values().map(|p| p.view.clone()).collect();
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        list
    }

    /// A text frame from the server. Frames that are not a known message are ignored (a
    /// newer server may send more).
    pub fn on_text(&mut self, text: &str, device_now: u64) -> Vec<Output> {
        match serde_json::from_str::<ServerMessage>(text) {
            Ok(message) => self.on_message(message, device_now),
            Err(_) => Vec::new(),
        }
    }

    pub fn on_message(&mut self, message: ServerMessage, device_now: u64) -> Vec<Output> {
        let account_id = self.account_id.clone();
        match message {
            ServerMessage::Hello { nonce, server_time } => {
                if self.phase != Phase::AwaitHello {
                    return vec![Output::End(End::Reconnect("unexpected hello".into()))];
                }
                self.offset = clock_offset(server_time, device_now);
                let Some(nonce) = b64_decode(&nonce) else {
                    return vec![Output::End(End::Reconnect(
                        "the server's hello had no readable nonce".into(),
                    ))];
                };
                let bytes = sign::channel_auth_bytes(&nonce, &self.device_id, self.epoch);
                let Ok(signature) = self.key.sign(&self.rng, &bytes) else {
                    return vec![Output::End(End::Reconnect(PushError::Signing.to_string()))];
                };
                self.phase = Phase::AwaitReady;
                vec![Output::Send(DeviceMessage::Auth {
                    device_id: self.device_id.clone(),
                    epoch: self.epoch,
                    signature: b64_encode(signature.as_ref()),
                })]
            }
            ServerMessage::Ready {
                device_id,
                server_time,
            } => {
                if self.phase != Phase::AwaitReady || device_id != self.device_id {
                    return vec![Output::End(End::Reconnect("unexpected ready".into()))];
                }
                self.phase = Phase::Ready;
                self.offset = clock_offset(server_time, device_now);
                let shown: BTreeSet<String> = self.pending.keys().cloned().collect();
                self.resync = (!shown.is_empty())
                    .then(|| (device_now.saturating_add(RESYNC_GRACE_SECONDS), shown));
                vec![Output::Event(PushEvent::Connected {
                    account_id,
                    server_time,
                    clock_offset: self.offset,
                })]
            }
            ServerMessage::Challenge {
                challenge,
                signature,
            } => {
                let checked = check_challenge(
                    &self.server_public_key,
                    &self.device_id,
                    self.epoch,
                    &challenge,
                    &signature,
                    self.server_now(device_now),
                );
                if let Err(reason) = checked {
                    return vec![Output::Event(PushEvent::Refused {
                        account_id,
                        challenge_id: challenge.id,
                        reason,
                        message: reason.message().to_owned(),
                    })];
                }
                if let Some((_, shown)) = &mut self.resync {
                    shown.remove(&challenge.id);
                }
                let view = PendingChallenge {
                    account_id,
                    id: challenge.id.clone(),
                    username: challenge.username,
                    application: challenge.application,
                    client_ip: challenge.client_ip,
                    location: challenge.location,
                    created_at: challenge.created_at,
                    expires_at: challenge.expires_at,
                    expires_at_local: challenge.expires_at.saturating_add_signed(-self.offset),
                    number_required: challenge.number_required,
                };
                // The server sends every pending request again after each `ready`: one already
                // shown is not a new request (its view is refreshed: the clock offset may have
                // moved), and showing it twice would invite a second answer. Unless an answer
                // to it was lost with the old connection: then it is shown again.
                let again = self
                    .pending
                    .get(&challenge.id)
                    .is_some_and(|p| !p.answer_lost);
                self.pending.insert(
                    challenge.id,
                    Pending {
                        view: view.clone(),
                        answered: false,
                        answer_lost: false,
                    },
                );
                if again {
                    return Vec::new();
                }
                vec![Output::Event(PushEvent::Challenge(view))]
            }
            ServerMessage::AnswerResult {
                challenge_id,
                outcome,
                message,
            } => {
                self.pending.remove(&challenge_id);
                vec![Output::Event(PushEvent::AnswerResult {
                    account_id,
                    challenge_id,
                    outcome,
                    message,
                })]
            }
            ServerMessage::Withdrawn {
                challenge_id,
                reason,
            } => match self.pending.remove(&challenge_id) {
                Some(_) => vec![Output::Event(PushEvent::Withdrawn {
                    account_id,
                    challenge_id,
                    reason,
                })],
                None => Vec::new(),
            },
            ServerMessage::AccountRevoked { message } => {
                vec![Output::End(End::Deactivated(message))]
            }
            ServerMessage::Error { code, message } if code == NOT_ACTIVATED => {
                vec![Output::End(End::Deactivated(message))]
            }
            ServerMessage::Error { code, message } => {
                vec![Output::End(End::Reconnect(format!(
                    "the server said {code}: {message}"
                )))]
            }
        }
    }

    /// Once a second or so: drops requests that expired, and after a reconnect those the
    /// server did not send again.
    pub fn tick(&mut self, device_now: u64) -> Vec<PushEvent> {
        let server_now = self.server_now(device_now);
        let mut gone: Vec<(String, &'static str)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.view.expires_at <= server_now)
            .map(|(id, _)| (id.clone(), "expired"))
            .collect();
        if let Some((deadline, shown)) = &self.resync {
            if device_now >= *deadline {
                gone.extend(shown.iter().map(|id| (id.clone(), "no_longer_pending")));
                self.resync = None;
            }
        }
        gone.into_iter()
            .filter_map(|(id, reason)| {
                self.pending.remove(&id).map(|_| PushEvent::Withdrawn {
                    account_id: self.account_id.clone(),
                    challenge_id: id,
                    reason: reason.to_owned(),
                })
            })
            .collect()
    }

    /// The signed `answer` for a pending request.
    pub fn answer(
        &mut self,
        challenge_id: &str,
        answer: &Answer,
        device_now: u64,
    ) -> Result<DeviceMessage, PushError> {
        if self.phase != Phase::Ready {
            return Err(PushError::NotConnected);
        }
        let server_now = self.server_now(device_now);
        let pending = self
            .pending
            .get_mut(challenge_id)
            .ok_or_else(|| PushError::NotPending(challenge_id.to_owned()))?;
        if pending.view.expires_at <= server_now {
            return Err(PushError::Expired(challenge_id.to_owned()));
        }
        if pending.answered {
            return Err(PushError::AlreadyAnswered(challenge_id.to_owned()));
        }
        let (decision, number, report) = match answer {
            Answer::Approve { number } => {
                let number = number
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned);
                match (pending.view.number_required, number) {
                    (true, None) => return Err(PushError::NumberRequired),
                    (true, Some(n)) => (Decision::Approve, Some(n), false),
                    // Not asked for: nothing to match, so nothing is sent.
                    (false, _) => (Decision::Approve, None, false),
                }
            }
            Answer::Deny { report } => (Decision::Deny, None, *report),
        };
        let bytes = sign::answer_bytes(
            challenge_id,
            &self.device_id,
            decision == Decision::Approve,
            number.as_deref().unwrap_or(""),
            report,
        );
        let signature = self
            .key
            .sign(&self.rng, &bytes)
            .map_err(|_| PushError::Signing)?;
        pending.answered = true;
        Ok(DeviceMessage::Answer {
            challenge_id: challenge_id.to_owned(),
            decision,
            number,
            report,
            signature: b64_encode(signature.as_ref()),
        })
    }
}

fn clock_offset(server_time: u64, device_now: u64) -> i64 {
    let diff = i128::from(server_time) - i128::from(device_now);
    i64::try_from(diff).unwrap_or(if diff < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
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
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
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
        let ServerMessage::Challenge { signature, .. } = signed(&f.server_key, challenge("c2"))
        else {
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
        assert!(
            matches!(out.as_slice(), [Output::End(End::Deactivated(m))] if m.contains("reset"))
        );
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
}
