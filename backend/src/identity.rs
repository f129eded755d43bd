//! The server's identity: its P-256 signing key (every push challenge is signed with it) and
//! the activation epoch. Both live in the store, the key sealed with the master key, so every
//! node of a cluster signs with the same key.

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use zeroize::Zeroizing;

use crate::crypto::MasterKey;
use crate::error::Error;
use crate::store::{state, Store};

pub struct ServerIdentity {
    key_pair: EcdsaKeyPair,
    pub epoch: u64,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

const KEY_CONTEXT: &str = "server_state/signing_key";

impl ServerIdentity {
    /// Loads the identity, creating it on the very first start (epoch 1).
    pub async fn load_or_create(store: &Store, master: &MasterKey) -> Result<Self, Error> {
        if state::get(store.pool(), state::SIGNING_KEY)
            .await?
            .is_none()
        {
            let sealed = new_sealed_key(master)?;
            // Another node may be starting at the same moment: the first insert wins.
            state::insert_if_absent(store.pool(), state::SIGNING_KEY, &sealed).await?;
        }
        // Outside the `if`: a node that finds the key another node has just inserted may get
        // here before that node has inserted the epoch.
        state::insert_if_absent(store.pool(), state::EPOCH, "1").await?;
        Self::load(store, master).await
    }

    pub async fn load(store: &Store, master: &MasterKey) -> Result<Self, Error> {
        let sealed = state::get(store.pool(), state::SIGNING_KEY)
            .await?
            .ok_or_else(|| Error::Internal("the server signing key is missing".into()))?;
        let epoch = state::epoch(store.pool())
            .await?
            .ok_or_else(|| Error::Internal("the activation epoch is missing".into()))?;
        let sealed = twofold_core::proto::b64_decode(&sealed)
            .ok_or_else(|| Error::Internal("the server signing key is not base64".into()))?;
        let pkcs8 = master.open(&sealed, KEY_CONTEXT)?;
        let key_pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| Error::Internal("the server signing key is not a P-256 key".into()))?;
        Ok(Self { key_pair, epoch })
    }

    /// Uncompressed SEC1 public key.
    pub fn public_key(&self) -> &[u8] {
        self.key_pair.public_key().as_ref()
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.key_pair
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| Error::Internal("signing failed".into()))
    }
}

/// A fresh PKCS#8 key, sealed and base64url-encoded for the server_state table.
pub fn new_sealed_key(master: &MasterKey) -> Result<String, Error> {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .map_err(|_| Error::Internal("key generation failed".into()))?;
    let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
    Ok(twofold_core::proto::b64_encode(
        &master.seal(&pkcs8, KEY_CONTEXT)?,
    ))
}
