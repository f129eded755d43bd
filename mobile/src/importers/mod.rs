//! Importers: one file per format, each behind [`Importer`].
//!
//! An importer reads another app's export into [`AccountDraft`]s and says, per entry, what it
//! could not take and why. It does not touch the vault: [`crate::Engine::import`] adds the
//! drafts, refusing duplicates.

mod aegis;
mod bitwarden;
mod bitwarden_encrypted;
mod ente;
mod ente_encrypted;
mod google;
mod kdf;
mod twofas;
mod twofold;
mod uris;

use serde::Serialize;
use thiserror::Error;

use crate::account::AccountDraft;

pub use aegis::Aegis;
pub use bitwarden::Bitwarden;
pub use ente::Ente;
pub use google::{missing_batches_message, Google};
pub use twofas::TwoFas;
pub use twofold::Twofold;
pub use uris::Uris;

/// One format's reader.
pub trait Importer {
    /// Reads an export. `password` is needed for encrypted exports only.
    fn import(&self, bytes: &[u8], password: Option<&str>) -> Result<ImportReport, ImportError>;
}

/// What an export held.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// The entries that can become accounts, in file order.
    pub accounts: Vec<AccountDraft>,
    /// Entries left out, and why.
    pub skipped: Vec<Skipped>,
    /// Things the user should know (e.g. "batch 2 of 3 still missing").
    pub notes: Vec<String>,
}

impl ImportReport {
    pub(crate) fn skip(&mut self, entry: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            entry: entry.into(),
            reason: reason.into(),
        });
    }
}

/// An entry that was not added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// How the entry is named in the file (or its line/position when it has no name).
    pub entry: String,
    pub reason: String,
}

/// Why a whole file could not be imported.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ImportError {
    #[error("wrong password for this {0} export")]
    WrongPassword(&'static str),
    #[error("this {0} export is encrypted; give its password")]
    PasswordRequired(&'static str),
    #[error("the {0} export is cut short (truncated); export it again")]
    Truncated(&'static str),
    #[error("the {format} export is corrupt: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    #[error("{format} export version {version} is not supported")]
    UnknownVersion {
        format: &'static str,
        version: String,
    },
    #[error("this is not a {expected} export{}", hint_text(.detected))]
    WrongFormat {
        expected: &'static str,
        detected: Option<ImportFormat>,
    },
    #[error("{0}")]
    Unsupported(String),
}

fn hint_text(detected: &Option<ImportFormat>) -> String {
    match detected {
        Some(format) => format!(
            "; it looks like {}: use --from {}",
            format.describe(),
            format.name()
        ),
        None => String::new(),
    }
}

impl ImportError {
    pub fn kind(&self) -> &'static str {
        match self {
            ImportError::WrongPassword(_) => "import.wrong_password",
            ImportError::PasswordRequired(_) => "import.password_required",
            ImportError::Truncated(_) => "import.truncated",
            ImportError::Corrupt { .. } => "import.corrupt",
            ImportError::UnknownVersion { .. } => "import.unknown_version",
            ImportError::WrongFormat { .. } => "import.wrong_format",
            ImportError::Unsupported(_) => "import.unsupported",
        }
    }

    pub(crate) fn corrupt(format: &'static str, detail: impl Into<String>) -> Self {
        ImportError::Corrupt {
            format,
            detail: detail.into(),
        }
    }

    pub(crate) fn wrong_format(expected: &'static str, bytes: &[u8]) -> Self {
        ImportError::WrongFormat {
            expected,
            detected: detect(bytes),
        }
    }
}

/// The formats `import --from` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    Aegis,
    TwoFas,
    Ente,
    Bitwarden,
    Uris,
    Google,
    Twofold,
}

impl ImportFormat {
    pub const ALL: [ImportFormat; 7] = [
        ImportFormat::Aegis,
        ImportFormat::TwoFas,
        ImportFormat::Ente,
        ImportFormat::Bitwarden,
        ImportFormat::Uris,
        ImportFormat::Google,
        ImportFormat::Twofold,
    ];

