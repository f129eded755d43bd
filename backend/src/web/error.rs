//! What a page answers when it cannot do what was asked: an HTML page with a status that says
//! why, never a stack of internal details (those go to the log, as in the API).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use thiserror::Error;

use super::layout;
use crate::error::Error;

#[derive(Debug, Error)]
pub enum WebError {
    /// No session, or it ended (idle or absolute timeout, signed out elsewhere).
    #[error("signed out")]
    SignedOut,
    /// A form without its CSRF token, with a wrong one, or from another site.
    #[error("this form was not sent by a page of this console; reload the page and try again")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Domain(#[from] Error),
}

impl From<sqlx::Error> for WebError {
    fn from(e: sqlx::Error) -> Self {
        WebError::Domain(e.into())
    }
}

impl From<crate::crypto::CryptoError> for WebError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        WebError::Domain(e.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            WebError::SignedOut => return Redirect::to("/admin/signin").into_response(),
            WebError::Forbidden => (StatusCode::FORBIDDEN, WebError::Forbidden.to_string()),
            WebError::NotFound(what) => (StatusCode::NOT_FOUND, what),
            // The API's mapping: the same status and words, internal details only logged.
            WebError::Domain(e) => {
                let api = crate::error::ApiError::from(e);
                (api.status, api.message)
            }
        };
        (status, layout::bare("Error", &message)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;
