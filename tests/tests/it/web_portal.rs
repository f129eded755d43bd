//! Issue 16, the users' self-service portal at `/portal/`, over plain HTTP as a browser with
//! JavaScript off would: sign-in with a single-use, expiring link an admin issued (a GET does
//! not use it; a reused, expired or unknown link is refused and audited), the second factor a
//! user with a device must pass after the link, CSRF and cross-site forms refused and
//! audited, the idle and absolute timeouts on the server's clock. The real browser
//! (screenshots, axe) runs in `web_portal_browser`.

use twofold_server::clock::Clock;
use twofold_testkit::browser::console::{Answer, Console};
use twofold_testkit::{Engine, InProcessServer, TestDevice};

on_each_engine!(
    a_portal_link_signs_in_once_and_a_get_does_not_use_it,
    expired_unknown_and_out_of_range_links_are_refused_and_audited,
    a_user_with_a_device_passes_a_code_after_the_link,
    portal_forms_without_the_right_csrf_token_or_from_another_site_are_refused_and_audited,
    portal_sessions_end_after_the_idle_and_the_absolute_timeout,
    configure_shows_the_code_once_and_the_status_turns_activated_when_the_app_redeems_it,
    removing_a_device_revokes_it_and_its_codes_stop_working,
    the_reactivation_guide_leads_to_a_new_working_account,
    app_passwords_made_in_the_portal_work_at_v1_auth_until_deleted,
    recovery_codes_made_in_the_portal_are_shown_once_and_work,
);

async fn server(engine: Engine) -> InProcessServer {
    InProcessServer::listening(engine, |_| {}).await.unwrap()
}

async fn add_user(server: &InProcessServer, username: &str) {
    server
        .admin_call(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({ "username": username })),
        )
        .await
        .unwrap();
}

/// A portal link for `username` (what `twofold-server portal link` asks for): its path.
async fn link(server: &InProcessServer, username: &str, minutes: Option<u64>) -> String {
    let body = match minutes {
        Some(m) => serde_json::json!({ "minutes": m }),
        None => serde_json::json!({}),
    };
    let issued = server
        .admin_call(
            "POST",
            &format!("/v1/admin/users/{username}/portal-link"),
            Some(body),
        )
        .await
        .unwrap();
    let url = issued["url"].as_str().unwrap();
    assert_eq!(issued["username"], username);
    let path = url.strip_prefix(server.url.as_str()).unwrap().to_owned();
    assert!(path.starts_with("/portal/link/"), "{url}");
    // 256 random bits in base64url.
    assert_eq!(path.len(), "/portal/link/".len() + 43, "{url}");
    path
}

/// Audit records of `event`, newest first, through the admin API.
async fn audit(server: &InProcessServer, event: &str) -> Vec<serde_json::Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?event={event}"), None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

fn reasons(records: &[serde_json::Value], result: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r["result"] == result)
        .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Opens `path` in a new browser and presses Continue.
async fn open(server: &InProcessServer, path: &str) -> (Console, Answer) {
    let mut browser = Console::new(&server.url).unwrap();
    let answer = browser.post(path, &[]).await.unwrap();
    (browser, answer)
}

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

