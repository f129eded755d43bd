//! The cluster's nodes and their heartbeats (table `nodes`): one row per node, upserted by
//! the node itself every [`crate::nodes::HEARTBEAT_SECONDS`].

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::to_db;
use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Node {
    /// The node's `server_name`.
    pub id: String,
    /// Its public URL.
    pub address: String,
    pub version: String,
    #[sqlx(try_from = "i64")]
    pub started_at: u64,
    #[sqlx(try_from = "i64")]
    pub last_seen_at: u64,
}

/// Records `node`'s heartbeat (its row inserted, or replaced after a restart).
pub async fn beat<'e>(ex: impl Executor<'e, Database = Any>, node: &Node) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO nodes (id, address, version, started_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version, \
         started_at = excluded.started_at, last_seen_at = excluded.last_seen_at",
    )
    .bind(&node.id)
    .bind(&node.address)
    .bind(&node.version)
    .bind(to_db(node.started_at))
    .bind(to_db(node.last_seen_at))
    .execute(ex)
    .await?;
    Ok(())
}

/// Deletes the rows of nodes last seen before `before` (gone for good).
pub async fn delete_gone<'e>(
    ex: impl Executor<'e, Database = Any>,
    before: u64,
) -> Result<u64, Error> {
    let done = sqlx::query("DELETE FROM nodes WHERE last_seen_at < $1")
        .bind(to_db(before))
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

/// Every node, by id.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Node>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, address, version, started_at, last_seen_at FROM nodes ORDER BY id",
    )
    .fetch_all(ex)
    .await?)
}
