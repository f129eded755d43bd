//! Issue 16, the admin console in a real headless Chromium (WebDriver): sign-in with a TOTP
//! code typed into the form, then every page at phone and desktop widths in light and dark,
//! each one screenshotted to `target/web-screens/` and checked by axe-core (no serious or
//! critical violations).

use fantoccini::Locator;
use twofold_server::clock::Clock;
use twofold_testkit::browser::console::ConsoleAdmin;
use twofold_testkit::browser::{png_width, Chromedriver, Page, Scheme, Viewport};
use twofold_testkit::{Engine, InProcessServer, TestDevice};

on_each_engine!(console_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme);

/// Screenshots `name` (as wide as the viewport: 390 px on a phone) and runs axe on it; the
/// violations, prefixed with where.
pub(crate) async fn check(page: &Page, name: &str, found: &mut Vec<String>) {
    let path = page.screenshot(name).await.unwrap();
    let png = std::fs::read(&path).unwrap();
    assert!(png.len() > 1000, "{}", path.display());
    let wide = match page.viewport {
        Viewport::Phone => 390,
        Viewport::Desktop => 1280,
    };
    assert_eq!(png_width(&png), Some(wide), "{}", path.display());
    for v in page.axe().await.unwrap() {
        found.push(format!(
            "{name} ({} {}): {v}",
            page.scheme.name(),
            page.viewport.name()
        ));
    }
}

pub(crate) async fn wait_for_path(page: &Page, path: &str) {
    let mut url = page.client.current_url().await.unwrap();
    for _ in 0..400 {
        url = page.client.current_url().await.unwrap();
        if url.path() == path {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let source = page.client.source().await.unwrap_or_default();
    panic!("the browser did not reach {path}; it is at {url}:\n{source}");
}

/// Types `admin`'s name, password and a TOTP code of a new step (a used one is refused) into
/// the sign-in page the browser shows, and waits for the users page.
pub(crate) async fn sign_in(page: &Page, server: &InProcessServer, admin: &ConsoleAdmin) {
    server.clock.advance(30);
    let code = admin.code(server.clock.now()).unwrap();
    fill_sign_in(page, &admin.name, &admin.password, &code).await;
    wait_for_path(page, "/admin/users").await;
}

/// Types the name, password and code into the sign-in page the browser shows and submits.
pub(crate) async fn fill_sign_in(page: &Page, name: &str, password: &str, code: &str) {
    let c = &page.client;
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys(code)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn console_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme(engine: Engine) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let admin = ConsoleAdmin::add(&server, "root").await.unwrap();
    let app = server.application("VPN").await.unwrap();
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let otp =
        twofold_testkit::oathtool(&device.secret_base32().unwrap(), server.clock.now()).unwrap();
    assert_eq!(server.passcode(&app, "alice", &otp).await.unwrap(), "allow");
    server
        .admin_call(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({"username": "bob", "email": "bob@example.org"})),
        )
        .await
        .unwrap();

    let driver = Chromedriver::start().unwrap();
    let mut found = Vec::new();
    for scheme in Scheme::ALL {
        for viewport in Viewport::ALL {
            let page = driver.page(viewport, scheme).await.unwrap();
            assert_eq!(page.prefers_dark().await.unwrap(), scheme == Scheme::Dark);
            let base = &server.url;

            page.goto(&format!("{base}/admin/signin")).await.unwrap();
            check(&page, "signin", &mut found).await;
            sign_in(&page, &server, &admin).await;
            let c = &page.client;
            check(&page, "users", &mut found).await;

            page.goto(&format!("{base}/admin/users/alice"))
                .await
                .unwrap();
            check(&page, "user", &mut found).await;
            c.find(Locator::Css("form[action$='/activation'] button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_path(&page, "/admin/users/alice/activation").await;
            let shown = c.find(Locator::Id("activation-code")).await.unwrap();
            assert!(!shown.text().await.unwrap().is_empty());
            check(&page, "activation", &mut found).await;

            page.goto(&format!("{base}/admin/audit?user=alice"))
                .await
                .unwrap();
            check(&page, "audit", &mut found).await;
            page.goto(&format!("{base}/admin/usage")).await.unwrap();
            let bars = c
                .find_all(Locator::Css("svg#per-period rect"))
                .await
                .unwrap();
            assert!(!bars.is_empty(), "the chart has bars");
            check(&page, "usage", &mut found).await;
            page.goto(&format!("{base}/admin/users/nobody"))
                .await
                .unwrap();
            check(&page, "error", &mut found).await;

            page.goto(&format!("{base}/admin/users")).await.unwrap();
            c.find(Locator::Css("form.signout button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_path(&page, "/admin/signin").await;
            page.goto(&format!("{base}/admin/users")).await.unwrap();
            wait_for_path(&page, "/admin/signin").await;
            page.close().await.unwrap();
        }
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}
