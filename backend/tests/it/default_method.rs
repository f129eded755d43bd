//! Issue 14, "Default method, fallback, registration prompts", through the admin and
//! relying-party APIs on both engines: a default method set (and `sms`/`voice` refused) and
//! audited, `factor: auto` following it, preauth listing the default first with
//! `default_method`, a default disabled for everyone reported with
//! `default_method_disabled` while the user's other methods keep working, and every method
//! switchable with `method_disabled` from `/v1/auth`.

use serde_json::{json, Value};
use twofold_server::clock::Clock;
use twofold_testkit::oath::oathtool_args;
use twofold_testkit::{engines, InProcessServer};

use crate::handlers::passcode_setup;
use crate::tokens::signin::audit;

/// The hardware token's secret (20 bytes, base32) assigned to the user by the CSV import.
const TOKEN_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

pub(crate) async fn preauth(server: &InProcessServer, app: &str, username: &str) -> Value {
    let (status, answer) = server
        .call(
            "POST",
            "/v1/preauth",
            Some(app),
            Some(json!({ "username": username })),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer
}

pub(crate) async fn auth(server: &InProcessServer, app: &str, body: Value) -> (u16, Value) {
    let (status, answer) = server
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    (status.as_u16(), answer)
}

async fn set_default(server: &InProcessServer, username: &str, method: &str) -> (u16, Value) {
    let (status, body) = server
        .as_admin(
            "PATCH",
            &format!("/v1/admin/users/{username}"),
            Some(json!({ "default_method": method })),
        )
        .await
        .unwrap();
    (status.as_u16(), body)
}

async fn switch(server: &InProcessServer, method: &str, enabled: bool) -> (u16, Value) {
    let (status, body) = server
        .as_admin(
            "PUT",
            &format!("/v1/admin/methods/{method}"),
            Some(json!({ "enabled": enabled })),
        )
        .await
        .unwrap();
    (status.as_u16(), body)
}

/// Imports one TOTP token (Entra's CSV shape) assigned to `username`.
async fn give_token(server: &InProcessServer, username: &str) {
    let csv = format!(
        "upn,serial number,secret key,time interval,manufacturer,model\n\
         {username},TK-{username},{TOKEN_SECRET},30,Contoso,HardwareKey\n"
    );
    let report = server
        .admin_call(
            "POST",
            "/v1/admin/tokens/import",
            Some(json!({ "content": csv })),
        )
        .await
        .unwrap();
    assert_eq!(report["imported"], 1, "{report}");
}

fn token_code(now: u64) -> String {
    oathtool_args(&[
        "--totp".to_owned(),
        "--base32".to_owned(),
        format!("--now=@{now}"),
        TOKEN_SECRET.to_owned(),
    ])
    .unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_default_method_is_set_shown_and_audited_and_sms_and_voice_are_refused() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        passcode_setup(&server, "alice").await;
        let user = server
            .admin_call("GET", "/v1/admin/users/alice", None)
            .await
            .unwrap();
        assert_eq!(user["user"]["default_method"], Value::Null, "{user}");

        let (status, user) = set_default(&server, "alice", "token").await;
        assert_eq!(status, 200, "{engine}: {user}");
        assert_eq!(user["default_method"], "token");
        let list = server
            .admin_call("GET", "/v1/admin/users", None)
            .await
            .unwrap();
        assert_eq!(list[0]["default_method"], "token", "{list}");

        for method in ["sms", "voice"] {
            let (status, body) = set_default(&server, "alice", method).await;
            assert_eq!(status, 422, "{engine}: {body}");
            assert_eq!(body["error"]["code"], "request.invalid_field");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(method) && message.contains("not supported"),
                "{message}"
            );
        }
        let (status, body) = set_default(&server, "alice", "email").await;
        assert_eq!(status, 422, "{engine}: {body}");
        // Nothing half-done: the refused updates left the default as it was.
        let user = server
            .admin_call("GET", "/v1/admin/users/alice", None)
            .await
            .unwrap();
        assert_eq!(user["user"]["default_method"], "token");

        let records = audit(&server, "username=alice&event=admin").await;
        assert!(
            records.iter().any(|r| r["reason"] == "user_updated"
                && r["result"] == "success"
                && r["admin_id"].is_string()
                && r["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("default_method=token"))),
            "{engine}: {records:?}"
        );
        let refused: Vec<&Value> = records
            .iter()
            .filter(|r| r["reason"] == "user_updated" && r["result"] == "failure")
            .collect();
        assert_eq!(refused.len(), 2, "{engine}: {records:?}");
    }
}

#[tokio::test]
async fn auto_follows_the_default_method_and_preauth_lists_it_first() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (app, account) = passcode_setup(&server, "alice").await;
        give_token(&server, "alice").await;

        // No default: push before passcode, as before.
        let pre = preauth(&server, &app, "alice").await;
        assert_eq!(strings(&pre["methods"]), ["push", "passcode"], "{pre}");
        assert_eq!(pre["default_method"], "push");
        assert_eq!(pre["default_method_disabled"], false);
        let (status, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "auto", "async": true}),
        )
        .await;
        assert_eq!((status, answer["result"].as_str()), (200, Some("waiting")));

        // Default: the hardware token. Preauth offers a passcode first; auto without a
        // passcode asks for one instead of pushing.
        assert_eq!(set_default(&server, "alice", "token").await.0, 200);
        let pre = preauth(&server, &app, "alice").await;
        assert_eq!(strings(&pre["methods"]), ["passcode", "push"], "{pre}");
        assert_eq!(pre["default_method"], "passcode");
        let (status, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "auto", "async": true}),
        )
        .await;
        assert_eq!(status, 422, "{engine}: {answer}");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("default method"));
        let code = token_code(server.clock.now());
        let (status, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "auto", "passcode": code}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(answer["result"], "allow", "{engine}: {answer}");
        let records = audit(&server, "username=alice&event=authentication").await;
        assert_eq!(records[0]["factor"], "passcode", "{records:?}");
        assert_eq!(records[0]["device_id"], "TK-alice", "{records:?}");

        // Default push again: push first.
        assert_eq!(set_default(&server, "alice", "push").await.0, 200);
        let pre = preauth(&server, &app, "alice").await;
        assert_eq!(strings(&pre["methods"]), ["push", "passcode"], "{pre}");

        // A default the user does not have falls back to the first available method: bob
        // has only a hardware token.
        server
            .admin_call("POST", "/v1/admin/users", Some(json!({"username": "bob"})))
            .await
            .unwrap();
        give_token(&server, "bob").await;
        assert_eq!(set_default(&server, "bob", "push").await.0, 200);
        let pre = preauth(&server, &app, "bob").await;
        assert_eq!(strings(&pre["methods"]), ["passcode"], "{pre}");
        assert_eq!(pre["default_method"], "passcode");
        assert_eq!(pre["default_method_disabled"], false);
        let (status, answer) = auth(
            &server,
            &app,
            json!({"username": "bob", "factor": "auto", "async": true}),
        )
        .await;
        assert_eq!(status, 422, "{engine}: {answer}");
        server.clock.advance(30);
        let code = token_code(server.clock.now());
        let (_, answer) = auth(
            &server,
            &app,
            json!({"username": "bob", "factor": "auto", "passcode": code}),
        )
        .await;
        assert_eq!(answer["result"], "allow", "{engine}: {answer}");
        // The app's code passes with auto and a passcode whatever the default.
        let code = account.code(server.clock.now()).unwrap();
        let (_, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "auto", "passcode": code}),
        )
        .await;
        assert_eq!(answer["result"], "allow", "{engine}: {answer}");
    }
}

