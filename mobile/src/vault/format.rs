//! The vault file's bytes: layout, sealing and opening. See `docs/VAULT.md`.
//!
//! ```text
//! magic "TWOFOLDV" (8) | version u16 BE (2) | header length u32 BE (4) | header JSON (n)
//! | payload: AES-256-GCM ciphertext || tag (16) | SHA-256 of everything before (32)
//! ```
//! The payload's AAD is every byte before it (magic, version, length, header), so a changed
//! slot, nonce or version cannot go unnoticed once the master key is known. The trailing
//! SHA-256 lets a damaged file be told apart from a wrong password before any key is derived.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use twofold_core::SecretBytes;
use zeroize::Zeroizing;

use super::{KdfParams, VaultError};
use crate::serde_helpers::hex_bytes;

pub const MAGIC: &[u8; 8] = b"TWOFOLDV";
pub const FORMAT_VERSION: u16 = 1;
const PREFIX_LEN: usize = 14;
const CHECKSUM_LEN: usize = 32;
const TAG_LEN: usize = 16;
const SALT_LEN: usize = 16;
/// A device key (keystore slot) is an AES-256 key.
pub(crate) const DEVICE_KEY_LEN: usize = 32;
const AEAD_NAME: &str = "AES-256-GCM";

#[derive(Serialize, Deserialize)]
pub(crate) struct Header {
    aead: String,
    #[serde(with = "hex_bytes")]
    nonce: Vec<u8>,
    slots: Vec<Slot>,
}

/// A key slot: one way to recover the master key. On disk, a JSON object whose `type` names
/// the kind (`password`, `keystore`).
#[derive(Clone)]
pub(crate) enum Slot {
    Password(PasswordSlot),
    /// The master key wrapped by a device key that the app shell keeps in the OS keystore
    /// (Android Keystore, iOS Keychain) behind a biometric prompt: biometric unlock.
    Keystore(KeystoreSlot),
    /// A slot type written by a newer app: skipped when unlocking, so its password slot still
    /// opens, and written back byte for byte when this app saves, so the newer app's way in
    /// is not lost (issue 13, item 20).
    Unknown(Box<RawValue>),
}

/// The slots this app knows, as they are tagged on disk.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum KnownSlot<P, K> {
    Password(P),
    Keystore(K),
}

#[derive(Deserialize)]
struct SlotType<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let tag: SlotType<'_> = serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
        if !matches!(tag.kind.as_ref(), "password" | "keystore") {
            return Ok(Slot::Unknown(raw));
        }
        let known: KnownSlot<PasswordSlot, KeystoreSlot> =
            serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
        Ok(match known {
            KnownSlot::Password(slot) => Slot::Password(slot),
            KnownSlot::Keystore(slot) => Slot::Keystore(slot),
        })
    }
}

impl Serialize for Slot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Slot::Password(slot) => {
                KnownSlot::<_, &KeystoreSlot>::Password(slot).serialize(serializer)
            }
            Slot::Keystore(slot) => {
                KnownSlot::<&PasswordSlot, _>::Keystore(slot).serialize(serializer)
            }
            Slot::Unknown(raw) => raw.serialize(serializer),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct PasswordSlot {
    kdf: String,
    #[serde(flatten)]
    params: KdfParams,
    #[serde(with = "hex_bytes")]
    salt: Vec<u8>,
    #[serde(with = "hex_bytes")]
    nonce: Vec<u8>,
    #[serde(with = "hex_bytes")]
    wrapped_key: Vec<u8>,
}

/// The master key wrapped with AES-256-GCM under a 32-byte device key. `alias` names the
/// device key in the OS keystore; it is bound into the wrapped key's AAD, so a slot whose
/// alias was changed in the file no longer opens (it looks like a wrong key).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct KeystoreSlot {
    pub(crate) alias: String,
    #[serde(with = "hex_bytes")]
    pub(crate) nonce: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub(crate) wrapped_key: Vec<u8>,
}

pub(crate) fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| VaultError::Random)?;
    Ok(bytes)
}

pub(crate) fn new_master_key() -> Result<SecretBytes, VaultError> {
    let key = Zeroizing::new(random::<32>()?);
    Ok(SecretBytes::from(key.as_slice()))
}

fn aead_key(key: &[u8]) -> Result<LessSafeKey, VaultError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| VaultError::Damaged)
}

fn nonce(bytes: &[u8]) -> Result<Nonce, VaultError> {
    Nonce::try_assume_unique_for_key(bytes).map_err(|_| VaultError::Damaged)
}

/// What the wrapped key of a password slot is bound to: the format, the KDF and its inputs.
fn password_slot_aad(params: &KdfParams, salt: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + 2 + 8 + 12 + salt.len());
    aad.extend_from_slice(MAGIC);
    aad.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    aad.extend_from_slice(b"argon2id");
    aad.extend_from_slice(&params.m_kib.to_be_bytes());
    aad.extend_from_slice(&params.t.to_be_bytes());
    aad.extend_from_slice(&params.p.to_be_bytes());
    aad.extend_from_slice(salt);
    aad
}

