//! One audit record per authentication attempt, with every field the issue lists, and the
//! configuration switches for personal details.

use twofold_core::proto::AuthContext;
use twofold_testkit::{now, Engine, RpClient, ServerProcess};

use crate::common::{setup, wrong_code};

on_each_engine!(
    every_attempt_leaves_one_audit_record_with_all_its_fields,
    personal_details_in_audit_records_follow_the_configuration
);

async fn every_attempt_leaves_one_audit_record_with_all_its_fields(engine: Engine) {
    let setup = setup(engine, &[]).await;
    let admin = setup.server.admin().unwrap();
    let device_id = setup.device.device_id().unwrap().to_owned();
    let start = now();
    let code = setup.code_at(start);

    let context = AuthContext {
        application: Some("Intranet".into()),
        client_ip: Some("203.0.113.7".into()),
        location: Some("Lisbon".into()),
        user_agent: Some("Firefox".into()),
    };
    let body = setup.auth_with(&code, context).await;
    assert_eq!(body["result"], "allow");
    // Without a context, the application is the relying party's registered name.
    assert_eq!(setup.auth(&code).await, "code_replayed");
    assert_eq!(setup.auth(&wrong_code(&setup, start)).await, "invalid_code");
    let end = now();

    let mut records = admin.audit("&event=authentication").await.unwrap();
    records.reverse();
    assert_eq!(records.len(), 3, "one record per attempt: {records:#?}");
    for record in &records {
        assert!((start..=end).contains(&(record.at as u64)), "{record:?}");
        assert!(record.id.starts_with("aud_"));
        assert_eq!(record.event, "authentication");
        assert_eq!(record.username.as_deref(), Some("alice"));
        assert_eq!(record.first_name.as_deref(), Some("Alice"));
        assert_eq!(record.last_name.as_deref(), Some("Ng"));
        assert_eq!(record.email.as_deref(), Some("alice@example.com"));
        assert_eq!(record.phone.as_deref(), Some("+1 555 0100"));
        assert_eq!(record.factor.as_deref(), Some("passcode"));
        assert_eq!(record.server_name, "e2e-node");
        assert_eq!(record.server_ip.as_deref(), Some("127.0.0.1"));
    }
    let app = Some(setup.app_name.as_str());
    let expected = [
        // The relying party's `context.application` is ignored (issue 13, item 4).
        (
            "allow",
            "verified",
            Some("203.0.113.7"),
            Some("VPN Gateway"),
        ),
        ("deny", "code_replayed", None, app),
        ("deny", "invalid_code", None, app),
    ];
    for (record, (result, reason, client_ip, application)) in records.iter().zip(expected) {
        assert_eq!(record.result, result, "{record:?}");
        assert_eq!(record.reason.as_deref(), Some(reason), "{record:?}");
        assert_eq!(record.client_ip.as_deref(), client_ip, "{record:?}");
        assert_eq!(record.application.as_deref(), application, "{record:?}");
    }
    assert_eq!(records[0].device_id.as_deref(), Some(device_id.as_str()));
    assert_eq!(records[2].device_id, None);

    // The CLI's CSV export carries the same records.
    let csv = setup
        .server
        .cli(&["audit", "--event", "authentication", "--csv"])
        .unwrap();
    assert!(csv.status.success(), "{}", csv.stderr);
    assert_eq!(
        csv.stdout.lines().count(),
        4,
        "header and three rows:\n{}",
        csv.stdout
    );
    assert!(csv.stdout.contains("203.0.113.7"));
}

async fn personal_details_in_audit_records_follow_the_configuration(engine: Engine) {
    // (names, email, phone) switched on or off, each independently of the others.
    for (names, email, phone) in [(false, true, false), (true, false, true)] {
        let text = |on: bool| if on { "true" } else { "false" };
        let server = ServerProcess::start_with(
            engine,
            &[
                ("TWOFOLD_AUDIT_RECORD_NAMES", text(names)),
                ("TWOFOLD_AUDIT_RECORD_EMAIL", text(email)),
                ("TWOFOLD_AUDIT_RECORD_PHONE", text(phone)),
            ],
        )
        .await
        .unwrap();
        server
            .add_user(
                "erin",
                &[
                    "--first-name",
                    "Erin",
                    "--last-name",
                    "Li",
                    "--email",
                    "erin@example.com",
                    "--phone",
                    "+44 20 7946 0000",
                ],
            )
            .unwrap();
        let app = server.add_application("Mail").unwrap();
        let rp = RpClient::new(&server.url, &app.id, &app.secret).unwrap();
        // No device yet: the policy answers "enroll", and that is an attempt too.
        assert_eq!(rp.auth_reason("erin", "123456").await.unwrap(), "no_method");
        let records = server
            .admin()
            .unwrap()
            .audit("&event=authentication")
            .await
            .unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.result, "enroll");
        assert_eq!(r.username.as_deref(), Some("erin"));
        assert_eq!(r.first_name.is_some(), names, "{r:?}");
        assert_eq!(r.last_name.is_some(), names, "{r:?}");
        assert_eq!(r.email.is_some(), email, "{r:?}");
        assert_eq!(r.phone.is_some(), phone, "{r:?}");
        assert_eq!(r.application.as_deref(), Some("Mail"));
    }
}
