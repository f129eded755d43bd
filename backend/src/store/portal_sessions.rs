//! Portal sessions (table `portal_sessions`), found by the keyed hash of the cookie value.
//! As [`super::web_sessions`], both timeouts are checked here against the caller's `now`, so
//! an expired session is never returned; `verified` says whether the user passed their second
//! factor after signing in.

use ::sqlx::{Any, Executor};

use super::columns::{flag, from_db, to_db};
use crate::error::Error;

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    user_id: &str,
    verified: bool,
    now: u64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO portal_sessions (id_hash, user_id, verified, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(flag(verified))
    .bind(to_db(now))
    .execute(ex)
    .await?;
    Ok(())
}

/// A live session: whose, and whether the second factor was passed.
pub struct Live {
    pub user_id: String,
    pub verified: bool,
}

/// The live session of `id_hash`, touching its `last_seen_at`: live means seen within `idle`
/// seconds and created within `absolute` seconds of `now`. A session past either is deleted
/// and `None` returned.
pub async fn touch<'e>(
    ex: impl Executor<'e, Database = Any> + Copy,
    id_hash: &str,
    now: u64,
    idle: u64,
    absolute: u64,
) -> Result<Option<Live>, Error> {
    let row: Option<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT user_id, verified, created_at, last_seen_at FROM portal_sessions \
         WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(ex)
    .await?;
    let Some((user_id, verified, created, seen)) = row else {
        return Ok(None);
    };
    let (created, seen) = (from_db(created)?, from_db(seen)?);
    if now.saturating_sub(seen) >= idle || now.saturating_sub(created) >= absolute {
        delete(ex, id_hash).await?;
        return Ok(None);
    }
    sqlx::query("UPDATE portal_sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(to_db(now))
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(Some(Live {
        user_id,
        verified: verified != 0,
    }))
}

/// Records that the session's user passed their second factor.
pub async fn set_verified<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE portal_sessions SET verified = 1 WHERE id_hash = $1")
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id_hash: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM portal_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// Deletes the sessions that expired by `now` (either timeout), so the table stays small.
pub async fn delete_expired<'e>(
    ex: impl Executor<'e, Database = Any>,
    now: u64,
    idle: u64,
    absolute: u64,
) -> Result<u64, Error> {
    let done =
        sqlx::query("DELETE FROM portal_sessions WHERE last_seen_at <= $1 OR created_at <= $2")
            .bind(to_db(now.saturating_sub(idle)))
            .bind(to_db(now.saturating_sub(absolute)))
            .execute(ex)
            .await?;
    Ok(done.rows_affected())
}
