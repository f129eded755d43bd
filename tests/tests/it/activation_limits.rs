//! Issue 13 items 6 and 8 across two real server processes on one PostgreSQL database: the
//! activation budget of a client and a user's push cap are one budget for the cluster, not
//! one per node. PostgreSQL only (two processes cannot share a SQLite file): skipped with a
//! message without a test PostgreSQL, failed when `TWOFOLD_REQUIRE_POSTGRES` demands one.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use twofold_testkit::{Engine, RpClient, ServerProcess, TestDevice};

use crate::common::{setup, Setup};

/// Activation attempts per client per minute on both nodes (small, so the test is short).
const ACTIVATION_LIMIT: usize = 4;

/// Node A (with alice, her device and an application), node B on the same database, and
/// the application's client on B. None without a test PostgreSQL.
async fn two_nodes(env: &[(&str, &str)]) -> Option<(Setup, ServerProcess, RpClient)> {
    if twofold_testkit::engine::postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: two nodes need PostgreSQL, not tested");
        return None;
    }
    let setup = setup(Engine::Postgres, env).await;
    let node_b = setup.server.start_node("e2e-node-2").unwrap();
    let rp_b = RpClient::new(&node_b.url, &setup.app_id, &setup.app_secret).unwrap();
    Some((setup, node_b, rp_b))
}

/// Waits for the start of a minute when less than `needed` seconds of this one are left, so
/// that one fixed window holds the whole test.
async fn within_one_minute(needed: u64) {
    let now = twofold_testkit::now();
    let left = 60 - now % 60;
    if left < needed {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

/// Wrong activation codes from one client (127.0.0.1), alternating between the nodes: the
/// cluster answers at most the per-minute budget before refusing, on both nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item8_two_nodes_share_one_activation_budget() {
    let limit = ACTIVATION_LIMIT.to_string();
    let env = [(
        "TWOFOLD_POLICY_ACTIVATION_ATTEMPTS_PER_MINUTE",
        limit.as_str(),
    )];
    let Some((setup, node_b, _)) = two_nodes(&env).await else {
        return;
    };
    within_one_minute(20).await;
    let device = TestDevice::new().unwrap();
    let mut answered = 0;
    let mut limited_on = Vec::new();
    for i in 0..ACTIVATION_LIMIT * 3 {
        let url = if i % 2 == 0 {
            &setup.server.url
        } else {
            &node_b.url
        };
        let response = device.try_activate(url, "0000 0000 0000").await.unwrap();
        match response.status {
            404 => answered += 1,
            429 => limited_on.push(url.clone()),
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    // Node A's setup activated alice from this address too, perhaps in this window.
    assert!(
        (ACTIVATION_LIMIT - 1..=ACTIVATION_LIMIT).contains(&answered),
        "{answered} attempts answered across two nodes with a budget of {ACTIVATION_LIMIT}"
    );
    for node in [&setup.server.url, &node_b.url] {
        assert!(limited_on.contains(node), "{node} never refused");
    }
}

/// 50 concurrent asynchronous pushes for one user, half through each node: the cluster
/// creates no more than `max_per_minute`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item6_concurrent_pushes_on_two_nodes_create_at_most_the_cap() {
    let Some((setup, _node_b, rp_b)) = two_nodes(&[]).await else {
        return;
    };
    let cap = 5; // push.max_per_minute's default
    within_one_minute(20).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let rp = if i % 2 == 0 {
                setup.rp.clone()
            } else {
                rp_b.clone()
            };
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let request = json!({"username": "alice", "factor": "push", "async": true});
                let response = rp.0.json("POST", "/v1/auth", &request).await.unwrap();
                assert_eq!(response.status, 200, "{}", response.body);
                response.body["reason"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut reasons = Vec::new();
    for task in tasks {
        reasons.push(task.await.unwrap());
    }
    let pending = reasons.iter().filter(|r| *r == "pending").count();
    let limited = reasons.iter().filter(|r| *r == "push_limit").count();
    assert_eq!((pending, limited), (cap, 50 - cap), "{reasons:?}");
    let refusals = setup
        .server
        .admin()
        .unwrap()
        .audit("&event=authentication")
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.reason.as_deref() == Some("push_limit"))
        .count();
    assert_eq!(
        refusals, 1,
        "refusals over the cap are audited once a minute"
    );
}
