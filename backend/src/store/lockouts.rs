//! Consecutive-failure counters per user and factor, shared by every node.

use sqlx::{Any, Executor, Row};

use crate::error::Error;

/// The lock end (unix seconds) when the factor is locked at `now`.
pub async fn locked_until<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    factor: &str,
    now: i64,
) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT locked_until FROM lockouts WHERE user_id = $1 AND factor = $2")
        .bind(user_id)
        .bind(factor)
        .fetch_optional(ex)
        .await?;
    let until: Option<i64> = row.map(|r| r.try_get("locked_until")).transpose()?;
    Ok(until.filter(|until| *until > now))
}

/// Counts one failure; the `threshold`-th consecutive one locks the factor until
/// `now + cooldown`. After a lock has run out, counting starts again from one.
pub async fn record_failure<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    factor: &str,
    threshold: i64,
    now: i64,
    cooldown: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO lockouts (user_id, factor, failures, locked_until) \
         VALUES ($1, $2, 1, CASE WHEN 1 >= $3 THEN $4 ELSE 0 END) \
         ON CONFLICT (user_id, factor) DO UPDATE SET \
           failures = CASE WHEN lockouts.locked_until <> 0 AND lockouts.locked_until <= $5 THEN 1 \
                           ELSE lockouts.failures + 1 END, \
           locked_until = CASE \
             WHEN (CASE WHEN lockouts.locked_until <> 0 AND lockouts.locked_until <= $5 THEN 1 \
                        ELSE lockouts.failures + 1 END) >= $3 THEN $4 \
             WHEN lockouts.locked_until <= $5 THEN 0 \
             ELSE lockouts.locked_until END",
    )
    .bind(user_id)
    .bind(factor)
    .bind(threshold)
    .bind(now + cooldown)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

/// A success resets the count.
pub async fn reset<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    factor: &str,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM lockouts WHERE user_id = $1 AND factor = $2")
        .bind(user_id)
        .bind(factor)
        .execute(ex)
        .await?;
    Ok(())
}
