//! Issue 16, portal sign-in with the directory password (`/portal/signin`) against a real
//! OpenLDAP slapd from the test kit, over plain HTTP as a browser with JavaScript off would:
//! the right password opens the portal (or the second factor for a user with one); a wrong
//! password and an unknown username get the same refusal and are audited; the directory's
//! lockout after its configured failures; the portal's own limit per client network; a
//! directory user not synced into Twofold (or a local user of the same name) is refused,
//! naming why; without `[directory]` the page says to ask for a link. The real browser
//! (screenshots, axe) runs in `browser` below.

use twofold_server::clock::Clock;
use twofold_server::directory::config::BindPassword;
use twofold_server::directory::DirectoryConfig;
use twofold_testkit::browser::console::{Answer, Console};
use twofold_testkit::slapd::{self, Slapd};
use twofold_testkit::{Engine, InProcessServer, TestDevice};

on_each_engine!(
    the_right_directory_password_opens_the_portal_and_a_wrong_one_is_refused_and_audited,
    a_user_with_a_device_passes_the_second_factor_after_the_directory_password,
    the_directory_lockout_refuses_a_username_after_the_configured_failures,
    portal_sign_in_is_limited_per_client_network,
    directory_users_not_synced_and_local_users_are_refused_naming_why,
    without_a_directory_the_sign_in_page_says_to_ask_for_a_link,
    the_signed_out_page_leads_back_to_the_directory_sign_in_only_when_there_is_one,
);

const PASSWORD: &str = "correct horse battery staple";

/// The `[directory]` section for `slapd`: plain LDAP to loopback.
fn directory(slapd: &Slapd) -> DirectoryConfig {
    DirectoryConfig {
        url: slapd.url.clone(),
        starttls: false,
        allow_insecure: true,
        bind_dn: slapd::SERVICE_DN.into(),
        bind_password: BindPassword::new(slapd::SERVICE_PASSWORD.into()),
        base_dn: slapd::BASE_DN.into(),
        lockout_threshold: 3,
        ..DirectoryConfig::default()
    }
}

/// A slapd with `alice` and `bob`, and a server whose directory it is, both synced in.
async fn setup(engine: Engine) -> (Slapd, InProcessServer) {
    let slapd = Slapd::start().unwrap();
    for name in ["alice", "bob"] {
        let mail = format!("{name}@example.test");
        slapd.add_user(name, name, "Test", &mail, PASSWORD).unwrap();
    }
    let section = directory(&slapd);
    let server = InProcessServer::listening(engine, move |c| c.directory = section)
        .await
        .unwrap();
    sync(&server).await;
    (slapd, server)
}

async fn sync(server: &InProcessServer) {
    server
        .admin_call(
            "POST",
            "/v1/admin/directory/sync",
            Some(serde_json::json!({ "dry_run": false })),
        )
        .await
        .unwrap();
}

async fn audit(server: &InProcessServer, event: &str) -> Vec<serde_json::Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?event={event}"), None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

/// The reasons of `records` with `result`, newest first.
fn reasons(records: &[serde_json::Value], result: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r["result"] == result)
        .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn sign_in(browser: &mut Console, username: &str, password: &str) -> Answer {
    browser
        .post(
            "/portal/signin",
            &[("username", username), ("password", password)],
        )
        .await
        .unwrap()
}

/// The page's alert text.
fn alert(page: &Answer) -> String {
    let marker = "id=\"signin-error\">";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no alert: {}", page.body))
        + marker.len();
    let end = page.body[start..].find('<').unwrap();
    page.body[start..start + end].to_owned()
}

