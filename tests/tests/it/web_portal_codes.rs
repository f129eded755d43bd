//! Issue 16, the portal's app passwords and recovery codes over plain HTTP: each shown once,
//! working at `/v1/auth` until deleted or replaced, every change audited.

use twofold_server::clock::Clock;
use twofold_testkit::{Engine, InProcessServer, TestDevice};

use super::web_portal::{audit, auth_with, link, open, server, signed_in, text_of};

on_each_engine!(
    app_passwords_made_in_the_portal_work_at_v1_auth_until_deleted,
    recovery_codes_made_in_the_portal_are_shown_once_and_work,
);

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
