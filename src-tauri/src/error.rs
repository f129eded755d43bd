//! What a command returns when it fails: `{"kind": "...", "message": "..."}`.
//!
//! `kind` is the engine's stable code (`vault.wrong_password`, `import.truncated`, ...) or one
//! of the shell's own (`app.*`, `scan.*`); the UI matches on it. `message` is for people.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl CommandError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A lock poisoned by a panic in another command: the engine may be half-changed, so the
    /// app refuses to go on rather than show stale codes.
    pub(crate) fn poisoned() -> Self {
        Self::new(
            "app.internal",
            "the app hit an internal error; close it and open it again",
        )
    }
}

impl From<twofold_authenticator::Error> for CommandError {
    fn from(error: twofold_authenticator::Error) -> Self {
        Self {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl From<twofold_authenticator::ExportError> for CommandError {
    fn from(error: twofold_authenticator::ExportError) -> Self {
        twofold_authenticator::Error::from(error).into()
    }
}

impl From<twofold_authenticator::QrError> for CommandError {
    fn from(error: twofold_authenticator::QrError) -> Self {
        twofold_authenticator::Error::from(error).into()
    }
}

impl From<twofold_authenticator::PushError> for CommandError {
    fn from(error: twofold_authenticator::PushError) -> Self {
        Self {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl From<twofold_authenticator::push::fleet::NoClient> for CommandError {
    fn from(error: twofold_authenticator::push::fleet::NoClient) -> Self {
        Self {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.kind)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;
    use twofold_authenticator::{Error, VaultError};

    #[test]
    fn command_errors_serialise_as_kind_and_message() {
        let error = CommandError::from(Error::Vault(VaultError::WrongPassword));
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "vault.wrong_password",
                "message": "wrong password",
            })
        );
    }

    #[test]
    fn shell_errors_use_the_same_shape() {
        let json = serde_json::to_string(&CommandError::new("scan.unsupported", "no")).unwrap();
        assert_eq!(json, r#"{"kind":"scan.unsupported","message":"no"}"#);
    }
}
