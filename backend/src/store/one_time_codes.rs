//! One-time codes an administrator issues to a user: bypass codes (expiring, a few uses)
//! and recovery codes (a set of ten, each used once). Only keyed hashes are stored. A use
//! is a compare-and-set ([`consume`]), so a code is accepted at most `uses` times however
//! many nodes and requests race for it.

use ::sqlx::{Any, AnyConnection, Executor};

use super::columns::sqlx;
use super::columns::{text_enum, to_db, NullableTime};
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Bypass,
    Recovery,
}

text_enum!(CodeKind, "one-time code kind", {
    Bypass => "bypass",
    Recovery => "recovery",
});

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OneTimeCode {
    pub id: String,
    pub user_id: String,
    #[sqlx(try_from = "String")]
    pub kind: CodeKind,
    /// HMAC-SHA256 of the code under the server's lookup key, hex.
    pub code_hash: String,
    pub uses_left: i64,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    /// None: does not expire (recovery codes).
    #[sqlx(try_from = "NullableTime")]
    pub expires_at: Option<u64>,
    #[sqlx(try_from = "NullableTime")]
    pub last_used_at: Option<u64>,
}

impl OneTimeCode {
    /// Can still be used at `now`.
    pub fn is_live(&self, now: u64) -> bool {
        self.uses_left > 0 && self.expires_at.is_none_or(|at| now < at)
    }
}

const COLUMNS: &str =
    "id, user_id, kind, code_hash, uses_left, created_at, expires_at, last_used_at";

/// Replaces the user's codes of `kind` with `codes` (a new set voids the old one).
pub async fn replace(
    conn: &mut AnyConnection,
    user_id: &str,
    kind: CodeKind,
    codes: &[OneTimeCode],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM one_time_codes WHERE user_id = $1 AND kind = $2")
        .bind(user_id)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    let sql =
        format!("INSERT INTO one_time_codes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    for code in codes {
        sqlx::query(&sql)
            .bind(&code.id)
            .bind(&code.user_id)
            .bind(code.kind.as_str())
            .bind(&code.code_hash)
            .bind(code.uses_left)
            .bind(to_db(code.created_at))
            .bind(code.expires_at.map(to_db))
            .bind(code.last_used_at.map(to_db))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The user's codes of `kind`, used up and expired ones too (to tell a replay from a guess).
pub async fn for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    kind: CodeKind,
) -> Result<Vec<OneTimeCode>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM one_time_codes WHERE user_id = $1 AND kind = $2");
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .bind(kind.as_str())
        .fetch_all(ex)
        .await?)
}

/// Which kinds of codes the user can use at `now`.
pub async fn live_kinds<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    now: u64,
) -> Result<Vec<CodeKind>, Error> {
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT kind FROM one_time_codes \
         WHERE user_id = $1 AND uses_left > 0 AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(user_id)
    .bind(to_db(now))
    .fetch_all(ex)
    .await?;
    kinds
        .into_iter()
        .map(|k| {
            k.parse()
                .map_err(|e: super::columns::UnknownValue| Error::Internal(e.to_string()))
        })
        .collect()
}

/// Uses the code once if it is still live at `now`: true when this call used it, false when
/// another request used it up (or it expired) first.
pub async fn consume<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: u64,
) -> Result<bool, Error> {
    // PostgreSQL re-checks the condition on the row after a concurrent writer commits;
    // SQLite has one writer at a time. Either way only live codes are decremented.
    let done = sqlx::query(
        "UPDATE one_time_codes SET uses_left = uses_left - 1, last_used_at = $1 \
         WHERE id = $2 AND uses_left > 0 AND (expires_at IS NULL OR expires_at > $1)",
    )
    .bind(to_db(now))
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
