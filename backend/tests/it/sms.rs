//! Issue 14, "Text-message and voice codes", through the relying-party and admin APIs on
//! both engines, with a real HTTP gateway process (the kit's `test-gateway`) the codes are
//! read from: sent and accepted once, voice through `[voice]`, three wrong codes kill the
//! pending one, the TTL on the manual clock, the per-user cap, gateway failures and
//! timeouts, phone validation, users without a phone, template escaping, and `sms` as the
//! default method of `factor: auto`.

use serde_json::{json, Value};
use twofold_server::gateway::config::{GatewayConfig, GatewayMethod};
use twofold_server::Config;
use twofold_testkit::gateway::{Mode, TestGateway};
use twofold_testkit::{engines, InProcessServer};

use crate::default_method::{auth, preauth};
use crate::handlers::passcode_setup;
use crate::tokens::signin::audit;

/// Alice's number as an admin types it, and in E.164 form as the gateway must get it.
const TYPED: &str = "+49 151 2345-6789";
const E164: &str = "+4915123456789";

fn gateway_config(gateway: &TestGateway) -> GatewayConfig {
    GatewayConfig {
        gateway_url: gateway.url(),
        ..GatewayConfig::default()
    }
}

/// A server whose `[sms]` goes to `gateway`, changed further by `tweak`.
async fn server_with(
    engine: twofold_testkit::Engine,
    gateway: &TestGateway,
    tweak: impl FnOnce(&mut Config),
) -> InProcessServer {
    let sms = gateway_config(gateway);
    InProcessServer::start(engine, move |c| {
        c.sms = sms;
        tweak(c);
    })
    .await
    .unwrap()
}

