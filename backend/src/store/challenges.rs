//! Push challenges. The state machine moves only by compare-and-set from `pending`, so of
//! two answers (two devices, two nodes) exactly one wins.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::error::Error;

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const DENIED: &str = "denied";
pub const EXPIRED: &str = "expired";
pub const CANCELLED: &str = "cancelled";

#[derive(Debug, Clone)]
pub struct ChallengeRow {
    pub id: String,
    pub user_id: String,
    pub application_id: String,
    pub application: String,
    pub client_ip: String,
    pub location: String,
    pub user_agent: Option<String>,
    /// The number to match, when number matching is on.
    pub number: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub state: String,
    pub reason: Option<String>,
    pub device_id: Option<String>,
    pub answered_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, application_id, application, client_ip, location, user_agent, number, created_at, \
                       expires_at, state, reason, device_id, answered_at";

fn from_row(row: &AnyRow) -> Result<ChallengeRow, Error> {
    Ok(ChallengeRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        application_id: row.try_get("application_id")?,
        application: row.try_get("application")?,
        client_ip: row.try_get("client_ip")?,
        location: row.try_get("location")?,
        user_agent: row.try_get("user_agent")?,
        number: row.try_get("number")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        state: row.try_get("state")?,
        reason: row.try_get("reason")?,
        device_id: row.try_get("device_id")?,
        answered_at: row.try_get("answered_at")?,
    })
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    c: &ChallengeRow,
) -> Result<(), Error> {
    let sql = format!("INSERT INTO challenges ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");
    sqlx::query(&sql)
        .bind(&c.id)
        .bind(&c.user_id)
        .bind(&c.application_id)
        .bind(&c.application)
        .bind(&c.client_ip)
        .bind(&c.location)
        .bind(&c.user_agent)
        .bind(&c.number)
        .bind(c.created_at)
        .bind(c.expires_at)
        .bind(&c.state)
        .bind(&c.reason)
        .bind(&c.device_id)
        .bind(c.answered_at)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<ChallengeRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM challenges WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Challenges of a user still waiting for an answer at `now`, oldest first.
pub async fn pending_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    now: i64,
) -> Result<Vec<ChallengeRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM challenges WHERE user_id = $1 AND state = 'pending' AND expires_at > $2 ORDER BY created_at, id"
    );
    sqlx::query(&sql)
        .bind(user_id)
        .bind(now)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Pushes sent to a user since `since` (for the per-user cap).
pub async fn count_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    since: i64,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM challenges WHERE user_id = $1 AND created_at >= $2",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(ex)
    .await?)
}

/// pending → `state`. False when the challenge was no longer pending.
pub async fn finish<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    state: &str,
    reason: &str,
    device_id: Option<&str>,
    now: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE challenges SET state = $1, reason = $2, device_id = $3, answered_at = $4 WHERE id = $5 AND state = 'pending'",
    )
    .bind(state)
    .bind(reason)
    .bind(device_id)
    .bind(now)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ids of pending challenges that have expired by `now` (swept to `expired`).
pub async fn expired_pending<'e>(
    ex: impl Executor<'e, Database = Any>,
    now: i64,
) -> Result<Vec<String>, Error> {
    Ok(
        sqlx::query_scalar(
            "SELECT id FROM challenges WHERE state = 'pending' AND expires_at <= $1",
        )
        .bind(now)
        .fetch_all(ex)
        .await?,
    )
}
