//! What a portal page answers when it cannot do what was asked: the console's error pages
//! ([`WebError`]), except that a missing session leads to the portal's signed-out page and an
//! unverified one to the second-factor page.

use axum::response::{IntoResponse, Redirect, Response};
use thiserror::Error;

use crate::error::Error;
use crate::web::error::WebError;

#[derive(Debug, Error)]
pub enum PortalError {
    /// No session, or it ended (idle or absolute timeout, signed out).
    #[error("signed out")]
    SignedOut,
    /// Signed in by a link, second factor not passed yet.
    #[error("the second factor is not verified yet")]
    Unverified,
    #[error(transparent)]
    Web(#[from] WebError),
}

impl From<Error> for PortalError {
    fn from(e: Error) -> Self {
        PortalError::Web(WebError::Domain(e))
    }
}

impl From<sqlx::Error> for PortalError {
    fn from(e: sqlx::Error) -> Self {
        PortalError::Web(e.into())
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        match self {
            PortalError::SignedOut => Redirect::to(super::SIGNED_OUT).into_response(),
            PortalError::Unverified => Redirect::to(super::VERIFY).into_response(),
            PortalError::Web(e) => e.into_response(),
        }
    }
}

pub type PortalResult<T> = Result<T, PortalError>;
