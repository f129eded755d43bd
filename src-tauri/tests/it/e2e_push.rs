//! Twofold accounts in the real window against a real `twofold-server` started by the test:
//! activation by pasted code, sign-in requests sent through the relying-party API and
//! answered in the window (approve with the right number, the wrong number, deny, deny and
//! report), a request arriving while the vault is locked, and `server reactivate` followed by
//! the guided fix (remove, then add again from the new activation code's QR image).

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use twofold_testkit::{Engine, RpClient, ServerProcess};

use crate::e2e::{create_vault, PASSWORD};
use crate::harness::{launch_fresh, Fresh, Ui};

const ACCOUNT: &str = ".account[data-push-state]";

/// A real server with alice, her activation code and a relying-party application.
pub struct PushServer {
    pub server: ServerProcess,
    /// Alice's activation code, `twofold://activate?...`.
    pub activation_uri: String,
    pub rp: RpClient,
}

impl PushServer {
    /// `max_per_minute`: the push fatigue limit (5 by default), raised for tests that send
    /// more on purpose.
    pub async fn start(application: &str, max_per_minute: u32) -> Self {
        let limit = max_per_minute.to_string();
        let server = ServerProcess::start_with(
            Engine::Sqlite,
            &[("TWOFOLD_PUSH_MAX_PER_MINUTE", limit.as_str())],
        )
        .await
        .unwrap();
        server.add_user("alice", &[]).unwrap();
        let activation_uri = server.create_activation("alice").unwrap().uri;
        let credentials = server.add_application(application).unwrap();
        let rp = RpClient::new(&server.url, &credentials.id, &credentials.secret).unwrap();
        Self {
            server,
            activation_uri,
            rp,
        }
    }
}

/// Pastes an activation code in the Add screen and waits for the report saying so.
pub async fn activate_by_paste(ui: &Ui, uri: &str) {
    ui.click("#add-button").await;
    ui.type_into("#uri", uri).await;
    ui.click("#add-uri").await;
    ui.wait_text(".report-summary", "1 account added").await;
    ui.wait_text(".report", "Activated").await;
}

/// `POST /v1/auth`: an asynchronous push for alice from the VPN in Lisbon.
async fn start_push(rp: &RpClient) -> twofold_testkit::ApiResponse {
    rp.0.json(
        "POST",
        "/v1/auth",
        &json!({
            "username": "alice",
            "factor": "push",
            "async": true,
            "context": {
                "application": "Staff VPN",
                "client_ip": "198.51.100.7",
                "location": "Lisbon, PT",
            }
        }),
    )
    .await
    .unwrap()
}

/// Starts an asynchronous push for alice; returns its transaction id and the number the
/// sign-in page would show.
async fn push(rp: &RpClient) -> (String, String) {
    let response = start_push(rp).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["result"], "waiting", "{:?}", response.body);
    (
        response.body["txid"].as_str().unwrap().to_owned(),
        response.body["number"].as_str().unwrap().to_owned(),
    )
}

/// What the relying party finally hears for `txid`: (result, reason).
async fn verdict(rp: &RpClient, txid: &str) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let response = rp.0.get(&format!("/v1/auth/{txid}?wait=10")).await.unwrap();
        assert_eq!(response.status, 200, "{:?}", response.body);
        let result = response.body["result"].as_str().unwrap().to_owned();
        if result != "waiting" {
            let reason = response.body["reason"].as_str().unwrap().to_owned();
            return (result, reason);
        }
        assert!(Instant::now() < deadline, "{txid} still waiting");
    }
}

/// A number that is not `number` (same length).
fn wrong(number: &str) -> String {
    number
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_digit((d + 1) % 10, 10).unwrap(),
            None => c,
        })
        .collect()
}

/// Waits for the request screen to show `txid`, checks its context, takes a picture.
async fn request_shown(ui: &Ui, txid: &str, shot: Option<&str>) {
    ui.find(&format!(
        "#request-screen .request[data-challenge='{txid}']"
    ))
    .await;
    ui.wait_text(".request-application", "Staff VPN").await;
    ui.wait_text(".request-client-ip", "198.51.100.7").await;
    ui.wait_text(".request-location", "Lisbon, PT").await;
    ui.wait_text(".request-user", "alice").await;
    assert!(ui.text(".request-countdown").await.contains('s'));
    ui.find("#request-number").await;
    if let Some(name) = shot {
        ui.shot(name).await;
    }
}

/// Closes the outcome and waits for the account list.
async fn done(ui: &Ui) {
    ui.click("#request-done").await;
    ui.find("#accounts-screen").await;
}

