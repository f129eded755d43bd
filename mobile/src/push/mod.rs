//! The push client: the device channel of `docs/PROTOCOL.md` § Device channel, for one
//! Twofold push account.
//!
//! [`PushClient`] keeps a WebSocket open to the server (reconnecting with backoff), proves the
//! device's identity on every connect, checks every challenge against the server key from
//! activation (refusing forged, expired and misaddressed ones) and reports what happens as
//! [`PushEvent`]s on an mpsc channel. A [`PushHandle`] answers pending challenges and stops
//! the client. Several clients (one per account) may share one event channel.
//!
//! The protocol logic ([`protocol`]) is free of I/O and time: it takes messages and "now" and
//! returns what to send and what to report, so unit tests drive it directly.
//!
//! The client does not write the vault: a [`PushEvent::NeedsReactivation`] must be stored by
//! whoever holds the engine ([`crate::Engine::apply_push_event`]), and the client stops.
//! [`Fleet`] does that for every shell: one client per account, their states, the vault
//! writes (deferred while it is locked) and activation.

mod backoff;
mod client;
pub mod fleet;
pub mod protocol;

pub use backoff::Backoff;
pub use client::{PushClient, PushHandle, PushOptions};
pub use fleet::Fleet;
pub use protocol::{check_challenge, Refusal};

use serde::Serialize;
use thiserror::Error;
use twofold_core::proto::channel::AnswerOutcome;

use crate::account::PushLink;

/// A push account as the client needs it: the vault account's id and label with its link.
#[derive(Clone, Debug)]
pub struct PushAccount {
    pub account_id: String,
    /// "Twofold (alice)": for messages.
    pub label: String,
    pub link: PushLink,
}

/// The user's decision on a sign-in request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `number`: what the user typed, when the request asks for the number on the sign-in page.
    Approve { number: Option<String> },
    /// `report`: "this was not me": deny and report fraud (the server blocks the user and
    /// alerts the administrator).
    Deny { report: bool },
}

/// A verified sign-in request waiting for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PendingChallenge {
    /// The vault account it belongs to.
    pub account_id: String,
    /// The challenge id (`chl_...`), also the relying party's transaction id.
    pub id: String,
    pub username: String,
    pub application: String,
    pub client_ip: String,
    /// Empty when the server does not know.
    pub location: String,
    /// Server clock, unix seconds.
    pub created_at: u64,
    /// Server clock, unix seconds.
    pub expires_at: u64,
    /// `expires_at` on this device's clock, for a countdown.
    pub expires_at_local: u64,
    /// The user must type the number the sign-in page shows.
    pub number_required: bool,
}

impl PendingChallenge {
    /// Seconds until the request expires, by the device clock `now`.
    pub fn seconds_left(&self, now: u64) -> u64 {
        self.expires_at_local.saturating_sub(now)
    }
}

/// What the client reports. Serialises as `{"event": "challenge", ...}`.
///
/// A `Challenge` for an id already seen replaces it (the server sends every pending request
/// again after a reconnect).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PushEvent {
    /// The channel is open and authenticated. `clock_offset` is `server_time - device time`.
    Connected {
        account_id: String,
        server_time: u64,
        clock_offset: i64,
    },
    /// The connection was lost or could not be made; the client tries again in
    /// `retry_in_ms`.
    Disconnected {
        account_id: String,
        reason: String,
        retry_in_ms: u64,
    },
    /// A new sign-in request: show it.
    Challenge(PendingChallenge),
    /// A challenge that failed the checks; it is not shown and cannot be answered.
    Refused {
        account_id: String,
        challenge_id: String,
        reason: Refusal,
        message: String,
    },
    /// The server's verdict on an answer this device sent.
    AnswerResult {
        account_id: String,
        challenge_id: String,
        outcome: AnswerOutcome,
        message: String,
    },
    /// The request is no longer waiting (decided elsewhere, expired, cancelled): take it off
    /// the screen.
    Withdrawn {
        account_id: String,
        challenge_id: String,
        reason: String,
    },
    /// The server no longer knows this device (server reactivation, or the user was reset).
    /// The client has stopped; store it with [`crate::Engine::apply_push_event`] and guide
    /// the user: remove the account and add it again with a new activation code.
    NeedsReactivation { account_id: String, message: String },
}