    /// The `--from` spelling.
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Aegis => "aegis",
            ImportFormat::TwoFas => "2fas",
            ImportFormat::Ente => "ente",
            ImportFormat::Bitwarden => "bitwarden",
            ImportFormat::Uris => "uris",
            ImportFormat::Google => "google",
            ImportFormat::Twofold => "twofold",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ImportFormat::Aegis => "an Aegis vault",
            ImportFormat::TwoFas => "a 2FAS backup",
            ImportFormat::Ente => "an Ente Auth export",
            ImportFormat::Bitwarden => "a Bitwarden JSON export",
            ImportFormat::Uris => "a list of otpauth:// URIs",
            ImportFormat::Google => "a Google Authenticator export",
            ImportFormat::Twofold => "a Twofold backup",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn importer(self) -> &'static dyn Importer {
        match self {
            ImportFormat::Aegis => &Aegis,
            ImportFormat::TwoFas => &TwoFas,
            ImportFormat::Ente => &Ente,
            ImportFormat::Bitwarden => &Bitwarden,
            ImportFormat::Uris => &Uris,
            ImportFormat::Google => &Google,
            ImportFormat::Twofold => &Twofold,
        }
    }
}

/// A guess at what a file is, for the "use --from X" hint.
pub fn detect(bytes: &[u8]) -> Option<ImportFormat> {
    if bytes.starts_with(crate::vault::MAGIC) {
        return Some(ImportFormat::Twofold);
    }
    let text = std::str::from_utf8(bytes).ok()?.trim_start();
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        if value.get("db").is_some() && value.get("header").is_some() {
            return Some(ImportFormat::Aegis);
        }
        if value.get("schemaVersion").is_some() {
            return Some(ImportFormat::TwoFas);
        }
        if value.get("items").is_some() {
            return Some(ImportFormat::Bitwarden);
        }
        if bitwarden_encrypted::is_password_protected(&value) {
            return Some(ImportFormat::Bitwarden);
        }
        if ente_encrypted::looks_encrypted(&value) {
            return Some(ImportFormat::Ente);
        }
        return None;
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if first.starts_with("otpauth-migration://") {
        Some(ImportFormat::Google)
    } else if first.starts_with("otpauth://") {
        if text.contains("codeDisplay=") {
            Some(ImportFormat::Ente)
        } else {
            Some(ImportFormat::Uris)
        }
    } else {
        None
    }
}

/// Parses a JSON export, telling a cut-short file from another kind of damage.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    format: &'static str,
    bytes: &[u8],
) -> Result<T, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::wrong_format(format, bytes))?;
    if !text.trim_start().starts_with('{') {
        return Err(ImportError::wrong_format(format, bytes));
    }
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => ImportError::Truncated(format),
        serde_json::error::Category::Data => ImportError::wrong_format(format, bytes),
        _ => ImportError::corrupt(format, e.to_string()),
    })
}

/// Parses the JSON envelope of an encrypted export. Valid JSON of another shape is reported as
/// damaged, naming the fields the format needs (`needs`); a cut-short file as truncated.
pub(crate) fn parse_envelope<T: serde::de::DeserializeOwned>(
    format: &'static str,
    bytes: &[u8],
    needs: &str,
) -> Result<T, ImportError> {
    parse_json(format, bytes).map_err(|e| match e {
        ImportError::WrongFormat { .. } => ImportError::corrupt(format, needs),
        other => other,
    })
}

/// Non-empty, trimmed.
pub(crate) fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Lines of a text export, numbered from 1, without blank lines and `#` comments.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

/// The usual fields of an entry in a JSON export, turned into an account.
pub(crate) struct Fields<'a> {
    /// `totp`, `hotp` or `steam` (any case).
    pub kind: &'a str,
    pub issuer: Option<String>,
    pub name: Option<String>,
    /// Base32, as every format here writes it.
    pub secret: &'a str,
    pub algorithm: Option<&'a str>,
    pub digits: Option<u8>,
    pub period: Option<u64>,
    pub counter: Option<u64>,
}

