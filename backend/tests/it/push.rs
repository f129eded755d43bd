//! Push sign-in end to end: a relying party asks, a test device receives the signed
//! challenge over its channel and answers, the relying party hears the outcome. Every test
//! runs on SQLite and, when the test command provides one, PostgreSQL.

use std::time::Duration;

use serde_json::{json, Value};
use twofold_core::proto::channel::{
    AnswerOutcome, Decision, ServerMessage, NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE,
};

use twofold_testkit::{engines, Engine, InProcessServer, TestDevice};

use super::alice_device::{self, AliceDevice as Setup};

async fn setup(engine: Engine, number_matching: bool) -> Setup {
    alice_device::start(engine, |c| {
        c.push.number_matching = twofold_testkit::inprocess::number_matching(number_matching);
    })
    .await
}

async fn push(s: &InProcessServer, app: &str, asynchronous: bool) -> Value {
    let body = json!({"username": "alice", "factor": "push", "async": asynchronous,
        "context": {"client_ip": "198.51.100.7", "location": "Lisbon, PT"}});
    let (status, value) = s
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    assert_eq!(status, 200, "{value}");
    value
}

async fn poll(s: &InProcessServer, app: &str, txid: &str) -> Value {
    let (status, value) = s
        .call("GET", &format!("/v1/auth/{txid}?wait=10"), Some(app), None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{value}");
    value
}

#[tokio::test]
async fn synchronous_push_approved_on_the_device_allows() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let (mut channel, ready) = s.device.connect(&s.url).await.unwrap();
        assert!(
            matches!(ready, ServerMessage::Ready { .. }),
            "{engine}: {ready:?}"
        );
        let server = std::sync::Arc::new(s.server);
        let rp = {
            let (server, app) = (server.clone(), s.app.clone());
            tokio::spawn(async move { push(&server, &app, false).await })
        };
        let (challenge, signature) = channel.next_challenge().await.unwrap();
        assert!(
            s.device.verify_challenge(&challenge, &signature).unwrap(),
            "{engine}: challenge signature"
        );
        assert_eq!(
            (challenge.username.as_str(), challenge.application.as_str()),
            ("alice", "VPN")
        );
        assert_eq!(
            (challenge.client_ip.as_str(), challenge.location.as_str()),
            ("198.51.100.7", "Lisbon, PT")
        );
        assert!(!challenge.number_required);
        channel
            .send_answer(&s.device, &challenge, Decision::Approve, None, false)
            .await
            .unwrap();
        let ServerMessage::AnswerResult { outcome, .. } = channel.next().await.unwrap() else {
            panic!("answer result")
        };
        assert_eq!(outcome, AnswerOutcome::Accepted);
        let answer = rp.await.unwrap();
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("allow"), Some("approved")),
            "{engine}"
        );

        // One audit record for the outcome, with the device and the context.
        let (_, audit) = server
            .call(
                "GET",
                "/v1/admin/audit?event=authentication",
                Some(&server.admin()),
                None,
            )
            .await
            .unwrap();
        let record = &audit[0];
        assert_eq!(
            (record["factor"].as_str(), record["result"].as_str()),
            (Some("push"), Some("allow"))
        );
        assert_eq!(
            record["device_id"].as_str(),
            Some(s.device.device_id().unwrap())
        );
        assert_eq!(record["client_ip"].as_str(), Some("198.51.100.7"));
    }
}

