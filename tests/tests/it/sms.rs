//! Issue 14, text-message codes on two real nodes of one PostgreSQL cluster: the number set
//! with the CLI (`user update --phone`, E.164 checked), `sms` as the default method, a code
//! sent through the kit's test gateway by node A and verified on node B once, refused when
//! submitted again on A; neither node's log holds the number or the code.
//!
//! PostgreSQL only (a second node needs the shared database): skipped with a message without
//! a test PostgreSQL, failed when `TWOFOLD_REQUIRE_POSTGRES` demands one.

use serde_json::{json, Value};
use twofold_testkit::gateway::TestGateway;
use twofold_testkit::{Engine, RpClient, ServerProcess};

const TYPED: &str = "+49 (151) 2345 6789";
const E164: &str = "+4915123456789";

async fn submit(rp: &RpClient, txid: &str, code: &str) -> Value {
    let response =
        rp.0.json(
            "POST",
            &format!("/v1/auth/{txid}/code"),
            &json!({ "passcode": code }),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    response.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_code_sent_by_node_a_is_verified_once_by_node_b() {
    if twofold_testkit::engine::postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: two nodes need PostgreSQL, not tested");
        return;
    }
    let gateway = TestGateway::start().unwrap();
    let url = gateway.url();
    let node_a = ServerProcess::start_with(Engine::Postgres, &[("TWOFOLD_SMS_GATEWAY_URL", &url)])
        .await
        .unwrap();
    let node_b = node_a.start_node("e2e-node-2").unwrap();
    node_a.add_user("alice", &[]).unwrap();

    let refused = node_a
        .cli(&["user", "update", "alice", "--phone", "0151 2345 6789"])
        .unwrap();
    assert!(!refused.status.success(), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("E.164") && refused.stderr.contains("phone"),
        "{}",
        refused.stderr
    );
    let user: Value = node_a
        .cli_json(&[
            "user",
            "update",
            "alice",
            "--phone",
            TYPED,
            "--default-method",
            "sms",
            "--json",
        ])
        .unwrap();
    assert_eq!(
        (&user["phone"], &user["default_method"]),
        (&json!(TYPED), &json!("sms"))
    );
    let shown = node_a.cli(&["user", "show", "alice"]).unwrap();
    assert!(shown.stdout.contains(TYPED), "{}", shown.stdout);

    let app = node_a.add_application("vpn").unwrap();
    let rp_a = RpClient::new(&node_a.url, &app.id, &app.secret).unwrap();
    let rp_b = RpClient::new(&node_b.url, &app.id, &app.secret).unwrap();
    let preauth = rp_b.preauth("alice").await.unwrap();
    assert_eq!(preauth.body["methods"], json!(["sms"]), "{}", preauth.body);
    assert_eq!(preauth.body["default_method"], "sms");

    // `auto` follows the default: node A sends.
    let sent = rp_a
        .0
        .json(
            "POST",
            "/v1/auth",
            &json!({ "username": "alice", "factor": "auto" }),
        )
        .await
        .unwrap();
    assert_eq!(sent.body["reason"], "code_sent", "{}", sent.body);
    let txid = sent.body["txid"].as_str().unwrap();
    let request = gateway.received().await.unwrap().pop().unwrap();
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["to"], E164);
    let code = request.code(6).unwrap();
    assert_eq!(body["text"], format!("Your e2e-node code is {code}"));

    // Node B verifies what node A sent; node A then refuses it.
    assert_eq!(submit(&rp_b, txid, &code).await["reason"], "verified");
    assert_eq!(submit(&rp_a, txid, &code).await["reason"], "code_replayed");

    let records = node_a
        .admin()
        .unwrap()
        .audit("&username=alice&event=authentication")
        .await
        .unwrap();
    let seen: Vec<(&str, Option<&str>, &str)> = records
        .iter()
        .rev()
        .map(|r| {
            (
                r.server_name.as_str(),
                r.reason.as_deref(),
                r.result.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("e2e-node", Some("code_sent"), "waiting"),
            ("e2e-node-2", Some("verified"), "allow"),
            ("e2e-node", Some("code_replayed"), "deny"),
        ]
    );
    assert!(records.iter().all(|r| r.factor.as_deref() == Some("sms")));

    // The default can be cleared again.
    let user: Value = node_a
        .cli_json(&[
            "user",
            "update",
            "alice",
            "--clear-default-method",
            "--json",
        ])
        .unwrap();
    assert_eq!(user["default_method"], Value::Null, "{user}");

    for node in [&node_a, &node_b] {
        let logs = node.logs().unwrap();
        for secret in [E164, "15123456789", code.as_str()] {
            assert!(
                !logs.contains(secret),
                "{secret} is in a node's log:\n{logs}"
            );
        }
    }
}