impl Fields<'_> {
    /// The account, or why the entry cannot be one.
    pub(crate) fn into_account(self) -> Result<twofold_core::OtpAccount, String> {
        use twofold_core::uri::{DEFAULT_DIGITS, DEFAULT_PERIOD};
        use twofold_core::{Algorithm, OtpAccount, OtpKind};

        let secret = twofold_core::uri::decode_secret(self.secret).map_err(|e| e.to_string())?;
        let algorithm = match self.algorithm {
            None => Algorithm::Sha1,
            Some(text) => {
                Algorithm::parse(text).ok_or_else(|| format!("unsupported algorithm {text:?}"))?
            }
        };
        let kind = match self.kind.to_ascii_lowercase().as_str() {
            "totp" => OtpKind::Totp {
                period: self.period.unwrap_or(DEFAULT_PERIOD),
            },
            "hotp" => OtpKind::Hotp {
                counter: self.counter.unwrap_or(0),
            },
            "steam" => OtpKind::Steam,
            other => return Err(format!("{other} codes are not supported")),
        };
        let digits = match kind {
            OtpKind::Steam => twofold_core::otp::STEAM_DIGITS,
            _ => self.digits.unwrap_or(DEFAULT_DIGITS),
        };
        let account = OtpAccount {
            kind,
            issuer: self.issuer,
            name: self.name.unwrap_or_default(),
            secret,
            algorithm: if kind == OtpKind::Steam {
                Algorithm::Sha1
            } else {
                algorithm
            },
            digits,
            extra: Vec::new(),
        };
        check(&account)?;
        Ok(account)
    }
}

/// Refuses what could not produce a code (bad digits, zero period).
pub(crate) fn check(account: &twofold_core::OtpAccount) -> Result<(), String> {
    match account.kind {
        twofold_core::OtpKind::Hotp { .. } => account.hotp_generator().map(|_| ()),
        _ => account.totp_generator().map(|_| ()),
    }
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_name_parses_back() {
        for format in ImportFormat::ALL {
            assert_eq!(ImportFormat::parse(format.name()), Some(format));
        }
        assert_eq!(ImportFormat::parse("2FAS"), Some(ImportFormat::TwoFas));
        assert_eq!(ImportFormat::parse("lastpass"), None);
    }

    #[test]
    fn detection_names_the_right_format() {
        assert_eq!(
            detect(br#"{"version":1,"header":{},"db":{}}"#),
            Some(ImportFormat::Aegis)
        );
        assert_eq!(
            detect(br#"{"schemaVersion":4,"services":[]}"#),
            Some(ImportFormat::TwoFas)
        );
        assert_eq!(
            detect(br#"{"encrypted":false,"items":[]}"#),
            Some(ImportFormat::Bitwarden)
        );
        assert_eq!(
            detect(b"# mine\notpauth-migration://offline?data=x"),
            Some(ImportFormat::Google)
        );
        assert_eq!(
            detect(b"otpauth://totp/a?secret=AA"),
            Some(ImportFormat::Uris)
        );
        assert_eq!(detect(b"hello"), None);
    }

    #[test]
    fn a_cut_short_json_file_is_truncated_not_corrupt() {
        let err =
            parse_json::<serde_json::Value>("Aegis", br#"{"version": 1, "db": {"#).unwrap_err();
        assert_eq!(err, ImportError::Truncated("Aegis"));
        let err = parse_json::<serde_json::Value>("Aegis", br#"{"version": 1,, }"#).unwrap_err();
        assert!(matches!(err, ImportError::Corrupt { .. }), "{err:?}");
        let err = parse_json::<serde_json::Value>("Aegis", b"otpauth://x").unwrap_err();
        assert!(matches!(err, ImportError::WrongFormat { .. }), "{err:?}");
    }
}