impl PushEvent {
    pub fn account_id(&self) -> &str {
        match self {
            PushEvent::Connected { account_id, .. }
            | PushEvent::Disconnected { account_id, .. }
            | PushEvent::Refused { account_id, .. }
            | PushEvent::AnswerResult { account_id, .. }
            | PushEvent::Withdrawn { account_id, .. }
            | PushEvent::NeedsReactivation { account_id, .. } => account_id,
            PushEvent::Challenge(c) => &c.account_id,
        }
    }
}

/// Why an answer could not be sent (or a client not started).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PushError {
    #[error("not connected to the Twofold server right now; answer again once it reconnects")]
    NotConnected,
    #[error("no pending sign-in request {0} (it was answered, withdrawn or has expired)")]
    NotPending(String),
    #[error("the sign-in request {0} has expired")]
    Expired(String),
    #[error("the sign-in request {0} was already answered; waiting for the server's verdict")]
    AlreadyAnswered(String),
    #[error(
        "this sign-in asks for the number shown on the sign-in page; approve with that number"
    )]
    NumberRequired,
    #[error("the push connection has stopped")]
    Stopped,
    #[error("the stored device key is unusable; remove the account and add it again")]
    BadDeviceKey,
    #[error(
        "the account needs reactivation: {0}; remove it and add it again with a new activation code"
    )]
    NeedsReactivation(String),
    #[error("cannot sign the answer: the system random generator failed")]
    Signing,
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

impl PushError {
    /// A stable machine-readable code for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            PushError::NotConnected => "push.not_connected",
            PushError::NotPending(_) => "push.not_pending",
            PushError::Expired(_) => "push.expired",
            PushError::AlreadyAnswered(_) => "push.already_answered",
            PushError::NumberRequired => "push.number_required",
            PushError::Stopped => "push.stopped",
            PushError::BadDeviceKey => "push.bad_device_key",
            PushError::NeedsReactivation(_) => "push.needs_reactivation",
            PushError::Signing => "push.signing",
            PushError::Tls(_) => "push.tls",
        }
    }
}

/// `https://host/x` → `wss://host/x/v1/device/channel` (and `http` → `ws`).
pub fn channel_url(server_url: &str) -> String {
    let base = server_url.trim_end_matches('/');
    let ws = match base.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => format!("wss://{rest}"),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => format!("ws://{rest}"),
        _ => base.to_owned(),
    };
    format!("{ws}/v1/device/channel")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_url_follows_the_server_scheme() {
        assert_eq!(
            channel_url("https://mfa.example.com:8443/"),
            "wss://mfa.example.com:8443/v1/device/channel"
        );
        assert_eq!(
            channel_url("http://127.0.0.1:9"),
            "ws://127.0.0.1:9/v1/device/channel"
        );
    }

    #[test]
    fn events_serialise_with_an_event_tag() {
        let event = PushEvent::Withdrawn {
            account_id: "a".into(),
            challenge_id: "chl_1".into(),
            reason: "approved".into(),
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"event":"withdrawn","account_id":"a","challenge_id":"chl_1","reason":"approved"}"#
        );
        let challenge = PushEvent::Challenge(PendingChallenge {
            account_id: "a".into(),
            id: "chl_1".into(),
            username: "alice".into(),
            application: "VPN".into(),
            client_ip: "198.51.100.7".into(),
            location: String::new(),
            created_at: 1,
            expires_at: 61,
            expires_at_local: 71,
            number_required: true,
        });
        let json = serde_json::to_value(&challenge).unwrap();
        assert_eq!(json["event"], "challenge");
        assert_eq!(json["id"], "chl_1");
        assert_eq!(json["number_required"], true);
        assert_eq!(challenge.account_id(), "a");
    }
}
