//! One-time bypass codes (Azure MFA Server's "one-time bypass"): an administrator reads a
//! code to a user on the phone; it lets them sign in without their second factor for a few
//! minutes, a bounded number of times. A new bypass voids the previous one.

use twofold_core::proto::admin::IssuedBypass;

use twofold_core::proto::Factor;

use super::secret;
use crate::auth::admin::Admin;
use crate::error::Error;
use crate::state::AppState;
use crate::store::columns::to_db;
use crate::store::one_time_codes::CodeKind;
use crate::store::users::User;

/// How long a bypass may last, in minutes (at most a day).
pub const MINUTES: std::ops::RangeInclusive<u32> = 1..=1440;
/// How many sign-ins a bypass may allow.
pub const USES: std::ops::RangeInclusive<u32> = 1..=10;

/// Pure: when a bypass issued at `now` for `minutes` expires, or why it cannot be issued.
pub fn expiry(now: u64, minutes: u32, uses: u32) -> Result<u64, Error> {
    if !MINUTES.contains(&minutes) {
        return Err(Error::invalid(
            "minutes",
            format!("{minutes} is not within 1..=1440"),
        ));
    }
    if !USES.contains(&uses) {
        return Err(Error::invalid(
            "uses",
            format!("{uses} is not within 1..=10"),
        ));
    }
    Ok(now.saturating_add(u64::from(minutes) * 60))
}

/// Issues a bypass code for `user`, valid `minutes` for `uses` sign-ins.
pub async fn issue(
    state: &AppState,
    admin: &Admin,
    user: &User,
    minutes: u32,
    uses: u32,
) -> Result<IssuedBypass, Error> {
    let expires_at = match expiry(state.now(), minutes, uses) {
        Ok(at) => at,
        Err(e) => {
            return Err(secret::refused(
                state,
                admin,
                user,
                Factor::Bypass,
                "invalid_bypass",
                None,
                e,
            )
            .await)
        }
    };
    let code = secret::generate(3, secret::BYPASS_LETTERS / 3)?;
    secret::issue_codes(
        state,
        admin,
        user,
        CodeKind::Bypass,
        std::slice::from_ref(&code),
        secret::CodeLimits {
            uses,
            expires_at: Some(expires_at),
        },
        "bypass_issued",
    )
    .await?;
    Ok(IssuedBypass {
        username: user.username.clone(),
        code: code.to_string(),
        expires_at: to_db(expires_at),
        uses,
    })
}
