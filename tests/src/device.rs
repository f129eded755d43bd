//! A simulated authenticator device: a P-256 key from `ring`, activation through the device
//! API with proof of possession, the offline-code account it receives, and the signatures
//! it makes and checks on the device channel (see [`crate::channel`]). The one simulated device
//! of every crate's tests: it speaks only the wire protocol of `twofold_core::proto`, so what
//! passes with it is the protocol as documented.

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use twofold_core::proto::channel::{Challenge, Decision, DeviceMessage};
use twofold_core::proto::{b64_decode, b64_encode, ActivateRequest, ActivateResponse};
use twofold_core::OtpAccount;

use crate::error::Error;
use crate::http::{ApiResponse, RawClient};
use crate::Result;

/// `N` random bytes.
pub fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::new("no randomness"))?;
    Ok(bytes)
}

pub struct TestDevice {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    pub name: String,
    pub platform: String,
    /// The server's answer, once activated.
    pub activation: Option<ActivateResponse>,
}

impl TestDevice {
    pub fn new() -> Result<Self> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| Error::new("cannot generate a P-256 key"))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| Error::new("cannot load the P-256 key"))?;
        Ok(Self {
            key,
            rng,
            name: "Test phone".into(),
            platform: "cli".into(),
            activation: None,
        })
    }

    /// The uncompressed SEC1 public key (65 bytes).
    pub fn public_key(&self) -> &[u8] {
        self.key.public_key().as_ref()
    }

    /// Signs `message` with the device key (ECDSA P-256 SHA-256, DER).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        Ok(self
            .key
            .sign(&self.rng, message)
            .map_err(|_| Error::new("cannot sign"))?
            .as_ref()
            .to_vec())
    }

    /// The activation request for `code`, exactly as typed (the signature covers the code as
    /// sent, spaces included).
    pub fn activation_request(&self, code: &str) -> Result<ActivateRequest> {
        let signature = self.sign(&twofold_core::sign::activation_bytes(
            code,
            self.public_key(),
        ))?;
        Ok(ActivateRequest {
            code: code.to_owned(),
            public_key: b64_encode(self.public_key()),
            signature: b64_encode(&signature),
            name: self.name.clone(),
            platform: self.platform.clone(),
        })
    }

    /// `POST /v1/device/activate`, whatever the answer.
    pub async fn try_activate(&self, server_url: &str, code: &str) -> Result<ApiResponse> {
        RawClient::new(server_url, None)?
            .json(
                "POST",
                "/v1/device/activate",
                &self.activation_request(code)?,
            )
            .await
    }

    /// A new device called `name`, activated with `code` at `server_url`.
    pub async fn activate_new(server_url: &str, code: &str, name: &str) -> Result<Self> {
        let mut device = Self::new()?;
        device.name = name.to_owned();
        device.activate(server_url, code).await?;
        Ok(device)
    }

    /// Activates with `code`; an error unless the server answers 201.
    pub async fn activate(&mut self, server_url: &str, code: &str) -> Result<&ActivateResponse> {
        let response = self.try_activate(server_url, code).await?;
        if response.status != 201 {
            return Err(Error::new(format!(
                "activation refused: HTTP {} {}",
                response.status, response.body
            )));
        }
        Ok(self.activation.insert(response.decode()?))
    }

    fn account(&self) -> Result<OtpAccount> {
        OtpAccount::from_uri(&self.activated()?.otpauth_uri)
            .map_err(|e| Error::new(format!("the otpauth URI does not parse: {e}")))
    }

    /// The server's answer to the activation; an error before it.
    pub fn activated(&self) -> Result<&ActivateResponse> {
        self.activation
            .as_ref()
            .ok_or_else(|| Error::new("the device is not activated"))
    }

    /// The answer to `challenge` (`report`: deny and report as fraud), signed over
    /// `sign::answer_bytes` as docs/PROTOCOL.md says.
    pub fn answer(
        &self,
        challenge: &Challenge,
        decision: Decision,
        number: Option<&str>,
        report: bool,
    ) -> Result<DeviceMessage> {
        self.answer_signed_by(self, challenge, decision, number, report)
    }

    /// This device's answer with the signature of `signer`'s key: what a forged answer
    /// looks like.
    pub fn answer_signed_by(
        &self,
        signer: &TestDevice,
        challenge: &Challenge,
        decision: Decision,
        number: Option<&str>,
        report: bool,
    ) -> Result<DeviceMessage> {
        let bytes = twofold_core::sign::answer_bytes(
            &challenge.id,
            self.device_id()?,
            decision == Decision::Approve,
            number.unwrap_or(""),
            report,
        );
        Ok(DeviceMessage::Answer {
            challenge_id: challenge.id.clone(),
            decision,
            number: number.map(str::to_owned),
            report,
            signature: b64_encode(&signer.sign(&bytes)?),
        })
    }

    /// Whether `signature` is the server's, over `challenge`, by the key the device got at
    /// activation: what a real device checks before showing a sign-in request.
    pub fn verify_challenge(&self, challenge: &Challenge, signature: &str) -> Result<bool> {
        let server_key = b64_decode(&self.activated()?.server_public_key)
            .ok_or_else(|| Error::new("the server public key is not base64url"))?;
        Ok(b64_decode(signature).is_some_and(|signature| {
            twofold_core::sign::verify(&server_key, &challenge.signed_bytes(), &signature)
        }))
    }

    pub fn device_id(&self) -> Result<&str> {
        Ok(self.activated()?.device_id.as_str())
    }

    /// The offline account's secret as the server sent it: base32, as in the otpauth URI.
    pub fn secret_base32(&self) -> Result<String> {
        let query = self
            .activated()?
            .otpauth_uri
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("");
        query
            .split('&')
            .find_map(|p| p.strip_prefix("secret="))
            .map(str::to_owned)
            .ok_or_else(|| Error::new("the otpauth URI has no secret"))
    }

    /// The raw secret bytes.
    pub fn secret_bytes(&self) -> Result<Vec<u8>> {
        Ok(self.account()?.secret.expose().to_vec())
    }

    /// The code the device shows at `now` (computed in-process; the tests cross-check with
    /// `oathtool`).
    pub fn code(&self, now: u64) -> Result<String> {
        self.account()?
            .code(now)
            .map_err(|e| Error::new(format!("cannot compute a code: {e}")))
    }
}
