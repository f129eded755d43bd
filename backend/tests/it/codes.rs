//! Issue 14, "App passwords" and "Bypass and recovery codes", through the admin and
//! relying-party APIs on both engines: created, used, refused after deletion or a reset;
//! bypass codes used for their uses until they expire (manual clock); recovery codes used
//! once, also under 16 concurrent submissions; audit records name the method, never a value.

use std::sync::Arc;

use serde_json::{json, Value};
use twofold_server::clock::Clock;

use crate::handlers::passcode_setup;
use twofold_testkit::{engines, InProcessServer};

/// `POST /v1/auth` for `username` with `factor` and `secret` in the passcode field:
/// (result, reason).
async fn auth(
    server: &InProcessServer,
    app: &str,
    username: &str,
    factor: &str,
    secret: &str,
) -> (String, String) {
    let body = json!({"username": username, "factor": factor, "passcode": secret});
    let (status, answer) = server
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    (
        answer["result"].as_str().unwrap().to_owned(),
        answer["reason"].as_str().unwrap().to_owned(),
    )
}

/// An app password nobody was given.
const WRONG: &str = "abcdef-ghjkmn-pqrstu-vwxyza";

fn pair(result: &str, reason: &str) -> (String, String) {
    (result.to_owned(), reason.to_owned())
}

async fn preauth_methods(server: &InProcessServer, app: &str, username: &str) -> Vec<String> {
    let (status, answer) = server
        .call(
            "POST",
            "/v1/preauth",
            Some(app),
            Some(json!({"username": username})),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

/// Every audit record of `username`, newest first.
async fn audit(server: &InProcessServer, username: &str) -> Vec<Value> {
    let records = server
        .admin_call(
            "GET",
            &format!("/v1/admin/audit?username={username}&limit=100000"),
            None,
        )
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

/// No audit record of `username` contains any of `secrets`, in any spelling we accept.
async fn assert_audit_keeps(server: &InProcessServer, username: &str, secrets: &[String]) {
    let text = Value::Array(audit(server, username).await)
        .to_string()
        .to_lowercase();
    for secret in secrets {
        assert!(
            !text.contains(&secret.to_lowercase()),
            "audit holds {secret}"
        );
        assert!(
            !text.contains(&secret.replace('-', "")),
            "audit holds {secret}"
        );
    }
}

/// `POST .../app-passwords` whatever the answer: (status, body).
async fn try_create(server: &InProcessServer, username: &str, name: &str) -> (u16, Value) {
    let (status, body) = server
        .as_admin(
            "POST",
            &format!("/v1/admin/users/{username}/app-passwords"),
            Some(json!({ "name": name })),
        )
        .await
        .unwrap();
    (status.as_u16(), body)
}

async fn create_app_password(server: &InProcessServer, username: &str, name: &str) -> String {
    let issued = server
        .admin_call(
            "POST",
            &format!("/v1/admin/users/{username}/app-passwords"),
            Some(json!({ "name": name })),
        )
        .await
        .unwrap();
    assert_eq!(issued["name"], name);
    issued["password"].as_str().unwrap().to_owned()
}

fn enabled(c: &mut twofold_server::Config) {
    c.app_passwords.enabled = true;
}

#[tokio::test]
async fn app_passwords_are_refused_while_disabled() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (app, _) = passcode_setup(&server, "alice").await;
        let (status, body) = try_create(&server, "alice", "mail").await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "app_password.disabled");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("[app_passwords] enabled"));
        assert_eq!(
            auth(&server, &app, "alice", "app_password", WRONG).await,
            pair("deny", "app_passwords_disabled")
        );
        assert!(!preauth_methods(&server, &app, "alice")
            .await
            .contains(&"app_password".into()));
        let records = audit(&server, "alice").await;
        assert!(records.iter().any(|r| r["event"] == "admin"
            && r["result"] == "failure"
            && r["reason"] == "app_passwords_disabled"));
        assert!(records.iter().any(|r| r["event"] == "authentication"
            && r["factor"] == "app_password"
            && r["reason"] == "app_passwords_disabled"));
    }
}

