//! Bitwarden password-protected JSON exports, as Bitwarden's clients write them
//! (`BaseVaultExportService.buildPasswordExport`, `KeyGenerationService`):
//!
//! ```json
//! {"encrypted": true, "passwordProtected": true, "salt": "<base64 of 16 random bytes>",
//!  "kdfType": 0, "kdfIterations": 600000, "kdfMemory": 64, "kdfParallelism": 4,
//!  "encKeyValidation_DO_NOT_EDIT": "2.<iv>|<ct>|<mac>", "data": "2.<iv>|<ct>|<mac>"}
//! ```
//!
//! - The salt is used as the UTF-8 bytes of the base64 text, not decoded.
//! - `kdfType` 0: PBKDF2-HMAC-SHA256 with `kdfIterations` rounds; 1: Argon2id v1.3 with
//!   `kdfIterations` passes, `kdfMemory` MiB, `kdfParallelism` lanes, over SHA-256(salt).
//!   Either gives a 32-byte key, stretched with HKDF-Expand-SHA256 (RFC 5869 §2.3) into an
//!   encryption key (info `enc`) and a MAC key (info `mac`).
//! - An EncString of type 2 is AES-256-CBC with PKCS#7 padding, and HMAC-SHA256 over iv || ct
//!   (encrypt-then-MAC). The MAC is checked, in constant time, before anything is decrypted.
//! - `encKeyValidation_DO_NOT_EDIT` encrypts a random GUID: its MAC tells a wrong password
//!   from a damaged `data`. Inside `data` is the plain JSON export.

use base64::Engine as _;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::kdf::{argon2id, pbkdf2_problem, pbkdf2_sha256, Argon2Cost};
use super::{parse_envelope, ImportError};

const FORMAT: &str = "Bitwarden";

#[derive(Deserialize)]
struct File {
    salt: String,
    #[serde(rename = "kdfType")]
    kdf_type: u32,
    #[serde(rename = "kdfIterations")]
    kdf_iterations: u32,
    #[serde(rename = "kdfMemory", default)]
    kdf_memory: Option<u32>,
    #[serde(rename = "kdfParallelism", default)]
    kdf_parallelism: Option<u32>,
    #[serde(rename = "encKeyValidation_DO_NOT_EDIT")]
    validation: String,
    data: String,
}

/// The key derivation a file names, checked before the password is asked for.
enum Kdf {
    Pbkdf2 { rounds: u32 },
    Argon2id(Argon2Cost),
}

impl Kdf {
    fn of(file: &File) -> Result<Self, ImportError> {
        match file.kdf_type {
            0 => match pbkdf2_problem(file.kdf_iterations) {
                Some(problem) => Err(ImportError::corrupt(FORMAT, problem)),
                None => Ok(Kdf::Pbkdf2 {
                    rounds: file.kdf_iterations,
                }),
            },
            1 => {
                let missing = |field: &str| {
                    ImportError::corrupt(FORMAT, format!("an Argon2id export needs {field}"))
                };
                let memory_mib = file.kdf_memory.ok_or_else(|| missing("kdfMemory"))?;
                let cost = Argon2Cost {
                    m_kib: memory_mib.saturating_mul(1024),
                    t: file.kdf_iterations,
                    p: file
                        .kdf_parallelism
                        .ok_or_else(|| missing("kdfParallelism"))?,
                };
                if let Some(problem) = cost.problem() {
                    return Err(ImportError::corrupt(FORMAT, problem));
                }
                Ok(Kdf::Argon2id(cost))
            }
            other => Err(ImportError::Unsupported(format!(
                "this Bitwarden export uses key derivation type {other}; only 0 (PBKDF2-SHA256) \
                 and 1 (Argon2id) are known"
            ))),
        }
    }

    fn master_key(&self, password: &str, salt: &str) -> Result<Zeroizing<[u8; 32]>, ImportError> {
        match self {
            Kdf::Pbkdf2 { rounds } => pbkdf2_sha256(FORMAT, password, salt.as_bytes(), *rounds),
            Kdf::Argon2id(cost) => {
                let hashed = ring::digest::digest(&ring::digest::SHA256, salt.as_bytes());
                argon2id(FORMAT, password, hashed.as_ref(), *cost)
            }
        }
    }
}

/// The encryption and MAC keys stretched from the master key.
struct Keys {
    enc: Zeroizing<[u8; 32]>,
    mac: ring::hmac::Key,
}

