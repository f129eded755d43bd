//! A test device: a P-256 key from `ring`, activation over HTTP, the device channel over
//! `tokio-tungstenite`. It speaks only the wire protocol of `twofold_core::proto`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use tokio_tungstenite::tungstenite::Message;
use twofold_core::proto::channel::{Challenge, Decision, DeviceMessage, ServerMessage};
use twofold_core::proto::{b64_decode, b64_encode, ActivateResponse};

pub struct TestDevice {
    key: EcdsaKeyPair,
    pub activation: ActivateResponse,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Channel {
    socket: Socket,
    device_id: String,
}

pub fn key_pair() -> (EcdsaKeyPair, Vec<u8>) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let public = key.public_key().as_ref().to_vec();
    (key, public)
}

fn sign(key: &EcdsaKeyPair, bytes: &[u8]) -> String {
    b64_encode(key.sign(&SystemRandom::new(), bytes).unwrap().as_ref())
}

impl TestDevice {
    /// Redeems `code` at `base_url`.
    pub async fn activate(
        base_url: &str,
        code: &str,
        name: &str,
    ) -> Result<Self, (u16, serde_json::Value)> {
        let (key, public_key) = key_pair();
        let body = serde_json::json!({
            "code": code,
            "public_key": b64_encode(&public_key),
            "signature": sign(&key, &twofold_core::sign::activation_bytes(code, &public_key)),
            "name": name,
            "platform": "cli",
        });
        let response = reqwest::Client::new()
            .post(format!("{base_url}/v1/device/activate"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let value: serde_json::Value = response.json().await.unwrap();
        if status != 201 {
            return Err((status, value));
        }
        Ok(Self {
            key,
            activation: serde_json::from_value(value).unwrap(),
        })
    }

    pub fn id(&self) -> &str {
        &self.activation.device_id
    }

    /// Opens the channel; returns the server's first answer after `auth` too (ready or error).
    pub async fn connect(&self, base_url: &str) -> (Channel, ServerMessage) {
        self.connect_as(base_url, self.activation.epoch).await
    }

    pub async fn connect_as(&self, base_url: &str, epoch: u64) -> (Channel, ServerMessage) {
        let url = format!("{}/v1/device/channel", base_url.replacen("http", "ws", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut channel = Channel {
            socket,
            device_id: self.id().to_owned(),
        };
        let ServerMessage::Hello { nonce, .. } = channel.next().await else {
            panic!("expected hello")
        };
        let nonce = b64_decode(&nonce).unwrap();
        let signature = sign(
            &self.key,
            &twofold_core::sign::channel_auth_bytes(&nonce, self.id(), epoch),
        );
        channel
            .send(&DeviceMessage::Auth {
                device_id: self.id().to_owned(),
                epoch,
                signature,
            })
            .await;
        let first = channel.next().await;
        (channel, first)
    }

    /// The signed answer message for `challenge`.
    pub fn answer(
        &self,
        challenge: &Challenge,
        decision: Decision,
        number: Option<&str>,
        report: bool,
    ) -> DeviceMessage {
        self.answer_signed_by(&self.key, challenge, decision, number, report)
    }

    pub fn answer_signed_by(
        &self,
        key: &EcdsaKeyPair,
        challenge: &Challenge,
        decision: Decision,
        number: Option<&str>,
        report: bool,
    ) -> DeviceMessage {
        let bytes = twofold_core::sign::answer_bytes(
            &challenge.id,
            self.id(),
            decision == Decision::Approve,
            number.unwrap_or(""),
            report,
        );
        DeviceMessage::Answer {
            challenge_id: challenge.id.clone(),
            decision,
            number: number.map(str::to_owned),
            report,
            signature: sign(key, &bytes),
        }
    }

    /// Checks the server's signature on a challenge, as a real device must.
    pub fn verify_challenge(&self, challenge: &Challenge, signature: &str) -> bool {
        let server_key = b64_decode(&self.activation.server_public_key).unwrap();
        twofold_core::sign::verify(
            &server_key,
            &challenge.signed_bytes(),
            &b64_decode(signature).unwrap(),
        )
    }
}

impl Channel {
    pub async fn send(&mut self, message: &DeviceMessage) {
        self.socket
            .send(Message::Text(
                serde_json::to_string(message).unwrap().into(),
            ))
            .await
            .unwrap();
    }

    /// The next message (pings skipped); panics after 10 s.
    pub async fn next(&mut self) -> ServerMessage {
        self.try_next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("{}: no message", self.device_id))
    }

    /// The next message, or None when the socket closed or nothing came in `wait`.
    pub async fn try_next(&mut self, wait: Duration) -> Option<ServerMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// Waits for the next challenge, skipping other messages.
    pub async fn next_challenge(&mut self) -> (Challenge, String) {
        loop {
            if let ServerMessage::Challenge {
                challenge,
                signature,
            } = self.next().await
            {
                return (challenge, signature);
            }
        }
    }

    /// True when the server closes the socket within 5 s (messages before the close are
    /// skipped); false when it stays open.
    pub async fn closed(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}
