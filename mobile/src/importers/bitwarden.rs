//! Bitwarden JSON exports, plain or password-protected ([`super::bitwarden_encrypted`]; the
//! account-restricted kind only the exporting account can open). Each login item's `login.totp` may hold an
//! `otpauth://` URI, a bare base32 secret (TOTP, SHA1, 6 digits, 30 s) or `steam://SECRET`.
//! Without an issuer of its own the entry takes the item's name; without an account name, the
//! login's username. Items with no TOTP are counted, not listed.

use serde::Deserialize;
use serde_json::Value;
use twofold_core::{OtpAccount, OtpKind};

use super::{
    bitwarden_encrypted, check, non_empty, parse_json, ImportError, ImportReport, Importer,
};
use crate::account::AccountDraft;

const FORMAT: &str = "Bitwarden";

pub struct Bitwarden;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    folders: Vec<Folder>,
    items: Vec<Value>,
}

#[derive(Deserialize)]
struct Folder {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    favorite: bool,
    #[serde(default)]
    folder_id: Option<String>,
    #[serde(default)]
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    totp: Option<String>,
}

fn account_from(
    totp: &str,
    item_name: Option<String>,
    username: Option<String>,
) -> Result<OtpAccount, String> {
    let lower = totp.to_ascii_lowercase();
    let mut account = if lower.starts_with("otpauth://") {
        OtpAccount::from_uri(totp).map_err(|e| e.to_string())?
    } else if let Some(secret) = lower.strip_prefix("steam://").and_then(|_| totp.get(8..)) {
        let secret = twofold_core::uri::decode_secret(secret).map_err(|e| e.to_string())?;
        OtpAccount {
            kind: OtpKind::Steam,
            digits: twofold_core::otp::STEAM_DIGITS,
            ..OtpAccount::new_totp(None, "", secret)
        }
    } else {
        let secret = twofold_core::uri::decode_secret(totp).map_err(|e| e.to_string())?;
        OtpAccount::new_totp(None, "", secret)
    };
    account.extra.clear();
    if account.issuer.is_none() {
        account.issuer = item_name;
    }
    if account.name.is_empty() {
        account.name = username.unwrap_or_default();
    }
    check(&account)?;
    Ok(account)
}

impl Importer for Bitwarden {
    fn import(&self, bytes: &[u8], password: Option<&str>) -> Result<ImportReport, ImportError> {
        let value: Value = parse_json(FORMAT, bytes)?;
        if bitwarden_encrypted::is_password_protected(&value) {
            let plain = bitwarden_encrypted::decrypt(bytes, password)?;
            let inner: Value = parse_json(FORMAT, &plain).map_err(|_| {
                ImportError::corrupt(FORMAT, "the decrypted data is not a JSON export")
            })?;
            if bitwarden_encrypted::is_password_protected(&inner) {
                return Err(ImportError::corrupt(
                    FORMAT,
                    "the decrypted data is itself encrypted",
                ));
            }
            return read_plain(inner);
        }
        read_plain(value)
    }
}

/// The plain export (also what a password-protected one holds).
fn read_plain(value: Value) -> Result<ImportReport, ImportError> {
    let file: File = serde_json::from_value(value)
        .map_err(|e| ImportError::corrupt(FORMAT, format!("not a Bitwarden export: {e}")))?;
    if file.encrypted {
        return Err(ImportError::Unsupported(
            "this Bitwarden export is account-restricted: only the Bitwarden account that \
                 made it can open it. Export again choosing \"Password protected\" (or plain \
                 .json, deleting the file after importing)"
                .into(),
        ));
    }
    let mut report = ImportReport::default();
    let mut without_totp = 0usize;
    for (position, value) in file.items.into_iter().enumerate() {
        let item: Item = match serde_json::from_value(value) {
            Ok(item) => item,
            Err(e) => {
                report.skip(
                    format!("item {}", position + 1),
                    format!("unreadable item: {e}"),
                );
                continue;
            }
        };
        let name = non_empty(item.name.as_deref());
        let Some(login) = item.login else {
            without_totp += 1;
            continue;
        };
        let Some(totp) = non_empty(login.totp.as_deref()) else {
            without_totp += 1;
            continue;
        };
        let label = name
            .clone()
            .unwrap_or_else(|| format!("item {}", position + 1));
        match account_from(&totp, name, non_empty(login.username.as_deref())) {
            Ok(account) => {
                let group = item.folder_id.as_ref().and_then(|id| {
                    file.folders
                        .iter()
                        .find(|f| &f.id == id)
                        .map(|f| f.name.clone())
                });
                report.accounts.push(AccountDraft {
                    group,
                    note: non_empty(item.notes.as_deref()),
                    favourite: item.favorite,
                    ..AccountDraft::new(account)
                });
            }
            Err(reason) => report.skip(label, reason),
        }
    }
    if without_totp > 0 {
        report.notes.push(format!(
            "{without_totp} item(s) without a TOTP secret (passwords only) were left out"
        ));
    }
    Ok(report)
}