#[tokio::test]
async fn app_passwords_are_created_used_listed_and_refused_after_delete_all() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, enabled).await.unwrap();
        let (app, _) = passcode_setup(&server, "alice").await;
        let mail = create_app_password(&server, "alice", "mail").await;
        let vpn = create_app_password(&server, "alice", "vpn").await;
        assert_ne!(mail, vpn);
        assert_eq!(mail.len(), 27, "{mail}");
        let (status, body) = try_create(&server, "alice", "mail").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (409, Some("app_password.exists"))
        );
        assert!(preauth_methods(&server, &app, "alice")
            .await
            .contains(&"app_password".into()));

        assert_eq!(
            auth(&server, &app, "alice", "app_password", &mail).await,
            pair("allow", "verified")
        );
        // Typed without dashes and in capitals, it is the same password.
        let typed = mail.replace('-', "").to_uppercase();
        assert_eq!(
            auth(&server, &app, "alice", "app_password", &typed).await,
            pair("allow", "verified")
        );
        assert_eq!(
            auth(&server, &app, "alice", "app_password", WRONG).await,
            pair("deny", "invalid_code")
        );
        // An app password is no passcode.
        assert_eq!(
            auth(&server, &app, "alice", "passcode", &mail).await.0,
            "deny"
        );

        let list = server
            .admin_call("GET", "/v1/admin/users/alice/app-passwords", None)
            .await
            .unwrap();
        let names: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["mail", "vpn"]);
        assert!(
            list[0]["last_used_at"].is_i64() && list[1]["last_used_at"].is_null(),
            "{list}"
        );
        assert!(!list.to_string().contains(&mail) && !list.to_string().contains("hash"));

        let records = audit(&server, "alice").await;
        let allowed: Vec<&Value> = records
            .iter()
            .filter(|r| {
                r["event"] == "authentication"
                    && r["factor"] == "app_password"
                    && r["result"] == "allow"
            })
            .collect();
        assert_eq!(allowed.len(), 2);
        assert!(
            allowed.iter().all(|r| r["device_id"] == "mail"),
            "{allowed:?}"
        );
        assert!(records.iter().any(|r| r["event"] == "admin"
            && r["reason"] == "app_password_created"
            && r["device_id"] == "vpn"));

        server
            .admin_call("DELETE", "/v1/admin/users/alice/app-passwords/mail", None)
            .await
            .unwrap();
        assert_eq!(
            auth(&server, &app, "alice", "app_password", &mail).await,
            pair("deny", "invalid_code")
        );
        assert_eq!(
            auth(&server, &app, "alice", "app_password", &vpn).await,
            pair("allow", "verified")
        );
        let (status, body) = server
            .as_admin("DELETE", "/v1/admin/users/alice/app-passwords/mail", None)
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (404, Some("app_password.not_found"))
        );

        let deleted = server
            .admin_call("DELETE", "/v1/admin/users/alice/app-passwords", None)
            .await
            .unwrap();
        assert_eq!(deleted["deleted"], 1);
        assert_eq!(
            auth(&server, &app, "alice", "app_password", &vpn).await,
            pair("deny", "invalid_code")
        );
        assert!(!preauth_methods(&server, &app, "alice")
            .await
            .contains(&"app_password".into()));
        assert!(audit(&server, "alice")
            .await
            .iter()
            .any(|r| r["reason"] == "app_passwords_deleted"));
        assert_audit_keeps(&server, "alice", &[mail, vpn]).await;
    }
}

#[tokio::test]
async fn wrong_app_passwords_count_towards_their_own_lockout() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| {
            enabled(c);
            c.policy.lockout_threshold = 3;
        })
        .await
        .unwrap();
        let (app, account) = passcode_setup(&server, "bob").await;
        let right = create_app_password(&server, "bob", "mail").await;
        for _ in 0..3 {
            assert_eq!(
                auth(&server, &app, "bob", "app_password", WRONG).await,
                pair("deny", "invalid_code")
            );
        }
        assert_eq!(
            auth(&server, &app, "bob", "app_password", &right).await,
            pair("deny", "locked_out")
        );
        // A stale app password in a mail client does not lock the user's codes.
        let code = account.code(server.clock.now()).unwrap();
        assert_eq!(
            auth(&server, &app, "bob", "passcode", &code).await,
            pair("allow", "verified")
        );
        // The administrator's unlock lifts it.
        server
            .admin_call(
                "PATCH",
                "/v1/admin/users/bob",
                Some(json!({"unlock": true})),
            )
            .await
            .unwrap();
        assert_eq!(
            auth(&server, &app, "bob", "app_password", &right).await,
            pair("allow", "verified")
        );
    }
}

