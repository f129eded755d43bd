//! Console administrators (table `console_admins`): the people who sign in to `/admin/` with
//! a password and their own TOTP. Not the API's admin tokens (`admins.rs`).

use ::sqlx::{Any, Executor};

use super::columns::{sqlx, to_db};
use super::is_unique_violation;
use crate::error::Error;

/// A console admin as stored; `totp_secret` is sealed under the master key and
/// `password_hash` is an Argon2id PHC string, so the row holds no usable secret.
#[derive(Clone, sqlx::FromRow)]
pub struct ConsoleAdmin {
    pub id: String,
    pub name: String,
    pub password_hash: String,
    pub totp_secret: Vec<u8>,
    /// The TOTP step of the last accepted code; -1 before the first.
    pub last_totp_step: i64,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
}

impl std::fmt::Debug for ConsoleAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleAdmin")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, name, password_hash, totp_secret, last_totp_step, created_at";

/// Inserts `admin`; false (nothing inserted) when the name is taken.
pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    admin: &ConsoleAdmin,
) -> Result<bool, Error> {
    let sql = format!("INSERT INTO console_admins ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)");
    let done = sqlx::query(&sql)
        .bind(&admin.id)
        .bind(&admin.name)
        .bind(&admin.password_hash)
        .bind(&admin.totp_secret)
        .bind(admin.last_totp_step)
        .bind(to_db(admin.created_at))
        .execute(ex)
        .await;
    match done {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn by_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    name: &str,
) -> Result<Option<ConsoleAdmin>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM console_admins WHERE name = $1");
    Ok(sqlx::query_as(&sql).bind(name).fetch_optional(ex).await?)
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<ConsoleAdmin>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM console_admins WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(ex).await?)
}

/// Every console admin, by name.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<ConsoleAdmin>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM console_admins ORDER BY name");
    Ok(sqlx::query_as(&sql).fetch_all(ex).await?)
}

/// Records `step` as the last accepted TOTP step, only if it is later than the stored one:
/// false when another sign-in used this step (or a later one) first, so a code is accepted
/// once even when two requests race (RFC 6238 §5.2).
pub async fn advance_totp_step<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    step: u64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE console_admins SET last_totp_step = $1 WHERE id = $2 AND last_totp_step < $1",
    )
    .bind(to_db(step))
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A new sealed TOTP secret (its steps start over).
pub async fn set_totp_secret<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    sealed: &[u8],
) -> Result<(), Error> {
    sqlx::query("UPDATE console_admins SET totp_secret = $1, last_totp_step = -1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Deletes the admin (its sessions go with it); false when there was none.
pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM console_admins WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}