#[tokio::test]
async fn number_matching_accepts_the_right_number_and_denies_a_wrong_one() {
    for engine in engines().unwrap() {
        let s = setup(engine, true).await;
        // Number matching needs the asynchronous flow: the page must show the number.
        let (status, body) = s
            .server
            .call(
                "POST",
                "/v1/auth",
                Some(&s.app),
                Some(json!({"username": "alice", "factor": "push"})),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (422, Some("request.invalid_field")),
            "{engine}"
        );

        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let started = push(&s.server, &s.app, true).await;
        assert_eq!(started["result"], "waiting");
        let number = started["number"].as_str().unwrap().to_owned();
        let (challenge, _) = channel.next_challenge().await.unwrap();
        assert!(challenge.number_required);
        channel
            .send_answer(
                &s.device,
                &challenge,
                Decision::Approve,
                Some(&number),
                false,
            )
            .await
            .unwrap();
        let answer = poll(&s.server, &s.app, started["txid"].as_str().unwrap()).await;
        assert_eq!(answer["result"], "allow", "{engine}");

        let started = push(&s.server, &s.app, true).await;
        let wrong = if started["number"] == "00" {
            "01"
        } else {
            "00"
        };
        let (challenge, _) = channel.next_challenge().await.unwrap();
        channel
            .send_answer(&s.device, &challenge, Decision::Approve, Some(wrong), false)
            .await
            .unwrap();
        let answer = poll(&s.server, &s.app, started["txid"].as_str().unwrap()).await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("deny"), Some("wrong_number")),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn deny_expiry_cancel_and_forged_answers() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();

        let started = push(&s.server, &s.app, true).await;
        let (challenge, _) = channel.next_challenge().await.unwrap();
        // Signed by another key: refused, and the challenge stays pending.
        let other_key = TestDevice::new().unwrap();
        channel
            .send(
                &s.device
                    .answer_signed_by(&other_key, &challenge, Decision::Approve, None, false)
                    .unwrap(),
            )
            .await
            .unwrap();
        assert!(matches!(
            channel.next().await.unwrap(),
            ServerMessage::AnswerResult {
                outcome: AnswerOutcome::Refused,
                ..
            }
        ));
        channel
            .send_answer(&s.device, &challenge, Decision::Deny, None, false)
            .await
            .unwrap();
        assert!(matches!(
            channel.next().await.unwrap(),
            ServerMessage::AnswerResult {
                outcome: AnswerOutcome::Accepted,
                ..
            }
        ));
        let answer = poll(&s.server, &s.app, started["txid"].as_str().unwrap()).await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("deny"), Some("denied")),
            "{engine}"
        );
        // The same answer again is not a second decision.
        let replay = s
            .device
            .answer(&challenge, Decision::Approve, None, false)
            .unwrap();
        channel.send(&replay).await.unwrap();
        let reply = loop {
            if let ServerMessage::AnswerResult { outcome, .. } = channel.next().await.unwrap() {
                break outcome;
            }
        };
        assert_eq!(reply, AnswerOutcome::AnsweredElsewhere, "{engine}");

        // Nobody answers: at expiry the relying party hears timeout.
        let started = push(&s.server, &s.app, true).await;
        let (challenge, _) = channel.next_challenge().await.unwrap();
        s.server.clock.advance(61);
        let answer = poll(&s.server, &s.app, started["txid"].as_str().unwrap()).await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("timeout"), Some("expired")),
            "{engine}"
        );
        channel
            .send_answer(&s.device, &challenge, Decision::Approve, None, false)
            .await
            .unwrap();
        let reply = loop {
            if let ServerMessage::AnswerResult { outcome, .. } = channel.next().await.unwrap() {
                break outcome;
            }
        };
        assert_eq!(reply, AnswerOutcome::Expired, "{engine}");

        // The relying party cancels.
        let started = push(&s.server, &s.app, true).await;
        let txid = started["txid"].as_str().unwrap();
        let (status, answer) = s
            .server
            .call("DELETE", &format!("/v1/auth/{txid}"), Some(&s.app), None)
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), answer["reason"].as_str()),
            (200, Some("cancelled")),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn a_device_offline_during_the_push_receives_it_on_connect() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let started = push(&s.server, &s.app, true).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let (challenge, signature) = channel.next_challenge().await.unwrap();
        assert_eq!(started["txid"].as_str(), Some(challenge.id.as_str()));
        assert!(s.device.verify_challenge(&challenge, &signature).unwrap());
        channel
            .send_answer(&s.device, &challenge, Decision::Approve, None, false)
            .await
            .unwrap();
        assert_eq!(
            poll(&s.server, &s.app, &challenge.id).await["result"],
            "allow",
            "{engine}"
        );
    }
}

#[tokio::test]
async fn with_two_devices_the_first_answer_wins() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let second = TestDevice::activate_new(
            &s.url,
            &s.server.code_for("alice").await.unwrap(),
            "Alice's tablet",
        )
        .await
        .unwrap();
        let (mut one, _) = s.device.connect(&s.url).await.unwrap();
        let (mut two, _) = second.connect(&s.url).await.unwrap();
        let started = push(&s.server, &s.app, true).await;
        let (c1, _) = one.next_challenge().await.unwrap();
        let (c2, _) = two.next_challenge().await.unwrap();
        assert_eq!(c1.id, c2.id);
        assert_eq!(c2.device_id, second.device_id().unwrap());
        one.send_answer(&s.device, &c1, Decision::Approve, None, false)
            .await
            .unwrap();
        // The other device is told to take the request off its screen.
        let withdrawn = loop {
            if let ServerMessage::Withdrawn { challenge_id, .. } = two.next().await.unwrap() {
                break challenge_id;
            }
        };
        assert_eq!(withdrawn, c1.id);
        two.send_answer(&second, &c2, Decision::Deny, None, false)
            .await
            .unwrap();
        let late = loop {
            if let ServerMessage::AnswerResult { outcome, .. } = two.next().await.unwrap() {
                break outcome;
            }
        };
        assert_eq!(late, AnswerOutcome::AnsweredElsewhere, "{engine}");
        assert_eq!(
            poll(&s.server, &s.app, started["txid"].as_str().unwrap()).await["result"],
            "allow"
        );
    }
}

