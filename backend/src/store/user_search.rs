//! The console's user list: a name or e-mail prefix, a state filter and keyset paging, in
//! byte order on indexes (`users(username)`, `users(email)`; `COLLATE "C"` on PostgreSQL, whose
//! default collation is the locale's) so a page costs the same at 100,000 users as at 100:
//! no `OFFSET`, no scan of the rows before the page.

use ::sqlx::{Any, Executor};

use super::users::{MfaState, User};
use super::{Backend, Store};
use crate::error::Error;

/// One page of the search.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    /// Matches usernames or e-mail addresses that start with it (empty: everyone).
    pub prefix: &'a str,
    pub state: Option<MfaState>,
    /// The last username of the previous page (keyset paging).
    pub after: Option<&'a str>,
    pub limit: u32,
}

/// Everything that sorts after every string starting with the prefix in byte order: the
/// prefix followed by the largest scalar value (UTF-8 F4 8F BF BF).
fn upper_bound(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

/// At most `s.limit` users matching `s`, by username.
pub async fn search(store: &Store, s: &Search<'_>) -> Result<Vec<User>, Error> {
    let collate = match store.backend() {
        Backend::Sqlite => "",
        Backend::Postgres => " COLLATE \"C\"",
    };
    let sql = format!(
        "SELECT id, username, first_name, last_name, email, phone, mfa_state, needs_registration, \
         blocked, created_at, updated_at, default_method FROM users \
         WHERE ($1 = '' OR (username{collate} >= $1 AND username{collate} < $2) \
                OR (email{collate} >= $1 AND email{collate} < $2)) \
         AND ($3 IS NULL OR mfa_state = $3) AND ($4 IS NULL OR username{collate} > $4) \
         ORDER BY username{collate} LIMIT $5"
    );
    let rows = sqlx::query_as(&sql)
        .bind(s.prefix)
        .bind(upper_bound(s.prefix))
        .bind(s.state.map(MfaState::as_str))
        .bind(s.after)
        .bind(i64::from(s.limit.clamp(1, 500)))
        .fetch_all(store.pool())
        .await?;
    Ok(rows)
}

/// How many users exist (the list's heading).
pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(ex)
        .await?)
}
