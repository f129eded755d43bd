//! Issue 13, push sign-in attacks (items 3, 5): each test performs the attack through the
//! HTTP API and the device's WebSocket, on SQLite and (when the test command provides one)
//! PostgreSQL.

use serde_json::{json, Value};
use twofold_core::proto::channel::{AnswerOutcome, Challenge, Decision, ServerMessage};
use twofold_testkit::{engines, DeviceChannel, Engine};

use super::alice_device::{self, AliceDevice as Setup};

async fn setup(engine: Engine) -> Setup {
    alice_device::start(engine, |_| {}).await
}

/// Sends a correctly signed approval (the socket may already be closed: it must not count
/// either way); the relying party must hear the push was cancelled.
async fn approve_and_expect_cancelled(
    s: &Setup,
    channel: &mut DeviceChannel,
    challenge: &Challenge,
    pushed: &Value,
    engine: Engine,
) {
    let _ = channel
        .send_answer(
            &s.device,
            challenge,
            Decision::Approve,
            pushed["number"].as_str(),
            false,
        )
        .await;
    let (result, reason) = s.server.outcome(&s.app, &challenge.id).await.unwrap();
    assert_eq!(
        (result.as_str(), reason.as_str()),
        ("deny", "cancelled"),
        "{engine}"
    );
}

/// A lost phone that stays online: the admin revokes it while a push is pending, and the
/// phone then approves on its still-open socket.
#[tokio::test]
async fn item3_a_revoked_device_cannot_approve_on_its_open_socket() {
    for engine in engines().unwrap() {
        let s = setup(engine).await;
        let (mut channel, ready) = s.device.connect(&s.url).await.unwrap();
        assert!(matches!(ready, ServerMessage::Ready { .. }), "{engine}");
        let pushed = s.server.push(&s.app, "alice").await.unwrap();
        let (challenge, _) = channel.next_challenge().await.unwrap();

        let device_id = s.device.device_id().unwrap();
        let (status, body) = s
            .server
            .as_admin("DELETE", &format!("/v1/admin/devices/{device_id}"), None)
            .await
            .unwrap();
        assert_eq!(status, 204, "{engine}: {body}");

        // The socket may already be gone; the answer must not count either way.
        approve_and_expect_cancelled(&s, &mut channel, &challenge, &pushed, engine).await;
        assert!(channel.closed().await, "{engine}: the socket stays open");
    }
}

/// The user reports one push as fraud while the attacker has sent a second one: the second
/// must not stay approvable.
#[tokio::test]
async fn item5_a_fraud_report_cancels_the_users_other_pushes() {
    for engine in engines().unwrap() {
        let s = setup(engine).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let first = s.server.push(&s.app, "alice").await.unwrap()["txid"]
            .as_str()
            .unwrap()
            .to_owned();
        let (reported, _) = channel.next_challenge().await.unwrap();
        let pushed = s.server.push(&s.app, "alice").await.unwrap();
        let second = pushed["txid"].as_str().unwrap().to_owned();
        // A challenge may be delivered twice (on connect and by its event): skip repeats.
        let other = loop {
            let (c, _) = channel.next_challenge().await.unwrap();
            if c.id == second {
                break c;
            }
        };
        assert_eq!(reported.id, first);

        channel
            .send_answer(&s.device, &reported, Decision::Deny, None, true)
            .await
            .unwrap();
        let (result, reason) = s.server.outcome(&s.app, &first).await.unwrap();
        assert_eq!(
            (result.as_str(), reason.as_str()),
            ("deny", "fraud_reported"),
            "{engine}"
        );

        approve_and_expect_cancelled(&s, &mut channel, &other, &pushed, engine).await;
        let audit = s
            .server
            .admin_call("GET", "/v1/admin/audit?event=authentication", None)
            .await
            .unwrap();
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["reason"] == "cancelled"),
            "{engine}: {audit}"
        );
    }
}

/// A user blocked after a fraud report, whose MFA an admin then sets to disabled, is still
/// refused: blocked wins over disabled.
#[tokio::test]
async fn item5_a_blocked_user_is_refused_even_with_mfa_disabled() {
    for engine in engines().unwrap() {
        let s = setup(engine).await;
        s.server
            .admin_call(
                "PATCH",
                "/v1/admin/users/alice",
                Some(json!({"blocked": true, "mfa_state": "disabled"})),
            )
            .await
            .unwrap();
        let result = s.server.passcode(&s.app, "alice", "123456").await.unwrap();
        assert_eq!(result, "deny", "{engine}");
        let body = json!({"username": "alice"});
        let (_, value) = s
            .server
            .call("POST", "/v1/preauth", Some(&s.app), Some(body))
            .await
            .unwrap();
        assert_eq!(
            (value["result"].as_str(), value["reason"].as_str()),
            (Some("deny"), Some("user_blocked")),
            "{engine}: {value}"
        );
    }
}

/// The revocation's event has not reached the device's node yet (a lagging listener): the
/// socket is still up and the answer arrives first. The compare-and-set that records the
/// answer checks the device itself, so it is refused, audited, and the push stays pending.
#[tokio::test]
async fn item3_an_answer_racing_the_revocation_event_is_refused() {
    for engine in engines().unwrap() {
        let s = setup(engine).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let pushed = s.server.push(&s.app, "alice").await.unwrap();
        let txid = pushed["txid"].as_str().unwrap().to_owned();
        let (challenge, _) = channel.next_challenge().await.unwrap();

        // Revoked in the store only: no event, as if it were still on its way.
        let device_id = s.device.device_id().unwrap();
        let now = s.server.state.now();
        assert!(twofold_server::store::devices::revoke(
            s.server.state.store.pool(),
            device_id,
            now
        )
        .await
        .unwrap());
        let outcome = channel
            .answer(
                &s.device,
                &challenge,
                Decision::Approve,
                pushed["number"].as_str(),
            )
            .await
            .unwrap();
        assert_eq!(outcome, AnswerOutcome::Refused, "{engine}");
        let (status, value) = s
            .server
            .call(
                "GET",
                &format!("/v1/auth/{txid}?wait=0"),
                Some(&s.app),
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: {value}");
        assert_eq!(value["result"], "waiting", "{engine}: {value}");
        let audit = s
            .server
            .admin_call("GET", "/v1/admin/audit?event=alert", None)
            .await
            .unwrap();
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["result"] == "answer_refused" && r["reason"] == "device_not_active"),
            "{engine}: {audit}"
        );
    }
}
