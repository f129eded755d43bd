//! Portal links (table `portal_links`): single-use, expiring sign-in links for the
//! self-service portal, found by the keyed hash of their token (the table never holds a token
//! a browser could present). A link is used by one conditional UPDATE, so two browsers (or
//! two nodes) racing with the same link cannot both sign in.

use ::sqlx::{Any, Executor};

use super::columns::{from_db, to_db};
use crate::error::Error;

pub struct NewLink<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a str,
    pub admin_id: &'a str,
    pub now: u64,
    pub expires_at: u64,
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    link: &NewLink<'_>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO portal_links (id_hash, user_id, admin_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(link.id_hash)
    .bind(link.user_id)
    .bind(link.admin_id)
    .bind(to_db(link.now))
    .bind(to_db(link.expires_at))
    .execute(ex)
    .await?;
    Ok(())
}

/// A link as stored: whose, until when, whether used.
pub struct Link {
    pub user_id: String,
    pub expires_at: u64,
    pub used: bool,
}

pub async fn by_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
) -> Result<Option<Link>, Error> {
    let row: Option<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT user_id, expires_at, used_at FROM portal_links WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(ex)
            .await?;
    row.map(|(user_id, expires_at, used_at)| {
        Ok(Link {
            user_id,
            expires_at: from_db(expires_at)?,
            used: used_at.is_some(),
        })
    })
    .transpose()
}

/// Marks the link used if it is unused and unexpired at `now`; true when this call did.
pub async fn consume<'e>(
    ex: impl Executor<'e, Database = Any>,
    id_hash: &str,
    now: u64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE portal_links SET used_at = $1 \
         WHERE id_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(to_db(now))
    .bind(id_hash)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes links that expired before `before` (used or not), so the table stays small.
pub async fn delete_expired<'e>(
    ex: impl Executor<'e, Database = Any>,
    before: u64,
) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM portal_links WHERE expires_at <= $1")
        .bind(to_db(before))
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
