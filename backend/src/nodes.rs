//! The cluster's nodes, as the console's Server page lists them: every node records a
//! heartbeat in the shared database every [`HEARTBEAT_SECONDS`] (`store/nodes.rs`), so
//! whichever node answers can show them all, each with when it was last seen; one not seen
//! for [`STALE_AFTER_SECONDS`] is marked stale (stopped, hung, or cut off from the database).
//! Rows of nodes gone for [`FORGET_AFTER_SECONDS`] are deleted.

use std::time::Duration;

use crate::error::Error;
use crate::state::AppState;
use crate::store::nodes::{self as store_nodes, Node};

/// How often a node records its heartbeat.
pub const HEARTBEAT_SECONDS: u64 = 5;
/// A node not seen for this long is shown as stale: three heartbeats missed.
pub const STALE_AFTER_SECONDS: u64 = 3 * HEARTBEAT_SECONDS;
/// A node not seen for a day is forgotten.
pub const FORGET_AFTER_SECONDS: u64 = 86_400;

/// Pure: how long ago `node` was last seen at `now`, and whether that makes it stale.
pub fn age(node: &Node, now: u64) -> (u64, bool) {
    let ago = now.saturating_sub(node.last_seen_at);
    (ago, ago > STALE_AFTER_SECONDS)
}

/// This node's row now.
fn this_node(state: &AppState, started_at: u64) -> Node {
    Node {
        id: state.server_name.to_string(),
        address: state.public_url.to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        last_seen_at: state.now(),
    }
}

/// One heartbeat: this node's row, and the forgotten ones deleted.
pub async fn beat(state: &AppState, started_at: u64) -> Result<(), Error> {
    let node = this_node(state, started_at);
    let pool = state.store.pool();
    store_nodes::beat(pool, &node).await?;
    store_nodes::delete_gone(pool, node.last_seen_at.saturating_sub(FORGET_AFTER_SECONDS)).await?;
    Ok(())
}

/// Every node the database knows, by id.
pub async fn all(state: &AppState) -> Result<Vec<Node>, Error> {
    store_nodes::all(state.store.pool()).await
}

/// Records this node's heartbeat now and then every [`HEARTBEAT_SECONDS`] (a failed beat is
/// logged and the next one tried: the database may be back by then).
pub fn spawn_heartbeat(state: AppState) {
    let started_at = state.now();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECONDS));
        loop {
            interval.tick().await;
            if let Err(e) = beat(&state, started_at).await {
                tracing::warn!(error = %e, "recording this node's heartbeat failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_stale_after_three_missed_heartbeats() {
        let node = Node {
            id: "a".into(),
            address: "https://a.example".into(),
            version: "1".into(),
            started_at: 100,
            last_seen_at: 1_000,
        };
        assert_eq!(age(&node, 1_000), (0, false));
        assert_eq!(
            age(&node, 1_000 + STALE_AFTER_SECONDS),
            (STALE_AFTER_SECONDS, false)
        );
        assert_eq!(
            age(&node, 1_001 + STALE_AFTER_SECONDS),
            (STALE_AFTER_SECONDS + 1, true)
        );
        // A clock behind the row's (another node's clock ahead): seen just now.
        assert_eq!(age(&node, 900), (0, false));
    }
}
