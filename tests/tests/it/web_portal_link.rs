//! Issue 16, the users' self-service portal at `/portal/`, over plain HTTP as a browser with
//! JavaScript off would: sign-in with a single-use, expiring link an admin issued (a GET does
//! not use it; a reused, expired or unknown link is refused and audited), the second factor a
//! user with a device must pass after the link, CSRF and cross-site forms refused and
//! audited, the idle and absolute timeouts on the server's clock.

use twofold_server::clock::Clock;
use twofold_testkit::browser::console::Console;
use twofold_testkit::{Engine, TestDevice};

use super::web_portal::{add_user, audit, link, open, reasons, server, signed_in};

on_each_engine!(
    a_portal_link_signs_in_once_and_a_get_does_not_use_it,
    expired_unknown_and_out_of_range_links_are_refused_and_audited,
    a_user_with_a_device_passes_a_code_after_the_link,
    portal_forms_without_the_right_csrf_token_or_from_another_site_are_refused_and_audited,
    portal_sessions_end_after_the_idle_and_the_absolute_timeout,
);

async fn a_portal_link_signs_in_once_and_a_get_does_not_use_it(engine: Engine) {
    let server = server(engine).await;
    add_user(&server, "alice").await;
    let path = link(&server, "alice", None).await;

    // A link scanner fetching it twice: a Continue button each time, no session, not used.
    let mut scanner = Console::new(&server.url).unwrap();
    for _ in 0..2 {
        let page = scanner.get(&path).await.unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Continue"), "{}", page.body);
        assert!(scanner.cookie.is_none());
    }
    assert!(audit(&server, "portal_signin").await.is_empty());

    let (mut browser, answer) = open(&server, &path).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    // A user without a device goes straight to the Security verification page.
    assert_eq!(answer.header("location"), "/portal/");
    let cookie = browser.cookie.clone().unwrap();
    assert!(cookie.starts_with("twofold_portal="), "{cookie}");
    let set = answer.header("set-cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Security verification"), "{}", home.body);
    assert!(home.body.contains("alice"));
    // The portal's cookie is no console session.
    let console = browser.get("/admin/users").await.unwrap();
    assert_eq!(console.status, 303);
    assert_eq!(console.header("location"), "/admin/signin");

    // Used once: a second Continue, from another browser, is refused.
    let (again, refused) = open(&server, &path).await;
    assert_eq!(refused.status, 410, "{}", refused.body);
    assert!(refused.body.contains("already used"), "{}", refused.body);
    assert!(again.cookie.is_none());

    let records = audit(&server, "portal_signin").await;
    assert_eq!(reasons(&records, "success"), vec![String::new()]);
    assert_eq!(reasons(&records, "failure"), vec!["link_used".to_owned()]);
    assert!(
        records.iter().all(|r| r["username"] == "alice"),
        "{records:?}"
    );
    let issued = audit(&server, "admin").await;
    assert!(
        issued
            .iter()
            .any(|r| r["reason"] == "portal_link_issued" && r["result"] == "success"),
        "{issued:?}"
    );
}

async fn expired_unknown_and_out_of_range_links_are_refused_and_audited(engine: Engine) {
    let server = server(engine).await;
    add_user(&server, "alice").await;
    let path = link(&server, "alice", Some(1)).await;
    server.clock.advance(60);
    let (_, expired) = open(&server, &path).await;
    assert_eq!(expired.status, 410, "{}", expired.body);
    assert!(expired.body.contains("expired"), "{}", expired.body);

    let forged = format!("/portal/link/{}", "A".repeat(43));
    let (_, unknown) = open(&server, &forged).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.body.contains("not valid"), "{}", unknown.body);

    let records = audit(&server, "portal_signin").await;
    assert_eq!(
        reasons(&records, "failure"),
        vec!["link_unknown".to_owned(), "link_expired".to_owned()]
    );
    assert!(reasons(&records, "success").is_empty());

    for minutes in [0, 1441] {
        let (status, body) = server
            .as_admin(
                "POST",
                "/v1/admin/users/alice/portal-link",
                Some(serde_json::json!({ "minutes": minutes })),
            )
            .await
            .unwrap();
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "request.invalid_field", "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("minutes"));
    }
    let (status, body) = server
        .as_admin(
            "POST",
            "/v1/admin/users/nobody/portal-link",
            Some(serde_json::json!({})),
        )
        .await
        .unwrap();
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "user.not_found");
    let refusals: Vec<_> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "portal_link_issued" && r["result"] == "failure")
        .collect();
    assert_eq!(refusals.len(), 3, "{refusals:?}");
}

