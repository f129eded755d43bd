//! Users: who may sign in, and their MFA state.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{flag, is_unique_violation};
use crate::error::Error;

/// The wire type is also what the database stores (`MfaState::as_str`).
pub use twofold_core::proto::admin::MfaState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mfa_state: MfaState,
    /// Reset by an admin: the next sign-in answers `enroll` until a device activates.
    pub needs_registration: bool,
    /// Blocked (for instance after a fraud report): every sign-in is denied.
    pub blocked: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, username, first_name, last_name, email, phone, mfa_state, needs_registration, blocked, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<User, Error> {
    let state: String = row.try_get("mfa_state")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        mfa_state: MfaState::parse(&state)
            .ok_or_else(|| Error::Internal(format!("bad mfa_state {state:?}")))?,
        needs_registration: row.try_get::<i64, _>("needs_registration")? != 0,
        blocked: row.try_get::<i64, _>("blocked")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, user: &User) -> Result<(), Error> {
    let sql = format!(
        "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
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
        .bind(user.created_at)
        .bind(user.updated_at)
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
    let row = sqlx::query(&sql).bind(username).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(ex).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<User>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    sqlx::query(&sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Writes every field of `user` (looked up by id).
pub async fn update<'e>(ex: impl Executor<'e, Database = Any>, user: &User) -> Result<(), Error> {
    sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, email = $3, phone = $4, mfa_state = $5, \
         needs_registration = $6, blocked = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&user.first_name)
    .bind(&user.last_name)
    .bind(&user.email)
    .bind(&user.phone)
    .bind(user.mfa_state.as_str())
    .bind(flag(user.needs_registration))
    .bind(flag(user.blocked))
    .bind(user.updated_at)
    .bind(&user.id)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn set_needs_registration<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    needs: bool,
    now: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET needs_registration = $1, updated_at = $2 WHERE id = $3")
        .bind(flag(needs))
        .bind(now)
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
