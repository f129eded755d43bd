//! Aegis Authenticator vaults (`aegis-export-*.json`), plain or password-encrypted.
//!
//! Format as published in Aegis's `docs/vault.md`: `{version: 1, header: {slots, params}, db}`.
//! Plain: `header.slots` and `header.params` are null and `db` is an object. Encrypted: a
//! password slot (type 1) holds the master key sealed with AES-256-GCM under
//! scrypt(password, salt, N, r, p, 32 bytes); `db` is base64 of the database sealed with the
//! master key, its nonce and tag in `header.params`.

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::{non_empty, parse_json, Fields, ImportError, ImportReport, Importer};
use crate::account::AccountDraft;
use crate::icon::AccountIcon;

const FORMAT: &str = "Aegis";

pub struct Aegis;

#[derive(Deserialize)]
struct File {
    version: Value,
    header: Header,
    db: Value,
}

#[derive(Deserialize)]
struct Header {
    slots: Option<Vec<Slot>>,
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Slot {
    #[serde(rename = "type")]
    kind: u32,
    key: String,
    key_params: Params,
    n: Option<u64>,
    r: Option<u32>,
    p: Option<u32>,
    salt: Option<String>,
}

#[derive(Deserialize)]
struct Params {
    nonce: String,
    tag: String,
}

#[derive(Deserialize)]
struct Db {
    version: u32,
    entries: Vec<Value>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    uuid: String,
    name: String,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    /// Database versions 1 and 2: the group's name.
    #[serde(default)]
    group: Option<String>,
    /// Database version 3: uuids of groups.
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    favorite: bool,
    /// The entry's icon: base64 of the image bytes, its type in `icon_mime` (PNG, JPEG, SVG).
    #[serde(default)]
    icon: Option<String>,
    #[serde(default)]
    icon_mime: Option<String>,
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    secret: String,
    algo: Option<String>,
    digits: Option<u8>,
    period: Option<u64>,
    counter: Option<u64>,
}

/// AES-256-GCM open of `ciphertext` whose tag is stored apart (as Aegis does).
fn open(key: &[u8], params: &Params, ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = hex::decode(&params.nonce).ok()?;
    let tag = hex::decode(&params.tag).ok()?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
    let mut buf = Zeroizing::new(Vec::with_capacity(ciphertext.len() + tag.len()));
    buf.extend_from_slice(ciphertext);
    buf.extend_from_slice(&tag);
    let len = key
        .open_in_place(
            Nonce::try_assume_unique_for_key(&nonce).ok()?,
            Aad::empty(),
            &mut buf,
        )
        .ok()?
        .len();
    buf.truncate(len);
    Some(buf)
}

/// Aegis derives with N = 2^15, r = 8, p = 1: 32 MiB (128 * N * r bytes). A file may ask for
/// up to 8 times that memory and 4 lanes, no more: a crafted export must not make the device
/// spend gigabytes or minutes per password slot (issue 13, item 18).
const MAX_SCRYPT_MEMORY: u64 = 8 * 128 * 8 * (1 << 15);
const MAX_SCRYPT_P: u32 = 4;
/// Aegis writes one password slot; a file with more is tried on the first few only, so a
/// hundred expensive slots cannot multiply the cost of a wrong password.
const MAX_PASSWORD_SLOTS: usize = 4;

/// The password slots (type 1) that are tried, at most [`MAX_PASSWORD_SLOTS`].
fn password_slots(slots: &[Slot]) -> Vec<&Slot> {
    slots
        .iter()
        .filter(|s| s.kind == 1)
        .take(MAX_PASSWORD_SLOTS)
        .collect()
}

fn scrypt_params_acceptable(n: u64, r: u32, p: u32) -> bool {
    let memory = 128u64.saturating_mul(n).saturating_mul(u64::from(r));
    n.is_power_of_two()
        && n >= 2
        && r >= 1
        && (1..=MAX_SCRYPT_P).contains(&p)
        && memory <= MAX_SCRYPT_MEMORY
}

fn scrypt_key(slot: &Slot, password: &str) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let bad = |what: &str| ImportError::corrupt(FORMAT, format!("password slot: {what}"));
    let n = slot.n.ok_or_else(|| bad("no n"))?;
    let r = slot.r.ok_or_else(|| bad("no r"))?;
    let p = slot.p.ok_or_else(|| bad("no p"))?;
    let salt = hex::decode(slot.salt.as_deref().ok_or_else(|| bad("no salt"))?)
        .map_err(|_| bad("salt is not hex"))?;
    if !scrypt_params_acceptable(n, r, p) {
        return Err(bad("scrypt parameters out of range"));
    }
    let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p, 32)
        .map_err(|_| bad("scrypt parameters out of range"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.as_bytes(), &salt, &params, key.as_mut())
        .map_err(|_| bad("scrypt failed"))?;
    Ok(key)
}

