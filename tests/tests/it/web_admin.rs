//! Issue 16, the admin console at `/admin/`: sign-in with a password and the admin's own TOTP
//! (a wrong or replayed code refused), CSRF and cross-site forms refused and audited, idle
//! and absolute timeouts on the server's clock, the user search among 10,000 users, a reset
//! from the user's page, secrets shown once, the audit filter and its CSV, the usage chart,
//! and the security headers. All over plain HTTP, as a browser with JavaScript off would; the
//! real browser runs in `web_browser`.

use twofold_core::proto::admin::MfaState;
use twofold_server::clock::Clock;
use twofold_server::store::users::{self, User};
use twofold_testkit::browser::console::{Answer, Console, ConsoleAdmin};
use twofold_testkit::{Engine, InProcessServer, TestDevice};

on_each_engine!(
    console_sign_in_needs_password_and_a_fresh_totp_code,
    console_account_locks_after_repeated_failures,
    console_forms_without_the_right_csrf_token_or_from_another_site_are_refused_and_audited,
    console_sessions_end_after_the_idle_and_the_absolute_timeout,
    console_user_search_pages_through_10000_users,
    console_reset_from_the_user_page_revokes_the_devices,
    console_secrets_are_only_in_the_answer_to_the_post_that_made_them,
    console_audit_filters_and_exports_csv,
    console_usage_report_draws_a_chart_with_the_data,
    console_pages_carry_the_security_headers,
);

async fn server(engine: Engine) -> InProcessServer {
    InProcessServer::listening(engine, |_| {}).await.unwrap()
}

/// A console admin `root`, signed in.
pub(crate) async fn signed_in(server: &InProcessServer) -> (Console, ConsoleAdmin) {
    let admin = ConsoleAdmin::add(server, "root").await.unwrap();
    let mut console = Console::new(&server.url).unwrap();
    let code = admin.code(server.clock.now()).unwrap();
    let answer = console
        .sign_in(&admin.name, &admin.password, &code)
        .await
        .unwrap();
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), "/admin/users");
    assert!(console.cookie.is_some());
    (console, admin)
}

/// Audit records of `event`, newest first, through the admin API.
async fn audit(server: &InProcessServer, event: &str) -> Vec<serde_json::Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?event={event}"), None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

fn user(n: usize, now: u64) -> User {
    User {
        id: format!("usr_{n:05}"),
        username: format!("user{n:05}"),
        first_name: Some(format!("First{n}")),
        last_name: None,
        email: Some(format!("person{n}@example.org")),
        phone: None,
        mfa_state: if n.is_multiple_of(10) {
            MfaState::Enforced
        } else {
            MfaState::Enabled
        },
        needs_registration: false,
        blocked: false,
        created_at: now,
        updated_at: now,
        default_method: None,
    }
}