#[tokio::test]
async fn user_reset_deletes_app_passwords_unless_kept() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, enabled).await.unwrap();
        let (_, _) = passcode_setup(&server, "carol").await;
        create_app_password(&server, "carol", "mail").await;
        server
            .admin_call(
                "POST",
                "/v1/admin/users/carol/reset?keep_app_passwords=true",
                None,
            )
            .await
            .unwrap();
        let kept = server
            .admin_call("GET", "/v1/admin/users/carol/app-passwords", None)
            .await
            .unwrap();
        assert_eq!(kept.as_array().unwrap().len(), 1);
        server
            .admin_call("POST", "/v1/admin/users/carol/reset", None)
            .await
            .unwrap();
        let gone = server
            .admin_call("GET", "/v1/admin/users/carol/app-passwords", None)
            .await
            .unwrap();
        assert_eq!(gone, json!([]));
    }
}

#[tokio::test]
async fn a_bypass_code_works_for_its_uses_until_it_expires() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (app, _) = passcode_setup(&server, "dave").await;
        assert!(!preauth_methods(&server, &app, "dave")
            .await
            .contains(&"bypass".into()));
        for bad in [
            json!({"minutes": 0}),
            json!({"minutes": 1441}),
            json!({"uses": 0}),
            json!({"uses": 11}),
        ] {
            let (status, body) = server
                .as_admin("POST", "/v1/admin/users/dave/bypass", Some(bad.clone()))
                .await
                .unwrap();
            assert_eq!(status, 422, "{bad}: {body}");
        }
        let issued = server
            .admin_call(
                "POST",
                "/v1/admin/users/dave/bypass",
                Some(json!({"minutes": 5, "uses": 2})),
            )
            .await
            .unwrap();
        let code = issued["code"].as_str().unwrap().to_owned();
        assert_eq!(
            issued["expires_at"].as_u64().unwrap(),
            server.clock.now() + 300
        );
        assert!(preauth_methods(&server, &app, "dave")
            .await
            .contains(&"bypass".into()));
        assert_eq!(
            auth(&server, &app, "dave", "bypass", &code).await,
            pair("allow", "verified")
        );
        // Recognised by its shape in the passcode field (password-only clients).
        assert_eq!(
            auth(&server, &app, "dave", "passcode", &code).await,
            pair("allow", "verified")
        );
        assert_eq!(
            auth(&server, &app, "dave", "bypass", &code).await,
            pair("deny", "code_replayed")
        );
        assert!(!preauth_methods(&server, &app, "dave")
            .await
            .contains(&"bypass".into()));

        // A new one (the default: 5 minutes, one use) expires on the manual clock.
        let issued = server
            .admin_call("POST", "/v1/admin/users/dave/bypass", Some(json!({})))
            .await
            .unwrap();
        let late = issued["code"].as_str().unwrap().to_owned();
        assert_eq!(issued["uses"], 1);
        server.clock.advance(300);
        assert_eq!(
            auth(&server, &app, "dave", "auto", &late).await,
            pair("deny", "invalid_code")
        );

        let records = audit(&server, "dave").await;
        let used: Vec<&Value> = records
            .iter()
            .filter(|r| {
                r["event"] == "authentication" && r["factor"] == "bypass" && r["result"] == "allow"
            })
            .collect();
        assert_eq!(used.len(), 2);
        assert_eq!(
            records
                .iter()
                .filter(|r| r["event"] == "admin" && r["reason"] == "bypass_issued")
                .count(),
            2
        );
        assert_eq!(
            records
                .iter()
                .filter(|r| r["event"] == "admin"
                    && r["result"] == "failure"
                    && r["reason"] == "invalid_bypass")
                .count(),
            4,
            "every refused bypass is audited"
        );
        // Issued and refused alike, each names the admin token that asked.
        let token = server.admin();
        let admin_id = token.trim_start_matches("Bearer ").split('.').next();
        assert!(
            records
                .iter()
                .filter(|r| r["event"] == "admin")
                .all(|r| r["admin_id"].as_str() == admin_id),
            "{records:?}"
        );
        assert_audit_keeps(&server, "dave", &[code, late]).await;
    }
}

