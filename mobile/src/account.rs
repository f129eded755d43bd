//! Accounts as the vault keeps them, and the views the UI shows.

use serde::{Deserialize, Serialize};
use twofold_core::otp::Totp;
use twofold_core::{Algorithm, OtpAccount, OtpError, OtpKind, SecretBytes};

use crate::codes::TimeCode;
use crate::icon::{AccountIcon, IconView};
use crate::serde_helpers::{algorithm_serde, secret_b32, secret_b64};

/// Which kind of code an account shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Kind {
    Totp {
        period: u64,
    },
    /// `counter` is the counter of the code shown now; [`crate::Engine::next_code`] moves on.
    Hotp {
        counter: u64,
    },
    /// Steam Guard: 30-second steps, five characters.
    Steam,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Totp { .. } => "totp",
            Kind::Hotp { .. } => "hotp",
            Kind::Steam => "steam",
        }
    }
}

impl From<OtpKind> for Kind {
    fn from(kind: OtpKind) -> Self {
        match kind {
            OtpKind::Totp { period } => Kind::Totp { period },
            OtpKind::Hotp { counter } => Kind::Hotp { counter },
            OtpKind::Steam => Kind::Steam,
        }
    }
}

impl From<Kind> for OtpKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Totp { period } => OtpKind::Totp { period },
            Kind::Hotp { counter } => OtpKind::Hotp { counter },
            Kind::Steam => OtpKind::Steam,
        }
    }
}

/// Where a Twofold push account stands with its server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PushState {
    Active,
    /// The server was re-linked (new activation epoch) or the device was reset: the user must
    /// remove the account and activate again. `message` is what the server said.
    NeedsReactivation {
        message: String,
    },
}

/// The Twofold push half of an account: what activation with a Twofold server yields
/// ([`crate::activation`]), and what the push client ([`crate::push`]) connects with.
/// `Debug` hides the device key (it is a [`SecretBytes`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushLink {
    /// The device's P-256 private key, PKCS#8 DER.
    #[serde(with = "secret_b64")]
    pub device_key: SecretBytes,
    pub server_url: String,
    /// The server's signing public key (uncompressed SEC1 point), base64 in the file.
    #[serde(with = "crate::serde_helpers::bytes_b64")]
    pub server_public_key: Vec<u8>,
    pub activation_epoch: u64,
    pub device_id: String,
    /// The user the server activated this device for.
    #[serde(default)]
    pub username: String,
    /// The server's name at activation ("mfa-1").
    #[serde(default)]
    pub server_name: String,
    #[serde(flatten)]
    pub state: PushState,
}

/// One account in the vault. `Debug` never shows the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Stable random id, 16 hex characters.
    pub id: String,
    pub issuer: Option<String>,
    pub name: String,
    #[serde(with = "secret_b32")]
    pub secret: SecretBytes,
    #[serde(with = "algorithm_serde")]
    pub algorithm: Algorithm,
    pub digits: u8,
    pub kind: Kind,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub favourite: bool,
    /// Unix seconds of the last time a code was used (HOTP "next", or the app's copy).
    #[serde(default)]
    pub last_used: Option<u64>,
    /// Unix seconds when the account was added.
    pub created: u64,
    /// Set for Twofold accounts activated with a server.
    #[serde(default)]
    pub push: Option<PushLink>,
    /// The icon the user chose or an import brought; `None`: the app matches one by issuer.
    /// Vaults written before icons existed have none (the field defaults), so they open as
    /// they are; no format version change is needed for a new optional field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<AccountIcon>,
    /// How many times a code was copied: the "most used" order.
    #[serde(default)]
    pub use_count: u64,
}

/// What to add: an account without id and timestamps (what parsers and importers produce).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDraft {
    pub otp: OtpAccount,
    pub group: Option<String>,
    pub note: Option<String>,
    pub favourite: bool,
    pub push: Option<PushLink>,
    /// An icon that came with the import (Aegis), kept with the account.
    pub icon: Option<AccountIcon>,
}

impl AccountDraft {
    pub fn new(otp: OtpAccount) -> Self {
        Self {
            otp,
            group: None,
            note: None,
            favourite: false,
            push: None,
            icon: None,
        }
    }

    /// "Issuer (name)": how the reports refer to an entry.
    pub fn label(&self) -> String {
        self.otp.display_name()
    }
}

