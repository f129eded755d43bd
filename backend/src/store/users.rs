//! Users: who may sign in, and their MFA state.

use ::sqlx::{Any, AnyConnection, Executor};

use super::columns::sqlx;
use super::columns::{flag, to_db, Flag, NullableDefaultMethod};
use super::is_unique_violation;
use super::Backend;
use crate::error::Error;

pub use twofold_core::proto::admin::DefaultMethod;
/// The wire type is also what the database stores (`MfaState::as_str`).
pub use twofold_core::proto::admin::MfaState;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sqlx(try_from = "String")]
    pub mfa_state: MfaState,
    /// Reset by an admin: the next sign-in answers `enroll` until a device activates.
    #[sqlx(try_from = "Flag")]
    pub needs_registration: bool,
    /// Blocked (for instance after a fraud report): every sign-in is denied.
    #[sqlx(try_from = "Flag")]
    pub blocked: bool,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "i64")]
    pub updated_at: u64,
    /// What `factor: auto` uses and preauth lists first; None: push before passcode.
    #[sqlx(try_from = "NullableDefaultMethod")]
    pub default_method: Option<DefaultMethod>,
}

pub(super) const COLUMNS: &str =
    "id, username, first_name, last_name, email, phone, mfa_state, needs_registration, blocked, created_at, updated_at, default_method";

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, user: &User) -> Result<(), Error> {
    let sql = format!(
        "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    sqlx::query(&sql)
        .bind(&user.id)
        .bind(&user.username)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&user.email)
        .bind(&user.phone)
        .bind(user.mfa_state.as_str())
        .bind(flag(user.needs_registration))
        .bind(flag(user.blocked))
        .bind(to_db(user.created_at))
        .bind(to_db(user.updated_at))
        .bind(user.default_method.map(DefaultMethod::as_str))
        .execute(ex)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::UserExists(user.username.clone())
            } else {
                e.into()
            }
        })?;
    Ok(())
}

pub async fn by_name<'e>(
    ex: impl Executor<'e, Database = Any>,
    username: &str,
) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    Ok(sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(ex)
        .await?)
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(ex).await?)
}

/// A user read inside a write transaction, held until it ends: a read-modify-write of the
/// row (an admin's patch) then cannot lose a change another transaction made meanwhile.
/// PostgreSQL: `FOR UPDATE` locks the row; SQLite: the transaction began `IMMEDIATE`
/// ([`super::Store::begin`]) and so already holds the only write lock.
pub async fn by_id_for_update(
    conn: &mut AnyConnection,
    backend: Backend,
    id: &str,
) -> Result<Option<User>, Error> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1{lock}");
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<User>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    Ok(sqlx::query_as(&sql).fetch_all(ex).await?)
}

/// Writes every field of `user` (looked up by id).
pub async fn update<'e>(ex: impl Executor<'e, Database = Any>, user: &User) -> Result<(), Error> {
    sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, email = $3, phone = $4, mfa_state = $5, \
         needs_registration = $6, blocked = $7, updated_at = $8, default_method = $9 WHERE id = $10",
    )
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(&user.email)
    .bind(&user.phone)
    .bind(user.mfa_state.as_str())
    .bind(flag(user.needs_registration))
    .bind(flag(user.blocked))
    .bind(to_db(user.updated_at))
    .bind(user.default_method.map(DefaultMethod::as_str))
    .bind(&user.id)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn set_needs_registration<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    needs: bool,
    now: u64,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET needs_registration = $1, updated_at = $2 WHERE id = $3")
        .bind(flag(needs))
        .bind(to_db(now))
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}
