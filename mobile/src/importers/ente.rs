//! Ente Auth exports. The plain one is a text file of `otpauth://` URIs, one per line, each
//! possibly with a `codeDisplay` parameter holding JSON (`pinned`, `trashed`, `tags`, `note`,
//! ...). Pinned entries become favourites, the first tag the group; trashed entries are
//! skipped. The encrypted one is JSON holding the plain one ([`super::ente_encrypted`]).

use serde::Deserialize;
use twofold_core::OtpAccount;

use super::{check, content_lines, ente_encrypted, non_empty, ImportError, ImportReport, Importer};
use crate::account::AccountDraft;

const FORMAT: &str = "Ente Auth";

pub struct Ente;

#[derive(Default, Deserialize)]
struct CodeDisplay {
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    trashed: bool,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

impl Importer for Ente {
    fn import(&self, bytes: &[u8], password: Option<&str>) -> Result<ImportReport, ImportError> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| ImportError::wrong_format(FORMAT, bytes))?;
        if !text.trim_start().starts_with('{') {
            return read_plain(text);
        }
        // Ente's encrypted export is JSON (`kdfParams`, `encryptedData`). Valid JSON without
        // them is another app's file; JSON that does not parse is reported as truncated or
        // corrupt by the decryption.
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) if !ente_encrypted::looks_encrypted(&value) => {
                return Err(ImportError::wrong_format(FORMAT, bytes));
            }
            _ => {}
        }
        let plain = ente_encrypted::decrypt(bytes, password)?;
        let text = std::str::from_utf8(&plain)
            .map_err(|_| ImportError::corrupt(FORMAT, "the decrypted export is not UTF-8 text"))?;
        read_plain(text)
    }
}

/// The plain export: one `otpauth://` URI a line.
fn read_plain(text: &str) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut seen = false;
    for (line_no, line) in content_lines(text) {
        let mut account = match OtpAccount::from_uri(line) {
            Ok(account) => account,
            Err(e) => {
                report.skip(format!("line {line_no}"), e.to_string());
                continue;
            }
        };
        seen = true;
        let display = account
            .extra
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("codeDisplay"))
            .map(|(_, value)| serde_json::from_str::<CodeDisplay>(value));
        account.extra.clear();
        let display = match display {
            None => CodeDisplay::default(),
            Some(Ok(d)) => d,
            Some(Err(_)) => {
                report.skip(account.display_name(), "unreadable codeDisplay parameter");
                continue;
            }
        };
        if display.trashed {
            report.skip(account.display_name(), "in Ente's trash");
            continue;
        }
        if let Err(reason) = check(&account) {
            report.skip(account.display_name(), reason);
            continue;
        }
        report.accounts.push(AccountDraft {
            group: display.tags.first().and_then(|t| non_empty(Some(t))),
            note: non_empty(display.note.as_deref()),
            favourite: display.pinned,
            ..AccountDraft::new(account)
        });
    }
    if !seen && report.accounts.is_empty() && !report.skipped.is_empty() {
        return Err(ImportError::wrong_format(FORMAT, text.as_bytes()));
    }
    Ok(report)
}
