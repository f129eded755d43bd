//! 2FAS Authenticator backups (`*.2fas`), schema 4, plain or encrypted.
//!
//! Plain: `services` is a list of services. Encrypted: `services` is empty and
//! `servicesEncrypted` is `base64(ciphertext||tag):base64(salt):base64(iv)`; the key is
//! PBKDF2-HMAC-SHA256(password, salt, 10 000 iterations, 256 bits) and the cipher AES-GCM
//! with the 96-bit iv. `reference`, in the same form, encrypts a fixed text: when it opens and
//! the services do not, the file is damaged rather than the password wrong.
//!
//! Icons: a 2FAS service's `icon` holds no image. `selected` is `Label` (two letters and a
//! colour name), `IconCollection` (the id of an icon in 2FAS's online collection, which this
//! app does not fetch) or `Brand`; so nothing of it is kept, and the app matches an icon from
//! its bundled set by the issuer, as for any account without one.

use std::num::NonZeroU32;

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::{non_empty, parse_json, Fields, ImportError, ImportReport, Importer};
use crate::account::AccountDraft;

const FORMAT: &str = "2FAS";
const PBKDF2_ITERATIONS: u32 = 10_000;

pub struct TwoFas;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    schema_version: Value,
    #[serde(default)]
    services: Vec<Value>,
    #[serde(default)]
    groups: Vec<Group>,
    #[serde(default)]
    services_encrypted: Option<String>,
    #[serde(default)]
    reference: Option<String>,
}

#[derive(Deserialize)]
struct Group {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    #[serde(default)]
    name: Option<String>,
    secret: String,
    #[serde(default)]
    otp: Otp,
    #[serde(default)]
    group_id: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Otp {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    digits: Option<u8>,
    #[serde(default)]
    period: Option<u64>,
    #[serde(default)]
    counter: Option<u64>,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
}

struct Sealed {
    ciphertext: Vec<u8>,
    salt: Vec<u8>,
    iv: Vec<u8>,
}

fn split(text: &str) -> Result<Sealed, ImportError> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let [ct, salt, iv] = parts.as_slice() else {
        return Err(ImportError::corrupt(
            FORMAT,
            "servicesEncrypted is not ciphertext:salt:iv",
        ));
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(part)
            .map_err(|_| ImportError::Truncated(FORMAT))
    };
    let sealed = Sealed {
        ciphertext: decode(ct)?,
        salt: decode(salt)?,
        iv: decode(iv)?,
    };
    if sealed.iv.len() != 12 || sealed.ciphertext.len() < 16 {
        return Err(ImportError::Truncated(FORMAT));
    }
    Ok(sealed)
}

fn key_for(password: &str, salt: &[u8]) -> Zeroizing<[u8; 32]> {
    let iterations = NonZeroU32::new(PBKDF2_ITERATIONS).unwrap_or(NonZeroU32::MIN);
    super::kdf::pbkdf2_sha256_fixed(password, salt, iterations)
}

fn open(key: &[u8; 32], sealed: &Sealed) -> Option<Zeroizing<Vec<u8>>> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
    let mut buf = Zeroizing::new(sealed.ciphertext.clone());
    let len = key
        .open_in_place(
            Nonce::try_assume_unique_for_key(&sealed.iv).ok()?,
            Aad::empty(),
            &mut buf,
        )
        .ok()?
        .len();
    buf.truncate(len);
    Some(buf)
}

fn decrypt_services(file: &File, text: &str, password: &str) -> Result<Vec<Value>, ImportError> {
    let sealed = split(text)?;
    let key = key_for(password, &sealed.salt);
    if let Some(reference) = file.reference.as_deref() {
        let reference = split(reference)?;
        let reference_key = if reference.salt == sealed.salt {
            key.clone()
        } else {
            key_for(password, &reference.salt)
        };
        if open(&reference_key, &reference).is_none() {
            return Err(ImportError::WrongPassword(FORMAT));
        }
        let plain = open(&key, &sealed)
            .ok_or_else(|| ImportError::corrupt(FORMAT, "the services do not decrypt"))?;
        return parse_services(&plain);
    }
    let plain = open(&key, &sealed).ok_or(ImportError::WrongPassword(FORMAT))?;
    parse_services(&plain)
}

fn parse_services(plain: &[u8]) -> Result<Vec<Value>, ImportError> {
    serde_json::from_slice(plain).map_err(|e| ImportError::corrupt(FORMAT, e.to_string()))
}

impl Importer for TwoFas {
    fn import(&self, bytes: &[u8], password: Option<&str>) -> Result<ImportReport, ImportError> {
        let file: File = parse_json(FORMAT, bytes)?;
        match file.schema_version.as_u64() {
            Some(1..=4) => {}
            _ => {
                return Err(ImportError::UnknownVersion {
                    format: "2FAS backup schema",
                    version: file.schema_version.to_string(),
                })
            }
        }
        let services = match file.services_encrypted.as_deref().filter(|t| !t.is_empty()) {
            Some(text) => {
                let password = password.ok_or(ImportError::PasswordRequired(FORMAT))?;
                decrypt_services(&file, text, password)?
            }
            None => file.services.clone(),
        };
        let mut report = ImportReport::default();
        for (position, value) in services.into_iter().enumerate() {
            let label = value
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("service {}", position + 1));
            let service: Service = match serde_json::from_value(value) {
                Ok(s) => s,
                Err(e) => {
                    report.skip(label, format!("unreadable service: {e}"));
                    continue;
                }
            };
            let otp = &service.otp;
            let fields = Fields {
                kind: otp.token_type.as_deref().unwrap_or("TOTP"),
                // The service name is what 2FAS shows as the title.
                issuer: non_empty(service.name.as_deref()).or(non_empty(otp.issuer.as_deref())),
                name: non_empty(otp.account.as_deref()).or(non_empty(otp.label.as_deref())),
                secret: &service.secret,
                algorithm: otp.algorithm.as_deref(),
                digits: otp.digits,
                period: otp.period,
                counter: otp.counter,
            };
            match fields.into_account() {
                Ok(account) => {
                    let group = service.group_id.as_ref().and_then(|id| {
                        file.groups
                            .iter()
                            .find(|g| &g.id == id)
                            .map(|g| g.name.clone())
                    });
                    report.accounts.push(AccountDraft {
                        group,
                        ..AccountDraft::new(account)
                    });
                }
                Err(reason) => report.skip(label, reason),
            }
        }
        Ok(report)
    }
}