async fn the_right_directory_password_opens_the_portal_and_a_wrong_one_is_refused_and_audited(
    engine: Engine,
) {
    let (_slapd, server) = setup(engine).await;
    let mut browser = Console::new(&server.url).unwrap();
    // No session: /portal/ leads to the sign-in form.
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), "/portal/signin");
    let page = browser.get("/portal/signin").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    for attribute in [
        "for=\"username\"",
        "autocomplete=\"username\"",
        "for=\"password\"",
        "type=\"password\" autocomplete=\"current-password\"",
    ] {
        assert!(page.body.contains(attribute), "{attribute}: {}", page.body);
    }

    let wrong = sign_in(&mut browser, "alice", "not the password").await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(alert(&wrong), "Wrong username or password.");
    assert!(browser.cookie.is_none());
    // An unknown name: the same status, alert and page (but for the name typed again).
    let unknown = sign_in(&mut browser, "nobody", "not the password").await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(alert(&unknown), alert(&wrong));
    assert_eq!(
        unknown.body.replace("nobody", "alice"),
        wrong.body,
        "an unknown user is told apart"
    );
    assert!(browser.cookie.is_none());

    // The right password from another site's form: refused before the directory is asked.
    let forged = browser
        .post_from(
            "/portal/signin",
            &[("username", "alice"), ("password", PASSWORD)],
            "http://evil.example",
            "cross-site",
        )
        .await
        .unwrap();
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(browser.cookie.is_none());

    let right = sign_in(&mut browser, "Alice", PASSWORD).await;
    assert_eq!(right.status, 303, "{}", right.body);
    // No second factor yet: straight to the Security verification page.
    assert_eq!(right.header("location"), "/portal/");
    let set = right.header("set-cookie");
    assert!(set.starts_with("twofold_portal="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Security verification"));
    assert!(home.body.contains("alice"));

    let records = audit(&server, "portal_signin").await;
    assert_eq!(reasons(&records, "success"), vec![String::new()]);
    assert_eq!(
        reasons(&records, "failure"),
        vec![
            "cross_site".to_owned(),
            "unknown_user".to_owned(),
            "invalid_password".to_owned()
        ]
    );
    assert!(records.iter().all(|r| r["detail"] == "method=directory"));
    assert_eq!(records[0]["username"], "alice");
    // The directory's own record of each check.
    let checks = audit(&server, "directory_password").await;
    assert_eq!(
        reasons(&checks, "failure"),
        vec!["unknown_user".to_owned(), "invalid_password".to_owned()]
    );
    assert_eq!(
        reasons(&checks, "success"),
        vec!["password_valid".to_owned()]
    );
}

async fn a_user_with_a_device_passes_the_second_factor_after_the_directory_password(
    engine: Engine,
) {
    let (_slapd, server) = setup(engine).await;
    let code = server.code_for("bob").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &code).await.unwrap();
    let mut browser = Console::new(&server.url).unwrap();
    let right = sign_in(&mut browser, "bob", PASSWORD).await;
    assert_eq!(right.status, 303, "{}", right.body);
    assert_eq!(right.header("location"), "/portal/verify");
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.header("location"), "/portal/verify");
    // Push first (bob has an activated device), and the code form.
    let page = browser.get("/portal/verify").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let push = page.body.find("id=\"push\"").expect("push is offered");
    let code_field = page.body.find("id=\"code\"").expect("the code form");
    assert!(push < code_field, "push is the default: {}", page.body);
    let records = audit(&server, "portal_signin").await;
    assert_eq!(
        reasons(&records, "success"),
        vec!["second_factor_next".to_owned()]
    );
    let csrf = page.csrf().unwrap();
    let now = server.clock.now();
    let code = device.code(now).unwrap();
    let passed = browser
        .post("/portal/verify", &[("csrf", &csrf), ("code", &code)])
        .await
        .unwrap();
    assert_eq!(passed.header("location"), "/portal/", "{}", passed.body);
    assert_eq!(browser.get("/portal/").await.unwrap().status, 200);
}

