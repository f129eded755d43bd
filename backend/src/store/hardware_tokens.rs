//! Hardware tokens (`hardware_tokens`, migration 0006): OATH tokens imported from seed files,
//! assigned to at most one user. The secret column holds ciphertext sealed with the master
//! key (the token id is the associated data); replay state moves only forward, by
//! conditional update, as for the app's credentials.

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::{flag, to_db, Flag, NullableTime};
use super::credentials::CredentialKind;
use crate::error::Error;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HardwareToken {
    pub id: String,
    pub serial: String,
    #[sqlx(try_from = "String")]
    pub kind: CredentialKind,
    /// Sealed with the master key; the token id is the associated data.
    #[sqlx(rename = "secret")]
    pub sealed_secret: Vec<u8>,
    pub algorithm: String,
    pub digits: i64,
    pub period: i64,
    /// HOTP: next counter value expected.
    pub counter: i64,
    /// TOTP: last step accepted, -1 for none.
    pub last_step: i64,
    /// TOTP: learned clock drift of the token, in steps.
    pub drift: i64,
    #[sqlx(try_from = "Flag")]
    pub enabled: bool,
    pub user_id: Option<String>,
    /// The assigned user's name (joined; not a column of the table).
    pub username: Option<String>,
    pub issuer: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "NullableTime")]
    pub last_used_at: Option<u64>,
}

pub(super) const COLUMNS: &str =
    "t.id, t.serial, t.kind, t.secret, t.algorithm, t.digits, t.period, t.counter, \
     t.last_step, t.drift, t.enabled, t.user_id, u.username, t.issuer, t.manufacturer, t.model, \
     t.created_at, t.last_used_at";
pub(super) const FROM: &str = "FROM hardware_tokens t LEFT JOIN users u ON u.id = t.user_id";

/// Columns written by [`insert_batch`], in order.
const INSERT_COLUMNS: &str = "id, serial, kind, secret, algorithm, digits, period, counter, \
     last_step, drift, enabled, user_id, issuer, manufacturer, model, created_at";
const INSERT_ARITY: usize = 16;

/// Rows per INSERT statement. Measured (benches/token_import.rs): sqlx's SQLite driver
/// spends time per statement that grows faster than its parameter count, so a few dozen
/// rows per statement beat both one row and hundreds.
pub const INSERT_BATCH: usize = 32;

/// Inserts up to [`INSERT_BATCH`] tokens in one statement (`username` is ignored).
pub async fn insert_batch<'e>(
    ex: impl Executor<'e, Database = Any>,
    tokens: &[HardwareToken],
) -> Result<(), Error> {
    if tokens.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..tokens.len())
        .map(|row| {
            let params: Vec<String> = (1..=INSERT_ARITY)
                .map(|col| format!("${}", row * INSERT_ARITY + col))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO hardware_tokens ({INSERT_COLUMNS}) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for t in tokens {
        query = query
            .bind(&t.id)
            .bind(&t.serial)
            .bind(t.kind.as_str())
            .bind(&t.sealed_secret)
            .bind(&t.algorithm)
            .bind(t.digits)
            .bind(t.period)
            .bind(t.counter)
            .bind(t.last_step)
            .bind(t.drift)
            .bind(flag(t.enabled))
            .bind(&t.user_id)
            .bind(&t.issuer)
            .bind(&t.manufacturer)
            .bind(&t.model)
            .bind(to_db(t.created_at));
    }
    query.execute(ex).await?;
    Ok(())
}

/// Which of `serials` are already stored (at most [`INSERT_BATCH`] at a time).
pub async fn existing_serials<'e>(
    ex: impl Executor<'e, Database = Any>,
    serials: &[&str],
) -> Result<Vec<String>, Error> {
    if serials.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<String> = (1..=serials.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT serial FROM hardware_tokens WHERE serial IN ({})",
        params.join(", ")
    );
    let mut query = sqlx::query_scalar(&sql);
    for serial in serials {
        query = query.bind(*serial);
    }
    Ok(query.fetch_all(ex).await?)
}

pub async fn by_serial<'e>(
    ex: impl Executor<'e, Database = Any>,
    serial: &str,
) -> Result<Option<HardwareToken>, Error> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE t.serial = $1");
    Ok(sqlx::query_as(&sql).bind(serial).fetch_optional(ex).await?)
}

/// Every token, or those of one user, by serial.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: Option<&str>,
) -> Result<Vec<HardwareToken>, Error> {
    let filter = if user_id.is_some() {
        "WHERE t.user_id = $1 "
    } else {
        ""
    };
    let sql = format!("SELECT {COLUMNS} {FROM} {filter}ORDER BY t.serial");
    let mut query = sqlx::query_as(&sql);
    if let Some(user_id) = user_id {
        query = query.bind(user_id);
    }
    Ok(query.fetch_all(ex).await?)
}

/// The enabled tokens assigned to a user: what may verify a code at sign-in.
pub async fn usable_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<HardwareToken>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE t.user_id = $1 AND t.enabled = 1 ORDER BY t.created_at, t.id"
    );
    Ok(sqlx::query_as(&sql).bind(user_id).fetch_all(ex).await?)
}

/// Assigns (Some) or unassigns (None) a token. False when no token has that id.
pub async fn set_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    user_id: Option<&str>,
) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE hardware_tokens SET user_id = $1 WHERE id = $2")
        .bind(user_id.map(str::to_owned))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_enabled<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    enabled: bool,
) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE hardware_tokens SET enabled = $1 WHERE id = $2")
        .bind(flag(enabled))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM hardware_tokens WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records an accepted TOTP step (RFC 6238 §5.2: once only). False when that step or a
/// later one was already accepted, on this node or another.
pub async fn accept_step<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    step: u64,
    drift: i64,
    now: u64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE hardware_tokens SET last_step = $1, drift = $2, last_used_at = $3 \
         WHERE id = $4 AND last_step < $1",
    )
    .bind(to_db(step))
    .bind(drift)
    .bind(to_db(now))
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an HOTP counter from `expected` to `next` (RFC 4226 §7.2). False when it had
/// already moved.
pub async fn accept_counter<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    expected: i64,
    next: u64,
    now: u64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE hardware_tokens SET counter = $1, last_used_at = $2 WHERE id = $3 AND counter = $4",
    )
    .bind(to_db(next))
    .bind(to_db(now))
    .bind(id)
    .bind(expected)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Resynchronisation: sets the HOTP counter, or the TOTP drift and last step, whatever they
/// were (an administrator proved the token's current state with two codes).
pub async fn resync<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    counter: i64,
    last_step: i64,
    drift: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE hardware_tokens SET counter = $1, last_step = $2, drift = $3 WHERE id = $4",
    )
    .bind(counter)
    .bind(last_step)
    .bind(drift)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
