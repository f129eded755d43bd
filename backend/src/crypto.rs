//! Keys and randomness: the master key that seals OTP secrets at rest (AES-256-GCM), keyed
//! hashes for API secrets and activation codes, random identifiers and codes.

use std::io::Write;
use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("master key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("a sealed value could not be opened (wrong master key, or the database was altered)")]
    Open,
    #[error("the system random generator failed")]
    Random,
}

const KEY_FILE_HEADER: &str = "twofold-master-key-v1 ";

/// The master key. Secrets in the database are sealed with it; keyed hashes use a key
/// derived from it, so a database dump alone can neither decrypt a secret nor test guesses
/// of an activation code or API secret.
pub struct MasterKey {
    aead: LessSafeKey,
    lookup: hmac::Key,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CryptoError::Random)?;
        let derive = hmac::Key::new(hmac::HMAC_SHA256, bytes);
        let lookup_key = hmac::sign(&derive, b"twofold/v1/lookup-hash");
        Ok(Self {
            aead: LessSafeKey::new(unbound),
            lookup: hmac::Key::new(hmac::HMAC_SHA256, lookup_key.as_ref()),
        })
    }

    /// Reads the key file, or creates it (mode 0600) when it does not exist.
    /// Returns the key and whether it was created now.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), CryptoError> {
        let err = |message: String| CryptoError::KeyFile {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let hex = text
                    .trim()
                    .strip_prefix(KEY_FILE_HEADER.trim_end())
                    .map(str::trim)
                    .ok_or_else(|| err("not a Twofold master key file".into()))?;
                let bytes = Zeroizing::new(
                    decode_hex(hex).ok_or_else(|| err("the key is not 64 hex digits".into()))?,
                );
                let array: Zeroizing<[u8; 32]> = Zeroizing::new(
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| err("the key is not 64 hex digits".into()))?,
                );
                Ok((Self::from_bytes(&array)?, false))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                SystemRandom::new()
                    .fill(bytes.as_mut())
                    .map_err(|_| CryptoError::Random)?;
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
                }
                let contents =
                    Zeroizing::new(format!("{KEY_FILE_HEADER}{}\n", encode_hex(bytes.as_ref())));
                let mut file = create_private(path).map_err(|e| err(e.to_string()))?;
                file.write_all(contents.as_bytes())
                    .and_then(|_| file.sync_all())
                    .map_err(|e| err(e.to_string()))?;
                Ok((Self::from_bytes(&bytes)?, true))
            }
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// nonce || ciphertext || tag. `context` is authenticated, binding the value to its row.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CryptoError::Random)?;
        let mut buffer = plaintext.to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| CryptoError::Random)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&buffer);
        zeroize::Zeroize::zeroize(&mut buffer);
        Ok(sealed)
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Open)?;
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        let plain_len = self
            .aead
            .open_in_place(nonce, Aad::from(context.as_bytes()), buffer.as_mut_slice())
            .map_err(|_| CryptoError::Open)?
            .len();
        buffer.truncate(plain_len);
        Ok(buffer)
    }

    /// Keyed hash of a high-entropy secret (API secret, admin token, activation code), for
    /// storage and lookup.
    pub fn lookup_hash(&self, secret: &str) -> String {
        encode_hex(hmac::sign(&self.lookup, secret.as_bytes()).as_ref())
    }

    /// Constant-time check of `secret` against a stored [`Self::lookup_hash`].
    pub fn verify_lookup_hash(&self, secret: &str, stored: &str) -> bool {
        self.lookup_hash(secret)
            .as_bytes()
            .ct_eq(stored.as_bytes())
            .into()
    }
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes a file readable only by its owner, replacing any earlier one.
pub fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    let mut file = create_private(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

pub fn random_bytes(len: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; len];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| CryptoError::Random)?;
    Ok(bytes)
}

/// `prefix_` + 16 lower-case base32 characters (80 random bits).
pub fn random_id(prefix: &str) -> Result<String, CryptoError> {
    let bytes = random_bytes(10)?;
    let text = base32::encode(base32::Alphabet::Rfc4648Lower { padding: false }, &bytes);
    Ok(format!("{prefix}_{text}"))
}

/// A secret token: 32 random bytes, base64url.
pub fn random_token() -> Result<String, CryptoError> {
    Ok(twofold_core::proto::b64_encode(&random_bytes(32)?))
}

/// `count` random decimal digits, uniformly distributed (rejection sampling).
pub fn random_digits(count: usize) -> Result<String, CryptoError> {
    let mut digits = String::with_capacity(count);
    while digits.len() < count {
        for byte in random_bytes(count)? {
            // 250 = 25 × 10: values 250..=255 would favour 0..=5.
            if byte < 250 && digits.len() < count {
                digits.push(char::from(b'0' + byte % 10));
            }
        }
    }
    Ok(digits)
}

pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let key = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let sealed = key.seal(b"secret", "cred_1").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(key.open(&sealed, "cred_1").unwrap().as_slice(), b"secret");
        assert!(key.open(&sealed, "cred_2").is_err());
        assert!(MasterKey::from_bytes(&[8u8; 32])
            .unwrap()
            .open(&sealed, "cred_1")
            .is_err());
        let mut tampered = sealed.clone();
        tampered[14] ^= 1;
        assert!(key.open(&tampered, "cred_1").is_err());
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("twofold-mk-{}", std::process::id()));
        let path = dir.join("master.key");
        let (first, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let (second, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(!created);
        let sealed = first.seal(b"x", "c").unwrap();
        assert_eq!(second.open(&sealed, "c").unwrap().as_slice(), b"x");
        std::fs::write(&path, "garbage").unwrap();
        assert!(MasterKey::load_or_create(&path)
            .unwrap_err()
            .to_string()
            .contains("not a Twofold master key"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn lookup_hashes_are_keyed() {
        let a = MasterKey::from_bytes(&[1u8; 32]).unwrap();
        let b = MasterKey::from_bytes(&[2u8; 32]).unwrap();
        assert_ne!(a.lookup_hash("123"), b.lookup_hash("123"));
        assert!(a.verify_lookup_hash("123", &a.lookup_hash("123")));
        assert!(!a.verify_lookup_hash("124", &a.lookup_hash("123")));
    }

    #[test]
    fn random_digits_are_digits() {
        let d = random_digits(12).unwrap();
        assert_eq!(d.len(), 12);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        assert!(random_id("dev").unwrap().starts_with("dev_"));
    }
}