/// A signed-in portal browser for a new user `alice` (no device).
async fn signed_in(server: &InProcessServer) -> Console {
    add_user(server, "alice").await;
    let path = link(server, "alice", None).await;
    let (browser, answer) = open(server, &path).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    browser
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

/// The activation code shown on a Configure page, and the page's `data-since`.
fn shown_activation(page: &Answer) -> (String, u64) {
    let code_marker = "id=\"activation-code\">";
    let start = page.body.find(code_marker).unwrap() + code_marker.len();
    let end = start + page.body[start..].find('<').unwrap();
    let since_marker = "data-since=\"";
    let s = page.body.find(since_marker).unwrap() + since_marker.len();
    let e = s + page.body[s..].find('"').unwrap();
    (
        page.body[start..end].to_owned(),
        page.body[s..e].parse().unwrap(),
    )
}

/// Configure on `browser`'s portal: the answer.
async fn configure(browser: &mut Console) -> Answer {
    let home = browser.get("/portal/").await.unwrap();
    let csrf = home.csrf().unwrap();
    let page = browser
        .post("/portal/configure", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

async fn configure_shows_the_code_once_and_the_status_turns_activated_when_the_app_redeems_it(
    engine: Engine,
) {
    let server = server(engine).await;
    let mut browser = signed_in(&server).await;
    let home = browser.get("/portal/").await.unwrap();
    assert!(home.body.contains("id=\"no-devices\""), "{}", home.body);
    let page = configure(&mut browser).await;
    let (code, since) = shown_activation(&page);
    assert_eq!(
        code.chars().filter(char::is_ascii_digit).count(),
        12,
        "{code}"
    );
    assert!(page.body.contains("data:image/png;base64,"), "the QR code");
    assert!(page.body.contains("src=\"/portal/assets/status.js\""));
    assert!(page
        .header("content-security-policy")
        .contains("connect-src 'self'"));
    assert_eq!(page.header("cache-control"), "no-store");
    // Never re-shown: the pages a reload or the status show hold no code.
    let again = browser.get("/portal/").await.unwrap();
    assert!(!again.body.contains(&code));

    let status = format!("/portal/status?since={since}");
    let waiting = browser.get(&status).await.unwrap();
    assert_eq!(waiting.status, 200, "{}", waiting.body);
    let value: serde_json::Value = serde_json::from_str(&waiting.body).unwrap();
    assert_eq!(value["activated"], false, "{value}");
    let check = format!("/portal/configure/check?since={since}");
    let not_yet = browser.get(&check).await.unwrap();
    assert!(
        not_yet.body.contains("Not activated yet"),
        "{}",
        not_yet.body
    );
    assert!(!not_yet.body.contains(&code));

    let device = TestDevice::activate_new(&server.url, &code, "Alice's phone")
        .await
        .unwrap();
    let done = browser.get(&status).await.unwrap();
    let value: serde_json::Value = serde_json::from_str(&done.body).unwrap();
    assert_eq!(value["activated"], true, "{value}");
    assert_eq!(value["device"], device.name);
    let checked = browser.get(&check).await.unwrap();
    assert!(checked.body.contains("Activated"), "{}", checked.body);
    let home = browser.get("/portal/").await.unwrap();
    assert!(home.body.contains("id=\"devices\""), "{}", home.body);
    assert!(home.body.contains("Alice&#39;s phone") || home.body.contains("Alice's phone"));
    let made: Vec<_> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "activation_created" && r["admin_id"] == "portal")
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0]["username"], "alice");
}

/// The form action of the first Remove button on the portal's page.
fn remove_action(page: &Answer) -> String {
    let marker = "action=\"/portal/devices/";
    let start = page.body.find(marker).unwrap() + "action=\"".len();
    let end = start + page.body[start..].find('"').unwrap();
    page.body[start..end].to_owned()
}

async fn removing_a_device_revokes_it_and_its_codes_stop_working(engine: Engine) {
    let server = server(engine).await;
    let app = server.application("VPN").await.unwrap();
    let mut browser = signed_in(&server).await;
    let page = configure(&mut browser).await;
    let (code, _) = shown_activation(&page);
    let device = TestDevice::activate_new(&server.url, &code, "old phone")
        .await
        .unwrap();
    let secret = device.secret_base32().unwrap();
    server.clock.advance(30);
    let otp = twofold_testkit::oathtool(&secret, server.clock.now()).unwrap();
    assert_eq!(server.passcode(&app, "alice", &otp).await.unwrap(), "allow");

    // Another user cannot remove it.
    add_user(&server, "bob").await;
    let path = link(&server, "bob", None).await;
    let (mut bob, _) = open(&server, &path).await;
    let bob_page = bob.get("/portal/").await.unwrap();
    let home = browser.get("/portal/").await.unwrap();
    let action = remove_action(&home);
    let refused = bob
        .post(&action, &[("csrf", &bob_page.csrf().unwrap())])
        .await
        .unwrap();
    assert_eq!(refused.status, 404, "{}", refused.body);

    let removed = browser
        .post(&action, &[("csrf", &home.csrf().unwrap())])
        .await
        .unwrap();
    assert_eq!(removed.status, 303, "{}", removed.body);
    let home = browser.get("/portal/").await.unwrap();
    assert!(home.body.contains("id=\"no-devices\""), "{}", home.body);
    let devices = server
        .admin_call("GET", "/v1/admin/users/alice/devices", None)
        .await
        .unwrap();
    assert_eq!(devices[0]["status"], "revoked", "{devices}");
    server.clock.advance(30);
    let otp = twofold_testkit::oathtool(&secret, server.clock.now()).unwrap();
    assert_ne!(server.passcode(&app, "alice", &otp).await.unwrap(), "allow");
    let revoked: Vec<_> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["reason"] == "device_revoked" && r["admin_id"] == "portal")
        .collect();
    assert_eq!(revoked.len(), 1, "{revoked:?}");
}

