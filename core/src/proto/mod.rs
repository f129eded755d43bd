//! Wire types: the bodies of the device API, the relying-party API and the admin API, shared
//! by the server and every client. `docs/PROTOCOL.md` describes them in prose.
//!
//! Requests reject unknown fields, so a typo in a client is an error rather than a silently
//! ignored option. Binary values (keys, signatures, nonces) travel as unpadded base64url.

mod activation;
pub mod admin;
pub mod channel;
pub mod context;
mod rp;

pub use activation::{ActivateRequest, ActivateResponse, ActivationUri, ActivationUriError};
pub use context::ContextError;
pub use rp::CodeSubmission;
pub use rp::{
    AuthContext, AuthRequest, AuthResponse, AuthResult, DeviceSummary, Factor, PreauthRequest,
    PreauthResponse, PreauthResult, Reason,
};

use serde::{Deserialize, Serialize};

/// Every API error: `{"error": {"code": "auth.code_replayed", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable: `area.what_happened`.
    pub code: String,
    /// For people; may change between versions.
    pub message: String,
}

/// Unpadded base64url, the encoding of every binary field.
pub fn b64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}
