//! Plain lists of `otpauth://` URIs, one per line; blank lines and `#` comments are ignored.
//! `otpauth-migration://` lines among them are read as Google Authenticator exports.

use twofold_core::uri::migration::MigrationSet;
use twofold_core::OtpAccount;

use super::{check, content_lines, google, ImportError, ImportReport, Importer};
use crate::account::AccountDraft;

const FORMAT: &str = "otpauth:// URI list";

pub struct Uris;

impl Importer for Uris {
    fn import(&self, bytes: &[u8], _password: Option<&str>) -> Result<ImportReport, ImportError> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| ImportError::wrong_format(FORMAT, bytes))?;
        if text.trim_start().starts_with('{') {
            return Err(ImportError::wrong_format(FORMAT, bytes));
        }
        let mut report = ImportReport::default();
        let mut migration = MigrationSet::new();
        let mut any_migration = false;
        for (line_no, line) in content_lines(text) {
            if line
                .to_ascii_lowercase()
                .starts_with("otpauth-migration://")
            {
                any_migration = true;
                google::add_line(&mut migration, line_no, line, &mut report);
                continue;
            }
            match OtpAccount::from_uri(line) {
                Ok(mut account) => match check(&account) {
                    Ok(()) => {
                        account.extra.clear();
                        report.accounts.push(AccountDraft::new(account));
                    }
                    Err(reason) => report.skip(account.display_name(), reason),
                },
                Err(e) => report.skip(format!("line {line_no}"), e.to_string()),
            }
        }
        if any_migration {
            google::finish(&migration, &mut report);
        }
        Ok(report)
    }
}
