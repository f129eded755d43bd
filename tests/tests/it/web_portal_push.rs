//! Issue 16, push with number matching as the portal's second factor, over plain HTTP as a
//! browser with JavaScript off would (the "Check again" page) and through the status
//! endpoint the page's script asks: the push goes to the user's device on its channel, the
//! device approves with the number the page shows -> the session is verified and the
//! Security verification page opens; a denial, a wrong number or an expiry says so and offers
//! another push and the code form; another session cannot read or use the challenge. The
//! real browser (screenshots, axe, the live status script) runs in `browser` below.

use twofold_core::proto::channel::{AnswerOutcome, Decision};
use twofold_server::clock::Clock;
use twofold_testkit::browser::console::{Answer, Console};
use twofold_testkit::{DeviceChannel, Engine, InProcessServer, TestDevice};

on_each_engine!(
    a_push_approved_with_the_shown_number_verifies_the_session,
    a_denied_wrong_or_expired_push_says_so_and_offers_a_code,
    another_session_cannot_read_or_use_a_sessions_push,
);

/// A server with `alice` and her activated device, connected on its channel.
async fn setup(engine: Engine) -> (InProcessServer, TestDevice, DeviceChannel) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let code = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &code).await.unwrap();
    let channel = DeviceChannel::open(&device, &server.url).await.unwrap();
    (server, device, channel)
}

/// A new portal link for alice: its URL.
async fn link(server: &InProcessServer) -> String {
    let issued = server
        .admin_call(
            "POST",
            "/v1/admin/users/alice/portal-link",
            Some(serde_json::json!({})),
        )
        .await
        .unwrap();
    issued["url"].as_str().unwrap().to_owned()
}

/// A new browser signed in with a portal link for alice, on the verification page.
async fn signed_in(server: &InProcessServer) -> (Console, String) {
    let url = link(server).await;
    let path = url.strip_prefix(server.url.as_str()).unwrap();
    let mut browser = Console::new(&server.url).unwrap();
    let answer = browser.post(path, &[]).await.unwrap();
    assert_eq!(
        answer.header("location"),
        "/portal/verify",
        "{}",
        answer.body
    );
    let page = browser.get("/portal/verify").await.unwrap();
    assert!(page.body.contains("id=\"push\""), "{}", page.body);
    let csrf = page.csrf().unwrap();
    (browser, csrf)
}

/// The value of attribute `name` (HTML-unescaped) of the element with `id` on `page`.
fn attribute(page: &Answer, id: &str, name: &str) -> String {
    let at = page
        .body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}: {}", page.body));
    let start = page.body[..at].rfind('<').unwrap();
    let tag = &page.body[start..];
    let tag = &tag[..tag.find('>').unwrap()];
    let marker = format!("{name}=\"");
    let from = tag
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name}: {tag}"))
        + marker.len();
    let value = &tag[from..];
    value[..value.find('"').unwrap()].replace("&amp;", "&")
}