async fn the_directory_lockout_refuses_a_username_after_the_configured_failures(engine: Engine) {
    let (_slapd, server) = setup(engine).await;
    let mut browser = Console::new(&server.url).unwrap();
    // lockout_threshold = 3: three wrong passwords, then even the right one is refused.
    for _ in 0..3 {
        let wrong = sign_in(&mut browser, "alice", "guess").await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
    }
    let locked = sign_in(&mut browser, "alice", PASSWORD).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(alert(&locked).contains("locked"), "{}", locked.body);
    assert!(browser.cookie.is_none());
    // Other names are not locked.
    let bob = sign_in(&mut browser, "bob", PASSWORD).await;
    assert_eq!(bob.status, 303, "{}", bob.body);
    let records = audit(&server, "portal_signin").await;
    let failures = reasons(&records, "failure");
    assert_eq!(failures[0], "locked_out", "{records:?}");
    assert_eq!(failures[1..], vec!["invalid_password".to_owned(); 3]);
    // The window ends: the right password works again.
    server.clock.advance(900);
    let mut again = Console::new(&server.url).unwrap();
    let right = sign_in(&mut again, "alice", PASSWORD).await;
    assert_eq!(right.status, 303, "{}", right.body);
}

async fn portal_sign_in_is_limited_per_client_network(engine: Engine) {
    let slapd = Slapd::start().unwrap();
    slapd
        .add_user("alice", "alice", "Test", "alice@example.test", PASSWORD)
        .unwrap();
    let section = directory(&slapd);
    let server = InProcessServer::listening(engine, move |c| {
        c.directory = section;
        c.web.signin_attempts_per_minute = 2;
    })
    .await
    .unwrap();
    sync(&server).await;
    let mut browser = Console::new(&server.url).unwrap();
    for name in ["x1", "x2"] {
        assert_eq!(sign_in(&mut browser, name, "guess").await.status, 401);
    }
    // Over the limit: refused before the directory is asked, the right password too.
    for _ in 0..2 {
        let limited = sign_in(&mut browser, "alice", PASSWORD).await;
        assert_eq!(limited.status, 429, "{}", limited.body);
        assert!(alert(&limited).contains("Too many sign-in attempts"));
    }
    let records = audit(&server, "portal_signin").await;
    // One record for the window's refusals, not one per refused attempt.
    assert_eq!(
        reasons(&records, "failure"),
        vec![
            "rate_limited".to_owned(),
            "unknown_user".to_owned(),
            "unknown_user".to_owned()
        ]
    );
    assert_eq!(audit(&server, "directory_password").await.len(), 2);
    server.clock.advance(60);
    assert_eq!(sign_in(&mut browser, "alice", PASSWORD).await.status, 303);
}

async fn directory_users_not_synced_and_local_users_are_refused_naming_why(engine: Engine) {
    let (slapd, server) = setup(engine).await;
    // In the directory, not (yet) in Twofold.
    slapd
        .add_user("carol", "carol", "Test", "carol@example.test", PASSWORD)
        .unwrap();
    // A local Twofold user whose name the directory also has: the sync leaves it alone.
    server
        .admin_call(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({ "username": "dave" })),
        )
        .await
        .unwrap();
    slapd
        .add_user("dave", "dave", "Test", "dave@example.test", PASSWORD)
        .unwrap();
    sync(&server).await;
    slapd
        .add_user("erin", "erin", "Test", "erin@example.test", PASSWORD)
        .unwrap();
    let mut browser = Console::new(&server.url).unwrap();
    let erin = sign_in(&mut browser, "erin", PASSWORD).await;
    assert_eq!(erin.status, 403, "{}", erin.body);
    assert!(
        alert(&erin).contains("not set up in Twofold yet"),
        "{}",
        erin.body
    );
    let dave = sign_in(&mut browser, "dave", PASSWORD).await;
    assert_eq!(dave.status, 403, "{}", dave.body);
    assert!(
        alert(&dave).contains("not linked to the directory"),
        "{}",
        dave.body
    );
    assert!(browser.cookie.is_none());
    // After a sync, erin's password works; carol (synced before) already does.
    assert_eq!(sign_in(&mut browser, "carol", PASSWORD).await.status, 303);
    sync(&server).await;
    let mut other = Console::new(&server.url).unwrap();
    assert_eq!(sign_in(&mut other, "erin", PASSWORD).await.status, 303);
    let records = audit(&server, "portal_signin").await;
    assert_eq!(
        reasons(&records, "failure"),
        vec![
            "user_not_from_directory".to_owned(),
            "user_not_synced".to_owned()
        ]
    );
}

