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
mod tests;