async fn the_reactivation_guide_leads_to_a_new_working_account(engine: Engine) {
    let server = server(engine).await;
    let app = server.application("VPN").await.unwrap();
    let activation = server.user_with_code("alice").await.unwrap();
    let mut old = TestDevice::new().unwrap();
    old.activate(&server.url, &activation).await.unwrap();
    server
        .admin_call("POST", "/v1/admin/server/reactivate", None)
        .await
        .unwrap();
    // The app's old account no longer signs in.
    server.clock.advance(30);
    let otp = twofold_testkit::oathtool(&old.secret_base32().unwrap(), server.clock.now()).unwrap();
    assert_ne!(server.passcode(&app, "alice", &otp).await.unwrap(), "allow");

    // Its code is not a second factor any more: the link goes straight to the page.
    let path = link(&server, "alice", None).await;
    let (mut browser, answer) = open(&server, &path).await;
    assert_eq!(answer.header("location"), "/portal/", "{}", answer.body);
    let home = browser.get("/portal/").await.unwrap();
    assert!(
        home.body.contains("needs configuring again"),
        "{}",
        home.body
    );
    assert!(home.body.contains("href=\"/portal/reactivate\""));
    let guide = browser.get("/portal/reactivate").await.unwrap();
    assert_eq!(guide.status, 200, "{}", guide.body);
    assert!(guide.body.contains("not for an activated account"));
    assert!(guide.body.contains("Remove"));
    let csrf = guide.csrf().unwrap();
    let page = browser
        .post("/portal/configure", &[("csrf", &csrf)])
        .await
        .unwrap();
    let (code, since) = shown_activation(&page);
    let new = TestDevice::activate_new(&server.url, &code, "new account")
        .await
        .unwrap();
    let checked = browser
        .get(&format!("/portal/configure/check?since={since}"))
        .await
        .unwrap();
    assert!(
        checked.body.contains("Activated: new account"),
        "{}",
        checked.body
    );
    server.clock.advance(30);
    let otp = twofold_testkit::oathtool(&new.secret_base32().unwrap(), server.clock.now()).unwrap();
    assert_eq!(server.passcode(&app, "alice", &otp).await.unwrap(), "allow");
}

/// `POST /v1/auth` with `factor` and `secret`: the result.
async fn auth_with(server: &InProcessServer, app: &str, factor: &str, secret: &str) -> String {
    let body = serde_json::json!({"username": "alice", "factor": factor, "passcode": secret});
    let (status, answer) = server
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer["result"].as_str().unwrap().to_owned()
}

/// The text of the element with `id` on `page` (no markup inside it).
fn text_of(page: &Answer, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page.body.find(&marker).unwrap() + marker.len();
    let end = start + page.body[start..].find('<').unwrap();
    page.body[start..end].to_owned()
}