/// The number the waiting page shows.
fn number(page: &Answer) -> String {
    let marker = "id=\"push-number\"";
    let start = page.body.find(marker).unwrap();
    let rest = &page.body[start..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    rest[..rest.find('<').unwrap()].to_owned()
}

/// Sends the push from `browser`'s verification page: the waiting page.
async fn push(browser: &mut Console, csrf: &str) -> Answer {
    let page = browser
        .post("/portal/verify/push", &[("csrf", csrf)])
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

async fn status(browser: &mut Console, path: &str) -> (u16, serde_json::Value) {
    let answer = browser.get(path).await.unwrap();
    let body = serde_json::from_str(&answer.body).unwrap_or(serde_json::Value::Null);
    (answer.status, body)
}

async fn audit(server: &InProcessServer) -> Vec<serde_json::Value> {
    let records = server
        .admin_call("GET", "/v1/admin/audit?event=authentication", None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

async fn a_push_approved_with_the_shown_number_verifies_the_session(engine: Engine) {
    let (server, device, mut channel) = setup(engine).await;
    let (mut browser, csrf) = signed_in(&server).await;
    let waiting = push(&mut browser, &csrf).await;
    let shown = number(&waiting);
    assert_eq!(shown.len(), 2, "{shown}");
    let status_path = attribute(&waiting, "push-status", "data-status");
    let check_path = attribute(&waiting, "check-again", "href");
    assert_eq!(attribute(&waiting, "push-status", "data-check"), check_path);

    let (code, body) = status(&mut browser, &status_path).await;
    assert_eq!((code, body["state"].as_str()), (200, Some("pending")));
    // Without JavaScript: "Check again" shows the same number while waiting.
    let again = browser.get(&check_path).await.unwrap();
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(number(&again), shown);
    assert_eq!(
        browser.get("/portal/").await.unwrap().header("location"),
        "/portal/verify"
    );

    let (challenge, _) = channel.next_challenge().await.unwrap();
    assert!(challenge.number_required);
    assert_eq!(challenge.username, "alice");
    assert_eq!(challenge.application, "portal");
    assert_eq!(challenge.client_ip, "127.0.0.1");
    let outcome = channel
        .answer(&device, &challenge, Decision::Approve, Some(&shown))
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Accepted);

    let (code, body) = status(&mut browser, &status_path).await;
    assert_eq!(
        (code, body["state"].as_str()),
        (200, Some("approved")),
        "{body}"
    );
    let done = browser.get(&check_path).await.unwrap();
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), "/portal/");
    let home = browser.get("/portal/").await.unwrap();
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Security verification"));

    let records = audit(&server).await;
    let push: Vec<_> = records.iter().filter(|r| r["factor"] == "push").collect();
    assert_eq!(push.len(), 1, "{records:?}");
    assert_eq!(push[0]["application"], "portal");
    assert_eq!(push[0]["result"], "allow");
    assert_eq!(push[0]["username"], "alice");
}

async fn a_denied_wrong_or_expired_push_says_so_and_offers_a_code(engine: Engine) {
    let (server, device, mut channel) = setup(engine).await;
    let (mut browser, csrf) = signed_in(&server).await;

    let waiting = push(&mut browser, &csrf).await;
    let check_path = attribute(&waiting, "check-again", "href");
    let status_path = attribute(&waiting, "push-status", "data-status");
    let (challenge, _) = channel.next_challenge().await.unwrap();
    let outcome = channel
        .answer(&device, &challenge, Decision::Deny, None)
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Accepted);
    let (_, body) = status(&mut browser, &status_path).await;
    assert_eq!(body["state"], "refused", "{body}");
    assert_eq!(body["reason"], "denied", "{body}");
    let denied = browser.get(&check_path).await.unwrap();
    assert_eq!(denied.status, 200, "{}", denied.body);
    assert!(
        denied.body.contains("denied on your phone"),
        "{}",
        denied.body
    );
    // Another push, and the code form, are offered.
    assert!(denied.body.contains("id=\"push\""), "{}", denied.body);
    assert!(denied.body.contains("id=\"code\""), "{}", denied.body);
    assert_eq!(
        browser.get("/portal/").await.unwrap().header("location"),
        "/portal/verify"
    );

    // A number that is not the one shown.
    let waiting = push(&mut browser, &csrf).await;
    let shown = number(&waiting);
    let other = if shown == "10" { "11" } else { "10" };
    let (challenge, _) = channel.next_challenge().await.unwrap();
    let outcome = channel
        .answer(&device, &challenge, Decision::Approve, Some(other))
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::WrongNumber);
    let wrong = browser
        .get(&attribute(&waiting, "check-again", "href"))
        .await
        .unwrap();
    assert!(
        wrong.body.contains("was not the one this page showed"),
        "{}",
        wrong.body
    );

    // Nobody answers in time.
    let waiting = push(&mut browser, &csrf).await;
    channel.next_challenge().await.unwrap();
    server.clock.advance(61);
    let expired = browser
        .get(&attribute(&waiting, "check-again", "href"))
        .await
        .unwrap();
    assert!(expired.body.contains("expired"), "{}", expired.body);
    assert_eq!(
        browser.get("/portal/").await.unwrap().header("location"),
        "/portal/verify"
    );

    // The code still works after all that.
    let code = device.code(server.clock.now()).unwrap();
    let passed = browser
        .post("/portal/verify", &[("csrf", &csrf), ("code", &code)])
        .await
        .unwrap();
    assert_eq!(passed.header("location"), "/portal/", "{}", passed.body);
    let reasons: Vec<_> = audit(&server)
        .await
        .iter()
        .filter(|r| r["factor"] == "push")
        .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(reasons, vec!["expired", "wrong_number", "denied"]);
}

