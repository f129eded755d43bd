//! Web console sessions (table `web_sessions`), found by the keyed hash of the cookie value.
//! Both timeouts are checked here against the caller's `now`, so an expired session is never
//! returned, whatever the browser still holds.

use ::sqlx::{Any, Executor};

use super::columns::{from_db, to_db};
use crate::error::Error;

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    admin_id: &str,
    now: u64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, admin_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(id_hash)
    .bind(admin_id)
    .bind(to_db(now))
    .execute(ex)
    .await?;
    Ok(())
}

/// The admin id of a live session, touching its `last_seen_at`: live means seen within
/// `idle` seconds and created within `absolute` seconds of `now`. A session past either is
/// deleted and `None` returned.
pub async fn touch<'e>(
    ex: impl Executor<'e, Database = Any> + Copy,
    id_hash: &str,
    now: u64,
    idle: u64,
    absolute: u64,
) -> Result<Option<String>, Error> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT admin_id, created_at, last_seen_at FROM web_sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(ex)
    .await?;
    let Some((admin_id, created, seen)) = row else {
        return Ok(None);
    };
    let (created, seen) = (from_db(created)?, from_db(seen)?);
    if now.saturating_sub(seen) >= idle || now.saturating_sub(created) >= absolute {
        delete(ex, id_hash).await?;
        return Ok(None);
    }
    sqlx::query("UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(to_db(now))
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(Some(admin_id))
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id_hash: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every session of `admin_id` (after its TOTP is reset or it is removed).
pub async fn delete_for_admin<'e>(
    ex: impl Executor<'e, Database = Any>,
    admin_id: &str,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM web_sessions WHERE admin_id = $1")
        .bind(admin_id)
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
    let done = sqlx::query("DELETE FROM web_sessions WHERE last_seen_at <= $1 OR created_at <= $2")
        .bind(to_db(now.saturating_sub(idle)))
        .bind(to_db(now.saturating_sub(absolute)))
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
