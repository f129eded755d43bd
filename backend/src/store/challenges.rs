//! Push challenges. The state machine moves only by compare-and-set from `pending`, so of
//! two answers (two devices, two nodes) exactly one wins.

use ::sqlx::{Any, AnyConnection, Executor};
use twofold_core::proto::{AuthResult, Reason};

use super::columns::sqlx;
use super::columns::{from_db, text_enum, to_db, NullableTime};
use super::devices::DeviceState;
use super::Backend;
use crate::error::Error;

/// Where a challenge is in its life. Only `Pending` moves, and only once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeState {
    Pending,
    Approved,
    Denied,
    Expired,
    Cancelled,
}

text_enum!(ChallengeState, "challenge state", {
    Pending => "pending",
    Approved => "approved",
    Denied => "denied",
    Expired => "expired",
    Cancelled => "cancelled",
});

impl ChallengeState {
    /// What the relying party hears for a challenge in this state. `reason` is the one
    /// stored when it was finished; only a denial has more than one (denied, fraud
    /// reported, wrong number).
    pub fn outcome(self, reason: Option<Reason>) -> (AuthResult, Reason) {
        match self {
            ChallengeState::Pending => (AuthResult::Waiting, Reason::Pending),
            ChallengeState::Approved => (AuthResult::Allow, Reason::Approved),
            ChallengeState::Denied => (AuthResult::Deny, reason.unwrap_or(Reason::Denied)),
            ChallengeState::Expired => (AuthResult::Timeout, Reason::Expired),
            ChallengeState::Cancelled => (AuthResult::Deny, Reason::Cancelled),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
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
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
    #[sqlx(try_from = "i64")]
    pub expires_at: u64,
    #[sqlx(try_from = "String")]
    pub state: ChallengeState,
    /// The wire form of the reason it was finished with.
    pub reason: Option<String>,
    pub device_id: Option<String>,
    #[sqlx(try_from = "NullableTime")]
    pub answered_at: Option<u64>,
}

impl ChallengeRow {
    /// See [`ChallengeState::outcome`]. A stored reason this server does not know reads as
    /// the state's default one.
    pub fn outcome(&self) -> (AuthResult, Reason) {
        let reason = self.reason.as_deref().and_then(|r| r.parse().ok());
        self.state.outcome(reason)
    }
}

const COLUMNS: &str = "id, user_id, application_id, application, client_ip, location, user_agent, number, created_at, \
                       expires_at, state, reason, device_id, answered_at";

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
        .bind(to_db(c.created_at))
        .bind(to_db(c.expires_at))
        .bind(c.state.as_str())
        .bind(&c.reason)
        .bind(&c.device_id)
        .bind(c.answered_at.map(to_db))
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<ChallengeRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM challenges WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(ex).await?)
}

/// Challenges of a user still waiting for an answer at `now`, oldest first.
pub async fn pending_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    now: u64,
) -> Result<Vec<ChallengeRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM challenges WHERE user_id = $1 AND state = $2 AND expires_at > $3 ORDER BY created_at, id"
    );
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .bind(ChallengeState::Pending.as_str())
        .bind(to_db(now))
        .fetch_all(ex)
        .await?)
}

/// Pushes sent to a user since `since` (for the per-user cap).
pub async fn count_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    since: u64,
) -> Result<u64, Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM challenges WHERE user_id = $1 AND created_at >= $2",
    )
    .bind(user_id)
    .bind(to_db(since))
    .fetch_one(ex)
    .await?;
    from_db(count)
}

/// Makes the pushes of one user wait for each other from here to the end of the transaction,
/// so that a cap's count and the insert it allows are one step (issue 13 item 6). PostgreSQL:
/// a transaction-scoped advisory lock on the user, so nodes queue too; SQLite has a single
/// writer, which the transaction takes with its first write (the insert), so nothing is
/// needed before it.
pub async fn lock_user_pushes(
    conn: &mut AnyConnection,
    backend: Backend,
    user_id: &str,
) -> Result<(), Error> {
    if backend == Backend::Postgres {
        // The two-key form: (this lock's class, the user), apart from single-key locks.
        sqlx::query("SELECT pg_advisory_xact_lock(1886614888, hashtext($1))")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// pending → `state`. False when the challenge was no longer pending, or when the answering
/// `device_id` is not (any more) an active device of the challenge's user on the current
/// activation epoch: that is checked in this same statement, so a device revoked (or a server
/// reactivated) after the device connected cannot answer, whichever node it is connected to.
pub async fn finish<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    state: ChallengeState,
    reason: Reason,
    device_id: Option<&str>,
    now: u64,
) -> Result<bool, Error> {
    const SET: &str =
        "UPDATE challenges SET state = $1, reason = $2, device_id = $3, answered_at = $4 \
                       WHERE id = $5 AND state = $6";
    let sql = match device_id {
        None => SET.to_owned(),
        Some(_) => format!(
            "{SET} AND EXISTS (SELECT 1 FROM devices d WHERE d.id = $3 AND d.user_id = challenges.user_id \
             AND d.status = $7 AND d.epoch = (SELECT CAST(s.value AS BIGINT) FROM server_state s WHERE s.key = $8))"
        ),
    };
    let mut query = sqlx::query(&sql)
        .bind(state.as_str())
        .bind(reason.as_str())
        .bind(device_id)
        .bind(to_db(now))
        .bind(id)
        .bind(ChallengeState::Pending.as_str());
    if device_id.is_some() {
        query = query
            .bind(DeviceState::Active.as_str())
            .bind(super::state::EPOCH);
    }
    let done = query.execute(ex).await?;
    Ok(done.rows_affected() == 1)
}

/// Ids of pending challenges that have expired by `now` (swept to `expired`).
pub async fn expired_pending<'e>(
    ex: impl Executor<'e, Database = Any>,
    now: u64,
) -> Result<Vec<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT id FROM challenges WHERE state = $1 AND expires_at <= $2")
            .bind(ChallengeState::Pending.as_str())
            .bind(to_db(now))
            .fetch_all(ex)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_stored_names() {
        for state in ChallengeState::ALL {
            assert_eq!(state.as_str().parse::<ChallengeState>().unwrap(), *state);
        }
        assert!("PENDING".parse::<ChallengeState>().is_err());
    }

    #[test]
    fn each_state_answers_the_relying_party_with_its_outcome() {
        use ChallengeState::*;
        assert_eq!(
            Pending.outcome(None),
            (AuthResult::Waiting, Reason::Pending)
        );
        assert_eq!(
            Approved.outcome(Some(Reason::Approved)),
            (AuthResult::Allow, Reason::Approved)
        );
        assert_eq!(Denied.outcome(None), (AuthResult::Deny, Reason::Denied));
        assert_eq!(
            Denied.outcome(Some(Reason::WrongNumber)),
            (AuthResult::Deny, Reason::WrongNumber)
        );
        assert_eq!(
            Expired.outcome(Some(Reason::Expired)),
            (AuthResult::Timeout, Reason::Expired)
        );
        assert_eq!(
            Cancelled.outcome(Some(Reason::Cancelled)),
            (AuthResult::Deny, Reason::Cancelled)
        );
    }
}
