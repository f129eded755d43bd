//! Issue 16, the portal's Security verification page over plain HTTP: Configure shows an
//! activation once and its status turns when the app redeems it, Remove revokes a device
//! (only the user's own), and the reactivation guide leads to a new working account.

use twofold_server::clock::Clock;
use twofold_testkit::{Engine, TestDevice};

use super::web_portal::{
    add_user, audit, configure, link, open, remove_action, server, shown_activation, signed_in,
};

on_each_engine!(
    configure_shows_the_code_once_and_the_status_turns_activated_when_the_app_redeems_it,
    removing_a_device_revokes_it_and_its_codes_stop_working,
    the_reactivation_guide_leads_to_a_new_working_account,
);

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
    assert!(page.body.contains("src=\"/portal/assets/live.js\""));
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
