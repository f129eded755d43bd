//! Activated devices: a user's phones and desktops, each with its P-256 public key.

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::{text_enum, to_db, NullableTime};
use crate::error::Error;

/// A device can receive pushes and show accepted codes only while active; revoking is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    Active,
    Revoked,
}

text_enum!(DeviceState, "device state", {
    Active => "active",
    Revoked => "revoked",
});

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub platform: String,
    /// Uncompressed SEC1 P-256 public key.
    pub public_key: Vec<u8>,
    /// The activation epoch the device was activated under.
    #[sqlx(try_from = "i64")]
    pub epoch: u64,
    #[sqlx(try_from = "String")]
    pub status: DeviceState,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "NullableTime")]
    pub last_seen_at: Option<u64>,
    #[sqlx(try_from = "NullableTime")]
    pub revoked_at: Option<u64>,
}

impl Device {
    /// Activated under an earlier epoch and never revoked: the server was reactivated since,
    /// so this device must activate again.
    pub fn is_stale(&self, epoch: u64) -> bool {
        self.status == DeviceState::Active && self.epoch != epoch
    }
}

pub(super) const COLUMNS: &str =
    "id, user_id, name, platform, public_key, epoch, status, created_at, last_seen_at, revoked_at";

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, d: &Device) -> Result<(), Error> {
    let sql =
        format!("INSERT INTO devices ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    sqlx::query(&sql)
        .bind(&d.id)
        .bind(&d.user_id)
        .bind(&d.name)
        .bind(&d.platform)
        .bind(&d.public_key)
        .bind(to_db(d.epoch))
        .bind(d.status.as_str())
        .bind(to_db(d.created_at))
        .bind(d.last_seen_at.map(to_db))
        .bind(d.revoked_at.map(to_db))
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<Device>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM devices WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(ex).await?)
}

/// Every device of a user, newest first.
pub async fn for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<Device>, Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at DESC, id");
    Ok(sqlx::query_as(&sql).bind(user_id).fetch_all(ex).await?)
}

/// Devices that can receive pushes and show valid offline codes: active, on `epoch`.
pub async fn active_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    epoch: u64,
) -> Result<Vec<Device>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM devices WHERE user_id = $1 AND status = $2 AND epoch = $3 ORDER BY created_at, id"
    );
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .bind(DeviceState::Active.as_str())
        .bind(to_db(epoch))
        .fetch_all(ex)
        .await?)
}

/// Revokes one device; false when it was not active.
pub async fn revoke<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: u64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE devices SET status = $1, revoked_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(DeviceState::Revoked.as_str())
    .bind(to_db(now))
    .bind(id)
    .bind(DeviceState::Active.as_str())
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every active device of a user; returns their ids.
pub async fn revoke_all_for_user(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    now: u64,
) -> Result<Vec<String>, Error> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM devices WHERE user_id = $1 AND status = $2")
            .bind(user_id)
            .bind(DeviceState::Active.as_str())
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query(
        "UPDATE devices SET status = $1, revoked_at = $2 WHERE user_id = $3 AND status = $4",
    )
    .bind(DeviceState::Revoked.as_str())
    .bind(to_db(now))
    .bind(user_id)
    .bind(DeviceState::Active.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(ids)
}

pub async fn touch<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: u64,
) -> Result<(), Error> {
    sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
        .bind(to_db(now))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn count_active<'e>(
    ex: impl Executor<'e, Database = Any>,
    epoch: i64,
) -> Result<i64, Error> {
    // Still i64 in and out: its one caller, `reports::usage`, counts in i64 (not converted yet).
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE status = $1 AND epoch = $2")
            .bind(DeviceState::Active.as_str())
            .bind(epoch)
            .fetch_one(ex)
            .await?,
    )
}
