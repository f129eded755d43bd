//! Issue 16, the portal's sign-in settings, phone verification and test push in a real
//! headless Chromium, at phone and desktop widths in light and dark: screenshots
//! `portal-settings`, `portal-phone-verify`, `portal-test-push` (and the approved state the
//! page's script shows live when the TestDevice approves), each checked by axe-core (no
//! serious or critical violations).

use fantoccini::Locator;
use twofold_core::proto::channel::Decision;
use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
use twofold_testkit::gateway::TestGateway;
use twofold_testkit::{DeviceChannel, Engine, InProcessServer, TestDevice};

use super::web_browser::{check, wait_for_path};
use super::web_portal::{click, link, pass_verify, wait_for};

on_each_engine!(settings_phone_and_test_push_pages_in_a_real_browser_are_accessible);

const E164: &str = "+4915123456789";

async fn settings_phone_and_test_push_pages_in_a_real_browser_are_accessible(engine: Engine) {
    let gateway = TestGateway::start().unwrap();
    let url = gateway.url();
    let server = InProcessServer::listening(engine, |c| {
        c.sms.gateway_url = url.clone();
        c.voice.gateway_url = url;
    })
    .await
    .unwrap();
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let secret = device.secret_base32().unwrap();
    let mut channel = DeviceChannel::open(&device, &server.url).await.unwrap();
    let driver = Chromedriver::start().unwrap();
    let base = server.url.clone();
    let mut found = Vec::new();
    for scheme in Scheme::ALL {
        for viewport in Viewport::ALL {
            let page = driver.page(viewport, scheme).await.unwrap();
            let c = &page.client;
            let path = link(&server, "alice", None).await;
            page.goto(&format!("{base}{path}")).await.unwrap();
            click(&page, Locator::Id("continue")).await;
            wait_for_path(&page, "/portal/verify").await;
            pass_verify(&page, &server, &secret).await;

            click(&page, Locator::Id("settings-link")).await;
            wait_for_path(&page, "/portal/settings").await;
            check(&page, "portal-settings", &mut found).await;
            c.find(Locator::Id("phone"))
                .await
                .unwrap()
                .send_keys(E164)
                .await
                .unwrap();
            click(&page, Locator::Id("send-phone-code")).await;
            let typed = wait_for(&page, Locator::Id("phone-code")).await;
            check(&page, "portal-phone-verify", &mut found).await;
            let sent = gateway.last_code(6).await.unwrap();
            typed.send_keys(&sent).await.unwrap();
            click(&page, Locator::Id("verify-phone")).await;
            let saved = wait_for(&page, Locator::Id("current-phone")).await;
            assert!(saved.text().await.unwrap().contains(E164));
            check(&page, "portal-settings-phone", &mut found).await;

            page.goto(&format!("{base}/portal/")).await.unwrap();
            click(&page, Locator::Id("test-push")).await;
            let number = wait_for(&page, Locator::Id("test-push-number")).await;
            let number = number.text().await.unwrap();
            check(&page, "portal-test-push", &mut found).await;
            let (challenge, _) = channel.next_challenge().await.unwrap();
            channel
                .answer(&device, &challenge, Decision::Approve, Some(&number))
                .await
                .unwrap();
            // The page's script turns the status without a reload.
            let status = c.find(Locator::Id("test-push-status")).await.unwrap();
            let mut text = String::new();
            for _ in 0..100 {
                text = status.text().await.unwrap();
                if text.starts_with("Approved") {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(text.starts_with("Approved"), "{text}");
            check(&page, "portal-test-push-approved", &mut found).await;
            page.close().await.unwrap();
        }
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}
