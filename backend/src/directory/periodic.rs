//! The periodic sync: every `sync_interval_seconds`, on one node at a time. Each round is a
//! lease row (`directory_leases`, name `directory_sync_round`) taken until the next round
//! is due: the node that takes it syncs, every other node skips that round. A node that
//! stops simply stops taking rounds, and another one takes the next.

use std::sync::Arc;
use std::time::Duration;

use twofold_core::proto::admin::DirectorySyncReport;

use super::{Directory, DirectoryError};
use crate::state::AppState;

/// The lease of one periodic round.
const ROUND: &str = "directory_sync_round";

/// What one round did on this node.
#[derive(Debug)]
pub enum Tick {
    Ran(DirectorySyncReport),
    /// Another node has this round (or a sync is running there).
    Skipped {
        holder: String,
    },
}

/// One round: sync unless another node has it.
pub async fn tick(state: &AppState, directory: &Directory) -> Result<Tick, DirectoryError> {
    let now = state.now();
    let interval = directory.config.sync_interval_seconds.max(1);
    let round = directory
        .take_lease(state, ROUND, now, now.saturating_add(interval))
        .await;
    if let Err(DirectoryError::SyncRunning { holder }) = round {
        return Ok(Tick::Skipped { holder });
    }
    round?;
    match directory.sync(state, None, false).await {
        Ok(report) => Ok(Tick::Ran(report)),
        Err(DirectoryError::SyncRunning { holder }) => Ok(Tick::Skipped { holder }),
        Err(e) => Err(e),
    }
}

/// Starts the periodic sync when a directory is configured with an interval.
pub fn spawn(state: AppState) {
    let Some(directory) = state.directory.clone() else {
        return;
    };
    let seconds = directory.config.sync_interval_seconds;
    if seconds == 0 {
        return;
    }
    tokio::spawn(run(state, directory, Duration::from_secs(seconds)));
}

async fn run(state: AppState, directory: Arc<Directory>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match tick(&state, &directory).await {
            Ok(Tick::Ran(report)) => tracing::info!(
                added = report.added.len(),
                updated = report.updated.len(),
                disabled = report.disabled.len(),
                enabled = report.enabled.len(),
                "directory sync"
            ),
            Ok(Tick::Skipped { holder }) => {
                tracing::debug!(%holder, "directory sync round taken by another node")
            }
            // Audited by the sync; the next round tries again.
            Err(e) => tracing::warn!(code = e.code(), error = %e, "directory sync failed"),
        }
    }
}
