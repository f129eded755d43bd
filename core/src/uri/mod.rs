//! `otpauth://` URIs (Google's Key URI Format) and Google Authenticator's
//! `otpauth-migration://` exports.
//!
//! Parsing is forgiving where real issuers are sloppy (case, spaces and hyphens in secrets,
//! padding, issuer in two places, `+` for space) and strict where sloppiness would produce
//! wrong codes: every refusal is a [`UriError`] that names what is wrong.

mod account;
mod format;
pub mod migration;
mod parse;

pub use account::{OtpAccount, OtpKind, DEFAULT_DIGITS, DEFAULT_PERIOD};
pub use parse::{decode_secret, UriError};
