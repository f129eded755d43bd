//! Activation codes: one pending code per user; only a keyed hash of the code is stored.

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::{to_db, NullableTime};
use crate::error::Error;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Activation {
    pub id: String,
    pub user_id: String,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "i64")]
    pub expires_at: u64,
    #[sqlx(try_from = "NullableTime")]
    pub used_at: Option<u64>,
}

/// Creates the user's activation, voiding any earlier one. One statement (an upsert on the
/// one-per-user key) rather than a delete and an insert: on PostgreSQL two overlapping
/// replaces for the same user both deleted nothing and the second insert failed on the
/// unique key (a 500); `ON CONFLICT` waits for the other and replaces its row instead.
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    a: &Activation,
    code_hash: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO activations (id, user_id, code_hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, NULL) \
         ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, code_hash = excluded.code_hash, \
         created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL",
    )
    .bind(&a.id)
    .bind(&a.user_id)
    .bind(code_hash)
    .bind(to_db(a.created_at))
    .bind(to_db(a.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn by_code_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    code_hash: &str,
) -> Result<Option<Activation>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, user_id, created_at, expires_at, used_at FROM activations WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(ex)
    .await?)
}

/// Marks the activation used; false when it was used or expired meanwhile.
pub async fn consume<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: u64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE activations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(to_db(now))
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
