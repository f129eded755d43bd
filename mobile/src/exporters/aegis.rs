//! Aegis Authenticator's JSON vault (`docs/vault.md` in the Aegis repository), plain or
//! password-encrypted, as Aegis itself writes it: database version 3 (entries with `uuid`,
//! `note`, `favorite`, group uuids; a `groups` list), so Aegis and our own importer
//! ([`crate::importers::Aegis`]) read every field back.
//!
//! Encrypted: a random 256-bit master key seals the database with AES-256-GCM (random 96-bit
//! nonce; the tag stored apart in `header.params`, the ciphertext base64 with padding in `db`);
//! one password slot (type 1) holds the master key sealed with AES-256-GCM under
//! scrypt(password, 256-bit random salt, N = 2^15, r = 8, p = 1, 32 bytes): Aegis's own
//! parameters (its `docs/vault.md`, "KDF"), which its importer and ours accept.

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use zeroize::Zeroizing;

use super::ExportError;
use crate::account::{Account, Kind};
use crate::icon::{sha256, AccountIcon};

/// scrypt's cost as Aegis uses it: N = 2^15.
pub const AEGIS_SCRYPT_LOG_N: u8 = 15;
pub const AEGIS_SCRYPT_R: u32 = 8;
pub const AEGIS_SCRYPT_P: u32 = 1;

/// The database version Aegis 3.x writes (groups as a list of uuids).
const DB_VERSION: u32 = 3;

#[derive(Serialize)]
struct File<D: Serialize> {
    version: u32,
    header: Header,
    db: D,
}

#[derive(Serialize)]
struct Header {
    slots: Option<Vec<PasswordSlot>>,
    params: Option<Params>,
}

#[derive(Serialize)]
struct Params {
    nonce: String,
    tag: String,
}

#[derive(Serialize)]
struct PasswordSlot {
    #[serde(rename = "type")]
    kind: u32,
    uuid: String,
    key: String,
    key_params: Params,
    n: u64,
    r: u32,
    p: u32,
    salt: String,
    /// Aegis marks slots derived with its corrected password encoding (UTF-8) as repaired;
    /// an unrepaired slot would be re-derived the old way.
    repaired: bool,
    is_backup: bool,
}

#[derive(Serialize)]
struct Db<'a> {
    version: u32,
    entries: Vec<Entry<'a>>,
    groups: Vec<Group<'a>>,
    icons_optimized: bool,
}

#[derive(Serialize)]
struct Group<'a> {
    uuid: String,
    name: &'a str,
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    uuid: String,
    name: &'a str,
    /// Aegis reads `issuer` as a string: an account without one gets "".
    issuer: &'a str,
    note: &'a str,
    favorite: bool,
    /// An image icon (base64), its MIME type and its SHA-256 (hex), as Aegis stores them;
    /// none for an icon of the app's set or no icon (Aegis then shows its own).
    icon: Option<String>,
    icon_mime: Option<String>,
    icon_hash: Option<String>,
    info: Info<'a>,
    groups: Vec<String>,
}

#[derive(Serialize)]
struct Info<'a> {
    /// Base32 without padding, as `docs/vault.md` specifies.
    secret: &'a str,
    algo: &'static str,
    digits: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    counter: Option<u64>,
}

/// Every account as an Aegis vault; encrypted under `password` when one is given. The bytes
/// (UTF-8 JSON) are every secret in plain text when `password` is `None`.
pub fn aegis(
    accounts: &[Account],
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    let rng = SystemRandom::new();
    // The secrets as text, zeroized when the export is done.
    let secrets: Vec<Zeroizing<String>> = accounts
        .iter()
        .map(|a| Zeroizing::new(a.secret.to_base32()))
        .collect();
    let mut groups: Vec<Group<'_>> = Vec::new();
    for name in accounts.iter().filter_map(|a| a.group.as_deref()) {
        if !groups.iter().any(|g| g.name == name) {
            groups.push(Group {
                uuid: uuid_v4(&rng)?,
                name,
            });
        }
    }
    let mut entries = Vec::with_capacity(accounts.len());
    for (account, secret) in accounts.iter().zip(&secrets) {
        let (kind, period, counter) = match account.kind {
            Kind::Totp { period } => ("totp", Some(period), None),
            Kind::Hotp { counter } => ("hotp", None, Some(counter)),
            // Steam Guard: Aegis stores it as TOTP parameters (SHA-1, 30 s, 5 characters).
            Kind::Steam => ("steam", Some(30), None),
        };
        let group = account
            .group
            .as_deref()
            .and_then(|name| groups.iter().find(|g| g.name == name))
            .map(|g| g.uuid.clone());
        let (icon, icon_mime, icon_hash) = match &account.icon {
            Some(AccountIcon::Image { mime, data }) => (
                Some(base64::engine::general_purpose::STANDARD.encode(data)),
                Some(mime.as_mime().to_owned()),
                Some(hex::encode(sha256(data))),
            ),
            _ => (None, None, None),
        };
        entries.push(Entry {
            kind,
            uuid: uuid_v4(&rng)?,
            name: &account.name,
            issuer: account.issuer.as_deref().unwrap_or(""),
            note: account.note.as_deref().unwrap_or(""),
            favorite: account.favourite,
            icon,
            icon_mime,
            icon_hash,
            info: Info {
                secret: secret.as_str(),
                algo: account.algorithm.as_str(),
                digits: account.digits,
                period,
                counter,
            },
            groups: group.into_iter().collect(),
        });
    }
    let db = Db {
        version: DB_VERSION,
        entries,
        groups,
        icons_optimized: true,
    };
    match password {
        None => to_json(
            &File {
                version: 1,
                header: Header {
                    slots: None,
                    params: None,
                },
                db,
            },
            accounts.len(),
        ),
        Some(password) => encrypted(&rng, &db, password, accounts.len()),
    }
}

