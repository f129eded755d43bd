//! Issue 16, the portal's "Send a test push" over plain HTTP: offered only with an
//! activated device; the push reaches the TestDevice's channel with the number the page
//! shows (number matching), and the status endpoint and the "Check again" page follow it to
//! approved, denied or expired; audited as application `portal-test`; another user's test
//! push is not theirs to see.

use serde_json::Value;
use twofold_core::proto::channel::{AnswerOutcome, Decision};
use twofold_testkit::browser::console::{Answer, Console};
use twofold_testkit::{DeviceChannel, Engine};

use super::web_portal::{add_user, audit, link, open, server, signed_in_with_device, text_of};

on_each_engine!(
    a_test_push_shows_the_number_and_follows_the_app_to_approved_or_denied,
    a_test_push_nobody_answers_expires_and_is_only_its_users,
);

/// Presses "Send a test push" on the Security verification page.
async fn send(browser: &mut Console) -> Answer {
    let home = browser.get("/portal/").await.unwrap();
    assert!(home.body.contains("id=\"test-push\""), "{}", home.body);
    let page = browser
        .post("/portal/test-push", &[("csrf", &home.csrf().unwrap())])
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

fn txid_of(page: &Answer) -> String {
    let marker = "data-txid=\"";
    let start = page.body.find(marker).unwrap() + marker.len();
    let end = start + page.body[start..].find('"').unwrap();
    page.body[start..end].to_owned()
}

async fn status(browser: &mut Console, txid: &str) -> Value {
    let answer = browser
        .get(&format!("/portal/test-push/status?txid={txid}"))
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

async fn a_test_push_shows_the_number_and_follows_the_app_to_approved_or_denied(engine: Engine) {
    let server = server(engine).await;
    let (mut browser, device) = signed_in_with_device(&server).await;
    let mut channel = DeviceChannel::open(&device, &server.url).await.unwrap();

    let page = send(&mut browser).await;
    assert!(page.body.contains("src=\"/portal/assets/live.js\""));
    let number = text_of(&page, "test-push-number");
    assert_eq!(number.len(), 2, "{number}");
    let txid = txid_of(&page);
    assert_eq!(status(&mut browser, &txid).await["state"], "pending");
    let check = format!("/portal/test-push/check?txid={txid}");
    let waiting = browser.get(&check).await.unwrap();
    assert!(
        waiting.body.contains("id=\"check-again\""),
        "{}",
        waiting.body
    );

    let (challenge, _) = channel.next_challenge().await.unwrap();
    assert_eq!(challenge.id, txid);
    assert_eq!(challenge.application, "portal-test");
    assert!(challenge.number_required);
    let outcome = channel
        .answer(&device, &challenge, Decision::Approve, Some(&number))
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Accepted);
    assert_eq!(status(&mut browser, &txid).await["state"], "approved");
    let approved = browser.get(&check).await.unwrap();
    assert!(text_of(&approved, "test-push-status").starts_with("Approved"));
    assert!(!approved.body.contains("id=\"check-again\""));

    let page = send(&mut browser).await;
    let txid = txid_of(&page);
    let (challenge, _) = channel.next_challenge().await.unwrap();
    assert_eq!(challenge.id, txid);
    let outcome = channel
        .answer(&device, &challenge, Decision::Deny, None)
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Accepted);
    assert_eq!(status(&mut browser, &txid).await["state"], "denied");
    let denied = browser
        .get(&format!("/portal/test-push/check?txid={txid}"))
        .await
        .unwrap();
    assert!(text_of(&denied, "test-push-status").starts_with("Denied"));

    let records: Vec<_> = audit(&server, "authentication")
        .await
        .into_iter()
        .filter(|r| r["application"] == "portal-test")
        .map(|r| {
            format!(
                "{} {}",
                r["result"].as_str().unwrap_or(""),
                r["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        records,
        vec!["deny denied", "allow approved"],
        "{records:?}"
    );
}

async fn a_test_push_nobody_answers_expires_and_is_only_its_users(engine: Engine) {
    let server = server(engine).await;
    let (mut browser, _device) = signed_in_with_device(&server).await;
    let page = send(&mut browser).await;
    let txid = txid_of(&page);

    // Bob has no device: no button, and alice's push is not his to see.
    add_user(&server, "bob").await;
    let path = link(&server, "bob", None).await;
    let (mut bob, _) = open(&server, &path).await;
    let home = bob.get("/portal/").await.unwrap();
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(!home.body.contains("id=\"test-push\""), "{}", home.body);
    let foreign = bob
        .get(&format!("/portal/test-push/status?txid={txid}"))
        .await
        .unwrap();
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    let pushed = bob
        .post("/portal/test-push", &[("csrf", &home.csrf().unwrap())])
        .await
        .unwrap();
    assert_eq!(pushed.status, 409, "{}", pushed.body);

    // A relying party cannot poll it either.
    let app = server.application("VPN").await.unwrap();
    let (code, _) = server
        .call("GET", &format!("/v1/auth/{txid}"), Some(&app), None)
        .await
        .unwrap();
    assert_eq!(code, 404);

    server
        .clock
        .advance(server.state.config.push.challenge_ttl_seconds);
    assert_eq!(status(&mut browser, &txid).await["state"], "expired");
    let expired = browser
        .get(&format!("/portal/test-push/check?txid={txid}"))
        .await
        .unwrap();
    assert!(text_of(&expired, "test-push-status").starts_with("Expired"));
}
