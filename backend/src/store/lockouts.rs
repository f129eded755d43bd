//! Consecutive-failure counters per user and factor, shared by every node.

use sqlx::{Any, Executor};

use super::columns::{from_db, to_db};
use crate::error::Error;

/// The lock end (unix seconds) when the factor is locked at `now`.
pub async fn locked_until<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    factor: &str,
    now: u64,
) -> Result<Option<u64>, Error> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM lockouts WHERE user_id = $1 AND factor = $2")
            .bind(user_id)
            .bind(factor)
            .fetch_optional(ex)
            .await?;
    Ok(until.map(from_db).transpose()?.filter(|until| *until > now))
}

/// Counts one failure; the `threshold`-th consecutive one locks the factor until
/// `now + cooldown`. After a lock has run out, counting starts again from one.
pub async fn record_failure<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    factor: &str,
    threshold: u32,
    now: u64,
    cooldown: u64,
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
    .bind(i64::from(threshold))
    .bind(to_db(now.saturating_add(cooldown)))
    .bind(to_db(now))
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