/// The usernames listed on a users page, in order.
fn listed(page: &Answer) -> Vec<String> {
    page.body
        .split("href=\"/admin/users/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

async fn console_sign_in_needs_password_and_a_fresh_totp_code(engine: Engine) {
    let server = server(engine).await;
    let admin = ConsoleAdmin::add(&server, "root").await.unwrap();
    let mut console = Console::new(&server.url).unwrap();
    let now = server.clock.now();
    let code = admin.code(now).unwrap();

    let page = console.get("/admin/users").await.unwrap();
    assert_eq!(page.status, 303, "signed out: sent to the sign-in page");
    assert_eq!(page.header("location"), "/admin/signin");

    let wrong_password = console
        .sign_in("root", "not the password!", &code)
        .await
        .unwrap();
    assert_eq!(wrong_password.status, 401);
    assert!(wrong_password
        .body
        .contains("Wrong name, password or code."));
    let other = if code == "000000" { "111111" } else { "000000" };
    let wrong_code = console
        .sign_in("root", &admin.password, other)
        .await
        .unwrap();
    assert_eq!(wrong_code.status, 401);
    let unknown = console
        .sign_in("nobody", &admin.password, &code)
        .await
        .unwrap();
    assert_eq!(unknown.status, 401);
    assert!(console.cookie.is_none());

    let ok = console
        .sign_in("root", &admin.password, &code)
        .await
        .unwrap();
    assert_eq!(ok.status, 303, "{}", ok.body);
    let cookie = ok.header("set-cookie");
    assert!(
        cookie.contains("; Path=/; HttpOnly; SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http on loopback: {cookie}"
    );
    let users = console.get("/admin/users").await.unwrap();
    assert_eq!(users.status, 200);
    assert!(users.body.contains("Signed in as"));

    // RFC 6238 §5.2: the same code, even in a new session, is refused.
    let mut again = Console::new(&server.url).unwrap();
    let replay = again.sign_in("root", &admin.password, &code).await.unwrap();
    assert_eq!(replay.status, 401);
    server.clock.advance(30);
    let next = again
        .sign_in(
            "root",
            &admin.password,
            &admin.code(server.clock.now()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(next.status, 303);

    let reasons: Vec<(String, String)> = audit(&server, "console_signin")
        .await
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap().to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .rev()
        .collect();
    let expected = [
        ("failure", "bad_password"),
        ("failure", "bad_code"),
        ("failure", "unknown_admin"),
        ("success", ""),
        ("failure", "replayed_code"),
        ("success", ""),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(reasons, expected);
    let records = audit(&server, "console_signin").await;
    assert_eq!(records[0]["admin_id"], admin.id.as_str());
}

async fn console_account_locks_after_repeated_failures(engine: Engine) {
    let server = server(engine).await;
    let admin = ConsoleAdmin::add(&server, "root").await.unwrap();
    let mut console = Console::new(&server.url).unwrap();
    // Failures are counted in fixed windows of web.lockout_seconds (900): start at one's
    // beginning so all five fall in it.
    server.clock.advance(900 - server.clock.now() % 900);
    for _ in 0..5 {
        let code = admin.code(server.clock.now()).unwrap();
        let refused = console
            .sign_in("root", "a wrong password", &code)
            .await
            .unwrap();
        assert_eq!(refused.status, 401);
        // A minute apart: the per-network limit is not what stops this.
        server.clock.advance(60);
    }
    let code = admin.code(server.clock.now()).unwrap();
    let locked = console
        .sign_in("root", &admin.password, &code)
        .await
        .unwrap();
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.body.contains("locked"));
    let reasons: Vec<String> = audit(&server, "console_signin")
        .await
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(reasons[0], "locked_out");
    // The lock ends with its window (web.lockout_seconds, 900 by default).
    server.clock.advance(900);
    let code = admin.code(server.clock.now()).unwrap();
    let ok = console
        .sign_in("root", &admin.password, &code)
        .await
        .unwrap();
    assert_eq!(ok.status, 303, "{}", ok.body);
}

async fn console_forms_without_the_right_csrf_token_or_from_another_site_are_refused_and_audited(
    engine: Engine,
) {
    let server = server(engine).await;
    server
        .admin_call(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({"username": "alice"})),
        )
        .await
        .unwrap();
    let (mut console, admin) = signed_in(&server).await;
    let page = console.get("/admin/users/alice").await.unwrap();
    let token = page.csrf().unwrap();

    let missing = console.post("/admin/users/alice/reset", &[]).await.unwrap();
    assert_eq!(missing.status, 403);
    let wrong = console
        .post("/admin/users/alice/reset", &[("csrf", "0123abcd")])
        .await
        .unwrap();
    assert_eq!(wrong.status, 403);
    let cross = console
        .post_from(
            "/admin/users/alice/reset",
            &[("csrf", &token)],
            "http://evil.example",
            "cross-site",
        )
        .await
        .unwrap();
    assert_eq!(cross.status, 403);
    let shown = server
        .admin_call("GET", "/v1/admin/users/alice", None)
        .await
        .unwrap();
    assert_eq!(
        shown["user"]["needs_registration"], false,
        "nothing was reset"
    );

    let refusals: Vec<serde_json::Value> = audit(&server, "console")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "csrf_refused")
        .collect();
    assert_eq!(refusals.len(), 3);
    assert!(refusals.iter().all(|r| r["admin_id"] == admin.id.as_str()));

    let done = console
        .post("/admin/users/alice/reset", &[("csrf", &token)])
        .await
        .unwrap();
    assert_eq!(done.status, 303, "{}", done.body);
    let shown = server
        .admin_call("GET", "/v1/admin/users/alice", None)
        .await
        .unwrap();
    assert_eq!(shown["user"]["needs_registration"], true);
}

async fn console_sessions_end_after_the_idle_and_the_absolute_timeout(engine: Engine) {
    let server = server(engine).await;
    let (mut console, admin) = signed_in(&server).await;
    // Idle: 900 s by default. Used every 899 s, the session lives.
    for _ in 0..3 {
        server.clock.advance(899);
        assert_eq!(console.get("/admin/users").await.unwrap().status, 200);
    }
    server.clock.advance(900);
    let gone = console.get("/admin/users").await.unwrap();
    assert_eq!(gone.status, 303);
    assert_eq!(gone.header("location"), "/admin/signin");

    // Absolute: 28,800 s, however busy.
    let code = admin.code(server.clock.now()).unwrap();
    assert_eq!(
        console
            .sign_in(&admin.name, &admin.password, &code)
            .await
            .unwrap()
            .status,
        303
    );
    let mut used = 0;
    while used + 800 < 28_800 {
        server.clock.advance(800);
        used += 800;
        assert_eq!(console.get("/admin/users").await.unwrap().status, 200);
    }
    server.clock.advance(28_800 - used);
    let gone = console.get("/admin/users").await.unwrap();
    assert_eq!(gone.status, 303, "past the absolute timeout");
}

async fn console_user_search_pages_through_10000_users(engine: Engine) {
    let server = server(engine).await;
    let now = server.clock.now();
    let mut tx = server.state.store.pool().begin().await.unwrap();
    for n in 0..10_000 {
        users::insert(&mut *tx, &user(n, now)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (mut console, _) = signed_in(&server).await;

    let page = console.get("/admin/users?q=user0042").await.unwrap();
    assert_eq!(page.status, 200);
    let names = listed(&page);
    let expected: Vec<String> = (420..430).map(|n| format!("user{n:05}")).collect();
    assert_eq!(names, expected);
    assert!(page.body.contains("10000 users in all."));

    let by_mail = console.get("/admin/users?q=person123%40").await.unwrap();
    assert_eq!(listed(&by_mail), vec!["user00123".to_owned()]);

    // Every enforced user (each tenth), 50 a page, through the "Next page" links.
    let mut seen = Vec::new();
    let mut path = "/admin/users?state=enforced".to_owned();
    loop {
        let page = console.get(&path).await.unwrap();
        assert_eq!(page.status, 200);
        seen.extend(listed(&page));
        let Some(rest) = page
            .body
            .split("rel=\"next\"")
            .next()
            .filter(|_| page.body.contains("rel=\"next\""))
        else {
            break;
        };
        let href = rest.rsplit("href=\"").next().unwrap();
        path = href.split('"').next().unwrap().replace("&amp;", "&");
    }
    let expected: Vec<String> = (0..10_000)
        .step_by(10)
        .map(|n| format!("user{n:05}"))
        .collect();
    assert_eq!(seen, expected);

    let none = console.get("/admin/users?q=zzz").await.unwrap();
    assert!(none.body.contains("No users match."));
}

async fn console_reset_from_the_user_page_revokes_the_devices(engine: Engine) {
    let server = server(engine).await;
    let issued = server.activation("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device
        .activate(&server.url, issued["code"].as_str().unwrap())
        .await
        .unwrap();
    let (mut console, admin) = signed_in(&server).await;
    let page = console.get("/admin/users/alice").await.unwrap();
    assert!(page.body.contains("<td>active</td>"), "{}", page.body);
    let token = page.csrf().unwrap();

    let done = console
        .post("/admin/users/alice/reset", &[("csrf", &token)])
        .await
        .unwrap();
    assert_eq!(done.status, 303);
    let after = console.get(done.header("location")).await.unwrap();
    assert!(after.body.contains("User reset"));
    assert!(after.body.contains("<td>revoked</td>"));
    assert!(!after.body.contains("<td>active</td>"));
    let reset: Vec<serde_json::Value> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "user_reset")
        .collect();
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0]["admin_id"], admin.id.as_str());
    assert_eq!(reset[0]["username"], "alice");
}

async fn console_secrets_are_only_in_the_answer_to_the_post_that_made_them(engine: Engine) {
    let server = server(engine).await;
    server
        .admin_call(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({"username": "alice"})),
        )
        .await
        .unwrap();
    let (mut console, _) = signed_in(&server).await;
    let token = console
        .get("/admin/users/alice")
        .await
        .unwrap()
        .csrf()
        .unwrap();

    let shown = console
        .post("/admin/users/alice/activation", &[("csrf", &token)])
        .await
        .unwrap();
    assert_eq!(
        shown.status, 200,
        "shown in the answer, not after a redirect"
    );
    assert_eq!(shown.header("cache-control"), "no-store");
    let code_start =
        shown.body.find("id=\"activation-code\">").unwrap() + "id=\"activation-code\">".len();
    let code: String = shown.body[code_start..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    assert!(
        code.chars().filter(char::is_ascii_digit).count() >= 12,
        "{code}"
    );
    assert!(shown.body.contains("data:image/png;base64,"));
    // The code works: a device activates with it.
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &code).await.unwrap();

    let bypass = console
        .post(
            "/admin/users/alice/bypass",
            &[("csrf", &token), ("minutes", "15")],
        )
        .await
        .unwrap();
    assert_eq!(bypass.status, 200);
    assert_eq!(bypass.header("cache-control"), "no-store");
    let start = bypass.body.find("id=\"bypass-code\">").unwrap() + "id=\"bypass-code\">".len();
    let bypass_code: String = bypass.body[start..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    assert_eq!(bypass_code.len(), 14, "{bypass_code}");

    // Nothing a GET can show again holds either secret.
    for path in ["/admin/users/alice", "/admin/users", "/admin/audit"] {
        let page = console.get(path).await.unwrap();
        assert!(
            !page.body.contains(&code),
            "{path} shows the activation code"
        );
        assert!(
            !page.body.contains(&bypass_code),
            "{path} shows the bypass code"
        );
    }
}

async fn console_audit_filters_and_exports_csv(engine: Engine) {
    let server = server(engine).await;
    for name in ["alice", "bob"] {
        server
            .admin_call(
                "POST",
                "/v1/admin/users",
                Some(serde_json::json!({"username": name})),
            )
            .await
            .unwrap();
    }
    let (mut console, _) = signed_in(&server).await;
    let all = console.get("/admin/audit").await.unwrap();
    assert!(all.body.contains("<td>alice</td>") && all.body.contains("<td>bob</td>"));
    let alice = console
        .get("/admin/audit?user=alice&result=success")
        .await
        .unwrap();
    assert_eq!(alice.status, 200);
    assert!(alice.body.contains("<td>alice</td>"));
    assert!(!alice.body.contains("<td>bob</td>"));
    let nothing = console
        .get("/admin/audit?user=alice&result=deny")
        .await
        .unwrap();
    assert!(nothing.body.contains("No records match."));
    let bad = console.get("/admin/audit?since=yesterday").await.unwrap();
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("invalid since"), "{}", bad.body);

    let csv = console.get("/admin/audit.csv?user=bob").await.unwrap();
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.body.starts_with("id,at,event,username"), "{}", csv.body);
    assert!(csv.body.contains(",bob,"));
    assert!(!csv.body.contains(",alice,"));
}

async fn console_usage_report_draws_a_chart_with_the_data(engine: Engine) {
    let server = server(engine).await;
    let app = server.application("VPN").await.unwrap();
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let otp =
        twofold_testkit::oathtool(&device.secret_base32().unwrap(), server.clock.now()).unwrap();
    let allowed = server.passcode(&app, "alice", &otp).await.unwrap();
    assert_eq!(allowed, "allow");
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let denied = server.passcode(&app, "alice", wrong).await.unwrap();
    assert_eq!(denied, "deny");
    let (mut console, _) = signed_in(&server).await;
    let page = console.get("/admin/usage").await.unwrap();
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<svg id=\"per-period\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("class=\"bar-success\""));
    assert!(page.body.contains("class=\"bar-failure\""));
    assert!(page.body.contains("data-total=\"2\""));
    assert!(page.body.contains("<svg id=\"per-application\""));
    assert!(page.body.contains("<th scope=\"row\">VPN</th>"));
    let weeks = console.get("/admin/usage?period=week").await.unwrap();
    assert_eq!(weeks.status, 200);
    assert_eq!(
        console
            .get("/admin/usage?period=year")
            .await
            .unwrap()
            .status,
        422
    );
}

async fn console_pages_carry_the_security_headers(engine: Engine) {
    let server = server(engine).await;
    let mut anonymous = Console::new(&server.url).unwrap();
    let (mut console, _) = signed_in(&server).await;
    let signin = anonymous.get("/admin/signin").await.unwrap();
    for page in [
        signin,
        console.get("/admin/users").await.unwrap(),
        console.get("/admin/audit").await.unwrap(),
        console.get("/admin/usage").await.unwrap(),
    ] {
        assert_eq!(page.status, 200);
        assert_eq!(
            page.header("content-security-policy"),
            "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
        assert_eq!(page.header("cache-control"), "no-store");
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("referrer-policy"), "same-origin");
        assert!(page.body.starts_with("<!DOCTYPE html><html lang=\"en\">"));
    }
    let cookie = console.cookie.clone().unwrap();
    assert!(
        cookie.starts_with("twofold_admin="),
        "plain http: no __Host- prefix"
    );
    let css = anonymous.get("/admin/assets/web.css").await.unwrap();
    assert_eq!(css.status, 200);
    assert!(css.body.contains("prefers-color-scheme: dark"));
}
