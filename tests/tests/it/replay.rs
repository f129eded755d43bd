//! One-time means once, under concurrency.

use twofold_testkit::{now, Engine};

use crate::common::setup;

on_each_engine!(sixteen_concurrent_submissions_of_one_code_give_exactly_one_allow);

async fn sixteen_concurrent_submissions_of_one_code_give_exactly_one_allow(engine: Engine) {
    let setup = setup(engine, &[]).await;
    let code = setup.code_at(now());
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let rp = setup.rp.clone();
            let code = code.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                rp.auth("alice", &code, Default::default()).await.unwrap()
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status, 200, "{}", response.body);
        match response.body["reason"].as_str().unwrap() {
            "verified" => allowed += 1,
            // A replay is not a guess, so it never counts toward the lockout: every
            // loser must be told exactly why it lost.
            "code_replayed" => assert_eq!(response.body["result"], "deny"),
            other => panic!("unexpected answer {other}: {}", response.body),
        }
    }
    assert_eq!(
        allowed, 1,
        "exactly one of 16 concurrent submissions is allowed"
    );

    // One audit record per attempt.
    let admin = setup.server.admin().unwrap();
    let records = admin.audit("&event=authentication").await.unwrap();
    assert_eq!(records.len(), 16);
    assert_eq!(records.iter().filter(|r| r.result == "allow").count(), 1);
}
