//! Issue 16, console admins through the real binary: `twofold-server admin add NAME
//! --password-file F` prints the TOTP enrolment, that admin signs in to the console in
//! Chromium with a code oathtool computes from it, `admin list` shows them, and after
//! `admin remove` their session has ended and a fresh code is refused. And `[web]
//! admin_listen`: the console on its own address only, a 404 on the main listener.

use twofold_testkit::browser::console::{secret_of, Console};
use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
use twofold_testkit::{now, oathtool, temp_dir, Engine, ServerProcess};

use super::web_browser::{fill_sign_in, wait_for_path};

on_each_engine!(
    console_admin_added_by_the_cli_signs_in_and_after_removal_is_refused,
    console_on_admin_listen_is_served_there_only,
);

pub(crate) const PASSWORD: &str = "ops has a long console password";

/// `admin add ops --password-file`: the base32 secret of the enrolment it printed.
pub(crate) fn add_ops(server: &ServerProcess) -> String {
    let dir = temp_dir("console-admin").unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let added = server
        .cli(&[
            "admin",
            "add",
            "ops",
            "--password-file",
            &file.to_string_lossy(),
        ])
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    assert!(
        added.stdout.contains("Added console admin ops."),
        "{added:?}"
    );
    let uri = added
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with("otpauth://totp/"))
        .unwrap_or_else(|| panic!("no otpauth URI in {added:?}"));
    assert!(!added.stdout.contains(PASSWORD), "the password was printed");
    secret_of(uri).unwrap()
}

async fn console_admin_added_by_the_cli_signs_in_and_after_removal_is_refused(engine: Engine) {
    let server = ServerProcess::start(engine).await.unwrap();
    let secret = add_ops(&server);
    let listed = server.cli(&["admin", "list"]).unwrap();
    assert!(
        listed.status.success() && listed.stdout.contains("ops"),
        "{listed:?}"
    );

    let driver = Chromedriver::start().unwrap();
    let page = driver.page(Viewport::Desktop, Scheme::Light).await.unwrap();
    page.goto(&format!("{}/admin/signin", server.url))
        .await
        .unwrap();
    let code = oathtool(&secret, now()).unwrap();
    fill_sign_in(&page, "ops", PASSWORD, &code).await;
    wait_for_path(&page, "/admin/users").await;
    let who = page.client.source().await.unwrap();
    assert!(who.contains("<strong>ops</strong>"), "{who}");

    let removed = server.cli(&["admin", "remove", "ops"]).unwrap();
    assert!(removed.status.success(), "{removed:?}");
    let listed = server.cli(&["admin", "list"]).unwrap();
    assert!(!listed.stdout.contains("ops"), "{listed:?}");
    // The open session has ended...
    page.goto(&format!("{}/admin/users", server.url))
        .await
        .unwrap();
    wait_for_path(&page, "/admin/signin").await;
    page.close().await.unwrap();
    // ...and a code of the next step (one the server would take: one step of skew, not
    // used yet) signs nobody in.
    let next = oathtool(&secret, now() + 30).unwrap();
    let mut console = Console::new(&server.url).unwrap();
    let refused = console.sign_in("ops", PASSWORD, &next).await.unwrap();
    assert_ne!(refused.status, 303, "{}", refused.body);
    assert!(console.cookie.is_none());
}

/// The console's base URL from the start-up banner.
async fn console_url(server: &ServerProcess) -> String {
    for _ in 0..100 {
        let banner = server.banner().unwrap();
        if let Some(line) = banner
            .lines()
            .find(|l| l.contains("console: listening on "))
        {
            let url = line.split("listening on ").nth(1).unwrap();
            return url.split("/admin/").next().unwrap().to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "no console line in the banner: {}",
        server.banner().unwrap()
    );
}

async fn console_on_admin_listen_is_served_there_only(engine: Engine) {
    let server = ServerProcess::start_with(engine, &[("TWOFOLD_WEB_ADMIN_LISTEN", "127.0.0.1:0")])
        .await
        .unwrap();
    let secret = add_ops(&server);
    let admin_url = console_url(&server).await;
    assert_ne!(admin_url, server.url);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let status = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };

    // The main listener: the API and health, no console.
    for path in [
        "/admin/signin",
        "/admin/users",
        "/admin/assets/web.css",
        "/admin/",
    ] {
        assert_eq!(
            status(format!("{}{path}", server.url)).await,
            404,
            "{path} on the main listener"
        );
    }
    assert_eq!(status(format!("{}/health", server.url)).await, 200);
    // The console's listener: the console, and nothing of the API.
    assert_eq!(status(format!("{admin_url}/admin/signin")).await, 200);
    assert_eq!(status(format!("{admin_url}/health")).await, 404);
    assert_eq!(status(format!("{admin_url}/v1/admin/users")).await, 404);

    let mut console = Console::new(&admin_url).unwrap();
    let code = oathtool(&secret, now()).unwrap();
    let signed_in = console.sign_in("ops", PASSWORD, &code).await.unwrap();
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let users = console.get("/admin/users").await.unwrap();
    assert_eq!(users.status, 200, "{}", users.body);
    let csp = users.header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
}
