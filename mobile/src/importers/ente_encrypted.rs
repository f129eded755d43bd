//! Ente Auth encrypted exports (format version 1, as Ente's `auth/lib/models/export/ente.dart`
//! and its "Auth Encrypted Export format" document describe it):
//!
//! ```json
//! {"version": 1,
//!  "kdfParams": {"memLimit": 268435456, "opsLimit": 16, "salt": "<base64, 16 bytes>"},
//!  "encryptedData": "<base64>", "encryptionNonce": "<base64, 24 bytes>"}
//! ```
//!
//! The key is libsodium's `crypto_pwhash` with Argon2id v1.3: `memLimit` is in bytes (Argon2
//! memory = memLimit / 1024 KiB), `opsLimit` the passes, one lane, 32 bytes out. The data is
//! one message of libsodium's `crypto_secretstream_xchacha20poly1305` whose 24-byte header is
//! `encryptionNonce`; inside is the plain export, `otpauth://` URIs one per line.
//!
//! The format has no separate password check: a wrong password and an altered ciphertext both
//! fail the Poly1305 tag and are reported as a wrong password.

use base64::Engine as _;
use orion::hazardous::aead::streaming::{Nonce, SecretKey, StreamXChaCha20Poly1305, ABYTES};
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::kdf::{argon2id, Argon2Cost};
use super::{parse_envelope, ImportError};

const FORMAT: &str = "Ente Auth";
/// libsodium's `crypto_pwhash_SALTBYTES`.
const SALT_BYTES: usize = 16;
/// libsodium's `crypto_secretstream_xchacha20poly1305_HEADERBYTES`.
const HEADER_BYTES: usize = 24;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    version: Value,
    kdf_params: KdfParams,
    encrypted_data: String,
    encryption_nonce: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KdfParams {
    mem_limit: u64,
    ops_limit: u64,
    salt: String,
}

/// Whether a JSON document is Ente's encrypted export rather than another app's JSON.
pub(super) fn looks_encrypted(value: &Value) -> bool {
    value.get("kdfParams").is_some() && value.get("encryptedData").is_some()
}

fn base64(field: &str, text: &str) -> Result<Vec<u8>, ImportError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| ImportError::corrupt(FORMAT, format!("{field} is not base64")))
}

/// The plain export inside an encrypted one.
pub(super) fn decrypt(
    bytes: &[u8],
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let file: File = parse_envelope(
        FORMAT,
        bytes,
        "an encrypted export needs version, kdfParams {memLimit, opsLimit, salt}, \
         encryptedData and encryptionNonce",
    )?;
    if file.version.as_u64() != Some(1) {
        return Err(ImportError::UnknownVersion {
            format: FORMAT,
            version: file.version.to_string(),
        });
    }
    let salt = base64("kdfParams.salt", &file.kdf_params.salt)?;
    if salt.len() != SALT_BYTES {
        return Err(ImportError::corrupt(
            FORMAT,
            format!(
                "kdfParams.salt is {} bytes; libsodium's is {SALT_BYTES}",
                salt.len()
            ),
        ));
    }
    let header = base64("encryptionNonce", &file.encryption_nonce)?;
    let nonce = Nonce::try_from(header.as_slice()).map_err(|_| {
        ImportError::corrupt(
            FORMAT,
            format!(
                "encryptionNonce is {} bytes; the secretstream header is {HEADER_BYTES}",
                header.len()
            ),
        )
    })?;
    let ciphertext = base64("encryptedData", &file.encrypted_data)?;
    if ciphertext.len() < ABYTES {
        return Err(ImportError::Truncated(FORMAT));
    }
    // libsodium's crypto_pwhash_argon2id: memory in KiB is memlimit / 1024, one lane.
    let cost = Argon2Cost {
        m_kib: u32::try_from(file.kdf_params.mem_limit / 1024).unwrap_or(u32::MAX),
        t: u32::try_from(file.kdf_params.ops_limit).unwrap_or(u32::MAX),
        p: 1,
    };
    // Checked before asking for the password: a file we would refuse anyway says so first.
    if let Some(problem) = cost.problem() {
        return Err(ImportError::corrupt(
            FORMAT,
            format!("kdfParams: {problem}"),
        ));
    }
    let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
    let key = argon2id(FORMAT, password, &salt, cost)?;
    let key = SecretKey::try_from(key.as_slice())
        .map_err(|_| ImportError::corrupt(FORMAT, "the derived key has the wrong length"))?;
    let mut stream = StreamXChaCha20Poly1305::new(&key, &nonce);
    let mut plain = Zeroizing::new(vec![0u8; ciphertext.len() - ABYTES]);
    // Ente writes the whole export as one message (tagged FINAL); without a chunk size a
    // longer stream could not be split, so one message is what is read.
    stream
        .open_chunk(&ciphertext, None, &mut plain)
        .map_err(|_| ImportError::WrongPassword(FORMAT))?;
    Ok(plain)
}