async fn another_session_cannot_read_or_use_a_sessions_push(engine: Engine) {
    let (server, device, mut channel) = setup(engine).await;
    let (mut first, csrf) = signed_in(&server).await;
    let (mut second, _) = signed_in(&server).await;
    let waiting = push(&mut first, &csrf).await;
    let status_path = attribute(&waiting, "push-status", "data-status");
    let check_path = attribute(&waiting, "check-again", "href");

    // The same user's other session, with the first one's whole URL: nothing.
    let (code, body) = status(&mut second, &status_path).await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["error"]["code"], "portal.push_not_found");
    assert!(body.get("state").is_none(), "{body}");
    let page = second.get(&check_path).await.unwrap();
    assert_eq!(page.status, 404, "{}", page.body);
    assert!(!page.body.contains("push-number"), "{}", page.body);
    // A guessed tag for the right id: nothing either.
    let txid = status_path
        .split("txid=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let forged = format!(
        "/portal/verify/push/status?txid={txid}&tag={}",
        "0".repeat(64)
    );
    assert_eq!(status(&mut first, &forged).await.0, 404);
    // No session at all: signed out.
    let mut nobody = Console::new(&server.url).unwrap();
    assert_eq!(nobody.get(&status_path).await.unwrap().status, 303);

    let (challenge, _) = channel.next_challenge().await.unwrap();
    let shown = number(&waiting);
    channel
        .answer(&device, &challenge, Decision::Approve, Some(&shown))
        .await
        .unwrap();
    // Approved: still nothing for the other session, which stays unverified.
    let (code, _) = status(&mut second, &status_path).await;
    assert_eq!(code, 404);
    assert_eq!(second.get(&check_path).await.unwrap().status, 404);
    assert_eq!(
        second.get("/portal/").await.unwrap().header("location"),
        "/portal/verify"
    );
    // Each refused read is audited, with the user.
    let records = server
        .admin_call("GET", "/v1/admin/audit?event=portal", None)
        .await
        .unwrap();
    let refused: Vec<_> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reason"] == "push_not_found" && r["result"] == "failure")
        .collect();
    assert_eq!(refused.len(), 5, "{records}");
    assert!(refused.iter().all(|r| r["username"] == "alice"));
    // The session that sent it is verified.
    let (_, body) = status(&mut first, &status_path).await;
    assert_eq!(body["state"], "approved");
    assert_eq!(first.get("/portal/").await.unwrap().status, 200);
}

mod browser {
    //! The push pages in a real headless Chromium at phone and desktop widths, light and
    //! dark: the waiting page's script sees the device's approval and opens the Security
    //! verification page; a denial shows the refusal with another push and the code.
    //! Screenshots `portal-push` and `portal-push-denied`, checked by axe-core.

    use fantoccini::Locator;
    use twofold_core::proto::channel::Decision;
    use twofold_testkit::browser::{Chromedriver, Page, Scheme, Viewport};
    use twofold_testkit::Engine;

    use super::super::web_browser::{check, wait_for_path};

    on_each_engine!(the_push_pages_in_a_real_browser_are_accessible_and_live);

    /// Opens a link, presses Continue and then "Send a request to my phone": the number shown.
    async fn send_push(page: &Page, url: &str) -> String {
        let c = &page.client;
        page.goto(url).await.unwrap();
        c.find(Locator::Id("continue"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(page, "/portal/verify").await;
        c.find(Locator::Id("push"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_path(page, "/portal/verify/push").await;
        let number = c.find(Locator::Id("push-number")).await.unwrap();
        number.text().await.unwrap()
    }

    async fn the_push_pages_in_a_real_browser_are_accessible_and_live(engine: Engine) {
        let (server, device, mut channel) = super::setup(engine).await;
        let driver = Chromedriver::start().unwrap();
        let mut found = Vec::new();
        for scheme in Scheme::ALL {
            for viewport in Viewport::ALL {
                // Past the per-minute push cap of the pushes before.
                server.clock.advance(61);
                let page = driver.page(viewport, scheme).await.unwrap();
                let c = &page.client;
                let shown = send_push(&page, &super::link(&server).await).await;
                check(&page, "portal-push", &mut found).await;
                let (challenge, _) = channel.next_challenge().await.unwrap();
                channel
                    .answer(&device, &challenge, Decision::Approve, Some(&shown))
                    .await
                    .unwrap();
                // The script sees the approval and leads to the portal.
                wait_for_path(&page, "/portal/").await;
                let title = c.find(Locator::Css("h1")).await.unwrap();
                assert_eq!(title.text().await.unwrap(), "Security verification");
                page.close().await.unwrap();

                let page = driver.page(viewport, scheme).await.unwrap();
                let c = &page.client;
                send_push(&page, &super::link(&server).await).await;
                let (challenge, _) = channel.next_challenge().await.unwrap();
                channel
                    .answer(&device, &challenge, Decision::Deny, None)
                    .await
                    .unwrap();
                wait_for_path(&page, "/portal/verify/push/check").await;
                let alert = c.find(Locator::Id("verify-error")).await.unwrap();
                assert!(alert.text().await.unwrap().contains("denied on your phone"));
                c.find(Locator::Id("push")).await.unwrap();
                c.find(Locator::Id("code")).await.unwrap();
                check(&page, "portal-push-denied", &mut found).await;
                page.close().await.unwrap();
            }
        }
        assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
    }
}
