//! Writing an account back as an `otpauth://` URI.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::account::{OtpAccount, OtpKind};

/// Everything outside RFC 3986's unreserved set that could confuse a reader of the label or a
/// query value: `:` separates issuer from name, `&`, `=` and `+` carry meaning in the query.
const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b',')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

impl OtpAccount {
    /// The `otpauth://` URI for this account. It contains the secret: show it only to the
    /// account's owner, never log it.
    ///
    /// Steam accounts are written as `totp` with `encoder=steam`, the form most apps read.
    pub fn to_uri(&self) -> String {
        let (kind, kind_param) = match self.kind {
            OtpKind::Totp { period } => ("totp", format!("&period={period}")),
            OtpKind::Hotp { counter } => ("hotp", format!("&counter={counter}")),
            OtpKind::Steam => ("totp", "&period=30&encoder=steam".to_owned()),
        };
        let label = match &self.issuer {
            Some(issuer) => format!("{}:{}", encode(issuer), encode(&self.name)),
            None => encode(&self.name),
        };
        let mut uri = format!(
            "otpauth://{kind}/{label}?secret={}",
            self.secret.to_base32()
        );
        if let Some(issuer) = &self.issuer {
            uri.push_str("&issuer=");
            uri.push_str(&encode(issuer));
        }
        uri.push_str(&format!(
            "&algorithm={}&digits={}",
            self.algorithm, self.digits
        ));
        uri.push_str(&kind_param);
        for (key, value) in &self.extra {
            uri.push_str(&format!("&{}={}", encode(key), encode(value)));
        }
        uri
    }
}