async fn app_passwords_made_in_the_portal_work_at_v1_auth_until_deleted(engine: Engine) {
    let server = InProcessServer::listening(engine, |c| c.app_passwords.enabled = true)
        .await
        .unwrap();
    let app = server.application("Mail").await.unwrap();
    let mut browser = signed_in(&server).await;
    let page = browser.get("/portal/codes").await.unwrap();
    assert!(
        page.body.contains("id=\"no-app-passwords\""),
        "{}",
        page.body
    );
    let csrf = page.csrf().unwrap();
    let mut made = Vec::new();
    for name in ["Mail on the laptop", "Calendar"] {
        let answer = browser
            .post(
                "/portal/codes/app-passwords",
                &[("csrf", &csrf), ("name", name)],
            )
            .await
            .unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        let password = text_of(&answer, "app-password");
        assert!(password.len() >= 16, "{password}");
        made.push(password);
    }
    // Shown once: the page holds names only.
    let page = browser.get("/portal/codes").await.unwrap();
    assert!(page.body.contains("Mail on the laptop"));
    assert!(made.iter().all(|p| !page.body.contains(p.as_str())));
    let taken = browser
        .post(
            "/portal/codes/app-passwords",
            &[("csrf", &csrf), ("name", "Calendar")],
        )
        .await
        .unwrap();
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert!(text_of(&taken, "codes-error").contains("already has an app password"));
    for p in &made {
        assert_eq!(auth_with(&server, &app, "app_password", p).await, "allow");
    }

    let deleted = browser
        .post(
            "/portal/codes/app-passwords/Mail%20on%20the%20laptop/delete",
            &[("csrf", &csrf)],
        )
        .await
        .unwrap();
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_ne!(
        auth_with(&server, &app, "app_password", &made[0]).await,
        "allow"
    );
    assert_eq!(
        auth_with(&server, &app, "app_password", &made[1]).await,
        "allow"
    );
    let all = browser
        .post("/portal/codes/app-passwords/delete-all", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("id=\"no-app-passwords\""), "{}", all.body);
    assert_ne!(
        auth_with(&server, &app, "app_password", &made[1]).await,
        "allow"
    );
    let records: Vec<_> = audit(&server, "admin")
        .await
        .into_iter()
        .filter(|r| r["admin_id"] == "portal" && r["username"] == "alice")
        .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        records
            .iter()
            .filter(|r| r.contains("app_password"))
            .count()
            >= 4,
        "{records:?}"
    );
}

