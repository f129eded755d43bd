//! Issue 16, the portal's pages in a real headless Chromium: a link opened and continued,
//! the code typed, every page at phone and desktop widths in light and dark, screenshotted
//! to `target/web-screens/portal-<page>-<scheme>-<viewport>.png` and checked by axe-core
//! (no serious or critical violations).

use fantoccini::Locator;
use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
use twofold_testkit::{Engine, InProcessServer, TestDevice};

use super::web_browser::{check, wait_for_path};
use super::web_portal::{click, link, pass_verify, wait_for};

on_each_engine!(portal_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme);

async fn portal_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme(engine: Engine) {
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
            let path = link(&server, "alice", None).await;
            let base = &server.url;
            page.goto(&format!("{base}{path}")).await.unwrap();
            check(&page, "portal-link", &mut found).await;
            click(&page, Locator::Id("continue")).await;
            wait_for_path(&page, "/portal/verify").await;
            check(&page, "portal-verify", &mut found).await;
            // Each session passes a code of a new step (a used one is refused).
            pass_verify(&page, &server, &secret).await;
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