impl Keys {
    fn stretch(master: &[u8; 32]) -> Result<Self, ImportError> {
        // RFC 5869 §2.3 HKDF-Expand with the master key as PRK (no extract step).
        let prk = ring::hkdf::Prk::new_less_safe(ring::hkdf::HKDF_SHA256, master);
        let expand = |info: &[u8]| -> Result<Zeroizing<[u8; 32]>, ImportError> {
            let mut out = Zeroizing::new([0u8; 32]);
            prk.expand(&[info], ring::hkdf::HKDF_SHA256)
                .and_then(|okm| okm.fill(out.as_mut()))
                .map_err(|_| ImportError::corrupt(FORMAT, "HKDF expansion failed"))?;
            Ok(out)
        };
        let enc = expand(b"enc")?;
        let mac = expand(b"mac")?;
        Ok(Keys {
            enc,
            mac: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, mac.as_ref()),
        })
    }
}

/// An EncString of type 2 (`AesCbc256_HmacSha256_B64`): `2.iv|ct|mac`, each part base64.
struct EncString {
    iv: [u8; 16],
    ciphertext: Vec<u8>,
    mac: Vec<u8>,
}

impl EncString {
    fn parse(field: &str, text: &str) -> Result<Self, ImportError> {
        let bad = |what: &str| ImportError::corrupt(FORMAT, format!("{field}: {what}"));
        let (kind, rest) = text
            .trim()
            .split_once('.')
            .ok_or_else(|| bad("not an encrypted string (no type prefix)"))?;
        match kind {
            "2" => {}
            "0" | "1" => {
                return Err(ImportError::Unsupported(format!(
                    "{field} uses Bitwarden's legacy encryption type {kind} (no or a short \
                     MAC); export again from a current Bitwarden"
                )))
            }
            other => return Err(bad(&format!("unknown encryption type {other:?}"))),
        }
        let parts: Vec<&str> = rest.split('|').collect();
        let [iv, ciphertext, mac] = parts.as_slice() else {
            return Err(bad("needs three parts, iv|ciphertext|mac"));
        };
        let decode = |part: &str, name: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(part)
                .map_err(|_| bad(&format!("the {name} is not base64")))
        };
        let iv: [u8; 16] = decode(iv, "iv")?
            .try_into()
            .map_err(|_| bad("the iv is not 16 bytes"))?;
        let ciphertext = decode(ciphertext, "ciphertext")?;
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            return Err(bad("the ciphertext is not whole AES blocks"));
        }
        let mac = decode(mac, "mac")?;
        if mac.len() != 32 {
            return Err(bad("the mac is not 32 bytes"));
        }
        Ok(EncString {
            iv,
            ciphertext,
            mac,
        })
    }

    /// Whether the MAC over iv || ciphertext is right (constant-time comparison).
    fn authentic(&self, keys: &Keys) -> bool {
        let mut signed = Vec::with_capacity(16 + self.ciphertext.len());
        signed.extend_from_slice(&self.iv);
        signed.extend_from_slice(&self.ciphertext);
        ring::hmac::verify(&keys.mac, &signed, &self.mac).is_ok()
    }

    /// AES-256-CBC decryption; call after [`EncString::authentic`].
    fn decrypt(&self, keys: &Keys, field: &str) -> Result<Zeroizing<Vec<u8>>, ImportError> {
        let mut buf = Zeroizing::new(self.ciphertext.clone());
        let len = cbc::Decryptor::<aes::Aes256>::new_from_slices(keys.enc.as_ref(), &self.iv)
            .map_err(|_| ImportError::corrupt(FORMAT, "AES key or iv of the wrong length"))?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| ImportError::corrupt(FORMAT, format!("{field}: bad padding")))?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

/// Whether a JSON document is a password-protected export (not the account-restricted one,
/// which only the exporting Bitwarden account can open).
pub(super) fn is_password_protected(value: &Value) -> bool {
    value.get("passwordProtected").and_then(Value::as_bool) == Some(true)
}

/// The plain JSON export inside a password-protected one.
pub(super) fn decrypt(
    bytes: &[u8],
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let file: File = parse_envelope(
        FORMAT,
        bytes,
        "a password-protected export needs salt, kdfType, kdfIterations, \
         encKeyValidation_DO_NOT_EDIT and data",
    )?;
    let kdf = Kdf::of(&file)?;
    let validation = EncString::parse("encKeyValidation_DO_NOT_EDIT", &file.validation)?;
    let data = EncString::parse("data", &file.data)?;
    let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
    let master = kdf.master_key(password, &file.salt)?;
    let keys = Keys::stretch(&master)?;
    if !validation.authentic(&keys) {
        return Err(ImportError::WrongPassword(FORMAT));
    }
    if !data.authentic(&keys) {
        return Err(ImportError::corrupt(
            FORMAT,
            "the password is right but data does not match its MAC (the file was altered)",
        ));
    }
    data.decrypt(&keys, "data")
}