/// What the wrapped key of a keystore slot is bound to: the format and the key's alias.
fn keystore_slot_aad(alias: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(8 + 2 + 8 + alias.len());
    aad.extend_from_slice(MAGIC);
    aad.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    aad.extend_from_slice(b"keystore");
    // Last, so its length needs no prefix.
    aad.extend_from_slice(alias.as_bytes());
    aad
}

/// The AEAD key of a device key, refusing any length but 32 bytes (the shell hands it over).
fn device_aead_key(device_key: &[u8]) -> Result<LessSafeKey, VaultError> {
    if device_key.len() != DEVICE_KEY_LEN {
        return Err(VaultError::BadDeviceKeyLength(device_key.len()));
    }
    aead_key(device_key)
}

/// Seals the master key under a slot's key with a fresh random nonce: (nonce, ciphertext ‖ tag).
fn wrap_master(
    key: &LessSafeKey,
    master: &SecretBytes,
    aad: Vec<u8>,
) -> Result<(Vec<u8>, Vec<u8>), VaultError> {
    let nonce_bytes = random::<NONCE_LEN>()?.to_vec();
    let mut wrapped = Zeroizing::new(master.expose().to_vec());
    key.seal_in_place_append_tag(nonce(&nonce_bytes)?, Aad::from(aad), &mut *wrapped)
        .map_err(|_| VaultError::Random)?;
    // Sealed: ciphertext and tag, nothing left to wipe.
    Ok((nonce_bytes, std::mem::take(&mut *wrapped)))
}

/// The master key from a slot's wrapped key, or `None` when the key or the AAD does not fit.
fn unwrap_master(
    key: &LessSafeKey,
    nonce_bytes: &[u8],
    wrapped: &[u8],
    aad: Vec<u8>,
) -> Result<Option<SecretBytes>, VaultError> {
    let mut buf = Zeroizing::new(wrapped.to_vec());
    let opened = key.open_in_place(nonce(nonce_bytes)?, Aad::from(aad), &mut buf);
    Ok(opened.ok().map(|key| SecretBytes::from(&*key)))
}

impl PasswordSlot {
    pub(crate) fn new(
        master: &SecretBytes,
        password: &str,
        params: KdfParams,
    ) -> Result<Self, VaultError> {
        let salt = random::<SALT_LEN>()?.to_vec();
        let kek = params.derive(password, &salt)?;
        let (nonce_bytes, wrapped) = wrap_master(
            &aead_key(kek.as_ref())?,
            master,
            password_slot_aad(&params, &salt),
        )?;
        Ok(Self {
            kdf: "argon2id".into(),
            params,
            salt,
            nonce: nonce_bytes,
            wrapped_key: wrapped,
        })
    }

    pub(crate) fn params(&self) -> KdfParams {
        self.params
    }

    /// The master key, or `None` when the password does not fit this slot.
    fn unwrap_key(&self, password: &str) -> Result<Option<SecretBytes>, VaultError> {
        if self.kdf != "argon2id" {
            return Err(VaultError::Damaged);
        }
        let kek = self.params.derive(password, &self.salt)?;
        unwrap_master(
            &aead_key(kek.as_ref())?,
            &self.nonce,
            &self.wrapped_key,
            password_slot_aad(&self.params, &self.salt),
        )
    }
}

impl KeystoreSlot {
    /// Wraps `master` under `device_key` (32 bytes) with a fresh random nonce.
    pub(crate) fn new(
        master: &SecretBytes,
        device_key: &[u8],
        alias: &str,
    ) -> Result<Self, VaultError> {
        let (nonce_bytes, wrapped_key) = wrap_master(
            &device_aead_key(device_key)?,
            master,
            keystore_slot_aad(alias),
        )?;
        Ok(Self {
            alias: alias.to_owned(),
            nonce: nonce_bytes,
            wrapped_key,
        })
    }

    /// The master key, or `None` when `device_key` does not fit this slot (or the slot's
    /// alias was changed).
    pub(crate) fn unwrap_key(&self, device_key: &[u8]) -> Result<Option<SecretBytes>, VaultError> {
        unwrap_master(
            &device_aead_key(device_key)?,
            &self.nonce,
            &self.wrapped_key,
            keystore_slot_aad(&self.alias),
        )
    }
}

/// A parsed file whose checksum, magic and version are right.
pub(crate) struct Parsed<'a> {
    pub(crate) header: Header,
    aad: &'a [u8],
    ciphertext: &'a [u8],
}

