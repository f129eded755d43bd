//! twofold-core: what both halves of Twofold speak.
//!
//! One-time-password algorithms (HOTP, RFC 4226; TOTP, RFC 6238; Steam Guard), the
//! `otpauth://` Key URI format with the quirks real issuers produce, Google Authenticator's
//! `otpauth-migration://` exports, and the secret type every other crate uses.
//!
//! It is pure: no I/O, no clock, no async. Every function that depends on time takes `now`
//! (unix seconds) from its caller, so the server, the device engine and the tests all decide
//! what "now" means. It is not a storage layer, a network client or a vault.

pub mod otp;
pub mod proto;
pub mod secret;
pub mod sign;
pub mod table;
pub mod uri;

pub use otp::{Algorithm, OtpError, VerifyError};
pub use secret::SecretBytes;
pub use uri::{OtpAccount, OtpKind, UriError};
