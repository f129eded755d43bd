//! Admin credentials (keyed hashes of high-entropy tokens).

use sqlx::{Any, Executor};

use super::columns::to_db;
use super::{Backend, Store};
use crate::error::Error;

/// An arbitrary constant: the advisory lock that makes "is there an admin yet? if not, insert
/// one" a single step across the nodes of a cluster starting at the same moment.
const FIRST_ADMIN_LOCK: i64 = 0x0074_776f_6164_6d31;

/// Inserts the first admin credential if there is none yet; true when this call inserted it.
/// On PostgreSQL a transaction-scoped advisory lock serialises nodes (under READ COMMITTED a
/// `WHERE NOT EXISTS` alone lets two transactions both see an empty table); SQLite has one
/// writer at a time, so the single statement is already atomic there.
pub async fn insert_first(
    store: &Store,
    id: &str,
    secret_hash: &str,
    now: u64,
) -> Result<bool, Error> {
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(FIRST_ADMIN_LOCK)
            .execute(&mut *tx)
            .await?;
    }
    let done = sqlx::query(
        "INSERT INTO admin_credentials (id, secret_hash, created_at) \
         SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM admin_credentials)",
    )
    .bind(id)
    .bind(secret_hash)
    .bind(to_db(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

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
