//! Web console administrators (`/v1/admin/console-admins`, issue 16).

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

// The body of `POST /v1/admin/console-admins`: a web console administrator. The password is
// wiped from memory when the value is dropped and left out of `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewConsoleAdmin {
    /// 1 to 64 characters: lower-case letters, digits, `.`, `_`, `-`.
    #[zeroize(skip)]
    pub name: String,
    /// At least 12 characters; stored only as an Argon2id hash.
    pub password: String,
}

impl fmt::Debug for NewConsoleAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewConsoleAdmin")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

// A console admin's TOTP enrolment (RFC 6238, SHA-1, 6 digits, 30 s), shown once: after
// `POST /v1/admin/console-admins` and `POST /v1/admin/console-admins/{name}/reset-totp`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleAdminEnrolment {
    #[zeroize(skip)]
    pub id: String,
    #[zeroize(skip)]
    pub name: String,
    /// `otpauth://totp/...` with the secret: for an authenticator app.
    pub otpauth_uri: String,
}

impl fmt::Debug for ConsoleAdminEnrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleAdminEnrolment")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

// A console admin as `GET /v1/admin/console-admins` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleAdmin {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}
