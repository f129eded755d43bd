//! Issue 17: what a node keeps in memory (verified application credentials, the disabled
//! methods, the epoch) follows a change made on another node. Node B answers a relying party
//! from its caches; an administrator then changes something through node A; B's next
//! sign-ins see it, through the cluster event A's transaction sends (LISTEN/NOTIFY).
//!
//! The notification crosses between two processes, so B may answer one request before it
//! arrives: each check gives B a bounded time (polling, [`SEEN_WITHIN`]), far below the
//! cache's TTL (60 s by default), so only the event can explain B seeing the change.
//! PostgreSQL only, like `nodes` (skipped with a message without a test PostgreSQL).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use twofold_testkit::{Engine, RpClient};

use crate::common::setup;

/// Longest time node B may take to act on A's notification.
const SEEN_WITHIN: Duration = Duration::from_secs(5);

/// B's preauth for alice: (status, body).
async fn preauth(rp: &RpClient) -> (u16, Value) {
    let response = rp.preauth("alice").await.unwrap();
    (response.status, response.body)
}

/// Polls B's preauth until `seen` holds; panics naming `what` after [`SEEN_WITHIN`].
async fn until_seen(rp: &RpClient, what: &str, seen: impl Fn(u16, &Value) -> bool) {
    let started = Instant::now();
    loop {
        let (status, body) = preauth(rp).await;
        if seen(status, &body) {
            eprintln!("node B saw {what} after {:?}", started.elapsed());
            return;
        }
        assert!(
            started.elapsed() < SEEN_WITHIN,
            "node B still answers {status} {body} {SEEN_WITHIN:?} after {what} on node A"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn methods(body: &Value) -> Vec<String> {
    body["methods"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_one_node_is_seen_by_the_other_nodes_next_sign_in() {
    if twofold_testkit::engine::postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: two nodes need PostgreSQL, not tested");
        return;
    }
    let setup = setup(Engine::Postgres, &[]).await;
    let node_b = setup.server.start_node("e2e-cache-node-2").unwrap();
    let rp_b = RpClient::new(&node_b.url, &setup.app_id, &setup.app_secret).unwrap();
    let admin_a = setup.server.admin().unwrap();

    // B answers (and so caches the application and the disabled methods).
    for _ in 0..3 {
        let (status, body) = preauth(&rp_b).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"], "auth", "{body}");
        assert!(methods(&body).contains(&"passcode".to_owned()), "{body}");
    }

    // A method disabled on A: B stops offering it; enabled again, B offers it again.
    let off = admin_a
        .0
        .json(
            "PUT",
            "/v1/admin/methods/passcode",
            &json!({"enabled": false}),
        )
        .await
        .unwrap();
    assert_eq!(off.status, 200, "{}", off.body);
    until_seen(&rp_b, "passcode disabled", |status, body| {
        status == 200 && !methods(body).contains(&"passcode".to_owned())
    })
    .await;
    let on = admin_a
        .0
        .json(
            "PUT",
            "/v1/admin/methods/passcode",
            &json!({"enabled": true}),
        )
        .await
        .unwrap();
    assert_eq!(on.status, 200, "{}", on.body);
    until_seen(&rp_b, "passcode enabled again", |status, body| {
        status == 200 && methods(body).contains(&"passcode".to_owned())
    })
    .await;

    // The server reactivated on A: B's epoch moves on, alice's device must activate again.
    let reactivated = admin_a
        .0
        .json("POST", "/v1/admin/server/reactivate", &json!({}))
        .await
        .unwrap();
    assert_eq!(reactivated.status, 200, "{}", reactivated.body);
    until_seen(&rp_b, "the reactivation", |status, body| {
        status == 200 && body["result"] == "enroll"
    })
    .await;

    // The application deleted on A: B refuses its credentials.
    let deleted = admin_a
        .0
        .raw(
            "DELETE",
            &format!("/v1/admin/applications/{}", setup.app_id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    until_seen(&rp_b, "the application deleted", |status, _| status == 401).await;
    // And A refused it at once: it forgot the application before answering the delete.
    let (status, body) = preauth(&setup.rp).await;
    assert_eq!(status, 401, "{body}");
}
