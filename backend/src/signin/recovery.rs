//! Recovery codes: ten single-use codes a user keeps on paper for the day their phone is
//! gone. A new set voids the old one.

use twofold_core::proto::admin::IssuedRecoveryCodes;
use zeroize::Zeroizing;

use super::secret;
use crate::auth::admin::Admin;
use crate::error::Error;
use crate::state::AppState;
use crate::store::one_time_codes::CodeKind;
use crate::store::users::User;

/// Codes in a set.
pub const SET_SIZE: usize = 10;

/// Issues a new set of recovery codes for `user`.
pub async fn issue(
    state: &AppState,
    admin: &Admin,
    user: &User,
) -> Result<IssuedRecoveryCodes, Error> {
    let codes = (0..SET_SIZE)
        .map(|_| secret::generate(2, secret::RECOVERY_LETTERS / 2))
        .collect::<Result<Vec<Zeroizing<String>>, Error>>()?;
    secret::issue_codes(
        state,
        admin,
        user,
        CodeKind::Recovery,
        &codes,
        secret::CodeLimits {
            uses: 1,
            expires_at: None,
        },
        "recovery_codes_issued",
    )
    .await?;
    Ok(IssuedRecoveryCodes {
        username: user.username.clone(),
        codes: codes.iter().map(|c| c.to_string()).collect(),
    })
}
