//! Access-Challenge states of the RADIUS front end (table `radius_states`): issued when a
//! client's primary password was accepted, taken at most once (a `DELETE ... RETURNING`, so
//! two nodes cannot both take one), by the same client for the same user, before expiry.

use sqlx::{Any, Executor};

use super::columns::to_db;
use crate::error::Error;

/// Stores a state (`id` is its hash) for `username` from `client`, and deletes expired ones.
pub async fn insert(
    pool: &sqlx::AnyPool,
    id: &str,
    client: &str,
    username: &str,
    now: u64,
    expires_at: u64,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM radius_states WHERE expires_at <= $1")
        .bind(to_db(now))
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO radius_states (id, client, username, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(client)
    .bind(username)
    .bind(to_db(now))
    .bind(to_db(expires_at))
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes the state `id` (deleting it whatever happens next) and returns the username it was
/// issued for, when it was issued to `client` and has not expired at `now`.
pub async fn take<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    client: &str,
    now: u64,
) -> Result<Option<String>, Error> {
    let row: Option<(String, String, i64)> = sqlx::query_as(
        "DELETE FROM radius_states WHERE id = $1 RETURNING client, username, expires_at",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?;
    Ok(row.and_then(|(c, username, expires_at)| {
        (c == client && expires_at > to_db(now)).then_some(username)
    }))
}
