//! Keys and randomness: the master key that seals OTP secrets at rest (AES-256-GCM), keyed
//! hashes for API secrets and activation codes, random identifiers and codes.

use std::io::Write;
use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
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

/// Prefix of values sealed with the HKDF-derived key (scheme 2). Values without it (or that
/// do not open with it) are tried with scheme 1: written before the key split, still opened.
const SEALED_V2: &[u8; 4] = b"tf2\0";
/// HKDF-Extract salt (RFC 5869 §3.1: a fixed, application-specific salt is fine for a
/// uniformly random input key) and the HKDF-Expand `info` of each derived key (§3.2: one
/// `info` per purpose gives independent keys).
const HKDF_SALT: &[u8] = b"twofold/v2/master-key";
const INFO_AEAD: &[u8] = b"twofold/v2/aes-256-gcm seal";
const INFO_LOOKUP: &[u8] = b"twofold/v2/hmac-sha256 lookup-hash";

/// The master key. Secrets in the database are sealed with a key derived from it, keyed
/// hashes use another derived key (HKDF-SHA256, RFC 5869): the raw master key is used for
/// nothing itself, and neither algorithm ever shares a key with the other. A database dump
/// alone can neither decrypt a secret nor test guesses of an activation code or API secret.
///
/// Scheme 1 (before issue 13, item 13) sealed with the raw master key and derived the lookup
/// key with one HMAC; its keys are kept only to open and verify what it wrote.
pub struct MasterKey {
    aead: LessSafeKey,
    lookup: hmac::Key,
    legacy_aead: LessSafeKey,
    legacy_lookup: hmac::Key,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, CryptoError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT).extract(bytes);
        let aead_okm = prk
            .expand(&[INFO_AEAD], &AES_256_GCM)
            .map_err(|_| CryptoError::Random)?;
        let lookup_okm = prk
            .expand(&[INFO_LOOKUP], hmac::HMAC_SHA256)
            .map_err(|_| CryptoError::Random)?;
        let legacy = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CryptoError::Random)?;
        let derive = hmac::Key::new(hmac::HMAC_SHA256, bytes);
        let legacy_lookup_key = hmac::sign(&derive, b"twofold/v1/lookup-hash");
        Ok(Self {
            aead: LessSafeKey::new(UnboundKey::from(aead_okm)),
            lookup: hmac::Key::from(lookup_okm),
            legacy_aead: LessSafeKey::new(legacy),
            legacy_lookup: hmac::Key::new(hmac::HMAC_SHA256, legacy_lookup_key.as_ref()),
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

    /// `tf2\0` || nonce || ciphertext || tag. `context` is authenticated, binding the value
    /// to its row.
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
        let mut sealed = SEALED_V2.to_vec();
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&buffer);
        zeroize::Zeroize::zeroize(&mut buffer);
        Ok(sealed)
    }

    /// Opens what [`Self::seal`] wrote, or what scheme 1 wrote (nonce || ciphertext || tag
    /// under the raw master key). A scheme-1 value that happens to start with the prefix
    /// fails to open as scheme 2 (the tag does not match) and is then tried as scheme 1.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if let Some(rest) = sealed.strip_prefix(SEALED_V2.as_slice()) {
            if let Ok(plain) = open_with(&self.aead, rest, context) {
                return Ok(plain);
            }
        }
        open_with(&self.legacy_aead, sealed, context)
    }

    /// Whether `sealed` was written by an earlier scheme (and should be sealed again).
    pub fn is_legacy_sealed(&self, sealed: &[u8], context: &str) -> bool {
        sealed
            .strip_prefix(SEALED_V2.as_slice())
            .is_none_or(|rest| open_with(&self.aead, rest, context).is_err())
    }

    /// Keyed hash of a high-entropy secret (API secret, admin token, activation code), for
    /// storage and lookup.
    pub fn lookup_hash(&self, secret: &str) -> String {
        encode_hex(hmac::sign(&self.lookup, secret.as_bytes()).as_ref())
    }

    /// The hash scheme 1 stored for `secret`: to find rows written before the key split
    /// (an activation code issued before the upgrade).
    pub fn legacy_lookup_hash(&self, secret: &str) -> String {
        encode_hex(hmac::sign(&self.legacy_lookup, secret.as_bytes()).as_ref())
    }

    /// Constant-time check of `secret` against a stored [`Self::lookup_hash`] (or a scheme-1
    /// one). Both comparisons always run, so the time says nothing about which matched.
    pub fn verify_lookup_hash(&self, secret: &str, stored: &str) -> bool {
        let current = self.lookup_hash(secret).as_bytes().ct_eq(stored.as_bytes());
        let legacy = self
            .legacy_lookup_hash(secret)
            .as_bytes()
            .ct_eq(stored.as_bytes());
        (current | legacy).into()
    }

    /// Whether `stored`, a hash `secret` verified against, is not the current scheme's
    /// (and should be replaced by [`Self::lookup_hash`]).
    pub fn is_legacy_hash(&self, secret: &str, stored: &str) -> bool {
        !bool::from(self.lookup_hash(secret).as_bytes().ct_eq(stored.as_bytes()))
    }
}

