//! The audit log: one record per authentication attempt (and per activation and admin
//! action that changes who can sign in). Never holds a secret, code or activation code.
//!
//! A record's columns are exactly the fields the admin API exports, so the store reads and
//! writes the wire type [`AuditRecord`] and filters with the wire query [`AuditQuery`]:
//! one field list, not a row type copied into an answer type.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};
use twofold_core::proto::admin::AuditQuery;
pub use twofold_core::proto::admin::AuditRecord;

use crate::error::Error;

pub(crate) const COLUMNS: &str = "id, at, event, username, first_name, last_name, email, phone, device_id, factor, result, reason, \
                       server_name, server_ip, client_ip, application, admin_id, detail";

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    r: &AuditRecord,
) -> Result<(), Error> {
    insert_many(ex, std::slice::from_ref(r)).await
}

pub(crate) fn from_row(row: &AnyRow) -> Result<AuditRecord, Error> {
    Ok(AuditRecord {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        event: row.try_get("event")?,
        username: row.try_get("username")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        device_id: row.try_get("device_id")?,
        factor: row.try_get("factor")?,
        result: row.try_get("result")?,
        reason: row.try_get("reason")?,
        server_name: row.try_get("server_name")?,
        server_ip: row.try_get("server_ip")?,
        client_ip: row.try_get("client_ip")?,
        application: row.try_get("application")?,
        admin_id: row.try_get("admin_id")?,
        detail: row.try_get("detail")?,
    })
}

/// The filters of an [`AuditQuery`] on parameters $1 (username) to $5 (until).
pub(crate) const FILTERS: &str = "($1 IS NULL OR username = $1) AND ($2 IS NULL OR result = $2) \
     AND ($3 IS NULL OR event = $3) AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5)";

/// The records `f` selects, newest first: at most `f.limit` (default 1000, at most 100000).
/// Filters compare exactly (the caller normalises the username); `f.format` is the caller's.
pub async fn query<'e>(
    ex: impl Executor<'e, Database = Any>,
    f: &AuditQuery,
) -> Result<Vec<AuditRecord>, Error> {
    // Each filter is "($n IS NULL OR column = $n)": one statement, parameters always bound.
    let sql = format!(
        "SELECT {COLUMNS} FROM audit WHERE {FILTERS} \
         AND ($7 IS NULL OR admin_id = $7) ORDER BY seq DESC LIMIT $6"
    );
    let limit = f.limit.unwrap_or(1000).clamp(1, 100_000);
    sqlx::query(&sql)
        .bind(&f.username)
        .bind(&f.result)
        .bind(&f.event)
        .bind(f.since)
        .bind(f.until)
        .bind(limit)
        .bind(&f.admin_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Fields [`insert_many`] binds per record, in `COLUMNS` order.
const MANY_ARITY: usize = 18;

/// Many records in one statement (at most 1,000: 18,000 parameters stay under both
/// engines' limits): a bulk admin change such as a token import writes one record per item
/// without one round trip each. Refuses to run if `COLUMNS` changed and this was not updated.
pub async fn insert_many<'e>(
    ex: impl Executor<'e, Database = Any>,
    records: &[AuditRecord],
) -> Result<(), Error> {
    if COLUMNS.split(',').count() != MANY_ARITY || records.len() > 1_000 {
        return Err(Error::Internal(
            "audit::insert_many: columns changed or too many records".into(),
        ));
    }
    if records.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..records.len())
        .map(|row| {
            let params: Vec<String> = (1..=MANY_ARITY)
                .map(|col| format!("${}", row * MANY_ARITY + col))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let sql = format!("INSERT INTO audit ({COLUMNS}) VALUES {}", rows.join(", "));
    let mut query = sqlx::query(&sql);
    for r in records {
        query = query
            .bind(&r.id)
            .bind(r.at)
            .bind(&r.event)
            .bind(&r.username)
            .bind(&r.first_name)
            .bind(&r.last_name)
            .bind(&r.email)
            .bind(&r.phone)
            .bind(&r.device_id)
            .bind(&r.factor)
            .bind(&r.result)
            .bind(&r.reason)
            .bind(&r.server_name)
            .bind(&r.server_ip)
            .bind(&r.client_ip)
            .bind(&r.application)
            .bind(&r.admin_id)
            .bind(&r.detail);
    }
    query.execute(ex).await?;
    Ok(())
}

/// Whether a record of `event` with `reason` for exactly `username` was written at or after
/// `since`: how repeated refusals of one kind are audited once per window rather than once
/// per request (the rest are counted in the metrics).
pub async fn recent_exists<'e>(
    ex: impl Executor<'e, Database = Any>,
    event: &str,
    username: &str,
    reason: &str,
    since: i64,
) -> Result<bool, Error> {
    // COUNT(*) is BIGINT on both engines (a bare `SELECT 1` is INT4 on PostgreSQL).
    let found: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM audit WHERE username = $1 AND at >= $2 \
         AND event = $3 AND reason = $4 LIMIT 1) AS hit",
    )
    .bind(username)
    .bind(since)
    .bind(event)
    .bind(reason)
    .fetch_one(ex)
    .await?;
    Ok(found > 0)
}