impl Account {
    pub(crate) fn from_draft(draft: AccountDraft, id: String, now: u64) -> Self {
        let AccountDraft {
            otp,
            group,
            note,
            favourite,
            push,
            icon,
        } = draft;
        Self {
            id,
            issuer: otp.issuer.clone(),
            name: otp.name.clone(),
            secret: otp.secret.clone(),
            algorithm: otp.algorithm,
            digits: otp.digits,
            kind: otp.kind.into(),
            group,
            note,
            favourite,
            last_used: None,
            created: now,
            push,
            icon,
            use_count: 0,
        }
    }

    /// The account as core's [`OtpAccount`] (for codes and `otpauth://` URIs).
    pub fn otp(&self) -> OtpAccount {
        OtpAccount {
            kind: self.kind.into(),
            issuer: self.issuer.clone(),
            name: self.name.clone(),
            secret: self.secret.clone(),
            algorithm: self.algorithm,
            digits: self.digits,
            extra: Vec::new(),
        }
    }

    pub fn to_draft(&self) -> AccountDraft {
        AccountDraft {
            otp: self.otp(),
            group: self.group.clone(),
            note: self.note.clone(),
            favourite: self.favourite,
            push: self.push.clone(),
            icon: self.icon.clone(),
        }
    }

    /// "Issuer (name)" or just the name.
    pub fn label(&self) -> String {
        self.otp().display_name()
    }

    /// The codes shown at `now` (already corrected by the vault's clock offset).
    pub fn view(&self, now: u64) -> Result<AccountView, OtpError> {
        let Codes {
            code,
            next_code,
            seconds_left,
            period,
            counter,
        } = self.codes(now)?;
        Ok(AccountView {
            id: self.id.clone(),
            issuer: self.issuer.clone(),
            name: self.name.clone(),
            kind: self.kind.as_str(),
            algorithm: self.algorithm.as_str(),
            digits: self.digits,
            period,
            counter,
            code,
            next_code,
            seconds_left,
            group: self.group.clone(),
            note: self.note.clone(),
            favourite: self.favourite,
            last_used: self.last_used,
            created: self.created,
            push: self.push.as_ref().map(|p| PushView {
                server_url: p.server_url.clone(),
                server_name: p.server_name.clone(),
                username: p.username.clone(),
                device_id: p.device_id.clone(),
                state: p.state.clone(),
            }),
            icon: self.icon.as_ref().map(AccountIcon::view),
            use_count: self.use_count,
            position: 0,
        })
    }

    /// The current and next codes at `now`; for TOTP and Steam also the seconds left and the
    /// period, for HOTP the counter (RFC 4226 §5.2: the code of `counter`, and of the next).
    fn codes(&self, now: u64) -> Result<Codes, OtpError> {
        let otp = self.otp();
        Ok(match self.kind {
            Kind::Hotp { counter } => {
                let hotp = otp.hotp_generator()?;
                Codes {
                    code: hotp.generate(counter),
                    next_code: hotp.generate(counter.saturating_add(1)),
                    seconds_left: None,
                    period: None,
                    counter: Some(counter),
                }
            }
            Kind::Totp { .. } | Kind::Steam => {
                let totp: Totp = otp.totp_generator()?;
                let step = totp.step(now);
                Codes {
                    code: totp.generate_at_step(step),
                    next_code: totp.generate_at_step(step.saturating_add(1)),
                    seconds_left: Some(totp.seconds_left(now)),
                    period: Some(totp.period()),
                    counter: None,
                }
            }
        })
    }

    /// The codes-only view at `now` ([`crate::codes`]); `None` for HOTP, whose codes do not
    /// change with time.
    pub fn time_code(&self, now: u64) -> Result<Option<TimeCode>, OtpError> {
        if let Kind::Hotp { .. } = self.kind {
            return Ok(None);
        }
        let codes = self.codes(now)?;
        Ok(codes.seconds_left.map(|seconds_left| TimeCode {
            id: self.id.clone(),
            code: codes.code,
            next_code: codes.next_code,
            seconds_left,
        }))
    }
}

/// An account's codes at one instant (see [`Account::view`]).
struct Codes {
    code: String,
    next_code: String,
    seconds_left: Option<u64>,
    period: Option<u64>,
    counter: Option<u64>,
}