async fn recovery_codes_made_in_the_portal_are_shown_once_and_work(engine: Engine) {
    let server = server(engine).await;
    let app = server.application("VPN").await.unwrap();
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let path = link(&server, "alice", None).await;
    let (mut browser, _) = open(&server, &path).await;
    let verify = browser.get("/portal/verify").await.unwrap();
    let code =
        twofold_testkit::oathtool(&device.secret_base32().unwrap(), server.clock.now()).unwrap();
    browser
        .post(
            "/portal/verify",
            &[("csrf", &verify.csrf().unwrap()), ("code", &code)],
        )
        .await
        .unwrap();
    let page = browser.get("/portal/codes").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf().unwrap();
    let first = browser
        .post("/portal/codes/recovery", &[("csrf", &csrf)])
        .await
        .unwrap();
    let codes: Vec<String> = first
        .body
        .split("<li>")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{}", first.body);
    let again = browser.get("/portal/codes").await.unwrap();
    assert!(codes.iter().all(|c| !again.body.contains(c.as_str())));
    assert_eq!(
        auth_with(&server, &app, "recovery", &codes[0]).await,
        "allow"
    );
    assert_ne!(
        auth_with(&server, &app, "recovery", &codes[0]).await,
        "allow"
    );
    // A new set voids the old one.
    browser
        .post("/portal/codes/recovery", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_ne!(
        auth_with(&server, &app, "recovery", &codes[1]).await,
        "allow"
    );
}

mod browser {
    //! The portal's pages in a real headless Chromium: a link opened and continued, the
    //! code typed, every page at phone and desktop widths in light and dark, screenshotted
    //! to `target/web-screens/portal-<page>-<scheme>-<viewport>.png` and checked by axe-core
    //! (no serious or critical violations).

    use fantoccini::Locator;
    use twofold_server::clock::Clock;
    use twofold_testkit::browser::{Chromedriver, Page, Scheme, Viewport};
    use twofold_testkit::{Engine, InProcessServer, TestDevice};

    use super::super::web_browser::{check, wait_for_path};

    on_each_engine!(portal_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme);

    /// Clicks the element `locator` finds.
    async fn click(page: &Page, locator: Locator<'_>) {
        page.client
            .find(locator)
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// The element `locator` finds once the page shows it (after a form's answer loaded).
    async fn wait_for(page: &Page, locator: Locator<'_>) -> fantoccini::elements::Element {
        for _ in 0..200 {
            if let Ok(found) = page.client.find(locator).await {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the page never showed {locator:?}");
    }

    async fn portal_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme(
        engine: Engine,
    ) {
        let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
        let activation = server.user_with_code("alice").await.unwrap();
        let mut device = TestDevice::new().unwrap();
        device.activate(&server.url, &activation).await.unwrap();
        let secret = device.secret_base32().unwrap();
        let driver = Chromedriver::start().unwrap();
        let mut found = Vec::new();
        for scheme in Scheme::ALL {
            for viewport in Viewport::ALL {
                let page = driver.page(viewport, scheme).await.unwrap();
                let c = &page.client;
                let path = super::link(&server, "alice", None).await;
                let base = &server.url;
                page.goto(&format!("{base}{path}")).await.unwrap();
                check(&page, "portal-link", &mut found).await;
                click(&page, Locator::Id("continue")).await;
                wait_for_path(&page, "/portal/verify").await;
                check(&page, "portal-verify", &mut found).await;
                // Each session passes a code of a new step (a used one is refused).
                server.clock.advance(30);
                let code = twofold_testkit::oathtool(&secret, server.clock.now()).unwrap();
                c.find(Locator::Id("code"))
                    .await
                    .unwrap()
                    .send_keys(&code)
                    .await
                    .unwrap();
                click(&page, Locator::Css("main button[type=submit]")).await;
                wait_for_path(&page, "/portal/").await;
                let title = c.find(Locator::Css("h1")).await.unwrap();
                assert_eq!(title.text().await.unwrap(), "Security verification");
                check(&page, "portal-home", &mut found).await;

                // Configure: the app redeems the shown code; the script turns the status.
                click(&page, Locator::Id("configure")).await;
                wait_for_path(&page, "/portal/configure").await;
                let shown = c.find(Locator::Id("activation-code")).await.unwrap();
                let code = shown.text().await.unwrap();
                let status = c.find(Locator::Id("activation-status")).await.unwrap();
                let since = status.attr("data-since").await.unwrap().unwrap();
                assert_eq!(status.text().await.unwrap(), "Waiting for your app…");
                check(&page, "portal-configure", &mut found).await;
                let name = format!("phone {} {}", scheme.name(), viewport.name());
                TestDevice::activate_new(&server.url, &code, &name)
                    .await
                    .unwrap();
                let mut text = String::new();
                for _ in 0..100 {
                    text = status.text().await.unwrap();
                    if text.starts_with("Activated") {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                assert_eq!(text, format!("Activated: {name}"));
                check(&page, "portal-configure-activated", &mut found).await;
                page.goto(&format!("{base}/portal/configure/check?since={since}"))
                    .await
                    .unwrap();
                check(&page, "portal-configure-check", &mut found).await;
                page.goto(&format!("{base}/portal/reactivate"))
                    .await
                    .unwrap();
                check(&page, "portal-reactivate", &mut found).await;
                page.goto(&format!("{base}/portal/")).await.unwrap();
                let listed = c.find(Locator::Id("devices")).await.unwrap();
                assert!(listed.text().await.unwrap().contains(&name));
                check(&page, "portal-home-devices", &mut found).await;
                page.goto(&format!("{base}/portal/codes")).await.unwrap();
                click(&page, Locator::Id("new-recovery-codes")).await;
                wait_for(&page, Locator::Id("recovery-codes")).await;
                check(&page, "portal-codes", &mut found).await;

                // The same link again: refused.
                page.goto(&format!("{base}{path}")).await.unwrap();
                click(&page, Locator::Id("continue")).await;
                // The answer to the POST is on the same path: wait for its alert.
                let alert = wait_for(&page, Locator::Css("main p[role=alert]")).await;
                assert!(alert.text().await.unwrap().contains("already used"));
                check(&page, "portal-link-refused", &mut found).await;

                page.goto(&format!("{base}/portal/")).await.unwrap();
                click(&page, Locator::Css("form.signout button")).await;
                wait_for_path(&page, "/portal/signed-out").await;
                check(&page, "portal-signed-out", &mut found).await;
                page.goto(&format!("{base}/portal/")).await.unwrap();
                wait_for_path(&page, "/portal/signed-out").await;
                page.close().await.unwrap();
            }
        }
        assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
    }
}