#[tokio::test]
async fn deny_and_report_blocks_the_user_and_raises_an_alert() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let started = push(&s.server, &s.app, true).await;
        let (challenge, _) = channel.next_challenge().await.unwrap();
        channel
            .send_answer(&s.device, &challenge, Decision::Deny, None, true)
            .await
            .unwrap();
        let answer = poll(&s.server, &s.app, started["txid"].as_str().unwrap()).await;
        assert_eq!(answer["reason"], "fraud_reported", "{engine}");
        let (_, alerts) = s
            .server
            .call(
                "GET",
                "/v1/admin/audit?event=alert",
                Some(&s.server.admin()),
                None,
            )
            .await
            .unwrap();
        assert_eq!(alerts[0]["result"], "fraud_reported", "{engine}");
        // Blocked: the next sign-in is denied without a push.
        let blocked = push(&s.server, &s.app, true).await;
        assert_eq!(
            (blocked["result"].as_str(), blocked["reason"].as_str()),
            (Some("deny"), Some("user_blocked"))
        );
    }
}

#[tokio::test]
async fn reset_closes_the_socket_and_requires_registration() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let (status, report) = s
            .server
            .call(
                "POST",
                "/v1/admin/users/alice/reset",
                Some(&s.server.admin()),
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{report}");
        assert!(
            matches!(
                channel.next().await.unwrap(),
                ServerMessage::AccountRevoked { .. }
            ),
            "{engine}"
        );
        assert!(channel.closed().await, "{engine}: socket left open");
        let answer = push(&s.server, &s.app, true).await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("enroll"), Some("no_method"))
        );
        let (_, pre) = s
            .server
            .call(
                "POST",
                "/v1/preauth",
                Some(&s.app),
                Some(json!({"username": "alice"})),
            )
            .await
            .unwrap();
        assert_eq!(pre["result"], "enroll", "{engine}");
        // The revoked device cannot come back; a new activation works.
        let (_, refused) = s.device.connect(&s.url).await.unwrap();
        assert!(
            matches!(refused, ServerMessage::Error { ref code, .. } if code == NOT_ACTIVATED),
            "{refused:?}"
        );
        let again = TestDevice::activate_new(
            &s.url,
            &s.server.code_for("alice").await.unwrap(),
            "New phone",
        )
        .await
        .unwrap();
        let (_, ready) = again.connect(&s.url).await.unwrap();
        assert!(matches!(ready, ServerMessage::Ready { .. }), "{engine}");
        assert_eq!(push(&s.server, &s.app, true).await["result"], "waiting");
    }
}