#[tokio::test]
async fn recovery_codes_work_once_each_and_a_new_set_voids_the_old() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (app, _) = passcode_setup(&server, "erin").await;
        let issued = server
            .admin_call("POST", "/v1/admin/users/erin/recovery-codes", None)
            .await
            .unwrap();
        let old: Vec<String> = issued["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(old.len(), 10);
        let mut distinct = old.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
        assert!(preauth_methods(&server, &app, "erin")
            .await
            .contains(&"recovery".into()));

        // `auto` with a recovery-shaped code is a recovery code, not a push.
        assert_eq!(
            auth(&server, &app, "erin", "auto", &old[0]).await,
            pair("allow", "verified")
        );
        assert_eq!(
            auth(&server, &app, "erin", "recovery", &old[0]).await,
            pair("deny", "code_replayed")
        );
        assert_eq!(
            auth(&server, &app, "erin", "recovery", &old[1]).await,
            pair("allow", "verified")
        );
        // A recovery code is not a bypass code.
        assert_eq!(
            auth(&server, &app, "erin", "bypass", &old[2]).await,
            pair("deny", "invalid_code")
        );

        let fresh = server
            .admin_call("POST", "/v1/admin/users/erin/recovery-codes", None)
            .await
            .unwrap();
        let new = fresh["codes"][0].as_str().unwrap().to_owned();
        assert_eq!(
            auth(&server, &app, "erin", "recovery", &old[2]).await,
            pair("deny", "invalid_code")
        );
        assert_eq!(
            auth(&server, &app, "erin", "passcode", &new).await,
            pair("allow", "verified")
        );

        let records = audit(&server, "erin").await;
        assert_eq!(
            records
                .iter()
                .filter(|r| r["event"] == "authentication"
                    && r["factor"] == "recovery"
                    && r["result"] == "allow")
                .count(),
            3
        );
        assert!(records
            .iter()
            .any(|r| r["event"] == "admin" && r["reason"] == "recovery_codes_issued"));
        let mut all = old;
        all.push(new);
        assert_audit_keeps(&server, "erin", &all).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_recovery_code_sent_16_times_at_once_allows_exactly_once() {
    for engine in engines().unwrap() {
        let server = Arc::new(InProcessServer::start(engine, |_| {}).await.unwrap());
        let (app, _) = passcode_setup(&server, "frank").await;
        let issued = server
            .admin_call("POST", "/v1/admin/users/frank/recovery-codes", None)
            .await
            .unwrap();
        let code = issued["codes"][3].as_str().unwrap().to_owned();
        let barrier = Arc::new(tokio::sync::Barrier::new(16));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (server, app, code, barrier) =
                    (server.clone(), app.clone(), code.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    auth(&server, &app, "frank", "recovery", &code).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        let allowed = answers.iter().filter(|a| a.0 == "allow").count();
        assert_eq!(allowed, 1, "{engine:?}: {answers:?}");
        assert!(
            answers
                .iter()
                .filter(|a| a.0 != "allow")
                .all(|a| *a == pair("deny", "code_replayed")),
            "{answers:?}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_new_endpoints_and_factors() {
    let server = InProcessServer::start(twofold_testkit::Engine::Sqlite, |_| {})
        .await
        .unwrap();
    let (status, doc) = server
        .call("GET", "/v1/openapi.json", None, None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    for path in [
        "/v1/admin/users/{username}/app-passwords",
        "/v1/admin/users/{username}/app-passwords/{name}",
        "/v1/admin/users/{username}/bypass",
        "/v1/admin/users/{username}/recovery-codes",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let schemas = &doc["components"]["schemas"];
    for schema in [
        "IssuedAppPassword",
        "IssuedBypass",
        "IssuedRecoveryCodes",
        "NewBypass",
    ] {
        assert!(schemas[schema].is_object(), "{schema} missing");
    }
    let factors = schemas["Factor"].to_string();
    for factor in ["app_password", "bypass", "recovery"] {
        assert!(factors.contains(factor), "{factors}");
    }
}