#[tokio::test]
async fn a_disabled_default_keeps_the_other_methods_and_asks_to_register_again() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (app, account) = passcode_setup(&server, "alice").await;
        assert_eq!(set_default(&server, "alice", "push").await.0, 200);
        // Carol signs in with a hardware token only.
        server
            .admin_call(
                "POST",
                "/v1/admin/users",
                Some(json!({"username": "carol"})),
            )
            .await
            .unwrap();
        give_token(&server, "carol").await;
        assert_eq!(set_default(&server, "carol", "token").await.0, 200);

        assert_eq!(switch(&server, "push", false).await.0, 200);
        let pre = preauth(&server, &app, "alice").await;
        assert_eq!(pre["result"], "auth", "{engine}: {pre}");
        assert_eq!(strings(&pre["methods"]), ["passcode"], "{pre}");
        assert_eq!(pre["default_method"], "passcode");
        assert_eq!(pre["default_method_disabled"], true);
        // The other method keeps working; auto falls back to it; push is refused.
        let code = account.code(server.clock.now()).unwrap();
        let (_, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "passcode", "passcode": code}),
        )
        .await;
        assert_eq!(answer["result"], "allow", "{engine}: {answer}");
        let (status, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "auto", "async": true}),
        )
        .await;
        assert_eq!(status, 422, "auto now means passcode: {answer}");
        let (_, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "push"}),
        )
        .await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("enroll"), Some("method_disabled"))
        );
        // Carol's default is not affected.
        let pre = preauth(&server, &app, "carol").await;
        assert_eq!(pre["default_method_disabled"], false, "{pre}");

        // Passcode off too: alice has nothing left and must register again, as must carol.
        assert_eq!(switch(&server, "passcode", false).await.0, 200);
        for user in ["alice", "carol"] {
            let pre = preauth(&server, &app, user).await;
            assert_eq!(
                (pre["result"].as_str(), pre["reason"].as_str()),
                (Some("enroll"), Some("method_disabled")),
                "{engine} {user}: {pre}"
            );
            assert_eq!(pre["methods"], json!([]));
            assert_eq!(pre["default_method"], Value::Null);
            assert_eq!(pre["default_method_disabled"], true, "{user}: {pre}");
        }
        // Push back on: alice's default works again; carol still has only her token.
        assert_eq!(switch(&server, "push", true).await.0, 200);
        let pre = preauth(&server, &app, "alice").await;
        assert_eq!(strings(&pre["methods"]), ["push"], "{pre}");
        assert_eq!(pre["default_method_disabled"], false);
        let (_, answer) = auth(
            &server,
            &app,
            json!({"username": "alice", "factor": "auto", "async": true}),
        )
        .await;
        assert_eq!(answer["result"], "waiting", "{engine}: {answer}");
    }
}

