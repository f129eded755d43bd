//! Text-message and voice codes sent (table `sent_codes`): one row per code, keyed by the
//! txid the relying party submits the code with, holding only a keyed hash of the code.
//! Every change of a row is a conditional UPDATE, so of two requests racing on any node
//! only one can use a code, and a wrong guess is counted exactly once.

use ::sqlx::{Any, AnyConnection, Executor};

use super::columns::sqlx;
use super::columns::{text_enum, to_db};
use super::Backend;
use crate::error::Error;

/// How the code reaches the user: the `[sms]` or the `[voice]` gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Text,
    Voice,
}

text_enum!(Channel, "code channel", {
    Text => "sms",
    Voice => "voice",
});

/// Where a sent code is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentState {
    /// Inserted, the gateway not asked yet: not usable.
    Sending,
    /// The gateway accepted it: usable until it expires or is guessed wrong too often.
    Sent,
    /// The gateway refused or failed: never usable.
    Failed,
    Used,
}

text_enum!(SentState, "sent code state", {
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
    Used => "used",
});

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SentCode {
    /// The txid.
    pub id: String,
    pub user_id: String,
    /// The relying party that asked: only it may submit the code.
    pub application_id: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    /// HMAC-SHA256 of channel, txid and code under the server's lookup key, hex.
    pub code_hash: String,
    #[sqlx(try_from = "String")]
    pub state: SentState,
    /// Wrong codes submitted for this txid.
    pub attempts: i64,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "i64")]
    pub expires_at: u64,
}

const COLUMNS: &str =
    "id, user_id, application_id, channel, code_hash, state, attempts, created_at, expires_at";

/// Serialises the sends of one user until the transaction ends (PostgreSQL; SQLite has one
/// writer at a time anyway), so the cap counts every concurrent send of every node.
pub async fn lock_user(
    conn: &mut AnyConnection,
    backend: Backend,
    user_id: &str,
) -> Result<(), Error> {
    if backend == Backend::Postgres {
        // The two-key form: (this lock's class, the user); push has its own class.
        sqlx::query("SELECT pg_advisory_xact_lock(1936552307, hashtext($1))")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    code: &SentCode,
) -> Result<(), Error> {
    let sql =
        format!("INSERT INTO sent_codes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    sqlx::query(&sql)
        .bind(&code.id)
        .bind(&code.user_id)
        .bind(&code.application_id)
        .bind(code.channel.as_str())
        .bind(&code.code_hash)
        .bind(code.state.as_str())
        .bind(code.attempts)
        .bind(to_db(code.created_at))
        .bind(to_db(code.expires_at))
        .execute(ex)
        .await?;
    Ok(())
}

/// Codes of `channel` sent to the user after `since` (failed sends included: each was a
/// request to the gateway).
pub async fn sent_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    channel: Channel,
    since: u64,
) -> Result<u64, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sent_codes WHERE user_id = $1 AND channel = $2 AND created_at > $3",
    )
    .bind(user_id)
    .bind(channel.as_str())
    .bind(to_db(since))
    .fetch_one(ex)
    .await?;
    super::columns::from_db(n)
}

/// Deletes the user's rows created before `before` that expired before `now`: neither
/// countable nor usable any more.
pub async fn delete_old<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    before: u64,
    now: u64,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "DELETE FROM sent_codes WHERE user_id = $1 AND created_at < $2 AND expires_at < $3",
    )
    .bind(user_id)
    .bind(to_db(before))
    .bind(to_db(now))
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<SentCode>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM sent_codes WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(ex).await?)
}

/// `from` → `to`; false when the row was no longer in `from`.
pub async fn change_state<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    from: SentState,
    to: SentState,
) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE sent_codes SET state = $1 WHERE id = $2 AND state = $3")
        .bind(to.as_str())
        .bind(id)
        .bind(from.as_str())
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses the code: true for the one request that moved it from usable to used (sent, not
/// expired at `now`, fewer than `max_attempts` wrong tries).
pub async fn consume<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    now: u64,
    max_attempts: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE sent_codes SET state = 'used' \
         WHERE id = $1 AND state = 'sent' AND expires_at > $2 AND attempts < $3",
    )
    .bind(id)
    .bind(to_db(now))
    .bind(max_attempts)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a wrong code against a usable row; the attempts after it, or None when the row
/// was no longer usable (used, or out of attempts, meanwhile).
pub async fn count_wrong(
    conn: &mut AnyConnection,
    id: &str,
    max_attempts: i64,
) -> Result<Option<i64>, Error> {
    Ok(sqlx::query_scalar(
        "UPDATE sent_codes SET attempts = attempts + 1 \
         WHERE id = $1 AND state = 'sent' AND attempts < $2 RETURNING attempts",
    )
    .bind(id)
    .bind(max_attempts)
    .fetch_optional(&mut *conn)
    .await?)
}
