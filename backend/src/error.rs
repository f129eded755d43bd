//! Errors: [`Error`] for the domain, mapped once to an HTTP status and a stable wire code.
//! Internal details are logged, never sent to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use thiserror::Error;
use twofold_core::proto::{ErrorBody, ErrorDetail};

use crate::crypto::CryptoError;

#[derive(Debug, Error)]
pub enum Error {
    #[error("no user named {0:?}")]
    UserNotFound(String),
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("invalid {field}: {message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    #[error("no device {0:?}")]
    DeviceNotFound(String),
    #[error("no application {0:?}")]
    ApplicationNotFound(String),
    #[error("an application named {0:?} already exists")]
    ApplicationExists(String),
    #[error("the activation code is not valid")]
    ActivationInvalid,
    #[error("the activation code has expired; ask for a new one")]
    ActivationExpired,
    #[error("the activation code was already used; ask for a new one")]
    ActivationUsed,
    #[error("the activation signature does not match the public key")]
    ActivationBadSignature,
    #[error("no such transaction")]
    ChallengeNotFound,
    #[error("too many attempts; wait a minute and try again")]
    RateLimited,
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("storage: {0}")]
    Store(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(String),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("internal: {0}")]
    Internal(String),
    #[error("{username:?} has no app password named {name:?}")]
    AppPasswordNotFound { username: String, name: String },
    #[error("{username:?} already has an app password named {name:?}")]
    AppPasswordExists { username: String, name: String },
    #[error("app passwords are disabled on this server; set [app_passwords] enabled = true (TWOFOLD_APP_PASSWORDS_ENABLED) to allow them")]
    AppPasswordsDisabled,
    #[error("no admin token {0:?}")]
    AdminTokenNotFound(String),
    #[error("{0} is the last admin token that works; create another one first (twofold-server admin token create), then revoke this one")]
    LastAdminToken(String),
}

impl Error {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidField {
            field,
            message: message.into(),
        }
    }
}

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        let (status, code) = match &err {
            Error::UserNotFound(_) => (S::NOT_FOUND, "user.not_found"),
            Error::UserExists(_) => (S::CONFLICT, "user.exists"),
            Error::InvalidField { field: "phone", .. } => {
                (S::UNPROCESSABLE_ENTITY, "user.invalid_phone")
            }
            Error::InvalidField { .. } => (S::UNPROCESSABLE_ENTITY, "request.invalid_field"),
            Error::DeviceNotFound(_) => (S::NOT_FOUND, "device.not_found"),
            Error::ApplicationNotFound(_) => (S::NOT_FOUND, "application.not_found"),
            Error::ApplicationExists(_) => (S::CONFLICT, "application.exists"),
            Error::ActivationInvalid => (S::NOT_FOUND, "activation.invalid_code"),
            Error::ActivationExpired => (S::GONE, "activation.expired"),
            Error::ActivationUsed => (S::CONFLICT, "activation.already_used"),
            Error::ActivationBadSignature => (S::BAD_REQUEST, "activation.bad_signature"),
            Error::ChallengeNotFound => (S::NOT_FOUND, "auth.unknown_transaction"),
            Error::RateLimited => (S::TOO_MANY_REQUESTS, "request.rate_limited"),
            Error::Unauthorized => (S::UNAUTHORIZED, "auth.unauthorized"),
            Error::AppPasswordNotFound { .. } => (S::NOT_FOUND, "app_password.not_found"),
            Error::AppPasswordExists { .. } => (S::CONFLICT, "app_password.exists"),
            Error::AppPasswordsDisabled => (S::FORBIDDEN, "app_password.disabled"),
            Error::AdminTokenNotFound(_) => (S::NOT_FOUND, "admin.token_not_found"),
            Error::LastAdminToken(_) => (S::CONFLICT, "admin.last_token"),
            // The database is down or restarting: refuse (never guess an answer) with a code
            // a relying party can retry on, through another node or a moment later.
            Error::Store(e) if crate::store::is_unavailable(e) => {
                tracing::warn!(error = %err, "database unavailable");
                return ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "service.database_unavailable",
                    "the database is unavailable; try again shortly",
                );
            }
            Error::Store(_) | Error::Migration(_) | Error::Crypto(_) | Error::Internal(_) => {
                tracing::error!(error = %err, "internal error");
                return ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error",
                );
            }
        };
        ApiError::new(status, code, err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static(
                    "Basic realm=\"twofold\", Bearer realm=\"twofold\"",
                ),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Error::from(err).into()
    }
}
