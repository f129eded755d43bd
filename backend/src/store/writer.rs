//! The write path of sign-in: [`Store::write`] runs a piece of work in a transaction and
//! returns its result only once that transaction committed.
//!
//! SQLite has one writer at a time. Before this, every request opened its own transaction on
//! a pool connection and the others waited in SQLite's busy handler, which sleeps 1, 2, 5,
//! 10 ... 100 ms between retries: most of a request's time was spent asleep (issue 17). Here
//! one task per database owns one connection and commits many requests' work in one
//! transaction (group commit): it takes every job waiting (up to [`MAX_BATCH`]), opens
//! `BEGIN IMMEDIATE`, runs each job in its own `SAVEPOINT` (a job that fails rolls back to it
//! and leaves the others' work in place), commits once, and only then answers every job of
//! the batch. Jobs run one after the other on that connection, so each sees the writes of
//! the jobs before it: the lockout counter and the once-only rule hold as before (a code is
//! accepted once; concurrent guesses check at most the threshold's worth of codes).
//!
//! PostgreSQL keeps one transaction per request on the pool: it has row locks, so
//! concurrent attempts for different users never wait for each other, and a batch holding
//! many users' rows on two nodes at once could deadlock (PostgreSQL would then abort a whole
//! batch).
//!
//! Durability: an answer is sent after `COMMIT` returned. What that commit survives is the
//! engine's `synchronous` setting (`[store] synchronous`, see `store/config.rs`).

use futures_util::future::BoxFuture;
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use super::{Backend, Store};
use crate::error::Error;

/// Most jobs committed in one transaction: bounds how long one commit keeps the first
/// request of a batch waiting.
pub const MAX_BATCH: usize = 256;

/// Jobs waiting for the writer before senders wait too.
const QUEUE: usize = 4096;

/// What a finished job leaves: whether its work stays (its savepoint is released, else
/// rolled back) and how to answer it once the batch's fate is known.
struct Done {
    keep: bool,
    answer: Box<dyn FnOnce(Result<(), String>) + Send>,
}

type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Done> + Send>;

/// The sender side of the SQLite writer task.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task of `pool`'s database. It ends when the last sender is dropped.
    pub fn spawn(pool: AnyPool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, queue));
        Self { jobs }
    }
}

impl Store {
    /// Runs `work` in a write transaction and returns its result after the commit: an
    /// answer built from it is in the database. When `work` fails, none of its writes stay.
    /// `work` must use only the connection it is given (on SQLite another connection's
    /// write would wait for this very transaction).
    pub async fn write<T, F>(&self, work: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, Error>>
            + Send
            + 'static,
    {
        match (&self.writer, self.backend) {
            (Some(writer), Backend::Sqlite) => {
                let (reply, answer) = oneshot::channel();
                let job: Job = Box::new(move |conn| {
                    Box::pin(async move {
                        let result = work(conn).await;
                        Done {
                            keep: result.is_ok(),
                            answer: Box::new(move |committed| {
                                let _ = reply.send(match committed {
                                    Ok(()) => result,
                                    Err(why) => Err(Error::Internal(why)),
                                });
                            }),
                        }
                    })
                });
                writer
                    .jobs
                    .send(job)
                    .await
                    .map_err(|_| Error::Internal("the database writer has stopped".into()))?;
                answer
                    .await
                    .map_err(|_| Error::Internal("the database writer dropped a job".into()))?
            }
            _ => {
                let mut tx = self.pool.begin().await?;
                let value = work(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
        }
    }
}

async fn run(pool: AnyPool, mut queue: mpsc::Receiver<Job>) {
    let mut conn: Option<AnyConnection> = None;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let mut open = match conn.take() {
            Some(c) => c,
            // A connection of its own, outside the pool's count, with the pool's settings
            // (WAL, busy timeout, synchronous, foreign keys).
            None => match pool.acquire().await {
                Ok(c) => c.detach(),
                Err(e) => {
                    // Dropping the jobs answers each with an error.
                    tracing::error!(error = %e, "the database writer has no connection");
                    continue;
                }
            },
        };
        if commit(&mut open, jobs).await {
            conn = Some(open);
        }
    }
}

/// Runs `jobs` in one transaction and answers them. False when the connection should be
/// replaced (a transaction statement failed).
///
/// Each text sent below is one request to the connection's thread (sqlx runs every
/// statement of it in turn and stops at the first that fails): the first job's `SAVEPOINT`
/// goes with `BEGIN`, each job's `RELEASE` with the next job's `SAVEPOINT`, the last job's
/// with `COMMIT` (issue 17: a round trip per statement was most of a request's cost).
async fn commit(conn: &mut AnyConnection, jobs: Vec<Job>) -> bool {
    if let Err(e) = conn.execute("BEGIN IMMEDIATE; SAVEPOINT job").await {
        tracing::error!(error = %e, "the database writer cannot begin a transaction");
        // The BEGIN may have gone through before the SAVEPOINT failed.
        let _ = conn.execute("ROLLBACK").await;
        return false;
    }
    let total = jobs.len();
    let mut answers = Vec::with_capacity(total);
    let mut failed = None;
    // Jobs left when the loop breaks are dropped: their callers get an error.
    for (i, job) in jobs.into_iter().enumerate() {
        let done = job(&mut *conn).await;
        answers.push(done.answer);
        let end = match (done.keep, i + 1 == total) {
            (true, false) => "RELEASE job; SAVEPOINT job",
            (false, false) => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
            (true, true) => "RELEASE job; COMMIT",
            (false, true) => "ROLLBACK TO job; RELEASE job; COMMIT",
        };
        if let Err(e) = conn.execute(end).await {
            failed = Some(e.to_string());
            break;
        }
    }
    let outcome = match failed {
        None => Ok(()),
        Some(why) => Err(why),
    };
    if let Err(why) = &outcome {
        tracing::error!(error = %why, jobs = answers.len(),
            "a write batch did not commit: its requests are answered with an error");
        let _ = conn.execute("ROLLBACK").await;
    }
    let healthy = outcome.is_ok();
    for answer in answers {
        answer(
            outcome
                .clone()
                .map_err(|why| format!("the write batch did not commit: {why}")),
        );
    }
    healthy
}
