//! App passwords: per user, a named long random password for a client that cannot do MFA.
//! Only its keyed hash is stored ([`crate::crypto::MasterKey::lookup_hash`]).

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::{to_db, NullableTime};
use super::is_unique_violation;
use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppPassword {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// HMAC-SHA256 of the password under the server's lookup key, hex.
    pub secret_hash: String,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "NullableTime")]
    pub last_used_at: Option<u64>,
}

const COLUMNS: &str = "id, user_id, name, secret_hash, created_at, last_used_at";

/// Stores a new app password; `username` names the user in the error for a duplicate name.
pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    row: &AppPassword,
    username: &str,
) -> Result<(), Error> {
    let sql = format!("INSERT INTO app_passwords ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
    sqlx::query(&sql)
        .bind(&row.id)
        .bind(&row.user_id)
        .bind(&row.name)
        .bind(&row.secret_hash)
        .bind(to_db(row.created_at))
        .bind(row.last_used_at.map(to_db))
        .execute(ex)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::AppPasswordExists {
                    username: username.to_owned(),
                    name: row.name.clone(),
                }
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// The user's app passwords, oldest first.
pub async fn for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<AppPassword>, Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM app_passwords WHERE user_id = $1 ORDER BY created_at, name");
    Ok(sqlx::query_as(&sql).bind(user_id).fetch_all(ex).await?)
}

/// Whether the user has any app password.
pub async fn exists_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<bool, Error> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM app_passwords WHERE user_id = $1 LIMIT 1")
            .bind(user_id)
            .fetch_optional(ex)
            .await?;
    Ok(found.is_some())
}

/// Records a successful use.
pub async fn touch<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: u64,
) -> Result<(), Error> {
    sqlx::query("UPDATE app_passwords SET last_used_at = $1 WHERE id = $2")
        .bind(to_db(now))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Deletes the user's app password `name`; false when there was none.
pub async fn delete_named<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    name: &str,
) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM app_passwords WHERE user_id = $1 AND name = $2")
        .bind(user_id)
        .bind(name)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes every app password of the user; how many there were.
pub async fn delete_all<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM app_passwords WHERE user_id = $1")
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
