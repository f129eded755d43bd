//! Issue 16, the portal's sign-in settings over plain HTTP: the default method chosen among
//! the methods the user really has (then `/v1/preauth` offers it first), and the phone
//! number for text and voice codes, saved only after the code the kit's test gateway
//! received is typed back (a wrong, expired, reused or foreign code refused, every step
//! audited), and never in the server's log.

use serde_json::Value;
use twofold_testkit::browser::console::{Answer, Console};
use twofold_testkit::gateway::TestGateway;
use twofold_testkit::{Engine, InProcessServer, ServerProcess};

use super::web_portal::{audit, server, signed_in, signed_in_with_device, text_of};

on_each_engine!(
    the_default_method_chosen_in_the_portal_is_what_preauth_offers_first,
    without_a_gateway_the_phone_section_says_so_and_has_no_form,
    a_phone_number_is_saved_only_after_the_code_sent_to_it_is_typed_back,
    a_phone_code_that_expired_or_was_used_is_refused_and_saves_nothing,
    the_phone_number_verified_in_the_portal_never_reaches_the_log,
);

const TYPED: &str = "+49 (151) 2345 6789";
const E164: &str = "+4915123456789";

/// `alice` with an activated device, signed in to the portal past her second factor.
async fn with_device(server: &InProcessServer) -> Console {
    signed_in_with_device(server).await.0
}

async fn preauth(server: &InProcessServer, app: &str) -> Value {
    let body = serde_json::json!({ "username": "alice" });
    let (status, answer) = server
        .call("POST", "/v1/preauth", Some(app), Some(body))
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn save_method(browser: &mut Console, method: &str) -> Answer {
    let page = browser.get("/portal/settings").await.unwrap();
    browser
        .post(
            "/portal/settings/default-method",
            &[("csrf", &page.csrf().unwrap()), ("method", method)],
        )
        .await
        .unwrap()
}

async fn the_default_method_chosen_in_the_portal_is_what_preauth_offers_first(engine: Engine) {
    let server = server(engine).await;
    let app = server.application("VPN").await.unwrap();
    let mut browser = with_device(&server).await;
    let page = browser.get("/portal/settings").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    // Only what alice has: no token, no text or voice codes (no gateway, no number).
    for has in ["auto", "push", "passcode"] {
        assert!(
            page.body.contains(&format!("id=\"method-{has}\"")),
            "{has}: {}",
            page.body
        );
    }
    for lacks in ["token", "sms", "voice"] {
        assert!(!page.body.contains(&format!("id=\"method-{lacks}\"")));
    }
    assert_eq!(preauth(&server, &app).await["default_method"], "push");

    let saved = save_method(&mut browser, "passcode").await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(
        saved
            .body
            .contains("Default method saved: Code from the Twofold app."),
        "{}",
        saved.body
    );
    assert!(text_of(&saved, "current-method").contains("When you sign in"));
    assert!(saved
        .body
        .contains("id=\"method-passcode\" value=\"passcode\" checked"));
    let offered = preauth(&server, &app).await;
    assert_eq!(offered["default_method"], "passcode", "{offered}");
    assert_eq!(offered["methods"][0], "passcode", "{offered}");
    let user = server
        .admin_call("GET", "/v1/admin/users/alice", None)
        .await
        .unwrap();
    assert_eq!(user["user"]["default_method"], "passcode", "{user}");

    // Methods alice does not have, and nonsense, are refused and change nothing.
    for bad in ["token", "sms", "carrier-pigeon"] {
        let refused = save_method(&mut browser, bad).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.body);
        assert!(refused.body.contains("id=\"settings-error\""));
    }
    assert_eq!(preauth(&server, &app).await["default_method"], "passcode");

    let auto = save_method(&mut browser, "auto").await;
    assert_eq!(auto.status, 200, "{}", auto.body);
    let user = server
        .admin_call("GET", "/v1/admin/users/alice", None)
        .await
        .unwrap();
    assert!(user["user"]["default_method"].is_null(), "{user}");
    assert_eq!(preauth(&server, &app).await["default_method"], "push");

    let records: Vec<_> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "user_updated" && r["admin_id"] == "portal")
        .collect();
    let results: Vec<_> = records
        .iter()
        .map(|r| r["result"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        results.iter().filter(|r| *r == "success").count(),
        2,
        "{records:?}"
    );
    assert_eq!(
        results.iter().filter(|r| *r == "failure").count(),
        3,
        "{records:?}"
    );
    assert!(records.iter().all(|r| r["username"] == "alice"));
    assert!(
        records
            .iter()
            .any(|r| r["detail"] == "default_method=passcode"),
        "{records:?}"
    );
}