/// What the UI shows for one account: no secret, codes computed for one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountView {
    pub id: String,
    pub issuer: Option<String>,
    pub name: String,
    /// `totp`, `hotp` or `steam`.
    pub kind: &'static str,
    pub algorithm: &'static str,
    pub digits: u8,
    /// TOTP and Steam: the step length in seconds.
    pub period: Option<u64>,
    /// HOTP: the counter of `code`.
    pub counter: Option<u64>,
    pub code: String,
    /// TOTP/Steam: the code of the next step; HOTP: the code of the next counter.
    pub next_code: String,
    /// TOTP/Steam: seconds until `code` is replaced by `next_code`.
    pub seconds_left: Option<u64>,
    pub group: Option<String>,
    pub note: Option<String>,
    pub favourite: bool,
    pub last_used: Option<u64>,
    pub created: u64,
    pub push: Option<PushView>,
    /// The icon chosen or imported (`None`: the app matches one by issuer).
    pub icon: Option<IconView>,
    /// Codes copied so far ("most used" order).
    pub use_count: u64,
    /// The account's place in the vault: the user's custom order.
    pub position: usize,
}

/// The push side of an account as the UI sees it (no keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushView {
    pub server_url: String,
    pub server_name: String,
    pub username: String,
    pub device_id: String,
    /// `{"state": "active"}` or `{"state": "needs_reactivation", "message": "..."}`.
    #[serde(flatten)]
    pub state: PushState,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890", six digits.
    pub(crate) fn account(kind: Kind) -> Account {
        Account {
            id: "0123456789abcdef".into(),
            issuer: Some("ACME".into()),
            name: "alice".into(),
            secret: SecretBytes::from(b"12345678901234567890".as_slice()),
            algorithm: Algorithm::Sha1,
            digits: 6,
            kind,
            group: None,
            note: None,
            favourite: false,
            last_used: None,
            created: 0,
            push: None,
            icon: None,
            use_count: 0,
        }
    }

    #[test]
    fn totp_view_has_current_and_next_code_and_seconds_left() {
        let view = account(Kind::Totp { period: 30 }).view(59).unwrap();
        // RFC 6238 appendix B, truncated to six digits: step 1 is 94287082.
        assert_eq!(view.code, "287082");
        assert_eq!(view.seconds_left, Some(1));
        let later = account(Kind::Totp { period: 30 }).view(60).unwrap();
        assert_eq!(view.next_code, later.code);
    }

    #[test]
    fn hotp_view_shows_the_stored_counter_and_the_next() {
        let view = account(Kind::Hotp { counter: 0 }).view(0).unwrap();
        // RFC 4226 appendix D.
        assert_eq!(view.code, "755224");
        assert_eq!(view.next_code, "287082");
        assert_eq!(view.seconds_left, None);
    }

    #[test]
    fn debug_and_view_never_contain_the_secret() {
        let mut a = account(Kind::Steam);
        a.push = Some(PushLink {
            device_key: SecretBytes::from(b"pkcs8-private-key".as_slice()),
            server_url: "https://mfa.example".into(),
            server_public_key: vec![4, 1, 2],
            activation_epoch: 7,
            device_id: "dev1".into(),
            username: "alice".into(),
            server_name: "mfa-1".into(),
            state: PushState::Active,
        });
        let debug = format!("{a:?}");
        assert!(!debug.contains("GEZDGNBV"), "{debug}");
        assert!(!debug.contains("pkcs8"), "{debug}");
        let json = serde_json::to_string(&a.view(0).unwrap()).unwrap();
        assert!(
            !json.contains("GEZDGNBV") && !json.contains("cGtjczg"),
            "{json}"
        );
    }

    #[test]
    fn stored_form_round_trips_through_json() {
        let mut a = account(Kind::Hotp { counter: 9 });
        a.push = Some(PushLink {
            device_key: SecretBytes::from(b"key".as_slice()),
            server_url: "https://mfa.example".into(),
            server_public_key: vec![4, 1, 2],
            activation_epoch: 7,
            device_id: "dev1".into(),
            username: "alice".into(),
            server_name: "mfa-1".into(),
            state: PushState::NeedsReactivation {
                message: "Authentication request is not for an activated account".into(),
            },
        });
        let json = serde_json::to_string(&a).unwrap();
        let back: Account = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
