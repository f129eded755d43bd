//! Admin credentials (keyed hashes of high-entropy tokens).

use sqlx::{Any, Executor};

use super::columns::to_db;
use crate::error::Error;

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    secret_hash: &str,
    now: u64,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO admin_credentials (id, secret_hash, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(secret_hash)
        .bind(to_db(now))
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn secret_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT secret_hash FROM admin_credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(ex)
            .await?,
    )
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admin_credentials")
        .fetch_one(ex)
        .await?)
}