/// Adds `username` with `phone`; the relying party's authorization.
async fn user_with_phone(server: &InProcessServer, username: &str, phone: &str) -> String {
    let (status, body) = server
        .as_admin(
            "POST",
            "/v1/admin/users",
            Some(json!({ "username": username, "phone": phone })),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    server.application("Portal").await.unwrap()
}

/// `factor` for `username`: must answer 200; the answer.
async fn send(server: &InProcessServer, app: &str, username: &str, factor: &str) -> Value {
    let (status, answer) = auth(
        server,
        app,
        json!({ "username": username, "factor": factor }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// Sends a code that must go out; its txid.
async fn sent(server: &InProcessServer, app: &str, username: &str, factor: &str) -> String {
    let answer = send(server, app, username, factor).await;
    assert_eq!(answer["result"], "waiting", "{answer}");
    assert_eq!(answer["reason"], "code_sent", "{answer}");
    answer["txid"].as_str().unwrap().to_owned()
}

async fn submit(server: &InProcessServer, app: &str, txid: &str, code: &str) -> (u16, Value) {
    let (status, answer) = server
        .call(
            "POST",
            &format!("/v1/auth/{txid}/code"),
            Some(app),
            Some(json!({ "passcode": code })),
        )
        .await
        .unwrap();
    (status.as_u16(), answer)
}

/// Submits `code`: must answer 200; the reason.
async fn reason_for(server: &InProcessServer, app: &str, txid: &str, code: &str) -> String {
    let (status, answer) = submit(server, app, txid, code).await;
    assert_eq!(status, 200, "{answer}");
    answer["reason"].as_str().unwrap().to_owned()
}

/// `code` with its last digit changed: certainly wrong.
fn wrong(code: &str) -> String {
    let mut digits: Vec<u8> = code.bytes().collect();
    let last = digits.len() - 1;
    digits[last] = b'0' + (digits[last] - b'0' + 1) % 10;
    String::from_utf8(digits).unwrap()
}

/// (result, reason) of the user's `authentication` audit records of `factor`, oldest first.
async fn outcomes(server: &InProcessServer, username: &str, factor: &str) -> Vec<(String, String)> {
    let mut records = audit(server, &format!("username={username}&event=authentication")).await;
    records.reverse();
    records
        .iter()
        .filter(|r| r["factor"] == factor)
        .map(|r| {
            (
                r["result"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_text_code_goes_through_the_gateway_and_is_accepted_once() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |_| {}).await;
        let app = user_with_phone(&server, "alice", TYPED).await;
        let offered = preauth(&server, &app, "alice").await;
        assert_eq!(offered["methods"], json!(["sms"]), "{engine}: {offered}");

        let before = gateway.received().await.unwrap().len();
        let txid = sent(&server, &app, "alice", "sms").await;
        let received = gateway.received().await.unwrap();
        assert_eq!(received.len(), before + 1, "{engine}: one request per code");
        let request = received.last().unwrap();
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/send")
        );
        assert_eq!(request.headers["content-type"], "application/json");
        let body: Value = serde_json::from_str(&request.body).unwrap();
        // The number in E.164 form, the default message with the code.
        assert_eq!(body["to"], E164, "{body}");
        let code = request.code(6).unwrap();
        assert_eq!(body["text"], format!("Your test-node code is {code}"));

        // Nothing of the code is stored but its keyed hash.
        let pool = server.state.store.pool();
        let stored: Vec<(String, String)> =
            sqlx::query_as("SELECT code_hash, state FROM sent_codes WHERE id = $1")
                .bind(&txid)
                .fetch_all(pool)
                .await
                .unwrap();
        assert_eq!(stored.len(), 1);
        assert!(
            !stored[0].0.contains(&code) && stored[0].0.len() == 64,
            "{stored:?}"
        );
        assert_eq!(stored[0].1, "sent");

        assert_eq!(
            reason_for(&server, &app, &txid, &code).await,
            "verified",
            "{engine}"
        );
        assert_eq!(
            reason_for(&server, &app, &txid, &code).await,
            "code_replayed",
            "{engine}: the same code a second time"
        );
        assert_eq!(
            outcomes(&server, "alice", "sms").await,
            pairs(&[
                ("waiting", "code_sent"),
                ("allow", "verified"),
                ("deny", "code_replayed")
            ]),
            "{engine}"
        );
        // Another relying party cannot submit to this txid, and unknown ones are unknown.
        let other = server.application("Other").await.unwrap();
        for (who, id) in [(&other, txid.as_str()), (&app, "txn_unknown")] {
            let (status, answer) = submit(&server, who, id, &code).await;
            assert_eq!(status, 404, "{answer}");
            assert_eq!(answer["error"]["code"], "auth.unknown_transaction");
        }
    }
}

#[tokio::test]
async fn a_voice_code_goes_through_the_voice_gateway_by_get() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let voice = GatewayConfig {
            gateway_url: format!("{}?account=7", gateway.url()),
            method: GatewayMethod::Get,
            body: "to={phone}&say={message}".into(),
            message: "{code}".into(),
            code_digits: 8,
            ..GatewayConfig::default()
        };
        let server = InProcessServer::start(engine, move |c| c.voice = voice)
            .await
            .unwrap();
        let app = user_with_phone(&server, "bob", TYPED).await;
        let offered = preauth(&server, &app, "bob").await;
        assert_eq!(offered["methods"], json!(["voice"]), "{engine}: {offered}");
        // [sms] is not configured on this server.
        let refused = send(&server, &app, "bob", "sms").await;
        assert_eq!(
            (refused["result"].as_str(), refused["reason"].as_str()),
            (Some("deny"), Some("method_not_configured")),
            "{refused}"
        );

        let txid = sent(&server, &app, "bob", "voice").await;
        let request = gateway.received().await.unwrap().pop().unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.body, "");
        let code = request.code(8).unwrap();
        assert_eq!(
            request.query,
            format!("account=7&to=%2B4915123456789&say={code}"),
            "{engine}"
        );
        assert_eq!(reason_for(&server, &app, &txid, &code).await, "verified");
        assert_eq!(
            outcomes(&server, "bob", "voice").await,
            pairs(&[("waiting", "code_sent"), ("allow", "verified")])
        );
    }
}

#[tokio::test]
async fn three_wrong_codes_kill_the_pending_code_and_count_towards_the_lockout() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |_| {}).await;
        let app = user_with_phone(&server, "carol", TYPED).await;
        let txid = sent(&server, &app, "carol", "sms").await;
        let code = gateway.last_code(6).await.unwrap();
        let bad = wrong(&code);
        assert_eq!(reason_for(&server, &app, &txid, &bad).await, "invalid_code");
        assert_eq!(
            reason_for(&server, &app, &txid, "not a code").await,
            "invalid_code"
        );
        assert_eq!(
            reason_for(&server, &app, &txid, &bad).await,
            "too_many_attempts",
            "{engine}: the third wrong code"
        );
        assert_eq!(
            reason_for(&server, &app, &txid, &code).await,
            "too_many_attempts",
            "{engine}: the right code after three wrong ones"
        );
        // The three guesses are the user's passcode failures.
        let failures: i64 = sqlx::query_scalar(
            "SELECT failures FROM lockouts WHERE factor = 'passcode' AND user_id = \
             (SELECT id FROM users WHERE username = 'carol')",
        )
        .fetch_one(server.state.store.pool())
        .await
        .unwrap();
        assert_eq!(failures, 3, "{engine}");

        // A fresh code works (and resets the count).
        let txid = sent(&server, &app, "carol", "sms").await;
        let code = gateway.last_code(6).await.unwrap();
        assert_eq!(reason_for(&server, &app, &txid, &code).await, "verified");
    }
}

