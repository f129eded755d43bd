//! serde adapters for the vault's JSON: secrets as base32/base64 strings that are wiped after
//! use, algorithms by their URI spelling.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serializer};
use twofold_core::{Algorithm, SecretBytes};
use zeroize::Zeroizing;

pub mod secret_b32 {
    use super::*;

    pub fn serialize<S: Serializer>(secret: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        let text = Zeroizing::new(secret.to_base32());
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        twofold_core::uri::decode_secret(&text).map_err(serde::de::Error::custom)
    }
}

pub mod secret_b64 {
    use super::*;

    pub fn serialize<S: Serializer>(secret: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        let text =
            Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(secret.expose()));
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        let text = Zeroizing::new(String::deserialize(d)?);
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(SecretBytes::new)
            .map_err(serde::de::Error::custom)
    }
}

pub mod bytes_b64 {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

pub mod algorithm_serde {
    use super::*;

    pub fn serialize<S: Serializer>(algorithm: &Algorithm, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(algorithm.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Algorithm, D::Error> {
        let text = String::deserialize(d)?;
        Algorithm::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown algorithm {text:?}")))
    }
}

/// Hex fields of the vault header.
pub mod hex_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}
