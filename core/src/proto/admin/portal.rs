//! Self-service portal links (`POST /v1/admin/users/{username}/portal-link`, issue 16).

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

// The body of `POST /v1/admin/users/{username}/portal-link`: how long the link works.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPortalLink {
    /// Minutes until the link expires: 1 to `[web] portal_link_max_minutes`; 15 if absent.
    #[serde(default)]
    pub minutes: Option<u64>,
}

// A single-use portal sign-in link, shown only in this answer (the server keeps only a keyed
// hash of its token). The URL is wiped from memory on drop and left out of `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalLink {
    #[zeroize(skip)]
    pub username: String,
    /// `<public_url>/portal/link/<token>`: opening it and pressing Continue signs the user in.
    pub url: String,
    /// Unix seconds after which the link no longer works.
    #[zeroize(skip)]
    pub expires_at: u64,
}

impl fmt::Debug for PortalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalLink")
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}
