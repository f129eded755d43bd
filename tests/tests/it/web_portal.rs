//! Shared setup of the portal's tests (issue 16): a server, users, portal links opened in a
//! plain HTTP browser, audit records, the pages' parts the tests read, and the real
//! browser's clicks. The tests themselves are in `web_portal_link` (links, the second
//! factor, CSRF, timeouts), `web_portal_pages` (Configure, Remove, the reactivation guide),
//! `web_portal_codes` (app passwords, recovery codes), `web_portal_cli` (`portal link`
//! through the real binary) and `web_portal_browser` (Chromium, screenshots, axe).

use fantoccini::Locator;
use twofold_server::clock::Clock;
use twofold_testkit::browser::console::{Answer, Console};
use twofold_testkit::browser::Page;
use twofold_testkit::{Engine, InProcessServer, TestDevice};

pub(crate) async fn server(engine: Engine) -> InProcessServer {
    InProcessServer::listening(engine, |_| {}).await.unwrap()
}

pub(crate) async fn add_user(server: &InProcessServer, username: &str) {
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
pub(crate) async fn link(server: &InProcessServer, username: &str, minutes: Option<u64>) -> String {
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
pub(crate) async fn audit(server: &InProcessServer, event: &str) -> Vec<serde_json::Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?event={event}"), None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

pub(crate) fn reasons(records: &[serde_json::Value], result: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r["result"] == result)
        .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Opens `path` in a new browser and presses Continue.
pub(crate) async fn open(server: &InProcessServer, path: &str) -> (Console, Answer) {
    let mut browser = Console::new(&server.url).unwrap();
    let answer = browser.post(path, &[]).await.unwrap();
    (browser, answer)
}

/// A signed-in portal browser for a new user `alice` (no device).
pub(crate) async fn signed_in(server: &InProcessServer) -> Console {
    add_user(server, "alice").await;
    let path = link(server, "alice", None).await;
    let (browser, answer) = open(server, &path).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    browser
}

/// The activation code shown on a Configure page, and the page's `data-since`.
pub(crate) fn shown_activation(page: &Answer) -> (String, u64) {
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
pub(crate) async fn configure(browser: &mut Console) -> Answer {
    let home = browser.get("/portal/").await.unwrap();
    let csrf = home.csrf().unwrap();
    let page = browser
        .post("/portal/configure", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

/// The form action of the first Remove button on the portal's page.
pub(crate) fn remove_action(page: &Answer) -> String {
    let marker = "action=\"/portal/devices/";
    let start = page.body.find(marker).unwrap() + "action=\"".len();
    let end = start + page.body[start..].find('"').unwrap();
    page.body[start..end].to_owned()
}

/// `POST /v1/auth` with `factor` and `secret`: the result.
pub(crate) async fn auth_with(
    server: &InProcessServer,
    app: &str,
    factor: &str,
    secret: &str,
) -> String {
    let body = serde_json::json!({"username": "alice", "factor": factor, "passcode": secret});
    let (status, answer) = server
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    answer["result"].as_str().unwrap().to_owned()
}

/// The text of the element with `id` on `page` (up to any markup inside it; attributes
/// may follow the id).
pub(crate) fn text_of(page: &Answer, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = page.body.find(&marker).unwrap() + marker.len();
    let start = at + page.body[at..].find('>').unwrap() + 1;
    let end = start + page.body[start..].find('<').unwrap();
    page.body[start..end].to_owned()
}

/// Clicks the element `locator` finds.
pub(crate) async fn click(page: &Page, locator: Locator<'_>) {
    page.client
        .find(locator)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// On the portal's Verify page in a real browser: types the code of a new step of the
/// token `secret` (a used one is refused) and sends it; returns on Security verification.
pub(crate) async fn pass_verify(page: &Page, server: &InProcessServer, secret: &str) {
    server.clock.advance(30);
    let code = twofold_testkit::oathtool(secret, server.clock.now()).unwrap();
    page.client
        .find(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    click(page, Locator::Css("main button[type=submit]")).await;
    super::web_browser::wait_for_path(page, "/portal/").await;
}

/// The element `locator` finds once the page shows it (after a form's answer loaded).
pub(crate) async fn wait_for(page: &Page, locator: Locator<'_>) -> fantoccini::elements::Element {
    for _ in 0..200 {
        if let Ok(found) = page.client.find(locator).await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the page never showed {locator:?}");
}

/// `alice` with an activated device (push, and the app's offline code), signed in to the
/// portal past her second factor: the browser and the device.
pub(crate) async fn signed_in_with_device(server: &InProcessServer) -> (Console, TestDevice) {
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let path = link(server, "alice", None).await;
    let (mut browser, _) = open(server, &path).await;
    let verify = browser.get("/portal/verify").await.unwrap();
    let code =
        twofold_testkit::oathtool(&device.secret_base32().unwrap(), server.clock.now()).unwrap();
    let passed = browser
        .post(
            "/portal/verify",
            &[("csrf", &verify.csrf().unwrap()), ("code", &code)],
        )
        .await
        .unwrap();
    assert_eq!(passed.status, 303, "{}", passed.body);
    (browser, device)
}