#[tokio::test]
async fn a_code_expires_after_its_ttl_on_the_clock() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |c| c.sms.code_ttl_seconds = 120).await;
        let app = user_with_phone(&server, "dave", TYPED).await;
        let txid = sent(&server, &app, "dave", "sms").await;
        let code = gateway.last_code(6).await.unwrap();
        server.clock.advance(120);
        assert_eq!(
            reason_for(&server, &app, &txid, &code).await,
            "code_expired",
            "{engine}"
        );
        // One second short of the TTL it is still good.
        let txid = sent(&server, &app, "dave", "sms").await;
        let code = gateway.last_code(6).await.unwrap();
        server.clock.advance(119);
        assert_eq!(reason_for(&server, &app, &txid, &code).await, "verified");
    }
}

#[tokio::test]
async fn the_sixth_code_within_five_minutes_is_refused_and_allowed_after_the_window() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |_| {}).await;
        let app = user_with_phone(&server, "erin", TYPED).await;
        let before = gateway.received().await.unwrap().len();
        for _ in 0..5 {
            sent(&server, &app, "erin", "sms").await;
            server.clock.advance(59);
        }
        // 295 s after the first: still within the window.
        let refused = send(&server, &app, "erin", "sms").await;
        assert_eq!(refused["result"], "deny", "{engine}: {refused}");
        assert_eq!(refused["reason"], "code_limit", "{engine}: {refused}");
        assert!(refused.get("txid").is_none());
        assert_eq!(
            gateway.received().await.unwrap().len(),
            before + 5,
            "{engine}"
        );
        // The first send leaves the (sliding) window: one more is allowed.
        server.clock.advance(6);
        sent(&server, &app, "erin", "sms").await;
        let refused = send(&server, &app, "erin", "sms").await;
        assert_eq!(refused["reason"], "code_limit", "{engine}");
        let audited = outcomes(&server, "erin", "sms").await;
        assert_eq!(
            audited.iter().filter(|(_, r)| r == "code_limit").count(),
            2,
            "{audited:?}"
        );
    }
}

#[tokio::test]
async fn gateway_errors_and_timeouts_are_gateway_unavailable_and_leave_no_code() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |c| c.sms.timeout_seconds = 1).await;
        let app = user_with_phone(&server, "frank", TYPED).await;
        for mode in [Mode::Fail, Mode::Hang] {
            gateway.set_mode(mode).await.unwrap();
            let started = std::time::Instant::now();
            let answer = send(&server, &app, "frank", "sms").await;
            gateway.set_mode(Mode::Ok).await.unwrap();
            assert_eq!(answer["result"], "deny", "{engine} {mode:?}: {answer}");
            assert_eq!(answer["reason"], "gateway_unavailable", "{answer}");
            assert!(answer.get("txid").is_none());
            assert!(
                started.elapsed().as_secs() < 5,
                "{mode:?}: the timeout holds"
            );
        }
        // The codes that could not be sent are not usable: both rows are `failed`.
        let states: Vec<String> = sqlx::query_scalar("SELECT state FROM sent_codes")
            .fetch_all(server.state.store.pool())
            .await
            .unwrap();
        assert_eq!(states, ["failed", "failed"], "{engine}");
        assert_eq!(
            outcomes(&server, "frank", "sms").await,
            pairs(&[
                ("deny", "gateway_unavailable"),
                ("deny", "gateway_unavailable")
            ])
        );
        let metrics = server.state.metrics.render(&[]);
        assert!(
            metrics.contains(
                r#"twofold_authentications_total{factor="sms",result="deny",reason="gateway_unavailable"} 2"#
            ),
            "{metrics}"
        );
    }
}

