//! Issue 16, `twofold-server portal link NAME` through the real binary: the link it prints
//! signs the user in to the portal in Chromium (Continue, then the Security verification
//! page), it says until when the link works, and for an unknown user it exits non-zero
//! naming the user on stderr (and prints no link).

use fantoccini::Locator;
use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
use twofold_testkit::{Engine, ServerProcess};

use super::web_browser::wait_for_path;
use super::web_portal::click;

on_each_engine!(
    the_link_portal_link_prints_signs_the_user_in_in_a_real_browser,
    portal_link_for_an_unknown_user_exits_non_zero_naming_the_user,
);

async fn the_link_portal_link_prints_signs_the_user_in_in_a_real_browser(engine: Engine) {
    let server = ServerProcess::start(engine).await.unwrap();
    server.add_user("alice", &[]).unwrap();
    let printed = server
        .cli(&["portal", "link", "alice", "--minutes", "5"])
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    assert!(
        printed
            .stdout
            .starts_with("Portal sign-in link for alice (works once, until "),
        "{printed:?}"
    );
    let prefix = format!("{}/portal/link/", server.url);
    let url = printed
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no link to {prefix} in {printed:?}"));

    let driver = Chromedriver::start().unwrap();
    let page = driver.page(Viewport::Desktop, Scheme::Light).await.unwrap();
    page.goto(url).await.unwrap();
    click(&page, Locator::Id("continue")).await;
    // A user without a device goes straight to the Security verification page.
    wait_for_path(&page, "/portal/").await;
    let title = page.client.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(title.text().await.unwrap(), "Security verification");
    let who = page.client.find(Locator::Css(".who strong")).await.unwrap();
    assert_eq!(who.text().await.unwrap(), "alice");
    page.close().await.unwrap();
}

async fn portal_link_for_an_unknown_user_exits_non_zero_naming_the_user(engine: Engine) {
    let server = ServerProcess::start(engine).await.unwrap();
    let refused = server.cli(&["portal", "link", "nobody-here"]).unwrap();
    assert!(!refused.status.success(), "{refused:?}");
    assert!(refused.stderr.contains("nobody-here"), "{refused:?}");
    assert!(!refused.stdout.contains("/portal/link/"), "{refused:?}");
}
