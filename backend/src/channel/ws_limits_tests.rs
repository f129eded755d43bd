//! Issue 13 item 10, the socket loop's side: a device that stops reading neither blocks the
//! loop (and its heartbeat) nor grows its queue without bound. Driven over a `Sink` that
//! takes only a few frames, as a socket whose peer stopped reading does.

use std::time::{Duration, Instant};

use twofold_core::proto::channel::ServerMessage;

use super::connected::{Outbound, OUTBOUND_QUEUE};
use super::tests::{authenticate, connect_bounded, fixture_with};

/// The heartbeat (and so the write deadline) these tests run with.
const HEARTBEAT_SECONDS: u64 = 1;

fn withdrawn(i: usize) -> Outbound {
    Outbound::Send(ServerMessage::Withdrawn {
        challenge_id: format!("chl_{i}"),
        reason: "cancelled".into(),
    })
}

/// A device that authenticates and then never reads: the heartbeat's pings fill what the
/// socket can take; the loop must still end the channel (within a few heartbeats), not
/// wait on the write forever.
#[tokio::test]
async fn item10_a_device_that_stops_reading_is_closed_by_the_heartbeat() {
    let f = fixture_with(|c| c.push.heartbeat_seconds = HEARTBEAT_SECONDS).await;
    let mut socket = connect_bounded(&f.state, 2);
    assert!(matches!(
        authenticate(&f, &mut socket).await,
        ServerMessage::Ready { .. }
    ));
    let started = Instant::now();
    // From here on the device reads nothing (its end stays open).
    let ended = tokio::time::timeout(Duration::from_secs(10), &mut socket.task).await;
    assert!(
        ended.is_ok(),
        "the loop was still running after 10 s, stuck on a write"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(!f.state.connected.is_connected(&f.device_id));
    let metrics = f.state.metrics.render(&[]);
    assert!(
        metrics.contains("twofold_channel_closed_total{reason=\"write_timeout\"} 1"),
        "{metrics}"
    );
}

/// Messages queued faster than the device takes them: past [`OUTBOUND_QUEUE`] the socket is
/// dropped from the connected devices at once (no unbounded queue), and its loop ends.
#[tokio::test]
async fn item10_a_full_outbound_queue_drops_the_connection() {
    // A heartbeat longer than the test: only the full queue can end the channel early.
    let f = fixture_with(|c| c.push.heartbeat_seconds = 30).await;
    let mut socket = connect_bounded(&f.state, 2);
    assert!(matches!(
        authenticate(&f, &mut socket).await,
        ServerMessage::Ready { .. }
    ));
    for i in 0..OUTBOUND_QUEUE * 2 {
        f.state.connected.send(&f.device_id, withdrawn(i));
    }
    assert!(
        !f.state.connected.is_connected(&f.device_id),
        "the queue kept growing past {OUTBOUND_QUEUE} messages"
    );
    // The loop, blocked on a write, ends at the write deadline (the heartbeat interval) at
    // the latest; reading frees it at once, and it then finds its queue cut off.
    while socket.from_server.try_recv().is_ok() {}
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            tokio::select! {
                _ = socket.from_server.recv() => {}
                _ = &mut socket.task => break,
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the loop kept running after its queue was dropped"
    );
    let metrics = f.state.metrics.render(&[]);
    assert!(
        metrics.contains("twofold_channel_closed_total{reason=\"queue_full\"} 1"),
        "{metrics}"
    );
}