#[tokio::test]
async fn phone_numbers_must_be_e164_and_an_empty_one_clears_it() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |_| {}).await;
        let app = user_with_phone(&server, "gina", TYPED).await;
        for bad in [
            "015123456789",
            "+0151234567",
            "+1234567",
            "+49 151 abc",
            "+1234567890123456",
        ] {
            let (status, body) = server
                .as_admin(
                    "PATCH",
                    "/v1/admin/users/gina",
                    Some(json!({ "phone": bad })),
                )
                .await
                .unwrap();
            assert_eq!(status, 422, "{bad}: {body}");
            assert_eq!(body["error"]["code"], "user.invalid_phone", "{bad}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains("E.164") && message.contains("8 to 15 digits"),
                "{message}"
            );
        }
        let (status, body) = server
            .as_admin(
                "POST",
                "/v1/admin/users",
                Some(json!({ "username": "hank", "phone": "12345" })),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (422, &json!("user.invalid_phone"))
        );
        // The refused updates changed nothing.
        let user = server
            .admin_call("GET", "/v1/admin/users/gina", None)
            .await
            .unwrap();
        assert_eq!(user["user"]["phone"], TYPED, "{engine}: {user}");
        // Cleared: sms is no longer offered, and is refused with the reason.
        let user = server
            .admin_call(
                "PATCH",
                "/v1/admin/users/gina",
                Some(json!({ "phone": "" })),
            )
            .await
            .unwrap();
        assert_eq!(user["phone"], Value::Null, "{user}");
        let refused = send(&server, &app, "gina", "sms").await;
        assert_eq!(refused["reason"], "no_phone", "{engine}: {refused}");
    }
}

#[tokio::test]
async fn a_user_without_a_phone_is_not_offered_sms_and_is_refused_with_no_phone() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |_| {}).await;
        let (app, _account) = passcode_setup(&server, "ivan").await;
        let offered = preauth(&server, &app, "ivan").await;
        assert_eq!(
            offered["methods"],
            json!(["push", "passcode"]),
            "{engine}: {offered}"
        );
        let before = gateway.received().await.unwrap().len();
        for factor in ["sms", "voice"] {
            let refused = send(&server, &app, "ivan", factor).await;
            assert_eq!(refused["result"], "deny", "{refused}");
            let reason = if factor == "sms" {
                "no_phone"
            } else {
                "method_not_configured"
            };
            assert_eq!(refused["reason"], reason, "{engine} {factor}: {refused}");
            assert!(refused["message"].as_str().unwrap().len() > 10);
        }
        assert_eq!(
            gateway.received().await.unwrap().len(),
            before,
            "nothing was sent"
        );
        assert_eq!(
            outcomes(&server, "ivan", "sms").await,
            pairs(&[("deny", "no_phone")])
        );
    }
}