#[tokio::test]
async fn every_method_can_be_switched_off_and_is_then_refused_as_method_disabled() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| c.app_passwords.enabled = true)
            .await
            .unwrap();
        let (app, _) = passcode_setup(&server, "dave").await;
        let methods = server
            .admin_call("GET", "/v1/admin/methods", None)
            .await
            .unwrap();
        let names: Vec<&str> = methods
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["method"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["push", "passcode", "app_password", "bypass", "recovery"]
        );

        let bypass = server
            .admin_call(
                "POST",
                "/v1/admin/users/dave/bypass",
                Some(json!({"minutes": 5, "uses": 1})),
            )
            .await
            .unwrap()["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let recovery = server
            .admin_call("POST", "/v1/admin/users/dave/recovery-codes", None)
            .await
            .unwrap()["codes"][0]
            .as_str()
            .unwrap()
            .to_owned();
        let app_password = server
            .admin_call(
                "POST",
                "/v1/admin/users/dave/app-passwords",
                Some(json!({"name": "mail"})),
            )
            .await
            .unwrap()["password"]
            .as_str()
            .unwrap()
            .to_owned();

        for (factor, secret) in [
            ("bypass", &bypass),
            ("recovery", &recovery),
            ("app_password", &app_password),
        ] {
            let (status, states) = switch(&server, factor, false).await;
            assert_eq!(status, 200, "{engine}: {states}");
            assert!(!strings(&preauth(&server, &app, "dave").await["methods"])
                .contains(&factor.to_owned()));
            let body = json!({"username": "dave", "factor": factor, "passcode": secret});
            let (_, answer) = auth(&server, &app, body.clone()).await;
            assert_eq!(
                (answer["result"].as_str(), answer["reason"].as_str()),
                (Some("enroll"), Some("method_disabled")),
                "{engine} {factor}: {answer}"
            );
            // Recognised by its shape in the passcode field: refused the same way.
            if factor != "app_password" {
                let (_, answer) = auth(
                    &server,
                    &app,
                    json!({"username": "dave", "factor": "auto", "passcode": secret}),
                )
                .await;
                assert_eq!(answer["reason"], "method_disabled", "{factor}: {answer}");
            }
            // The refusal used nothing up: enabled again, the secret works.
            assert_eq!(switch(&server, factor, true).await.0, 200);
            let (_, answer) = auth(&server, &app, body).await;
            assert_eq!(answer["result"], "allow", "{engine} {factor}: {answer}");
        }
        let records = audit(&server, "username=dave&event=authentication").await;
        assert_eq!(
            records
                .iter()
                .filter(|r| r["reason"] == "method_disabled")
                .count(),
            5,
            "{engine}: {records:?}"
        );

        for name in ["auto", "sms", "Push"] {
            let (status, body) = switch(&server, name, false).await;
            assert_eq!(status, 422, "{name}: {body}");
            assert!(body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("push, passcode, app_password, bypass or recovery"));
        }
        let refused = audit(&server, "event=admin")
            .await
            .into_iter()
            .filter(|r| r["reason"] == "method_disabled" && r["result"] == "failure")
            .count();
        assert_eq!(refused, 3, "{engine}");
    }
}