impl Parsed<'_> {
    pub(crate) fn slots(&self) -> &[Slot] {
        &self.header.slots
    }

    /// Tries every password slot; the master key of the first that opens.
    pub(crate) fn unlock(&self, password: &str) -> Result<SecretBytes, VaultError> {
        let mut tried = false;
        for slot in &self.header.slots {
            if let Slot::Password(slot) = slot {
                tried = true;
                if let Some(key) = slot.unwrap_key(password)? {
                    return Ok(key);
                }
            }
        }
        if tried {
            Err(VaultError::WrongPassword)
        } else if self
            .header
            .slots
            .iter()
            .any(|s| matches!(s, Slot::Keystore(_)))
        {
            Err(VaultError::KeystoreUnsupported)
        } else {
            Err(VaultError::NoUsableSlot)
        }
    }

    /// The master key from the keystore slot named `alias`, opened with `device_key`.
    pub(crate) fn unlock_with_device_key(
        &self,
        alias: &str,
        device_key: &[u8],
    ) -> Result<SecretBytes, VaultError> {
        // A key of the wrong length is the shell's mistake, named as such whatever the file.
        device_aead_key(device_key)?;
        let mut tried = false;
        for slot in &self.header.slots {
            match slot {
                Slot::Keystore(slot) if slot.alias == alias => {
                    tried = true;
                    if let Some(key) = slot.unwrap_key(device_key)? {
                        return Ok(key);
                    }
                }
                _ => {}
            }
        }
        if tried {
            Err(VaultError::WrongDeviceKey)
        } else {
            Err(VaultError::NoDeviceSlot)
        }
    }

    /// The alias of the first keystore slot, if the vault has one.
    pub(crate) fn device_slot_alias(&self) -> Option<&str> {
        device_slot_alias(&self.header.slots)
    }

    /// The decrypted payload. A failure here, after a slot opened, means the file changed.
    pub(crate) fn decrypt(&self, master: &SecretBytes) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let mut buf = Zeroizing::new(self.ciphertext.to_vec());
        let len = aead_key(master.expose())?
            .open_in_place(nonce(&self.header.nonce)?, Aad::from(self.aad), &mut buf)
            .map_err(|_| VaultError::Damaged)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

pub(crate) fn device_slot_alias(slots: &[Slot]) -> Option<&str> {
    slots.iter().find_map(|slot| match slot {
        Slot::Keystore(slot) => Some(slot.alias.as_str()),
        _ => None,
    })
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, VaultError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(VaultError::NotAVault);
    }
    if bytes.len() < PREFIX_LEN + TAG_LEN + CHECKSUM_LEN {
        return Err(VaultError::Damaged);
    }
    // Every version ends with this checksum, so damage is told from a newer version.
    let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if digest(&SHA256, body).as_ref() != checksum {
        return Err(VaultError::Damaged);
    }
    let version = u16::from_be_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(VaultError::UnsupportedVersion(version));
    }
    let header_len = u32::from_be_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]);
    let header_end = usize::try_from(header_len)
        .ok()
        .and_then(|n| n.checked_add(PREFIX_LEN))
        .filter(|end| *end + TAG_LEN <= body.len())
        .ok_or(VaultError::Damaged)?;
    let header: Header =
        serde_json::from_slice(&body[PREFIX_LEN..header_end]).map_err(|_| VaultError::Damaged)?;
    if header.aead != AEAD_NAME {
        return Err(VaultError::Damaged);
    }
    Ok(Parsed {
        header,
        aad: &body[..header_end],
        ciphertext: &body[header_end..],
    })
}

/// Seals `plaintext` under `master` with a fresh nonce, behind `slots`.
pub(crate) fn seal(
    master: &SecretBytes,
    slots: &[Slot],
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let header = Header {
        aead: AEAD_NAME.into(),
        nonce: random::<NONCE_LEN>()?.to_vec(),
        slots: slots.to_vec(),
    };
    let header_json = serde_json::to_vec(&header).map_err(|_| VaultError::Damaged)?;
    seal_header(master, &header.nonce, &header_json, plaintext)
}

/// Seals `plaintext` behind a header already serialised as `header_json`, whose payload
/// nonce is `payload_nonce`.
pub(crate) fn seal_header(
    master: &SecretBytes,
    payload_nonce: &[u8],
    header_json: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let header_len = u32::try_from(header_json.len()).map_err(|_| VaultError::Damaged)?;
    let mut out = Vec::with_capacity(PREFIX_LEN + header_json.len() + plaintext.len() + 48);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(&header_len.to_be_bytes());
    out.extend_from_slice(header_json);
    let mut payload = Zeroizing::new(plaintext.to_vec());
    aead_key(master.expose())?
        .seal_in_place_append_tag(nonce(payload_nonce)?, Aad::from(&out[..]), &mut *payload)
        .map_err(|_| VaultError::Random)?;
    out.extend_from_slice(&payload);
    let checksum = digest(&SHA256, &out);
    out.extend_from_slice(checksum.as_ref());
    Ok(out)
}
