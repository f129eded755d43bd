//! Write transactions on the pool: [`Store::begin`], for every transaction that may write.
//!
//! SQLite allows one writer at a time. A transaction opened with a plain `BEGIN` is
//! *deferred*: it takes a read snapshot at its first statement and asks for the write lock
//! only at its first write. When another connection committed in between, that snapshot is
//! stale and SQLite answers `SQLITE_BUSY` ("database is locked") at once, without calling
//! the busy handler, since waiting could never help (sqlite.org/lang_transaction.html,
//! "Read transactions versus write transactions"; sqlite.org/wal.html, "Sometimes Queries
//! Return SQLITE_BUSY In WAL Mode"). A request that read before it wrote (a reset reads the
//! user's devices, then revokes them) then failed with 500 whenever another admin write
//! overlapped it. `BEGIN IMMEDIATE` takes the write lock first, where the busy handler
//! (`busy_timeout`, set on every connection) makes it wait its turn instead.
//!
//! PostgreSQL keeps `BEGIN`: it has row locks, and its transactions never fail that way.

use sqlx::{Any, Transaction};

use super::{Backend, Store};
use crate::error::Error;

impl Store {
    /// A transaction on a pool connection, holding SQLite's write lock from its start
    /// (see the module documentation). Use it for every transaction that may write;
    /// sign-in's hot write path uses [`Store::write`] instead.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, Error> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }
}
