//! The exact bytes each side signs, and signature checks (ECDSA P-256 with SHA-256, ASN.1 DER
//! signatures: what Android Keystore, the iOS Secure Enclave and `ring` produce).
//!
//! Every message starts with a domain tag naming its purpose, so a signature made for one
//! purpose can never be replayed as another; every variable-length field is preceded by its
//! length (u32, big-endian), so no two different field lists share an encoding. The layout is
//! specified in `docs/PROTOCOL.md`.

use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};

/// Length of an uncompressed SEC1 P-256 public key (0x04 || X || Y).
pub const P256_PUBLIC_KEY_LEN: usize = 65;

const ACTIVATION: &str = "twofold/v1/activation";
const CHANNEL_AUTH: &str = "twofold/v1/channel-auth";
const CHALLENGE: &str = "twofold/v1/challenge";
const ANSWER: &str = "twofold/v1/answer";

struct Canonical(Vec<u8>);

impl Canonical {
    fn new(domain: &str) -> Self {
        let mut c = Self(Vec::with_capacity(128));
        c.field(domain.as_bytes());
        c
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        // Fields are short (ids, keys, names); anything past u32::MAX cannot occur.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    fn text(&mut self, text: &str) -> &mut Self {
        self.field(text.as_bytes())
    }

    fn number(&mut self, n: u64) -> &mut Self {
        self.field(&n.to_be_bytes())
    }

    fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
}

/// Proof of possession at activation: the device signs the activation code it redeems and
/// the public key it registers.
pub fn activation_bytes(activation_code: &str, device_public_key: &[u8]) -> Vec<u8> {
    Canonical::new(ACTIVATION)
        .text(activation_code)
        .field(device_public_key)
        .finish()
}

/// Opening the device channel: the device signs the server's fresh nonce with its identity.
pub fn channel_auth_bytes(nonce: &[u8], device_id: &str, epoch: u64) -> Vec<u8> {
    Canonical::new(CHANNEL_AUTH)
        .field(nonce)
        .text(device_id)
        .number(epoch)
        .finish()
}

/// What the server signs for each push challenge, so a device can tell a real sign-in
/// request from a forged one.
pub struct ChallengeFields<'a> {
    pub challenge_id: &'a str,
    pub device_id: &'a str,
    pub epoch: u64,
    pub username: &'a str,
    pub application: &'a str,
    pub client_ip: &'a str,
    pub location: &'a str,
    pub created_at: u64,
    pub expires_at: u64,
    pub number_required: bool,
}

pub fn challenge_bytes(c: &ChallengeFields<'_>) -> Vec<u8> {
    Canonical::new(CHALLENGE)
        .text(c.challenge_id)
        .text(c.device_id)
        .number(c.epoch)
        .text(c.username)
        .text(c.application)
        .text(c.client_ip)
        .text(c.location)
        .number(c.created_at)
        .number(c.expires_at)
        .number(u64::from(c.number_required))
        .finish()
}

/// The device's answer to a challenge. `number` is the number the user typed (empty when
/// none was asked); `report` is "deny and report fraud".
pub fn answer_bytes(
    challenge_id: &str,
    device_id: &str,
    approve: bool,
    number: &str,
    report: bool,
) -> Vec<u8> {
    Canonical::new(ANSWER)
        .text(challenge_id)
        .text(device_id)
        .text(if approve { "approve" } else { "deny" })
        .text(number)
        .number(u64::from(report))
        .finish()
}

/// Checks an ECDSA P-256 SHA-256 DER signature against an uncompressed SEC1 public key.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    public_key.len() == P256_PUBLIC_KEY_LEN
        && UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
            .verify(message, signature)
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

    fn key_pair() -> EcdsaKeyPair {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap()
    }

    #[test]
    fn a_signature_verifies_only_for_its_own_bytes_and_key() {
        let rng = SystemRandom::new();
        let key = key_pair();
        let message = answer_bytes("ch_1", "dev_1", true, "42", false);
        let signature = key.sign(&rng, &message).unwrap();
        let public = key.public_key().as_ref();
        assert!(verify(public, &message, signature.as_ref()));
        assert!(!verify(
            public,
            &answer_bytes("ch_1", "dev_1", false, "42", false),
            signature.as_ref()
        ));
        assert!(!verify(
            key_pair().public_key().as_ref(),
            &message,
            signature.as_ref()
        ));
        assert!(!verify(&public[..64], &message, signature.as_ref()));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        // "ab" + "c" and "a" + "bc" must not encode alike.
        assert_ne!(
            answer_bytes("ab", "c", true, "", false),
            answer_bytes("a", "bc", true, "", false)
        );
        assert_ne!(activation_bytes("1", b"23"), activation_bytes("12", b"3"));
    }

    #[test]
    fn domains_separate_purposes() {
        let nonce = b"dev_1";
        assert_ne!(
            channel_auth_bytes(nonce, "", 0)[..27],
            answer_bytes("", "", true, "", false)[..27]
        );
    }

    #[test]
    fn the_layout_is_stable() {
        // Pinned: docs/PROTOCOL.md documents this exact encoding.
        let bytes = channel_auth_bytes(b"\x01\x02", "d", 7);
        let mut expected = Vec::new();
        expected.extend_from_slice(&23u32.to_be_bytes());
        expected.extend_from_slice(b"twofold/v1/channel-auth");
        expected.extend_from_slice(&2u32.to_be_bytes());
        expected.extend_from_slice(b"\x01\x02");
        expected.extend_from_slice(&1u32.to_be_bytes());
        expected.extend_from_slice(b"d");
        expected.extend_from_slice(&8u32.to_be_bytes());
        expected.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(bytes, expected);
    }
}
