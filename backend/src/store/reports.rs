//! Usage figures for billing: users enabled, devices activated, authentications per period
//! and per application.

use sqlx::Row;
use twofold_core::proto::admin::{Bucket, UsageReport};

use crate::error::Error;

pub async fn usage(
    conn: &mut sqlx::AnyConnection,
    since: i64,
    until: i64,
    period_seconds: i64,
    epoch: i64,
) -> Result<UsageReport, Error> {
    let users_total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await?;
    let users_enabled: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE mfa_state <> 'disabled'")
            .fetch_one(&mut *conn)
            .await?;
    let devices_active = super::devices::count_active(&mut *conn, epoch).await?;
    let totals = sqlx::query(
        "SELECT COUNT(*) AS n, \
                COUNT(CASE WHEN result = 'allow' THEN 1 END) AS allowed, \
                COUNT(CASE WHEN result = 'deny' THEN 1 END) AS denied, \
                COUNT(DISTINCT username) AS users \
         FROM audit WHERE event = 'authentication' AND at >= $1 AND at < $2",
    )
    .bind(since)
    .bind(until)
    .fetch_one(&mut *conn)
    .await?;
    let by_application = buckets(
        &mut *conn,
        "SELECT COALESCE(application, '') AS k, COUNT(*) AS n, \
                COUNT(CASE WHEN result = 'allow' THEN 1 END) AS allowed, \
                COUNT(CASE WHEN result = 'deny' THEN 1 END) AS denied \
         FROM audit WHERE event = 'authentication' AND at >= $1 AND at < $2 GROUP BY COALESCE(application, '') ORDER BY k",
        since,
        until,
        None,
    )
    .await?;
    let by_period = buckets(
        &mut *conn,
        "SELECT (at - (at % $3)) AS k, COUNT(*) AS n, \
                COUNT(CASE WHEN result = 'allow' THEN 1 END) AS allowed, \
                COUNT(CASE WHEN result = 'deny' THEN 1 END) AS denied \
         FROM audit WHERE event = 'authentication' AND at >= $1 AND at < $2 GROUP BY (at - (at % $3)) ORDER BY k",
        since,
        until,
        Some(period_seconds.max(1)),
    )
    .await?;
    Ok(UsageReport {
        since,
        until,
        users_enabled,
        users_total,
        devices_active,
        authentications: totals.try_get("n")?,
        allowed: totals.try_get("allowed")?,
        denied: totals.try_get("denied")?,
        distinct_users: totals.try_get("users")?,
        by_application,
        by_period,
    })
}

async fn buckets(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    since: i64,
    until: i64,
    period: Option<i64>,
) -> Result<Vec<Bucket>, Error> {
    let mut query = sqlx::query(sql).bind(since).bind(until);
    if let Some(period) = period {
        query = query.bind(period);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            // The period key is a number, the application key text.
            let key = match row.try_get::<String, _>("k") {
                Ok(text) => text,
                Err(_) => row.try_get::<i64, _>("k")?.to_string(),
            };
            Ok(Bucket {
                key,
                authentications: row.try_get("n")?,
                allowed: row.try_get("allowed")?,
                denied: row.try_get("denied")?,
            })
        })
        .collect()
}