async fn a_user_with_a_device_passes_a_code_after_the_link(engine: Engine) {
    let server = server(engine).await;
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let path = link(&server, "alice", None).await;
    let (mut browser, answer) = open(&server, &path).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), "/portal/verify");

    // Nothing but the verification page until the code is passed.
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), "/portal/verify");
    let page = browser.get("/portal/verify").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf().unwrap();

    let secret = device.secret_base32().unwrap();
    let now = server.clock.now();
    let right = twofold_testkit::oathtool(&secret, now).unwrap();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = browser
        .post("/portal/verify", &[("csrf", &csrf), ("code", wrong)])
        .await
        .unwrap();
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("not right"), "{}", refused.body);
    let still = browser.get("/portal/").await.unwrap();
    assert_eq!(still.header("location"), "/portal/verify");

    let passed = browser
        .post("/portal/verify", &[("csrf", &csrf), ("code", &right)])
        .await
        .unwrap();
    assert_eq!(passed.status, 303, "{}", passed.body);
    assert_eq!(passed.header("location"), "/portal/");
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.status, 200, "{}", home.body);

    // The codes went through the sign-in check: audited, and the used one is spent.
    let auth = audit(&server, "authentication").await;
    let portal: Vec<_> = auth
        .iter()
        .filter(|r| r["application"] == "portal")
        .map(|r| r["result"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        portal,
        vec!["allow".to_owned(), "deny".to_owned()],
        "{auth:?}"
    );
    let path = link(&server, "alice", None).await;
    let (mut second, _) = open(&server, &path).await;
    let page = second.get("/portal/verify").await.unwrap();
    let csrf = page.csrf().unwrap();
    let replayed = second
        .post("/portal/verify", &[("csrf", &csrf), ("code", &right)])
        .await
        .unwrap();
    assert_eq!(replayed.status, 401, "{}", replayed.body);
    assert!(replayed.body.contains("already used"), "{}", replayed.body);
}

async fn portal_forms_without_the_right_csrf_token_or_from_another_site_are_refused_and_audited(
    engine: Engine,
) {
    let server = server(engine).await;
    let mut browser = signed_in(&server).await;
    let page = browser.get("/portal/").await.unwrap();
    let csrf = page.csrf().unwrap();

    let missing = browser.post("/portal/signout", &[]).await.unwrap();
    assert_eq!(missing.status, 403, "{}", missing.body);
    let wrong = browser
        .post("/portal/signout", &[("csrf", "0123abcd")])
        .await
        .unwrap();
    assert_eq!(wrong.status, 403);
    let cross = browser
        .post_from(
            "/portal/signout",
            &[("csrf", &csrf)],
            "http://evil.example",
            "cross-site",
        )
        .await
        .unwrap();
    assert_eq!(cross.status, 403);
    // A link used from another site's form is refused too (and stays unused).
    let path = link(&server, "alice", None).await;
    let mut other = Console::new(&server.url).unwrap();
    let forged = other
        .post_from(&path, &[], "http://evil.example", "cross-site")
        .await
        .unwrap();
    assert_eq!(forged.status, 403);
    let (_, used) = open(&server, &path).await;
    assert_eq!(used.status, 303, "{}", used.body);

    let refused: Vec<_> = audit(&server, "portal")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "csrf_refused" && r["result"] == "failure")
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused.iter().all(|r| r["username"] == "alice"));

    // Still signed in; with its token the form works.
    assert_eq!(browser.get("/portal/").await.unwrap().status, 200);
    let out = browser
        .post("/portal/signout", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/portal/signed-out");
    assert!(browser.cookie.is_none());
    assert_eq!(audit(&server, "portal_signout").await.len(), 1);
}

async fn portal_sessions_end_after_the_idle_and_the_absolute_timeout(engine: Engine) {
    let server = server(engine).await;
    let mut browser = signed_in(&server).await;
    // Used every 899 s: alive past the idle timeout's length in total.
    for _ in 0..3 {
        server.clock.advance(899);
        assert_eq!(browser.get("/portal/").await.unwrap().status, 200);
    }
    server.clock.advance(900);
    let ended = browser.get("/portal/").await.unwrap();
    assert_eq!(ended.status, 303);
    assert_eq!(ended.header("location"), "/portal/signed-out");

    // Absolute: 8 h after sign-in, however busy.
    let path = link(&server, "alice", None).await;
    let (mut busy, _) = open(&server, &path).await;
    for _ in 0..32 {
        server.clock.advance(899);
        assert_eq!(busy.get("/portal/").await.unwrap().status, 200);
    }
    server.clock.advance(28_800 - 32 * 899);
    let ended = busy.get("/portal/").await.unwrap();
    assert_eq!(ended.status, 303);
    assert_eq!(ended.header("location"), "/portal/signed-out");
}