fn open_with(
    key: &LessSafeKey,
    sealed: &[u8],
    context: &str,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN {
        return Err(CryptoError::Open);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Open)?;
    let mut buffer = Zeroizing::new(ciphertext.to_vec());
    let plain_len = key
        .open_in_place(nonce, Aad::from(context.as_bytes()), buffer.as_mut_slice())
        .map_err(|_| CryptoError::Open)?
        .len();
    buffer.truncate(plain_len);
    Ok(buffer)
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

    /// What scheme 1 wrote: AES-256-GCM under the raw master key, nonce || ct || tag.
    fn legacy_seal(key: &[u8; 32], nonce: [u8; NONCE_LEN], plain: &[u8], context: &str) -> Vec<u8> {
        let aead = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).unwrap());
        let mut buffer = plain.to_vec();
        aead.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut buffer,
        )
        .unwrap();
        [nonce.as_slice(), &buffer].concat()
    }

    #[test]
    fn values_of_the_old_scheme_still_open_and_verify_and_new_ones_use_derived_keys() {
        let raw = [5u8; 32];
        let key = MasterKey::from_bytes(&raw).unwrap();
        let old = legacy_seal(&raw, [9u8; NONCE_LEN], b"old secret", "cred_1");
        assert_eq!(key.open(&old, "cred_1").unwrap().as_slice(), b"old secret");
        assert!(key.open(&old, "cred_2").is_err());
        assert!(key.is_legacy_sealed(&old, "cred_1"));
        // An old value whose random nonce happens to begin with the new prefix still opens.
        let unlucky_nonce = *b"tf2\0unlucky!";
        let unlucky = legacy_seal(&raw, unlucky_nonce, b"x", "c");
        assert!(unlucky.starts_with(SEALED_V2));
        assert_eq!(key.open(&unlucky, "c").unwrap().as_slice(), b"x");
        // New values are not sealed with the raw master key.
        let new = key.seal(b"new secret", "cred_1").unwrap();
        assert!(new.starts_with(SEALED_V2));
        assert!(!key.is_legacy_sealed(&new, "cred_1"));
        let raw_only = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &raw).unwrap());
        assert!(open_with(&raw_only, &new[4..], "cred_1").is_err());
        // Lookup hashes: the old scheme's still verify; new ones differ from it.
        let old_hash = {
            let derive = hmac::Key::new(hmac::HMAC_SHA256, &raw);
            let k = hmac::sign(&derive, b"twofold/v1/lookup-hash");
            encode_hex(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k.as_ref()), b"123").as_ref())
        };
        assert_eq!(key.legacy_lookup_hash("123"), old_hash);
        assert_ne!(key.lookup_hash("123"), old_hash);
        assert!(key.verify_lookup_hash("123", &old_hash));
        assert!(key.is_legacy_hash("123", &old_hash));
        assert!(!key.is_legacy_hash("123", &key.lookup_hash("123")));
        assert!(!key.verify_lookup_hash("124", &old_hash));
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
