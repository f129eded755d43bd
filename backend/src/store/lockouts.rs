//! Consecutive-failure counters per user and factor, shared by every node.
//!
//! An attempt is counted before its code is checked ([`reserve`]), in the transaction that
//! later records its outcome: the counter row stays locked (the first statement writes it)
//! until that transaction ends, so concurrent attempts on any node queue behind it and see
//! the lock it may have set. Failures count on until a success ([`reset`]); a lock running
//! out does not forgive them, and each further lock lasts twice as long as the one before.

use sqlx::{Any, AnyConnection, Executor};

use super::columns::{from_db, to_db};
use crate::error::Error;

/// Longest lock before the permanent one: the first lock's length times 2^20.
const MAX_DOUBLINGS: u64 = 20;

/// When failures lock a factor, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Escalation {
    /// Every `threshold`-th consecutive failure locks.
    pub threshold: u32,
    /// The first lock's length; lock k lasts `first_lock_seconds * 2^(k-1)`.
    pub first_lock_seconds: u64,
    /// From this many consecutive failures on, the lock stays until [`unlock`]. 0: never.
    pub permanent_after: u32,
}

impl Escalation {
    /// The lock that failure number `failures` starts: None, Some(None) for a permanent one,
    /// Some(Some(until)) for one that ends at `until`.
    fn lock_at(&self, failures: u64, now: u64) -> Option<Option<u64>> {
        if self.permanent_after > 0 && failures >= u64::from(self.permanent_after) {
            return Some(None);
        }
        let threshold = u64::from(self.threshold.max(1));
        if failures == 0 || !failures.is_multiple_of(threshold) {
            return None;
        }
        let doublings = (failures / threshold - 1).min(MAX_DOUBLINGS);
        let seconds = self.first_lock_seconds.saturating_mul(1 << doublings);
        Some(Some(now.saturating_add(seconds)))
    }
}

/// An attempt counted in advance as a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// Its number among the consecutive failures.
    pub failures: u64,
    /// It locked the factor (its own code is still checked).
    pub locked: bool,
}

/// Counts an attempt as a failure before its code is checked, or None when the factor is
/// locked at `now` (the code must not be checked). Call it first in the transaction that
/// records the outcome.
pub async fn reserve(
    conn: &mut AnyConnection,
    user_id: &str,
    factor: &str,
    now: u64,
    escalation: &Escalation,
) -> Result<Option<Reserved>, Error> {
    // One statement (one round trip, issue 17): a first failure inserts the row with a count
    // of 1; otherwise the count goes up unless the factor is locked, when no row comes back.
    // On PostgreSQL the upsert waits for a concurrent writer of the row, then evaluates the
    // condition on the row as that writer left it, and locks the row either way ("ON
    // CONFLICT DO UPDATE guarantees an atomic INSERT or UPDATE outcome", INSERT in the
    // PostgreSQL manual); SQLite has one writer.
    let failures: Option<i64> = sqlx::query_scalar(
        "INSERT INTO lockouts (user_id, factor, failures, locked_until, permanent) \
         VALUES ($1, $2, 1, 0, 0) ON CONFLICT (user_id, factor) DO UPDATE \
         SET failures = lockouts.failures + 1 \
         WHERE lockouts.permanent = 0 AND lockouts.locked_until <= $3 \
         RETURNING failures",
    )
    .bind(user_id)
    .bind(factor)
    .bind(to_db(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(failures) = failures.map(from_db).transpose()? else {
        return Ok(None);
    };
    let lock = escalation.lock_at(failures, now);
    if let Some(until) = lock {
        sqlx::query(
            "UPDATE lockouts SET locked_until = $1, permanent = $2 WHERE user_id = $3 AND factor = $4",
        )
        .bind(to_db(until.unwrap_or(0)))
        .bind(i64::from(until.is_none()))
        .bind(user_id)
        .bind(factor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(Some(Reserved {
        failures,
        locked: lock.is_some(),
    }))
}

/// Takes back a reservation whose code turned out not to be a guess (a replay, a clock
/// too far off), with the lock it set. The row is still locked by this transaction.
pub async fn give_back<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    factor: &str,
    reserved: Reserved,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE lockouts SET failures = $1, \
           locked_until = CASE WHEN $2 = 1 THEN 0 ELSE locked_until END, \
           permanent = CASE WHEN $2 = 1 THEN 0 ELSE permanent END \
         WHERE user_id = $3 AND factor = $4",
    )
    .bind(to_db(reserved.failures.saturating_sub(1)))
    .bind(i64::from(reserved.locked))
    .bind(user_id)
    .bind(factor)
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

/// An administrator lifts every lock of the user's factors (a permanent one too) and
/// forgets their failures. True when something was locked.
pub async fn unlock<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    now: u64,
) -> Result<bool, Error> {
    let locked: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM lockouts WHERE user_id = $1 RETURNING CAST(CASE WHEN permanent = 1 OR locked_until > $2 THEN 1 ELSE 0 END AS BIGINT)",
    )
    .bind(user_id)
    .bind(to_db(now))
    .fetch_all(ex)
    .await?;
    Ok(locked.contains(&1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_threshold_th_failure_locks_twice_as_long_until_the_permanent_lock() {
        let e = Escalation {
            threshold: 10,
            first_lock_seconds: 300,
            permanent_after: 100,
        };
        assert_eq!(e.lock_at(9, 0), None);
        assert_eq!(e.lock_at(10, 0), Some(Some(300)));
        assert_eq!(e.lock_at(11, 0), None);
        assert_eq!(e.lock_at(20, 0), Some(Some(600)));
        assert_eq!(e.lock_at(90, 0), Some(Some(300 << 8)));
        assert_eq!(e.lock_at(100, 0), Some(None));
        let never = Escalation {
            permanent_after: 0,
            ..e
        };
        assert_eq!(never.lock_at(100_000, 0), Some(Some(300 << MAX_DOUBLINGS)));
        assert_eq!(
            never.lock_at(u64::MAX / 10 * 10, u64::MAX),
            Some(Some(u64::MAX))
        );
    }
}