async fn without_a_directory_the_sign_in_page_says_to_ask_for_a_link(engine: Engine) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let mut browser = Console::new(&server.url).unwrap();
    let page = browser.get("/portal/signin").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("by a link from your administrator"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<form"), "{}", page.body);
    assert!(!page.body.contains("password"), "{}", page.body);
    let posted = sign_in(&mut browser, "alice", PASSWORD).await;
    assert_eq!(posted.status, 404, "{}", posted.body);
    assert!(posted.body.contains("by a link from your administrator"));
    assert!(browser.cookie.is_none());
    let records = audit(&server, "portal_signin").await;
    assert_eq!(
        reasons(&records, "failure"),
        vec!["directory_not_configured".to_owned()]
    );
}

async fn the_signed_out_page_leads_back_to_the_directory_sign_in_only_when_there_is_one(
    engine: Engine,
) {
    let (_slapd, server) = setup(engine).await;
    let mut browser = Console::new(&server.url).unwrap();
    let page = browser.get("/portal/signed-out").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("href=\"/portal/signin\" id=\"sign-in-again\""),
        "{}",
        page.body
    );

    let linked_only = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let mut browser = Console::new(&linked_only.url).unwrap();
    let page = browser.get("/portal/signed-out").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("sign-in-again"), "{}", page.body);
    assert!(page
        .body
        .contains("a new sign-in link from your administrator"));
}

mod browser {
    //! The sign-in page in a real headless Chromium at phone and desktop widths, light and
    //! dark: typed with the keyboard (Tab from the username to the password, Enter to send),
    //! screenshotted as `portal-signin` and `portal-signin-refused`, checked by axe-core.

    use fantoccini::key::Key;
    use fantoccini::Locator;
    use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
    use twofold_testkit::Engine;

    use super::super::web_browser::{check, wait_for_path};

    on_each_engine!(the_sign_in_pages_in_a_real_browser_are_accessible_and_keyboard_reachable);

    async fn the_sign_in_pages_in_a_real_browser_are_accessible_and_keyboard_reachable(
        engine: Engine,
    ) {
        let (_slapd, server) = super::setup(engine).await;
        let driver = Chromedriver::start().unwrap();
        let base = &server.url;
        let mut found = Vec::new();
        for scheme in Scheme::ALL {
            for viewport in Viewport::ALL {
                let page = driver.page(viewport, scheme).await.unwrap();
                let c = &page.client;
                page.goto(&format!("{base}/portal/")).await.unwrap();
                wait_for_path(&page, "/portal/signin").await;
                check(&page, "portal-signin", &mut found).await;
                let user = c.find(Locator::Id("username")).await.unwrap();
                user.send_keys("alice").await.unwrap();
                // Tab reaches the password; Enter sends the form.
                user.send_keys(&String::from(char::from(Key::Tab)))
                    .await
                    .unwrap();
                let focused = c.active_element().await.unwrap();
                assert_eq!(
                    focused.attr("id").await.unwrap().as_deref(),
                    Some("password")
                );
                let typed = format!("wrong{}", char::from(Key::Enter));
                focused.send_keys(&typed).await.unwrap();
                let alert = loop_find(&page, "signin-error").await;
                assert_eq!(alert, "Wrong username or password.");
                check(&page, "portal-signin-refused", &mut found).await;
                let password = c.find(Locator::Id("password")).await.unwrap();
                let typed = format!("{}{}", super::PASSWORD, char::from(Key::Enter));
                password.send_keys(&typed).await.unwrap();
                wait_for_path(&page, "/portal/").await;
                let title = c.find(Locator::Css("h1")).await.unwrap();
                assert_eq!(title.text().await.unwrap(), "Security verification");
                page.close().await.unwrap();
            }
        }
        assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
    }

    /// The text of the element with `id` once the page shows it.
    async fn loop_find(page: &twofold_testkit::browser::Page, id: &str) -> String {
        for _ in 0..200 {
            if let Ok(found) = page.client.find(Locator::Id(id)).await {
                return found.text().await.unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the page never showed #{id}");
    }
}
