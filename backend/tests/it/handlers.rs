//! Admin and relying-party handlers through the router.

use serde_json::json;

use twofold_testkit::{engines, InProcessServer, TestDevice};

#[tokio::test]
async fn admin_routes_need_the_admin_token() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (status, body) = server
            .call("GET", "/v1/admin/users", None, None)
            .await
            .unwrap();
        assert_eq!(status, 401, "{engine}");
        assert_eq!(body["error"]["code"], "auth.unauthorized");
        let (status, _) = server
            .call("GET", "/v1/admin/users", Some("Bearer adm_x.y"), None)
            .await
            .unwrap();
        assert_eq!(status, 401, "{engine}");
        let (status, body) = server
            .call("GET", "/v1/admin/users", Some(&server.admin()), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: {body}");
    }
}

#[tokio::test]
async fn users_are_added_listed_and_refused_twice() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let admin = server.admin();
        let (status, body) = server
            .call(
                "POST",
                "/v1/admin/users",
                Some(&admin),
                Some(json!({"username": "Alice", "email": "alice@example.com"})),
            )
            .await
            .unwrap();
        assert_eq!(status, 201, "{engine}: {body}");
        assert_eq!(body["username"], "alice");
        let (status, body) = server
            .call(
                "POST",
                "/v1/admin/users",
                Some(&admin),
                Some(json!({"username": "alice"})),
            )
            .await
            .unwrap();
        assert_eq!(status, 409, "{engine}");
        assert_eq!(body["error"]["code"], "user.exists");
        let (_, list) = server
            .call("GET", "/v1/admin/users", Some(&admin), None)
            .await
            .unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1, "{engine}");
    }
}

/// The body with which a new test device redeems `code`.
fn activate_body(code: &str) -> serde_json::Value {
    let device = TestDevice::new().unwrap();
    serde_json::to_value(device.activation_request(code).unwrap()).unwrap()
}

#[tokio::test]
async fn activation_codes_work_once_and_expire() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let admin = server.admin();
        server
            .call(
                "POST",
                "/v1/admin/users",
                Some(&admin),
                Some(json!({"username": "bob"})),
            )
            .await
            .unwrap();
        let (status, issued) = server
            .call("POST", "/v1/admin/users/bob/activation", Some(&admin), None)
            .await
            .unwrap();
        assert_eq!(status, 201, "{engine}: {issued}");
        let code = issued["code"].as_str().unwrap().to_owned();

        let (status, body) = server
            .call(
                "POST",
                "/v1/device/activate",
                None,
                Some(activate_body(&code)),
            )
            .await
            .unwrap();
        assert_eq!(status, 201, "{engine}: {body}");
        assert!(body["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Twofold:bob?secret="));
        assert_eq!(body["epoch"], 1);

        let (status, body) = server
            .call(
                "POST",
                "/v1/device/activate",
                None,
                Some(activate_body(&code)),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (409, Some("activation.already_used")),
            "{engine}"
        );

        let (_, issued) = server
            .call("POST", "/v1/admin/users/bob/activation", Some(&admin), None)
            .await
            .unwrap();
        server.clock.advance(601);
        let (status, body) = server
            .call(
                "POST",
                "/v1/device/activate",
                None,
                Some(activate_body(issued["code"].as_str().unwrap())),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (410, Some("activation.expired")),
            "{engine}"
        );

        let (status, body) = server
            .call(
                "POST",
                "/v1/device/activate",
                None,
                Some(activate_body("0000 0000 0000")),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (404, Some("activation.invalid_code")),
            "{engine}"
        );
    }
}

/// Activates a device for `username`; returns the relying-party authorization and the
/// device's offline-code account.
pub(crate) async fn passcode_setup(
    server: &InProcessServer,
    username: &str,
) -> (String, twofold_core::OtpAccount) {
    let admin = server.admin();
    server
        .call(
            "POST",
            "/v1/admin/users",
            Some(&admin),
            Some(json!({ "username": username })),
        )
        .await
        .unwrap();
    let (_, issued) = server
        .call(
            "POST",
            &format!("/v1/admin/users/{username}/activation"),
            Some(&admin),
            None,
        )
        .await
        .unwrap();
    let (status, body) = server
        .call(
            "POST",
            "/v1/device/activate",
            None,
            Some(activate_body(issued["code"].as_str().unwrap())),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let account =
        twofold_core::OtpAccount::from_uri(body["otpauth_uri"].as_str().unwrap()).unwrap();
    (server.application("Portal").await.unwrap(), account)
}

pub(crate) async fn passcode(
    server: &InProcessServer,
    app: &str,
    username: &str,
    code: &str,
) -> serde_json::Value {
    let body = json!({"username": username, "factor": "passcode", "passcode": code});
    let (status, answer) = server
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer
}

#[tokio::test]
async fn lockout_after_the_threshold_until_the_cool_down_and_replays_do_not_count() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| c.policy.lockout_threshold = 3)
            .await
            .unwrap();
        let (app, account) = passcode_setup(&server, "carol").await;
        let now = twofold_server::clock::Clock::now(server.clock.as_ref());
        let valid = account.code(now).unwrap();
        assert_eq!(
            passcode(&server, &app, "carol", &valid).await["result"],
            "allow",
            "{engine}"
        );
        // Replays are refused but are not guesses: they do not lock the user.
        for _ in 0..5 {
            assert_eq!(
                passcode(&server, &app, "carol", &valid).await["reason"],
                "code_replayed",
                "{engine}"
            );
        }
        let wrong = if valid == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..3 {
            assert_eq!(
                passcode(&server, &app, "carol", wrong).await["reason"],
                "invalid_code",
                "{engine}"
            );
        }
        server.clock.advance(30);
        let next = account.code(now + 30).unwrap();
        assert_eq!(
            passcode(&server, &app, "carol", &next).await["reason"],
            "locked_out",
            "{engine}"
        );
        server.clock.advance(300);
        let later = account.code(now + 330).unwrap();
        assert_eq!(
            passcode(&server, &app, "carol", &later).await["result"],
            "allow",
            "{engine}: after the cool-down"
        );
        // The success reset the count: one failure does not lock again.
        assert_eq!(
            passcode(&server, &app, "carol", wrong).await["reason"],
            "invalid_code"
        );
        server.clock.advance(30);
        assert_eq!(
            passcode(&server, &app, "carol", &account.code(now + 360).unwrap()).await["result"],
            "allow"
        );
    }
}

#[tokio::test]
async fn sixteen_concurrent_submissions_of_one_code_give_exactly_one_allow() {
    for engine in engines().unwrap() {
        let server = std::sync::Arc::new(InProcessServer::start(engine, |_| {}).await.unwrap());
        let (app, account) = passcode_setup(&server, "dave").await;
        let code = account
            .code(twofold_server::clock::Clock::now(server.clock.as_ref()))
            .unwrap();
        let attempts: Vec<_> = (0..16)
            .map(|_| {
                let (server, app, code) = (server.clone(), app.clone(), code.clone());
                tokio::spawn(async move { passcode(&server, &app, "dave", &code).await })
            })
            .collect();
        let mut allowed = 0;
        for attempt in attempts {
            let answer = attempt.await.unwrap();
            match answer["result"].as_str() {
                Some("allow") => allowed += 1,
                _ => assert_eq!(answer["reason"], "code_replayed", "{engine}: {answer}"),
            }
        }
        assert_eq!(allowed, 1, "{engine}");
    }
}