#[tokio::test]
async fn reactivation_refuses_old_devices_and_keeps_tokens_working() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        // An imported-style hardware token for the same user.
        let secret = twofold_core::SecretBytes::from(b"12345678901234567890".as_slice());
        let user = twofold_server::store::users::by_name(s.server.state.store.pool(), "alice")
            .await
            .unwrap()
            .unwrap();
        let id = "crd_token1".to_owned();
        let token = twofold_server::store::credentials::Credential {
            id: id.clone(),
            user_id: user.id.clone(),
            device_id: None,
            source: "token".into(),
            kind: twofold_server::store::credentials::CredentialKind::Totp,
            serial: Some("TOKEN-1".into()),
            sealed_secret: s
                .server
                .state
                .master_key
                .seal(secret.expose(), &id)
                .unwrap(),
            algorithm: "SHA1".into(),
            digits: 6,
            period: 30,
            counter: 0,
            last_step: -1,
            drift: 0,
            created_at: 0,
        };
        twofold_server::store::credentials::insert(s.server.state.store.pool(), &token)
            .await
            .unwrap();

        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let (status, body) = s
            .server
            .call(
                "POST",
                "/v1/admin/server/reactivate",
                Some(&s.server.admin()),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["epoch"].as_u64()),
            (200, Some(2)),
            "{engine}"
        );
        match channel.next().await.unwrap() {
            ServerMessage::Error { code, message } => {
                assert_eq!(
                    (code.as_str(), message.as_str()),
                    (NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE)
                )
            }
            other => panic!("{engine}: {other:?}"),
        }
        let (_, refused) = s.device.connect(&s.url).await.unwrap();
        assert!(
            matches!(refused, ServerMessage::Error { ref message, .. } if message == NOT_ACTIVATED_MESSAGE)
        );
        let answer = push(&s.server, &s.app, true).await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("enroll"), Some("not_activated"))
        );
        assert_eq!(answer["message"], NOT_ACTIVATED_MESSAGE);

        // The hardware token still verifies; the old device's offline code does not.
        let now = twofold_server::clock::Clock::now(s.server.clock.as_ref());
        let code = twofold_core::otp::Totp::new(secret, twofold_core::Algorithm::Sha1, 6, 30)
            .unwrap()
            .generate(now);
        let (_, answer) = s
            .server
            .call(
                "POST",
                "/v1/auth",
                Some(&s.app),
                Some(json!({"username": "alice", "factor": "passcode", "passcode": code})),
            )
            .await
            .unwrap();
        assert_eq!(
            answer["result"], "allow",
            "{engine}: token after reactivation"
        );
        let old = twofold_core::OtpAccount::from_uri(&s.device.activated().unwrap().otpauth_uri)
            .unwrap()
            .code(now + 30)
            .unwrap();
        let (_, answer) = s
            .server
            .call(
                "POST",
                "/v1/auth",
                Some(&s.app),
                Some(json!({"username": "alice", "factor": "passcode", "passcode": old})),
            )
            .await
            .unwrap();
        assert_eq!(
            answer["result"], "deny",
            "{engine}: old device code after reactivation"
        );

        let again =
            TestDevice::activate_new(&s.url, &s.server.code_for("alice").await.unwrap(), "Phone")
                .await
                .unwrap();
        assert_eq!(again.activated().unwrap().epoch, 2);
        let (mut channel, ready) = again.connect(&s.url).await.unwrap();
        assert!(matches!(ready, ServerMessage::Ready { .. }), "{engine}");
        push(&s.server, &s.app, true).await;
        let (challenge, signature) = channel.next_challenge().await.unwrap();
        assert!(
            again.verify_challenge(&challenge, &signature).unwrap(),
            "signed with the new key"
        );
        assert!(
            !s.device.verify_challenge(&challenge, &signature).unwrap(),
            "not with the old one"
        );
    }
}

#[tokio::test]
async fn pushes_per_user_are_capped() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        for _ in 0..5 {
            assert_eq!(push(&s.server, &s.app, true).await["result"], "waiting");
        }
        let capped = push(&s.server, &s.app, true).await;
        assert_eq!(
            (capped["result"].as_str(), capped["reason"].as_str()),
            (Some("deny"), Some("push_limit")),
            "{engine}"
        );
        s.server.clock.advance(61);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(
            push(&s.server, &s.app, true).await["result"],
            "waiting",
            "{engine}"
        );
    }
}

#[tokio::test]
async fn a_method_disabled_for_everyone_asks_its_users_to_register_again() {
    for engine in engines().unwrap() {
        let s = setup(engine, false).await;
        let admin = s.server.admin();
        let (status, states) = s
            .server
            .call(
                "PUT",
                "/v1/admin/methods/push",
                Some(&admin),
                Some(json!({"enabled": false})),
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{states}");
        let answer = push(&s.server, &s.app, true).await;
        assert_eq!(
            (answer["result"].as_str(), answer["reason"].as_str()),
            (Some("enroll"), Some("method_disabled")),
            "{engine}"
        );
        let (_, pre) = s
            .server
            .call(
                "POST",
                "/v1/preauth",
                Some(&s.app),
                Some(json!({"username": "alice"})),
            )
            .await
            .unwrap();
        assert_eq!(pre["methods"], json!(["passcode"]), "{engine}");
        s.server
            .call(
                "PUT",
                "/v1/admin/methods/push",
                Some(&admin),
                Some(json!({"enabled": true})),
            )
            .await
            .unwrap();
        assert_eq!(
            push(&s.server, &s.app, true).await["result"],
            "waiting",
            "{engine}"
        );
    }
}
