//! OATH credentials: a device's offline-code account, or an imported hardware token. The
//! secret column holds ciphertext sealed with the master key; replay state (last step or
//! counter) moves only forward, by conditional update.

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::{text_enum, to_db};
use super::devices::DeviceState;
use crate::error::Error;

/// How a credential's codes move: with the clock (RFC 6238) or with a counter (RFC 4226).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    Totp,
    Hotp,
}

text_enum!(CredentialKind, "credential kind", {
    Totp => "totp",
    Hotp => "hotp",
});

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credential {
    pub id: String,
    pub user_id: String,
    pub device_id: Option<String>,
    /// "device" (activated app) or "token" (hardware token).
    pub source: String,
    #[sqlx(try_from = "String")]
    pub kind: CredentialKind,
    pub serial: Option<String>,
    /// Sealed with the master key; the credential id is the associated data.
    #[sqlx(rename = "secret")]
    pub sealed_secret: Vec<u8>,
    pub algorithm: String,
    pub digits: i64,
    pub period: i64,
    /// HOTP: next counter value expected.
    pub counter: i64,
    /// TOTP: last step accepted, -1 for none.
    pub last_step: i64,
    /// TOTP: learned clock drift of the generator, in steps.
    pub drift: i64,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
}

pub(super) const COLUMNS: &str =
    "c.id, c.user_id, c.device_id, c.source, c.kind, c.serial, c.secret, c.algorithm, c.digits, c.period, c.counter, c.last_step, c.drift, c.created_at";

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    c: &Credential,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO credentials (id, user_id, device_id, source, kind, serial, secret, algorithm, digits, period, \
         counter, last_step, drift, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&c.id)
    .bind(&c.user_id)
    .bind(&c.device_id)
    .bind(&c.source)
    .bind(c.kind.as_str())
    .bind(&c.serial)
    .bind(&c.sealed_secret)
    .bind(&c.algorithm)
    .bind(c.digits)
    .bind(c.period)
    .bind(c.counter)
    .bind(c.last_step)
    .bind(c.drift)
    .bind(to_db(c.created_at))
    .execute(ex)
    .await?;
    Ok(())
}

/// The credentials that may verify a code for this user now: hardware tokens, and the
/// offline accounts of devices that are active on the current activation epoch.
pub async fn usable_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    epoch: u64,
) -> Result<Vec<Credential>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM credentials c LEFT JOIN devices d ON d.id = c.device_id \
         WHERE c.user_id = $1 AND (c.device_id IS NULL OR (d.status = $2 AND d.epoch = $3)) \
         ORDER BY c.created_at, c.id"
    );
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .bind(DeviceState::Active.as_str())
        .bind(to_db(epoch))
        .fetch_all(ex)
        .await?)
}

/// Records an accepted TOTP step. False when that step (or a later one) was already
/// accepted: someone else used the code first, on this node or another.
pub async fn accept_step<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    step: u64,
    drift: i64,
) -> Result<bool, Error> {
    // RFC 6238 §5.2: the conditional update is what makes "one-time" hold under concurrency.
    let done = sqlx::query(
        "UPDATE credentials SET last_step = $1, drift = $2 WHERE id = $3 AND last_step < $1",
    )
    .bind(to_db(step))
    .bind(drift)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an HOTP counter from `expected` to `next`. False when it had already moved.
pub async fn accept_counter<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    expected: i64,
    next: u64,
) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE credentials SET counter = $1 WHERE id = $2 AND counter = $3")
        .bind(to_db(next))
        .bind(id)
        .bind(expected)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}