async fn without_a_gateway_the_phone_section_says_so_and_has_no_form(engine: Engine) {
    let server = server(engine).await;
    let mut browser = signed_in(&server).await;
    let page = browser.get("/portal/settings").await.unwrap();
    assert!(
        page.body.contains("id=\"phone-not-set-up\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("not set up by your administrator"));
    assert!(!page.body.contains("name=\"phone\""), "{}", page.body);
    let posted = browser
        .post(
            "/portal/settings/phone",
            &[
                ("csrf", &page.csrf().unwrap()),
                ("phone", E164),
                ("channel", "sms"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(posted.status, 409, "{}", posted.body);
    let refused = audit(&server, "phone_verification").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["result"], "failure");
    assert_eq!(refused[0]["reason"], "method_not_configured");
}

/// A server with the test gateway as its `[sms]` and `[voice]` gateway.
async fn with_gateway(engine: Engine, gateway: &TestGateway) -> InProcessServer {
    let url = gateway.url();
    InProcessServer::listening(engine, |c| {
        c.sms.gateway_url = url.clone();
        c.voice.gateway_url = url;
    })
    .await
    .unwrap()
}

/// The value of the hidden field `name` on `page`.
fn hidden(page: &Answer, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.body.find(&marker).unwrap() + marker.len();
    let end = start + page.body[start..].find('"').unwrap();
    page.body[start..end].to_owned()
}

/// Asks for a code to `number` by `channel`: the answer.
async fn request_code(browser: &mut Console, number: &str, channel: &str) -> Answer {
    let page = browser.get("/portal/settings").await.unwrap();
    browser
        .post(
            "/portal/settings/phone",
            &[
                ("csrf", &page.csrf().unwrap()),
                ("phone", number),
                ("channel", channel),
            ],
        )
        .await
        .unwrap()
}

async fn confirm(browser: &mut Console, sent: &Answer, number: &str, code: &str) -> Answer {
    browser
        .post(
            "/portal/settings/phone/confirm",
            &[
                ("csrf", &sent.csrf().unwrap()),
                ("txid", &hidden(sent, "txid")),
                ("number", number),
                ("code", code),
            ],
        )
        .await
        .unwrap()
}

/// "Remove number" on `page`: the answer (200).
async fn remove_number(browser: &mut Console, page: &Answer) -> Answer {
    let removed = browser
        .post(
            "/portal/settings/phone/remove",
            &[("csrf", &page.csrf().unwrap())],
        )
        .await
        .unwrap();
    assert_eq!(removed.status, 200, "{}", removed.body);
    removed
}

async fn phone_of(server: &InProcessServer) -> Value {
    server
        .admin_call("GET", "/v1/admin/users/alice", None)
        .await
        .unwrap()["user"]["phone"]
        .clone()
}

fn reasons_of(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .rev()
        .map(|r| {
            format!(
                "{} {}",
                r["result"].as_str().unwrap_or(""),
                r["reason"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn a_phone_number_is_saved_only_after_the_code_sent_to_it_is_typed_back(engine: Engine) {
    let gateway = TestGateway::start().unwrap();
    let server = with_gateway(engine, &gateway).await;
    let app = server.application("VPN").await.unwrap();
    let mut browser = signed_in(&server).await;
    let page = browser.get("/portal/settings").await.unwrap();
    assert!(page.body.contains("id=\"no-phone\""), "{}", page.body);
    assert!(page.body.contains("id=\"channel-voice\""), "{}", page.body);

    // Not E.164: the admin API's (and so the CLI's) message for the same number.
    let bad = request_code(&mut browser, "0151 2345 6789", "sms").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let (status, api) = server
        .as_admin(
            "PATCH",
            "/v1/admin/users/alice",
            Some(serde_json::json!({ "phone": "0151 2345 6789" })),
        )
        .await
        .unwrap();
    assert_eq!(status, 422, "{api}");
    let message = api["error"]["message"].as_str().unwrap();
    assert!(message.contains("E.164"), "{message}");
    assert_eq!(
        text_of(&bad, "settings-error"),
        message.replace('"', "&quot;")
    );
    assert!(gateway.received().await.unwrap().is_empty());

    let sent = request_code(&mut browser, TYPED, "sms").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains(E164), "{}", sent.body);
    let received = gateway.received().await.unwrap();
    assert_eq!(received.len(), 1);
    assert!(received[0].body.contains(E164), "{:?}", received[0]);
    let code = gateway.last_code(6).await.unwrap();
    // Nothing saved yet.
    assert!(phone_of(&server).await.is_null());

    // The code is no sign-in code: a relying party cannot submit it.
    let (status, _) = server
        .call(
            "POST",
            &format!("/v1/auth/{}/code", hidden(&sent, "txid")),
            Some(&app),
            Some(serde_json::json!({ "passcode": code })),
        )
        .await
        .unwrap();
    assert_eq!(status, 404);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = confirm(&mut browser, &sent, E164, wrong).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(text_of(&refused, "settings-error").contains("not right"));
    // Another number with the right code: the code went to E164 only.
    let swapped = confirm(&mut browser, &sent, "+4915199999999", &code).await;
    assert_eq!(swapped.status, 401, "{}", swapped.body);
    assert!(phone_of(&server).await.is_null());

    let saved = confirm(&mut browser, &refused, E164, &code).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("verified and saved"), "{}", saved.body);
    assert_eq!(phone_of(&server).await, E164);
    assert!(text_of(&saved, "current-phone").contains("Codes go to"));
    let offered = {
        let body = serde_json::json!({ "username": "alice" });
        server
            .call("POST", "/v1/preauth", Some(&app), Some(body))
            .await
            .unwrap()
            .1
    };
    assert_eq!(
        offered["methods"],
        serde_json::json!(["sms", "voice"]),
        "{offered}"
    );

    let remove = remove_number(&mut browser, &saved).await;
    assert!(remove.body.contains("id=\"no-phone\""), "{}", remove.body);
    assert!(phone_of(&server).await.is_null());

    assert_eq!(
        reasons_of(&audit(&server, "phone_verification").await),
        vec![
            "failure invalid_phone",
            "success code_sent",
            "failure invalid_code",
            "failure invalid_code",
            "success phone_verified",
        ]
    );
    let changes: Vec<_> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "user_updated" && r["admin_id"] == "portal")
        .map(|r| r["detail"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(changes, vec!["phone".to_owned(), "phone".to_owned()]);
}

async fn a_phone_code_that_expired_or_was_used_is_refused_and_saves_nothing(engine: Engine) {
    use twofold_server::clock::Clock;
    let gateway = TestGateway::start().unwrap();
    let server = with_gateway(engine, &gateway).await;
    let mut browser = signed_in(&server).await;

    let sent = request_code(&mut browser, E164, "voice").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("voice call"), "{}", sent.body);
    let code = gateway.last_code(6).await.unwrap();
    server
        .clock
        .advance(server.state.config.voice.code_ttl_seconds);
    let expired = confirm(&mut browser, &sent, E164, &code).await;
    assert_eq!(expired.status, 410, "{}", expired.body);
    assert!(text_of(&expired, "settings-error").contains("expired"));
    assert!(phone_of(&server).await.is_null());
    let _ = server.clock.now();

    let sent = request_code(&mut browser, E164, "sms").await;
    let code = gateway.last_code(6).await.unwrap();
    let saved = confirm(&mut browser, &sent, E164, &code).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    // The same code again, after the number was removed: used.
    remove_number(&mut browser, &saved).await;
    let used = confirm(&mut browser, &sent, E164, &code).await;
    assert_eq!(used.status, 410, "{}", used.body);
    assert!(text_of(&used, "settings-error").contains("already used"));
    assert!(phone_of(&server).await.is_null());
    let reasons = reasons_of(&audit(&server, "phone_verification").await);
    assert_eq!(
        reasons,
        vec![
            "success code_sent",
            "failure code_expired",
            "success code_sent",
            "success phone_verified",
            "failure code_replayed",
        ]
    );
}

async fn the_phone_number_verified_in_the_portal_never_reaches_the_log(engine: Engine) {
    let gateway = TestGateway::start().unwrap();
    let url = gateway.url();
    let server = ServerProcess::start_with(engine, &[("TWOFOLD_SMS_GATEWAY_URL", &url)])
        .await
        .unwrap();
    server.add_user("alice", &[]).unwrap();
    let printed = server.cli(&["portal", "link", "alice", "--json"]).unwrap();
    let issued: Value = printed.json().unwrap();
    let path = issued["url"]
        .as_str()
        .unwrap()
        .strip_prefix(server.url.as_str())
        .unwrap()
        .to_owned();
    let mut browser = Console::new(&server.url).unwrap();
    let continued = browser.post(&path, &[]).await.unwrap();
    assert_eq!(continued.status, 303, "{}", continued.body);
    let sent = request_code(&mut browser, TYPED, "sms").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let code = gateway.last_code(6).await.unwrap();
    let saved = confirm(&mut browser, &sent, E164, &code).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let shown = server.cli(&["user", "show", "alice"]).unwrap();
    assert!(shown.stdout.contains(E164), "{shown:?}");

    let logs = server.logs().unwrap();
    assert!(logs.contains("phone number verified"), "{logs}");
    for secret in [E164, "15123456789", code.as_str()] {
        assert!(!logs.contains(secret), "{secret} in the log:\n{logs}");
    }
}
