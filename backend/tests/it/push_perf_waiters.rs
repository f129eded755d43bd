//! Issue 17, the push path: concurrent synchronous pushes go through the store's write path
//! (on SQLite the group-commit writer) and each relying party is woken for its own
//! challenge only. What must still hold, on both engines: every push gets its own answer,
//! once; each answer is committed (the challenge approved, one audit record) before the
//! relying party hears it; and no waiter is left registered after the waits end.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use twofold_testkit::answering::{AnsweringDevice, Numbers};
use twofold_testkit::{engines, Engine, InProcessServer, TestDevice};

/// Concurrent synchronous pushes, all in flight at once.
const PUSHES: usize = 24;

/// A server with number matching off and a user with one activated device.
async fn server_with_device(
    engine: Engine,
    tweak: impl FnOnce(&mut twofold_server::Config),
) -> (Arc<InProcessServer>, String, String, TestDevice) {
    let s = super::alice_device::start(engine, |c| {
        c.push.number_matching = twofold_testkit::inprocess::number_matching(false);
        tweak(c);
    })
    .await;
    (Arc::new(s.server), s.url, s.app, s.device)
}

/// [`server_with_device`] whose device approves everything at once, with caps out of the way.
async fn setup(engine: Engine) -> (Arc<InProcessServer>, String, AnsweringDevice) {
    let (server, url, app, device) = server_with_device(engine, |c| {
        c.push.max_per_minute = 1000;
        c.push.max_per_day = 1000;
    })
    .await;
    let answering =
        AnsweringDevice::spawn(Arc::new(device), url, Numbers::default(), Duration::ZERO);
    assert!(answering.wait_connected(Duration::from_secs(10)).await);
    (server, app, answering)
}

async fn authentication_records(server: &InProcessServer) -> Vec<Value> {
    let records = server
        .admin_call("GET", "/v1/admin/audit?event=authentication", None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_synchronous_pushes_each_hear_their_own_committed_answer() {
    for engine in engines().unwrap() {
        let (server, app, answering) = setup(engine).await;
        let barrier = Arc::new(tokio::sync::Barrier::new(PUSHES));
        let tasks: Vec<_> = (0..PUSHES)
            .map(|_| {
                let (server, app, barrier) = (server.clone(), app.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let body = json!({"username": "alice", "factor": "push"});
                    let (status, value) = server
                        .call("POST", "/v1/auth", Some(&app), Some(body))
                        .await
                        .unwrap();
                    assert_eq!(status, 200, "{value}");
                    assert_eq!(
                        (value["result"].as_str(), value["reason"].as_str()),
                        (Some("allow"), Some("approved")),
                        "{value}"
                    );
                    let txid = value["txid"].as_str().unwrap().to_owned();
                    // Committed before the relying party heard it: any later read sees it.
                    let (result, reason) = server.outcome(&app, &txid).await.unwrap();
                    assert_eq!((result.as_str(), reason.as_str()), ("allow", "approved"));
                    txid
                })
            })
            .collect();
        let mut txids = Vec::new();
        for task in tasks {
            txids.push(task.await.unwrap());
        }
        txids.sort();
        txids.dedup();
        assert_eq!(txids.len(), PUSHES, "{engine}: one challenge per push");
        let stats = answering.stats();
        assert_eq!(stats.duplicates_on_one_connection, 0, "{engine}");
        assert_eq!(stats.bad_signatures, 0, "{engine}");
        // One approval record per challenge: each answer was audited once.
        let approved = authentication_records(&server)
            .await
            .iter()
            .filter(|r| r["reason"] == "approved" && r["factor"] == "push")
            .count();
        assert_eq!(approved, PUSHES, "{engine}");
        assert_eq!(
            server.state.connected.waiting_count(),
            0,
            "{engine}: a finished wait left its registration behind"
        );
    }
}

/// A long poll that ends at its deadline (nobody answers) is registered while it waits and
/// leaves no registration behind; the timer fallback notices the deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_that_times_out_leaves_no_waiter() {
    for engine in engines().unwrap() {
        let (server, _, app, _device) = server_with_device(engine, |_| {}).await;
        let started = server.push(&app, "alice").await.unwrap();
        let txid = started["txid"].as_str().unwrap().to_owned();
        let polling = {
            let (server, app, txid) = (server.clone(), app.clone(), txid.clone());
            tokio::spawn(async move {
                server
                    .call("GET", &format!("/v1/auth/{txid}?wait=5"), Some(&app), None)
                    .await
                    .unwrap()
            })
        };
        let registered = async {
            while server.state.connected.waiting_count() == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), registered)
            .await
            .expect("the long poll never registered its wait");
        // Past the poll's deadline, well before the challenge's own expiry.
        server.clock.advance(6);
        let (status, value) = tokio::time::timeout(Duration::from_secs(5), polling)
            .await
            .expect("the long poll did not notice its deadline")
            .unwrap();
        assert_eq!(status, 200, "{value}");
        assert_eq!(
            (value["result"].as_str(), value["txid"].as_str()),
            (Some("waiting"), Some(txid.as_str())),
            "{engine}: {value}"
        );
        assert_eq!(server.state.connected.waiting_count(), 0, "{engine}");
    }
}
