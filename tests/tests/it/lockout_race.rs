//! Issue 13 item 1 across a cluster: wrong codes sent at once to two nodes on one PostgreSQL
//! database. The lock is reserved in the database before a code is checked, so the requests
//! in flight on both nodes together check at most `lockout_threshold` codes; an administrator
//! lifts the lock from the CLI.
//!
//! PostgreSQL only (two nodes need a shared database): skipped with a message without one.

use std::sync::Arc;

use twofold_testkit::{now, Engine, RpClient};

use crate::common::{setup, wrong_code};

const THRESHOLD: usize = 10;
const GUESSES: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item1_concurrent_wrong_codes_on_two_nodes_check_at_most_the_threshold() {
    if twofold_testkit::engine::postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: two nodes need PostgreSQL, not tested");
        return;
    }
    let setup = setup(
        Engine::Postgres,
        &[("TWOFOLD_POLICY_LOCKOUT_THRESHOLD", &THRESHOLD.to_string())],
    )
    .await;
    let node_b = setup.server.start_node("e2e-node-2").unwrap();
    let rp_b = RpClient::new(&node_b.url, &setup.app_id, &setup.app_secret).unwrap();
    let wrong = wrong_code(&setup, now());

    let barrier = Arc::new(tokio::sync::Barrier::new(GUESSES));
    let tasks: Vec<_> = (0..GUESSES)
        .map(|i| {
            let rp = if i % 2 == 0 {
                setup.rp.clone()
            } else {
                rp_b.clone()
            };
            let (wrong, barrier) = (wrong.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                rp.auth_reason("alice", &wrong).await.unwrap()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let records = setup
        .server
        .admin()
        .unwrap()
        .audit("&event=authentication&username=alice")
        .await
        .unwrap();
    let with = |reason: &str| {
        records
            .iter()
            .filter(|r| r.reason.as_deref() == Some(reason))
            .count()
    };
    let checked = with("invalid_code");
    eprintln!(
        "{GUESSES} wrong codes on two nodes: {checked} checked (invalid_code), {} locked_out",
        with("locked_out")
    );
    assert_eq!(records.len(), GUESSES, "one record per attempt");
    assert_eq!(
        answers.iter().filter(|a| *a == "invalid_code").count(),
        checked
    );
    assert!(
        checked <= THRESHOLD,
        "{checked} codes checked, threshold {THRESHOLD}"
    );
    assert_eq!(checked + with("locked_out"), GUESSES, "{answers:?}");
    for node in ["e2e-node", "e2e-node-2"] {
        assert!(
            records.iter().any(|r| r.server_name == node),
            "{node} answered some attempts"
        );
    }

    // Locked: the right code is refused on either node until an administrator unlocks.
    let valid = setup.code_at(now());
    assert_eq!(
        rp_b.auth_reason("alice", &valid).await.unwrap(),
        "locked_out"
    );
    let unlocked = setup
        .server
        .cli(&["user", "update", "alice", "--unlock"])
        .unwrap();
    assert!(unlocked.status.success(), "{}", unlocked.stderr);
    assert_eq!(rp_b.auth_reason("alice", &valid).await.unwrap(), "verified");
}