fn encrypted(
    rng: &SystemRandom,
    db: &Db<'_>,
    password: &str,
    count: usize,
) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    if password.is_empty() {
        return Err(ExportError::EmptyPassword);
    }
    let mut plain = json_buffer(count);
    serde_json::to_writer(&mut *plain, db).map_err(|e| ExportError::Encode(e.to_string()))?;
    let master = Zeroizing::new(random::<32>(rng)?);
    // The database, sealed in place: `plain` holds the ciphertext afterwards.
    let db_params = seal(master.as_ref(), rng, &mut plain)?;
    let db_text = base64::engine::general_purpose::STANDARD.encode(plain.as_slice());

    let salt = random::<32>(rng)?;
    let params = scrypt::Params::new(AEGIS_SCRYPT_LOG_N, AEGIS_SCRYPT_R, AEGIS_SCRYPT_P, 32)
        .map_err(|_| ExportError::Crypto("scrypt parameters"))?;
    let mut wrapping = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.as_bytes(), &salt, &params, wrapping.as_mut())
        .map_err(|_| ExportError::Crypto("scrypt"))?;
    let mut wrapped = Zeroizing::new(master.to_vec());
    let key_params = seal(wrapping.as_ref(), rng, &mut wrapped)?;
    let slot = PasswordSlot {
        kind: 1,
        uuid: uuid_v4(rng)?,
        key: hex::encode(wrapped.as_slice()),
        key_params,
        n: 1u64 << AEGIS_SCRYPT_LOG_N,
        r: AEGIS_SCRYPT_R,
        p: AEGIS_SCRYPT_P,
        salt: hex::encode(salt),
        repaired: true,
        is_backup: false,
    };
    to_json(
        &File {
            version: 1,
            header: Header {
                slots: Some(vec![slot]),
                params: Some(db_params),
            },
            db: db_text,
        },
        count,
    )
}

/// AES-256-GCM in place with a random nonce; the tag is returned apart, as Aegis stores it.
fn seal(
    key: &[u8],
    rng: &SystemRandom,
    buf: &mut Zeroizing<Vec<u8>>,
) -> Result<Params, ExportError> {
    let nonce = random::<NONCE_LEN>(rng)?;
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, key).map_err(|_| ExportError::Crypto("AES-256-GCM key"))?,
    );
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            buf.as_mut_slice(),
        )
        .map_err(|_| ExportError::Crypto("AES-256-GCM"))?;
    Ok(Params {
        nonce: hex::encode(nonce),
        tag: hex::encode(tag.as_ref()),
    })
}

fn to_json<T: Serialize>(value: &T, count: usize) -> Result<Zeroizing<Vec<u8>>, ExportError> {
    // One allocation large enough for the whole file, so no copy of a secret is left behind
    // in a freed, smaller buffer when the vector grows.
    let mut out = json_buffer(count);
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(|e| ExportError::Encode(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

fn json_buffer(count: usize) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(Vec::with_capacity(4096 + count.saturating_mul(1024)))
}

fn random<const N: usize>(rng: &SystemRandom) -> Result<[u8; N], ExportError> {
    let mut bytes = [0u8; N];
    rng.fill(&mut bytes).map_err(|_| ExportError::Random)?;
    Ok(bytes)
}

/// A random (version 4, RFC 9562 §5.4) UUID: what Aegis gives every entry, group and slot.
fn uuid_v4(rng: &SystemRandom) -> Result<String, ExportError> {
    let mut b = random::<16>(rng)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}
