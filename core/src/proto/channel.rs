//! The device channel: a WebSocket (`GET /v1/device/channel`) carrying JSON text frames, one
//! message per frame, each with a `type`.
//!
//! 1. server → `hello` with a fresh nonce;
//! 2. device → `auth`: its id, epoch and a signature over `sign::channel_auth_bytes`;
//! 3. server → `ready`, then every challenge still pending for the device's user;
//! 4. server → `challenge` whenever a relying party asks; device → `answer`;
//!    server → `answer_result`, and `withdrawn` to the user's other devices.
//!
//! A revoked device, or one activated under an older epoch, gets `error` with code
//! `not_activated`; a reset user's open sockets get `account_revoked`; then the socket closes.

use serde::{Deserialize, Serialize};

/// The exact message shown to a device that is no longer activated.
pub const NOT_ACTIVATED_MESSAGE: &str = "Authentication request is not for an activated account";
pub const NOT_ACTIVATED: &str = "not_activated";

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerMessage {
    Hello {
        /// 32 random bytes, base64url: sign it to prove who you are.
        nonce: String,
        server_time: u64,
    },
    Ready {
        device_id: String,
        server_time: u64,
    },
    Challenge {
        challenge: Challenge,
        /// The server's ECDSA P-256 SHA-256 signature (DER, base64url) over
        /// `sign::challenge_bytes` of the challenge.
        signature: String,
    },
    AnswerResult {
        challenge_id: String,
        outcome: AnswerOutcome,
        message: String,
    },
    /// The challenge is no longer waiting (answered on another device, expired, cancelled):
    /// take it off the screen.
    Withdrawn {
        challenge_id: String,
        reason: String,
    },
    AccountRevoked {
        message: String,
    },
    Error {
        code: String,
        message: String,
    },
}

/// What the device sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceMessage {
    Auth {
        device_id: String,
        epoch: u64,
        /// Over `sign::channel_auth_bytes(nonce, device_id, epoch)`, DER, base64url.
        signature: String,
    },
    Answer {
        challenge_id: String,
        decision: Decision,
        /// The number the user typed, when the challenge asked for one.
        #[serde(default)]
        number: Option<String>,
        /// "Deny and report": the request was not the user's.
        #[serde(default)]
        report: bool,
        /// Over `sign::answer_bytes(challenge_id, device_id, approve, number or "", report)`.
        signature: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerOutcome {
    /// The answer decided the sign-in (approve or deny as sent).
    Accepted,
    /// Approved with a number that did not match: the sign-in was denied.
    WrongNumber,
    /// Another device answered first.
    AnsweredElsewhere,
    Expired,
    Cancelled,
    /// The signature or the challenge id did not check out.
    Refused,
}

/// A sign-in request as the device shows it. Signed by the server, per device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    pub id: String,
    pub device_id: String,
    pub epoch: u64,
    pub username: String,
    pub application: String,
    pub client_ip: String,
    /// Empty when unknown.
    pub location: String,
    pub created_at: u64,
    pub expires_at: u64,
    /// The user must type the number the sign-in page shows.
    pub number_required: bool,
}

impl Challenge {
    pub fn signed_bytes(&self) -> Vec<u8> {
        crate::sign::challenge_bytes(&crate::sign::ChallengeFields {
            challenge_id: &self.id,
            device_id: &self.device_id,
            epoch: self.epoch,
            username: &self.username,
            application: &self.application,
            client_ip: &self.client_ip,
            location: &self.location,
            created_at: self.created_at,
            expires_at: self.expires_at,
            number_required: self.number_required,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_a_type_tag() {
        let hello = ServerMessage::Hello {
            nonce: "n".into(),
            server_time: 5,
        };
        assert_eq!(
            serde_json::to_string(&hello).unwrap(),
            r#"{"type":"hello","nonce":"n","server_time":5}"#
        );
        let answer: DeviceMessage = serde_json::from_str(
            r#"{"type":"answer","challenge_id":"c","decision":"approve","number":"42","signature":"s"}"#,
        )
        .unwrap();
        assert!(matches!(
            answer,
            DeviceMessage::Answer { report: false, .. }
        ));
        assert!(serde_json::from_str::<DeviceMessage>(r#"{"type":"answer","extra":1}"#).is_err());
    }
}