/// The CLI of the real binary: `user update --default-method`, shown by `user list/show`;
/// `sms` refused with the server's explanation, an unknown name by the CLI itself.
#[tokio::test]
async fn the_cli_sets_and_shows_the_default_method() {
    for engine in engines().unwrap() {
        let server = twofold_testkit::ServerProcess::start(engine).await.unwrap();
        server.add_user("alice", &[]).unwrap();
        let updated = server
            .cli(&["user", "update", "alice", "--default-method", "token"])
            .unwrap();
        assert!(updated.status.success(), "{}", updated.stderr);
        assert!(
            updated.stdout.contains("DEFAULT") && updated.stdout.contains("token"),
            "{}",
            updated.stdout
        );
        let users: Vec<twofold_core::proto::admin::User> =
            server.cli_json(&["user", "list", "--json"]).unwrap();
        assert_eq!(
            users[0].default_method,
            Some(twofold_core::proto::admin::DefaultMethod::Token)
        );
        let shown = server.cli(&["user", "show", "alice"]).unwrap();
        assert!(shown.stdout.contains("token"), "{}", shown.stdout);

        let refused = server
            .cli(&["user", "update", "alice", "--default-method", "sms"])
            .unwrap();
        assert!(!refused.status.success());
        assert!(
            refused.stderr.contains("sms codes are not supported"),
            "{}",
            refused.stderr
        );
        let unknown = server
            .cli(&["user", "update", "alice", "--default-method", "email"])
            .unwrap();
        assert!(!unknown.status.success());
        assert!(
            unknown
                .stderr
                .contains("\"email\" is not push, passcode, token, sms or voice"),
            "{}",
            unknown.stderr
        );
        let methods = server.cli(&["method", "list"]).unwrap();
        for name in ["push", "passcode", "app_password", "bypass", "recovery"] {
            assert!(methods.stdout.contains(name), "{}", methods.stdout);
        }
    }
}