fn decrypt_db(file: &File, password: Option<&str>) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let slots = file.header.slots.as_deref().unwrap_or_default();
    let password_slots = password_slots(slots);
    if password_slots.is_empty() {
        return Err(ImportError::Unsupported(
            "this Aegis vault has no password slot (only a biometric or device key); \
             export it from Aegis with a password"
                .into(),
        ));
    }
    let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
    let mut master = None;
    for slot in password_slots {
        let key = scrypt_key(slot, password)?;
        let wrapped = hex::decode(&slot.key)
            .map_err(|_| ImportError::corrupt(FORMAT, "slot key is not hex"))?;
        if let Some(found) = open(key.as_ref(), &slot.key_params, &wrapped) {
            master = Some(found);
            break;
        }
    }
    let master = master.ok_or(ImportError::WrongPassword(FORMAT))?;
    let params = file
        .header
        .params
        .as_ref()
        .ok_or_else(|| ImportError::corrupt(FORMAT, "encrypted vault without params"))?;
    let text = file
        .db
        .as_str()
        .ok_or_else(|| ImportError::corrupt(FORMAT, "encrypted db is not a string"))?;
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| ImportError::Truncated(FORMAT))?;
    open(&master, params, &ciphertext)
        .ok_or_else(|| ImportError::corrupt(FORMAT, "the database does not match its key"))
}

impl Importer for Aegis {
    fn import(&self, bytes: &[u8], password: Option<&str>) -> Result<ImportReport, ImportError> {
        let file: File = parse_json(FORMAT, bytes)?;
        if file.version.as_u64() != Some(1) {
            return Err(ImportError::UnknownVersion {
                format: FORMAT,
                version: file.version.to_string(),
            });
        }
        let db: Db = if file.db.is_object() {
            serde_json::from_value(file.db.clone())
                .map_err(|e| ImportError::corrupt(FORMAT, e.to_string()))?
        } else {
            let plain = decrypt_db(&file, password)?;
            serde_json::from_slice(&plain)
                .map_err(|e| ImportError::corrupt(FORMAT, e.to_string()))?
        };
        if !(1..=3).contains(&db.version) {
            return Err(ImportError::UnknownVersion {
                format: "Aegis database",
                version: db.version.to_string(),
            });
        }
        let mut report = ImportReport::default();
        for (position, value) in db.entries.into_iter().enumerate() {
            let label = entry_label(&value, position);
            let entry: Entry = match serde_json::from_value(value) {
                Ok(entry) => entry,
                Err(e) => {
                    report.skip(label, format!("unreadable entry: {e}"));
                    continue;
                }
            };
            let fields = Fields {
                kind: &entry.kind,
                issuer: non_empty(entry.issuer.as_deref()),
                name: non_empty(entry.name.as_deref()),
                secret: &entry.info.secret,
                algorithm: entry.info.algo.as_deref(),
                digits: entry.info.digits,
                period: entry.info.period,
                counter: entry.info.counter,
            };
            match fields.into_account() {
                Ok(otp) => {
                    let group = non_empty(entry.group.as_deref()).or_else(|| {
                        entry.groups.iter().find_map(|uuid| {
                            db.groups
                                .iter()
                                .find(|g| &g.uuid == uuid)
                                .map(|g| g.name.clone())
                        })
                    });
                    let icon = match (entry.icon.as_deref(), entry.icon_mime.as_deref()) {
                        (Some(data), Some(mime)) if !data.trim().is_empty() => {
                            match AccountIcon::image_base64(mime, data) {
                                Ok(icon) => Some(icon),
                                Err(e) => {
                                    // The account still comes across; only its icon stays out.
                                    report.notes.push(format!("{label}: icon not kept: {e}"));
                                    None
                                }
                            }
                        }
                        _ => None,
                    };
                    report.accounts.push(AccountDraft {
                        group,
                        note: non_empty(entry.note.as_deref()),
                        favourite: entry.favorite,
                        icon,
                        ..AccountDraft::new(otp)
                    });
                }
                Err(reason) => report.skip(label, reason),
            }
        }
        Ok(report)
    }
}

fn entry_label(value: &Value, position: usize) -> String {
    let get = |key: &str| value.get(key).and_then(Value::as_str).map(str::trim);
    match (get("issuer"), get("name")) {
        (Some(i), Some(n)) if !i.is_empty() && !n.is_empty() => format!("{i} ({n})"),
        (Some(i), _) if !i.is_empty() => i.to_owned(),
        (_, Some(n)) if !n.is_empty() => n.to_owned(),
        _ => format!("entry {}", position + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, item 18: an Aegis file may no longer ask for 4 GiB of scrypt memory
    /// (N = 2^20, r = 32, the old ceiling) or many lanes; Aegis's own parameters still pass.
    #[test]
    fn item18_hostile_aegis_scrypt_parameters_are_refused() {
        assert!(scrypt_params_acceptable(1 << 15, 8, 1), "Aegis's own");
        assert!(
            scrypt_params_acceptable(1 << 18, 8, 4),
            "8x memory, 4 lanes"
        );
        for (n, r, p) in [
            (1 << 20, 32, 1),
            (1 << 19, 8, 1),
            (1 << 15, 8, 16),
            (1 << 15, 0, 1),
            (1 << 15, 8, 0),
            (3, 8, 1),
            (0, 8, 1),
            (u64::MAX, u32::MAX, 1),
        ] {
            assert!(!scrypt_params_acceptable(n, r, p), "N={n} r={r} p={p}");
        }
    }

    #[test]
    fn item18_only_the_first_password_slots_are_tried() {
        let slot = serde_json::json!({
            "type": 1, "key": "00", "n": 32768, "r": 8, "p": 1,
            "salt": "00", "key_params": {"nonce": "00", "tag": "00"}
        });
        let slots: Vec<Slot> = serde_json::from_value(serde_json::json!(vec![slot; 100])).unwrap();
        assert_eq!(password_slots(&slots).len(), MAX_PASSWORD_SLOTS);
    }
}
