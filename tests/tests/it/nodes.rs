//! Two nodes on one PostgreSQL database work as one server: a code is accepted once across
//! nodes (the store's conditional update, not a node's memory), and a push started on one
//! node reaches a device connected to the other and comes back (LISTEN/NOTIFY). Two real
//! processes, because in-process tests share one hub and one clock and cannot see either.
//!
//! PostgreSQL only (the harness refuses a second node on SQLite, which one test checks):
//! skipped with a message without a test PostgreSQL, failed when `TWOFOLD_REQUIRE_POSTGRES`
//! demands one.

use std::sync::Arc;

use serde_json::json;
use twofold_core::proto::channel::{AnswerOutcome, Decision};
use twofold_testkit::{now, DeviceChannel, Engine, RpClient, ServerProcess};

use crate::common::{setup, Setup};

/// Node A is `setup`'s server.
const NODE_A: &str = "e2e-node";
const NODE_B: &str = "e2e-node-2";

/// Node A with alice, her activated device and an application; node B on the same database;
/// and the same application's client on node B. None when there is no test PostgreSQL.
async fn two_nodes() -> Option<(Setup, ServerProcess, RpClient)> {
    // An error (so a panic) when TWOFOLD_REQUIRE_POSTGRES is set without a URL.
    if twofold_testkit::engine::postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: two nodes need PostgreSQL, not tested");
        return None;
    }
    let setup = setup(Engine::Postgres, &[]).await;
    let node_b = setup.server.start_node(NODE_B).unwrap();
    assert_ne!(node_b.url, setup.server.url);
    // B joined an installation; it did not start one: no admin token of its own.
    let banner = node_b.banner().unwrap();
    assert!(!banner.contains("admin token"), "{banner}");
    // The application was registered once, through A: B knows it from the database.
    let rp_b = RpClient::new(&node_b.url, &setup.app_id, &setup.app_secret).unwrap();
    Some((setup, node_b, rp_b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_accept_one_code_once() {
    let Some((setup, node_b, rp_b)) = two_nodes().await else {
        return;
    };
    let code = setup.code_at(now());
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (node, rp) = if i % 2 == 0 {
                (NODE_A, setup.rp.clone())
            } else {
                (NODE_B, rp_b.clone())
            };
            let (code, barrier) = (code.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                (
                    node,
                    rp.auth("alice", &code, Default::default()).await.unwrap(),
                )
            })
        })
        .collect();
    let mut allowed_by = Vec::new();
    for task in tasks {
        let (node, response) = task.await.unwrap();
        assert_eq!(response.status, 200, "{node}: {}", response.body);
        match response.body["reason"].as_str().unwrap() {
            "verified" => allowed_by.push(node),
            // RFC 6238 §5.2: every other submission, on either node, is a replay.
            "code_replayed" => assert_eq!(response.body["result"], "deny", "{node}"),
            other => panic!("{node}: unexpected answer {other}: {}", response.body),
        }
    }
    assert_eq!(
        allowed_by.len(),
        1,
        "exactly one of 16 submissions across two nodes is allowed: {allowed_by:?}"
    );

    // One audit log, read through either node; each record names the node that wrote it.
    let records = setup
        .server
        .admin()
        .unwrap()
        .audit("&event=authentication")
        .await
        .unwrap();
    let records_b = node_b
        .admin()
        .unwrap()
        .audit("&event=authentication")
        .await
        .unwrap();
    let ids = |r: &[twofold_core::proto::admin::AuditRecord]| -> Vec<String> {
        r.iter().map(|r| r.id.clone()).collect()
    };
    assert_eq!(ids(&records), ids(&records_b), "both nodes read one log");
    assert_eq!(records.len(), 16, "one record per attempt: {records:#?}");
    for node in [NODE_A, NODE_B] {
        let written = records.iter().filter(|r| r.server_name == node).count();
        assert_eq!(written, 8, "{node} answered 8 attempts: {records:#?}");
    }
    let allows: Vec<_> = records.iter().filter(|r| r.result == "allow").collect();
    assert_eq!(allows.len(), 1, "{records:#?}");
    assert_eq!(allows[0].server_name, allowed_by[0], "{:?}", allows[0]);
    assert_eq!(allows[0].reason.as_deref(), Some("verified"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_push_started_on_one_node_reaches_a_device_on_the_other() {
    let Some((setup, node_b, rp_b)) = two_nodes().await else {
        return;
    };
    // Connected (and sent what was pending) before the push exists: the challenge can only
    // reach this socket on A through B's notification.
    let mut channel = DeviceChannel::open(&setup.device, &setup.server.url)
        .await
        .unwrap();

    let request = json!({"username": "alice", "factor": "push", "async": true,
        "context": {"client_ip": "198.51.100.7", "location": "Lisbon, PT"}});
    let started = rp_b.0.json("POST", "/v1/auth", &request).await.unwrap();
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(started.body["result"], "waiting", "{}", started.body);
    let txid = started.body["txid"].as_str().unwrap().to_owned();
    // Number matching is on by default: the sign-in page shows this, the user types it.
    let number = started.body["number"].as_str().unwrap().to_owned();

    let (challenge, signature) = channel.next_challenge().await.unwrap();
    assert_eq!(challenge.id, txid);
    assert!(
        setup
            .device
            .verify_challenge(&challenge, &signature)
            .unwrap(),
        "node A signs with the key the device got at activation"
    );
    assert!(challenge.number_required);
    assert_eq!(challenge.username, "alice");
    assert_eq!(challenge.application, setup.app_name);
    assert_eq!(challenge.client_ip, "198.51.100.7");
    assert_eq!(challenge.location, "Lisbon, PT");

    // B's relying party waits while A takes the answer: the outcome crosses back.
    let poll = {
        let (rp_b, path) = (rp_b.clone(), format!("/v1/auth/{txid}?wait=10"));
        tokio::spawn(async move { rp_b.0.get(&path).await.unwrap() })
    };
    let outcome = channel
        .answer(&setup.device, &challenge, Decision::Approve, Some(&number))
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Accepted);
    let answer = poll.await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        (
            answer.body["result"].as_str(),
            answer.body["reason"].as_str()
        ),
        (Some("allow"), Some("approved")),
        "{}",
        answer.body
    );

    // The node that took the answer decided, so its name is on the record.
    let records = node_b
        .admin()
        .unwrap()
        .audit("&event=authentication")
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "{records:#?}");
    let record = &records[0];
    assert_eq!(
        (record.factor.as_deref(), record.result.as_str()),
        (Some("push"), "allow"),
        "{record:?}"
    );
    assert_eq!(
        record.device_id.as_deref(),
        Some(setup.device.device_id().unwrap())
    );
    assert_eq!(record.server_name, NODE_A, "{record:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_node_is_refused_on_sqlite() {
    // A SQLite file is one node's: a second process would be a second, separate server.
    let server = ServerProcess::start(Engine::Sqlite).await.unwrap();
    let Err(error) = server.start_node(NODE_B) else {
        panic!("a second node started on SQLite");
    };
    assert!(error.0.contains("PostgreSQL"), "{error}");
}
