//! The directory's columns of `users` (migration 0010), the lease that lets one node at a
//! time run the periodic sync, and the directory-password failure counters (rows of
//! `rate_limits` under their own scope).

use ::sqlx::{Any, AnyConnection, Executor};

use super::columns::sqlx;
use super::columns::{to_db, Flag};
use crate::error::Error;

/// `users.source` of a user a sync added.
pub const SOURCE_DIRECTORY: &str = "directory";

/// What a sync compares: a user's directory columns and the fields it maps.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedUser {
    pub id: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `local` or `directory`.
    pub source: String,
    pub directory_id: Option<String>,
    pub directory_dn: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub directory_disabled: bool,
}

/// Every user, with their directory columns.
pub async fn users<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<LinkedUser>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, username, first_name, last_name, email, phone, source, directory_id, directory_dn, \
         directory_disabled FROM users ORDER BY username",
    )
    .fetch_all(ex)
    .await?)
}

/// Marks a user just inserted as the directory's entry `directory_id` at `dn`.
pub async fn link<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    directory_id: &str,
    dn: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET source = $1, directory_id = $2, directory_dn = $3 WHERE id = $4")
        .bind(SOURCE_DIRECTORY)
        .bind(directory_id)
        .bind(dn)
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// The mapped fields of a directory user, as the directory now has them.
pub struct Attributes<'a> {
    pub username: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub dn: &'a str,
}

/// Writes the mapped fields of directory user `user_id`.
pub async fn update_attributes<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    a: &Attributes<'_>,
    now: u64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE users SET username = $1, first_name = $2, last_name = $3, email = $4, phone = $5, \
         directory_dn = $6, updated_at = $7 WHERE id = $8 AND source = $9",
    )
    .bind(a.username)
    .bind(a.first_name)
    .bind(a.last_name)
    .bind(a.email)
    .bind(a.phone)
    .bind(a.dn)
    .bind(to_db(now))
    .bind(user_id)
    .bind(SOURCE_DIRECTORY)
    .execute(ex)
    .await?;
    Ok(())
}

/// Disables (`disabled`) or enables directory user `user_id`. Disabling blocks the user
/// and marks the block as the directory's unless they were blocked already (then that block
/// stays someone else's); enabling lifts only the directory's block.
pub async fn set_disabled<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    disabled: bool,
    now: u64,
) -> Result<(), Error> {
    // The statement comes from the flag, never from input.
    let set = if disabled {
        "directory_disabled = 1, \
         directory_blocked = CASE WHEN blocked = 0 THEN 1 ELSE directory_blocked END, blocked = 1"
    } else {
        "directory_disabled = 0, \
         blocked = CASE WHEN directory_blocked = 1 THEN 0 ELSE blocked END, directory_blocked = 0"
    };
    sqlx::query(&format!(
        "UPDATE users SET {set}, updated_at = $1 WHERE id = $2 AND source = $3"
    ))
    .bind(to_db(now))
    .bind(user_id)
    .bind(SOURCE_DIRECTORY)
    .execute(ex)
    .await?;
    Ok(())
}

/// Takes lease `name` for `holder` until `until`, unless another holder has it past `now`.
/// The holder it belongs to afterwards (this one when taken).
pub async fn take_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    now: u64,
    until: u64,
) -> Result<String, Error> {
    // One statement: of two nodes racing, the second waits for the first's row and then
    // sees its unexpired lease in the WHERE of the update.
    let taken: Option<String> = sqlx::query_scalar(
        "INSERT INTO directory_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $3 \
         WHERE directory_leases.expires_at <= $4 OR directory_leases.holder = $2 \
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(to_db(until))
    .bind(to_db(now))
    .fetch_optional(&mut *conn)
    .await?;
    match taken {
        Some(holder) => Ok(holder),
        None => Ok(
            sqlx::query_scalar("SELECT holder FROM directory_leases WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *conn)
                .await?,
        ),
    }
}

/// Ends `holder`'s lease `name` at `at` (a no-op when it is someone else's).
pub async fn end_lease<'e>(
    ex: impl Executor<'e, Database = Any>,
    name: &str,
    holder: &str,
    at: u64,
) -> Result<(), Error> {
    sqlx::query("UPDATE directory_leases SET expires_at = $1 WHERE name = $2 AND holder = $3")
        .bind(to_db(at))
        .bind(name)
        .bind(holder)
        .execute(ex)
        .await?;
    Ok(())
}

/// Takes back an attempt counted for `source` (the directory failed; it was no guess).
pub async fn give_back<'e>(
    ex: impl Executor<'e, Database = Any>,
    scope: &str,
    source: &str,
    window_start: u64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE rate_limits SET hits = hits - 1 \
         WHERE scope = $1 AND source = $2 AND window_start = $3 AND hits > 0",
    )
    .bind(scope)
    .bind(source)
    .bind(to_db(window_start))
    .execute(ex)
    .await?;
    Ok(())
}

/// A success forgets `source`'s failures.
pub async fn forget<'e>(
    ex: impl Executor<'e, Database = Any>,
    scope: &str,
    source: &str,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM rate_limits WHERE scope = $1 AND source = $2")
        .bind(scope)
        .bind(source)
        .execute(ex)
        .await?;
    Ok(())
}

/// Whether user `user_id` was added by a sync and its entry is still in the directory: the
/// portal's directory sign-in serves only those (a local user of the same name may be
/// someone else; a sync never takes such a name over).
pub async fn is_linked<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<bool, Error> {
    let disabled: Option<i64> =
        sqlx::query_scalar("SELECT directory_disabled FROM users WHERE id = $1 AND source = $2")
            .bind(user_id)
            .bind(SOURCE_DIRECTORY)
            .fetch_optional(ex)
            .await?;
    Ok(disabled == Some(0))
}
