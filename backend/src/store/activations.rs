//! Activation codes: one pending code per user; only a keyed hash of the code is stored.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct Activation {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

fn from_row(row: &AnyRow) -> Result<Activation, Error> {
    Ok(Activation {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    })
}

/// Creates the user's activation, voiding any earlier one.
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    a: &Activation,
    code_hash: &str,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM activations WHERE user_id = $1")
        .bind(&a.user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO activations (id, user_id, code_hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(&a.id)
    .bind(&a.user_id)
    .bind(code_hash)
    .bind(a.created_at)
    .bind(a.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn by_code_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    code_hash: &str,
) -> Result<Option<Activation>, Error> {
    sqlx::query(
        "SELECT id, user_id, created_at, expires_at, used_at FROM activations WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Marks the activation used; false when it was used or expired meanwhile.
pub async fn consume<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE activations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
