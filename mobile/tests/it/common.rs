//! Helpers shared by the test modules.

use twofold_authenticator::{AccountDraft, KdfParams};
use twofold_core::{OtpAccount, OtpKind};

pub fn fast() -> KdfParams {
    KdfParams::insecure_for_tests()
}

/// One account reduced to what must survive an import, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    pub kind: &'static str,
    pub issuer: String,
    pub name: String,
    pub secret: String,
    pub algorithm: &'static str,
    pub digits: u8,
    /// Period (TOTP/Steam) or counter (HOTP).
    pub param: u64,
}

pub fn record(otp: &OtpAccount) -> Record {
    let (kind, param) = match otp.kind {
        OtpKind::Totp { period } => ("totp", period),
        OtpKind::Hotp { counter } => ("hotp", counter),
        OtpKind::Steam => ("steam", 30),
    };
    Record {
        kind,
        issuer: otp.issuer.clone().unwrap_or_default(),
        name: otp.name.clone(),
        secret: otp.secret.to_base32(),
        algorithm: otp.algorithm.as_str(),
        digits: otp.digits,
        param,
    }
}

pub fn rec(
    kind: &'static str,
    issuer: &str,
    name: &str,
    secret: &str,
    algorithm: &'static str,
    digits: u8,
    param: u64,
) -> Record {
    Record {
        kind,
        issuer: issuer.into(),
        name: name.into(),
        secret: secret.into(),
        algorithm,
        digits,
        param,
    }
}

pub fn records(drafts: &[AccountDraft]) -> Vec<Record> {
    let mut out: Vec<Record> = drafts.iter().map(|d| record(&d.otp)).collect();
    out.sort();
    out
}

/// The four accounts of every fixture under `tests/fixtures/` (see `generate.py`).
pub fn fixture_accounts() -> Vec<Record> {
    let mut out = vec![
        rec(
            "totp",
            "GitHub",
            "alice@example.com",
            "JBSWY3DPEHPK3PXP",
            "SHA1",
            6,
            30,
        ),
        rec(
            "totp",
            "Proton",
            "bob",
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "SHA256",
            8,
            60,
        ),
        rec(
            "hotp",
            "Bank",
            "carol",
            "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
            "SHA512",
            7,
            7,
        ),
        rec("steam", "Steam", "dave", "ONSWG4TFOQ", "SHA1", 5, 30),
    ];
    out.sort();
    out
}