fn user(server: &ServerProcess) -> Value {
    server
        .cli_json::<Value>(&["user", "show", "alice", "--json"])
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn activate_then_answer_sign_in_requests_and_follow_the_reactivation_guide() {
    // This test sends more requests in a minute than the fatigue limit allows.
    let PushServer {
        mut server,
        activation_uri,
        rp,
    } = PushServer::start("Staff VPN", 30).await;
    let Fresh {
        screen,
        driver,
        dir: files,
        ui,
        ..
    } = launch_fresh(false).await;
    create_vault(&ui).await;

    // Activate by pasting the activation code.
    activate_by_paste(&ui, &activation_uri).await;
    ui.shot("push-01-activated").await;
    ui.click("#add-done").await;
    ui.find(&format!("{ACCOUNT}[data-push-state='connected']"))
        .await;
    ui.wait_text(".push-status", "Connected").await;
    ui.shot("push-02-account-connected").await;
    let devices = user(&server);
    assert_eq!(
        devices["devices"].as_array().map(Vec::len),
        Some(1),
        "{devices}"
    );

    // Approve with the number the sign-in page shows: the relying party hears allow.
    let (txid, number) = push(&rp).await;
    request_shown(&ui, &txid, Some("push-03-sign-in-request")).await;
    ui.type_into("#request-number", &number).await;
    ui.shot("push-04-number-typed").await;
    ui.click("#approve-request").await;
    ui.wait_text("#request-outcome", "Approved").await;
    ui.shot("push-05-approved").await;
    assert_eq!(
        verdict(&rp, &txid).await,
        ("allow".into(), "approved".into())
    );
    done(&ui).await;

    // The wrong number: the sign-in is denied, and the window says why.
    let (txid, number) = push(&rp).await;
    request_shown(&ui, &txid, None).await;
    ui.type_into("#request-number", &wrong(&number)).await;
    ui.click("#approve-request").await;
    ui.wait_text("#request-outcome", "did not match").await;
    ui.shot("push-06-wrong-number").await;
    assert_eq!(
        verdict(&rp, &txid).await,
        ("deny".into(), "wrong_number".into())
    );
    done(&ui).await;

    // Deny.
    let (txid, _) = push(&rp).await;
    request_shown(&ui, &txid, None).await;
    ui.click("#deny-request").await;
    ui.wait_text("#request-outcome", "Denied").await;
    assert_eq!(verdict(&rp, &txid).await, ("deny".into(), "denied".into()));
    done(&ui).await;

    // A request while the vault is locked: the unlock screen says so, and answering waits
    // for the password.
    ui.click("#lock-button").await;
    ui.find("#unlock-screen").await;
    let (txid, number) = push(&rp).await;
    ui.wait_text("#pending-request-banner", "Staff VPN").await;
    ui.shot("push-07-request-while-locked").await;
    ui.type_into("#unlock-password", PASSWORD).await;
    ui.click("#unlock-button").await;
    request_shown(&ui, &txid, None).await;
    ui.type_into("#request-number", &number).await;
    ui.click("#approve-request").await;
    ui.wait_text("#request-outcome", "Approved").await;
    assert_eq!(
        verdict(&rp, &txid).await,
        ("allow".into(), "approved".into())
    );
    done(&ui).await;

    // The server is re-linked: the device is no longer activated, and the window guides the
    // user through the fix.
    server
        .cli(&["server", "reactivate", "--yes"])
        .expect("server reactivate");
    ui.find(&format!("{ACCOUNT}[data-push-state='needs_reactivation']"))
        .await;
    ui.wait_text(
        ".reactivation-message",
        "Authentication request is not for an activated account",
    )
    .await;
    ui.wait_text(".reactivation-guide", "new activation code")
        .await;
    ui.shot("push-08-needs-reactivation").await;
    let refused = start_push(&rp).await;
    assert_eq!(
        (&refused.body["result"], &refused.body["reason"]),
        (&json!("enroll"), &json!("not_activated")),
        "{:?}",
        refused.body
    );

    // The guided fix: remove the account, then add it again from the new code's QR image.
    ui.click(".reactivate-remove").await;
    ui.find("#delete-dialog[open]").await;
    ui.click("#confirm-delete").await;
    ui.wait_count(ACCOUNT, 0).await;
    let again = server.create_activation("alice").unwrap();
    let image = files.path().join("activation.png");
    std::fs::write(
        &image,
        base64::engine::general_purpose::STANDARD
            .decode(&again.qr_png_base64)
            .unwrap(),
    )
    .unwrap();
    ui.click("#add-button").await;
    ui.find("#image-file")
        .await
        .send_keys(image.to_str().unwrap())
        .await
        .unwrap();
    ui.wait_text(".report", "Activated").await;
    ui.click("#add-done").await;
    ui.find(&format!("{ACCOUNT}[data-push-state='connected']"))
        .await;

    // Deny and report: asked first, then the sign-in is denied and alice is blocked.
    let (txid, _) = push(&rp).await;
    request_shown(&ui, &txid, None).await;
    ui.click("#report-request").await;
    ui.find("#report-dialog[open]").await;
    ui.shot("push-09-report-confirm").await;
    ui.click("#confirm-report").await;
    ui.wait_text("#request-outcome", "reported").await;
    ui.shot("push-10-reported").await;
    assert_eq!(
        verdict(&rp, &txid).await,
        ("deny".into(), "fraud_reported".into())
    );
    assert_eq!(user(&server)["user"]["blocked"], true, "{}", user(&server));
    let preauth = rp.preauth("alice").await.unwrap();
    assert_eq!(preauth.body["result"], "deny", "{:?}", preauth.body);
    done(&ui).await;

    ui.close().await;
    drop(driver);
    drop(screen);
    server.stop().unwrap();
}