#[tokio::test]
async fn body_values_are_escaped_for_json_and_for_forms() {
    let gateway = TestGateway::start().unwrap();
    let username = r#"o"brien&co"#;
    for engine in engines().unwrap() {
        // JSON: the username and the message inside JSON strings.
        let server = server_with(engine, &gateway, |c| {
            c.sms.body = r#"{"to": "{phone}", "text": "{message}", "user": "{username}"}"#.into();
            c.sms.message = "Hi {username}, {code}".into();
        })
        .await;
        let app = user_with_phone(&server, username, TYPED).await;
        sent(&server, &app, username, "sms").await;
        let request = gateway.received().await.unwrap().pop().unwrap();
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["user"], username, "{engine}: {}", request.body);
        let code = request.code(6).unwrap();
        assert_eq!(body["text"], format!("Hi {username}, {code}"));

        // A form: percent-encoded, so `&` and `"` cannot start another field.
        let server = server_with(engine, &gateway, |c| {
            c.sms.headers.insert(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            );
            c.sms.headers.insert("X-Api-Key".into(), "k-123".into());
            c.sms.body = "to={phone}&user={username}&text={message}".into();
            // The code first: percent-encoding puts digits ("%20") right before it.
            c.sms.message = "{code} for {username}".into();
        })
        .await;
        let app = user_with_phone(&server, username, TYPED).await;
        sent(&server, &app, username, "sms").await;
        let request = gateway.received().await.unwrap().pop().unwrap();
        assert_eq!(request.headers["x-api-key"], "k-123");
        assert_eq!(
            request.headers["content-type"],
            "application/x-www-form-urlencoded"
        );
        let code = request.code(6).unwrap();
        assert_eq!(
            request.body,
            format!("to=%2B4915123456789&user=o%22brien%26co&text={code}%20for%20o%22brien%26co"),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn sms_as_the_default_method_is_what_factor_auto_sends_and_can_be_cleared() {
    let gateway = TestGateway::start().unwrap();
    for engine in engines().unwrap() {
        let server = server_with(engine, &gateway, |_| {}).await;
        let (app, _account) = passcode_setup(&server, "judy").await;
        server
            .admin_call(
                "PATCH",
                "/v1/admin/users/judy",
                Some(json!({ "phone": TYPED })),
            )
            .await
            .unwrap();
        let offered = preauth(&server, &app, "judy").await;
        assert_eq!(
            offered["methods"],
            json!(["push", "passcode", "sms"]),
            "{offered}"
        );

        let user = server
            .admin_call(
                "PATCH",
                "/v1/admin/users/judy",
                Some(json!({ "default_method": "sms" })),
            )
            .await
            .unwrap();
        assert_eq!(user["default_method"], "sms", "{engine}: {user}");
        let offered = preauth(&server, &app, "judy").await;
        assert_eq!(
            offered["methods"],
            json!(["sms", "push", "passcode"]),
            "{offered}"
        );
        assert_eq!(offered["default_method"], "sms", "{offered}");

        let txid = sent(&server, &app, "judy", "auto").await;
        let code = gateway.last_code(6).await.unwrap();
        assert_eq!(
            reason_for(&server, &app, &txid, &code).await,
            "verified",
            "{engine}"
        );
        // A passcode with factor sms is a mistake the relying party must hear about.
        let (status, answer) = auth(
            &server,
            &app,
            json!({ "username": "judy", "factor": "sms", "passcode": code }),
        )
        .await;
        assert_eq!(status, 422, "{answer}");

        // Disabled for everyone: the default is reported, the other methods stay.
        server
            .admin_call(
                "PUT",
                "/v1/admin/methods/sms",
                Some(json!({ "enabled": false })),
            )
            .await
            .unwrap();
        let offered = preauth(&server, &app, "judy").await;
        assert_eq!(offered["methods"], json!(["push", "passcode"]), "{offered}");
        assert_eq!(offered["default_method_disabled"], true, "{offered}");
        let refused = send(&server, &app, "judy", "sms").await;
        assert_eq!(refused["reason"], "method_disabled", "{refused}");
        let methods = server
            .admin_call("GET", "/v1/admin/methods", None)
            .await
            .unwrap();
        let listed: Vec<&str> = methods
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["method"].as_str().unwrap())
            .collect();
        assert!(
            listed.contains(&"sms") && !listed.contains(&"voice"),
            "{methods}"
        );
        server
            .admin_call(
                "PUT",
                "/v1/admin/methods/sms",
                Some(json!({ "enabled": true })),
            )
            .await
            .unwrap();

        // Cleared: no default any more (push before passcode).
        let user = server
            .admin_call(
                "PATCH",
                "/v1/admin/users/judy",
                Some(json!({ "clear_default_method": true })),
            )
            .await
            .unwrap();
        assert_eq!(user["default_method"], Value::Null, "{user}");
        let offered = preauth(&server, &app, "judy").await;
        assert_eq!(
            offered["methods"],
            json!(["push", "passcode", "sms"]),
            "{offered}"
        );
        assert_eq!(offered["default_method"], "push", "{offered}");
    }
}
