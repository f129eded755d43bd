//! Admin tokens (`/v1/admin/admin-tokens`): created, listed and revoked through the admin API, so
//! the first token printed at start-up can be rotated away (issue 13, item 13).

use std::fmt;

use serde::{Deserialize, Serialize};

/// `POST /v1/admin/admin-tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAdminToken {
    /// A label for people ("ops laptop"); 1 to 64 characters, no control characters.
    #[serde(default)]
    pub name: Option<String>,
}

/// One admin token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminToken {
    /// `adm_...`: the part before the dot; audit records name it in `admin_id`.
    pub id: String,
    pub name: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; absent while the token works.
    pub revoked_at: Option<i64>,
}

/// A new admin token, shown once. `Debug` leaves out the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedAdminToken {
    pub id: String,
    pub name: Option<String>,
    /// `adm_<id>.<secret>`, for `Authorization: Bearer`; only in this answer.
    pub token: String,
}

impl fmt::Debug for IssuedAdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedAdminToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_hide_the_secret_and_new_tokens_refuse_unknown_fields() {
        let issued = IssuedAdminToken {
            id: "adm_x".into(),
            name: None,
            token: "adm_x.s3cret".into(),
        };
        assert!(!format!("{issued:?}").contains("s3cret"));
        assert!(serde_json::from_str::<NewAdminToken>(r#"{"nam":"x"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<NewAdminToken>("{}").unwrap(),
            NewAdminToken::default()
        );
    }
}
