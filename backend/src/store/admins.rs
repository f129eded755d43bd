//! Admin credentials (keyed hashes of high-entropy tokens).

use sqlx::{Any, Executor, Row};
use twofold_core::proto::admin::AdminToken;

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
    let mut tx = store.begin().await?;
    lock(store, &mut tx).await?;
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

/// Takes the cluster-wide admin lock inside `tx` on PostgreSQL (see [`insert_first`]);
/// nothing to do on SQLite, whose writers are already serialised.
async fn lock(store: &Store, tx: &mut sqlx::Transaction<'_, Any>) -> Result<(), Error> {
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(FIRST_ADMIN_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    name: Option<&str>,
    secret_hash: &str,
    now: u64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO admin_credentials (id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(name)
    .bind(secret_hash)
    .bind(to_db(now))
    .execute(ex)
    .await?;
    Ok(())
}

/// The keyed hash of a token that still works (revoked tokens have none).
pub async fn secret_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT secret_hash FROM admin_credentials WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// Replaces a token's stored hash (re-hashed with the current key derivation).
pub async fn set_secret_hash<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    secret_hash: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE admin_credentials SET secret_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(secret_hash)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every admin token, oldest first; the wire type, as the store holds exactly its fields.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<AdminToken>, Error> {
    let rows = sqlx::query(
        "SELECT id, name, created_at, revoked_at FROM admin_credentials ORDER BY created_at, id",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AdminToken {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// What [`revoke`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    Revoked,
    NotFound,
    AlreadyRevoked,
    /// Refused: it is the only token that still works, and without it nobody could
    /// administer the server.
    LastActive,
}

/// Revokes token `id` unless it is the last one that works, in one step across nodes (the
/// admin lock on PostgreSQL; one statement on SQLite), so two admins revoking the last two
/// tokens at once cannot both succeed. `audit` runs in the same transaction when the token
/// was revoked, so the change and its record commit together.
pub async fn revoke(
    store: &Store,
    id: &str,
    now: u64,
    audit: &crate::store::audit::AuditRecord,
) -> Result<Revocation, Error> {
    let mut tx = store.begin().await?;
    lock(store, &mut tx).await?;
    let done = sqlx::query(
        "UPDATE admin_credentials SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL \
         AND (SELECT COUNT(*) FROM admin_credentials WHERE revoked_at IS NULL) > 1",
    )
    .bind(id)
    .bind(to_db(now))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        crate::store::audit::insert(&mut *tx, audit).await?;
        tx.commit().await?;
        return Ok(Revocation::Revoked);
    }
    let revoked_at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT revoked_at FROM admin_credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.rollback().await?;
    Ok(match revoked_at {
        None => Revocation::NotFound,
        Some(Some(_)) => Revocation::AlreadyRevoked,
        Some(None) => Revocation::LastActive,
    })
}

pub async fn count<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admin_credentials")
        .fetch_one(ex)
        .await?)
}
