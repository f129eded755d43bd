//! Fixed-window counters shared by every node (table `rate_limits`): activation attempts per
//! client network, and which refusals of a window were already audited.
//!
//! A count is one upsert that increments and reads back in the same statement, so two nodes
//! (or two requests) can never both see the same number. When a statement starts a new row,
//! the rows of the scope's past windows are deleted: the table holds at most the sources
//! active in the current and the previous window.

use sqlx::{Any, AnyConnection, Executor};

use super::columns::{from_db, to_db};
use crate::error::Error;

/// Which counter of a row to increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Attempts (what a rate limit counts).
    Hits,
    /// Refusals (only the first of a window is audited).
    Refusals,
}

/// A row's counters after an increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub hits: u64,
    pub refusals: u64,
}

/// Increments `counter` of (`scope`, `source`, `window_start`), creating the row, and reads
/// both counters back; a new row deletes the scope's rows older than `keep_from`.
pub async fn increment(
    conn: &mut AnyConnection,
    scope: &str,
    source: &str,
    window_start: u64,
    counter: Counter,
    keep_from: u64,
) -> Result<Counts, Error> {
    // The column name comes from this enum, never from input.
    let sql = match counter {
        Counter::Hits => {
            "INSERT INTO rate_limits (scope, source, window_start, hits, refusals) VALUES ($1, $2, $3, 1, 0) \
             ON CONFLICT (scope, source, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
             RETURNING hits, refusals"
        }
        Counter::Refusals => {
            "INSERT INTO rate_limits (scope, source, window_start, hits, refusals) VALUES ($1, $2, $3, 0, 1) \
             ON CONFLICT (scope, source, window_start) DO UPDATE SET refusals = rate_limits.refusals + 1 \
             RETURNING hits, refusals"
        }
    };
    let (hits, refusals): (i64, i64) = sqlx::query_as(sql)
        .bind(scope)
        .bind(source)
        .bind(to_db(window_start))
        .fetch_one(&mut *conn)
        .await?;
    let counts = Counts {
        hits: from_db(hits)?,
        refusals: from_db(refusals)?,
    };
    if counts.hits.saturating_add(counts.refusals) == 1 {
        delete_before(&mut *conn, scope, keep_from).await?;
    }
    Ok(counts)
}

/// Deletes the scope's windows that started before `keep_from`.
pub async fn delete_before<'e>(
    ex: impl Executor<'e, Database = Any>,
    scope: &str,
    keep_from: u64,
) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM rate_limits WHERE scope = $1 AND window_start < $2")
        .bind(scope)
        .bind(to_db(keep_from))
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

/// Rows of a scope (for tests and diagnostics: how many sources are tracked).
pub async fn count_rows<'e>(
    ex: impl Executor<'e, Database = Any>,
    scope: &str,
) -> Result<u64, Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits WHERE scope = $1")
        .bind(scope)
        .fetch_one(ex)
        .await?;
    from_db(n)
}
