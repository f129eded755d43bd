//! The console's audit pages: the same filters as [`super::audit::query`], paged by the
//! record's sequence number (keyset: `seq < $before`, on the primary key), so the hundredth
//! page costs what the first does and records written meanwhile never shift a page.

use sqlx::{Any, Executor, Row};
use twofold_core::proto::admin::{AuditQuery, AuditRecord};

use super::audit::{from_row, COLUMNS, FILTERS};
use crate::error::Error;

/// Up to `limit` records matching `f` (its `limit` and `format` are not used) older than
/// `before`, newest first, each with its sequence number (the next page's `before`).
pub async fn page<'e>(
    ex: impl Executor<'e, Database = Any>,
    f: &AuditQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, AuditRecord)>, Error> {
    let sql = format!(
        "SELECT seq, {COLUMNS} FROM audit WHERE {FILTERS} \
         AND ($6 IS NULL OR seq < $6) ORDER BY seq DESC LIMIT $7"
    );
    sqlx::query(&sql)
        .bind(&f.username)
        .bind(&f.result)
        .bind(&f.event)
        .bind(f.since)
        .bind(f.until)
        .bind(before)
        .bind(limit.clamp(1, 1000))
        .fetch_all(ex)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("seq")?, from_row(row)?)))
        .collect()
}
