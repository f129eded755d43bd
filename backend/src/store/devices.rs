//! Activated devices: a user's phones and desktops, each with its P-256 public key.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub platform: String,
    /// Uncompressed SEC1 P-256 public key.
    #[serde(skip)]
    pub public_key: Vec<u8>,
    /// The activation epoch the device was activated under.
    pub epoch: i64,
    /// "active" or "revoked".
    pub status: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub const ACTIVE: &str = "active";
pub const REVOKED: &str = "revoked";

const COLUMNS: &str =
    "id, user_id, name, platform, public_key, epoch, status, created_at, last_seen_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<Device, Error> {
    Ok(Device {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        platform: row.try_get("platform")?,
        public_key: row.try_get("public_key")?,
        epoch: row.try_get("epoch")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, d: &Device) -> Result<(), Error> {
    let sql =
        format!("INSERT INTO devices ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    sqlx::query(&sql)
        .bind(&d.id)
        .bind(&d.user_id)
        .bind(&d.name)
        .bind(&d.platform)
        .bind(&d.public_key)
        .bind(d.epoch)
        .bind(&d.status)
        .bind(d.created_at)
        .bind(d.last_seen_at)
        .bind(d.revoked_at)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<Device>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM devices WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every device of a user, newest first.
pub async fn for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<Device>, Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at DESC, id");
    sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Devices that can receive pushes and show valid offline codes: active, on `epoch`.
pub async fn active_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    epoch: i64,
) -> Result<Vec<Device>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM devices WHERE user_id = $1 AND status = 'active' AND epoch = $2 ORDER BY created_at, id"
    );
    sqlx::query(&sql)
        .bind(user_id)
        .bind(epoch)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Revokes one device; false when it was not active.
pub async fn revoke<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: i64,
) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE devices SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'active'")
        .bind(now)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every active device of a user; returns their ids.
pub async fn revoke_all_for_user(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    now: i64,
) -> Result<Vec<String>, Error> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM devices WHERE user_id = $1 AND status = 'active'")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("UPDATE devices SET status = 'revoked', revoked_at = $1 WHERE user_id = $2 AND status = 'active'")
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(ids)
}

pub async fn touch<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn count_active<'e>(
    ex: impl Executor<'e, Database = Any>,
    epoch: i64,
) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE status = 'active' AND epoch = $1")
            .bind(epoch)
            .fetch_one(ex)
            .await?,
    )
}
