//! The whole path of issue 3 by hand: admin CLI → activation → device → code from oathtool →
//! accepted once, refused as replayed the second time.

use serde_json::Value;
use twofold_testkit::{now, oathtool, Engine, ServerProcess, TestDevice};

on_each_engine!(admin_creates_user_device_activates_and_an_oathtool_code_is_accepted_once);

async fn admin_creates_user_device_activates_and_an_oathtool_code_is_accepted_once(engine: Engine) {
    let mut server = ServerProcess::start(engine).await.unwrap();
    assert!(
        server.admin_token.starts_with("adm_"),
        "{}",
        server.admin_token
    );

    // Admin: a user and an activation, through the CLI.
    let user = server
        .add_user("Alice", &["--email", "alice@example.com"])
        .unwrap();
    assert_eq!(user.username, "alice");
    let issued = server.create_activation("alice").unwrap();
    assert_eq!(issued.server_url, server.url);
    assert!(
        issued.uri.starts_with("twofold://activate?url="),
        "{}",
        issued.uri
    );
    assert_eq!(issued.code.replace(' ', "").len(), 12, "{}", issued.code);
    let app = server.add_application("VPN Gateway").unwrap();
    let rp = twofold_testkit::RpClient::new(&server.url, &app.id, &app.secret).unwrap();

    // Before activation the user has no method: enroll.
    let before = rp.preauth("alice").await.unwrap();
    assert_eq!(before.body["result"], "enroll", "{}", before.body);

    // The device: a fresh P-256 key, proof of possession over the code as shown.
    let mut device = TestDevice::new().unwrap();
    let activated = device.activate(&server.url, &issued.code).await.unwrap();
    assert_eq!(activated.username, "alice");
    assert_eq!(activated.server_name, "e2e-node");
    assert!(activated.device_id.starts_with("dev_"));
    assert!(
        activated
            .otpauth_uri
            .starts_with("otpauth://totp/Twofold:alice?secret="),
        "{}",
        activated.otpauth_uri
    );
    assert!(activated.server_time.abs_diff(now()) < 60);
    let device_id = activated.device_id.clone();

    let after = rp.preauth("alice").await.unwrap();
    assert_eq!(after.body["result"], "auth", "{}", after.body);
    // An activated device can answer pushes and show offline codes.
    assert_eq!(
        after.body["methods"],
        serde_json::json!(["push", "passcode"]),
        "{}",
        after.body
    );
    assert_eq!(after.body["devices"][0]["id"], device_id.as_str());

    // A code from the independent OATH Toolkit, computed from the secret the device got.
    let secret = device.secret_base32().unwrap();
    let t = now();
    let code = oathtool(&secret, t).unwrap();
    assert_eq!(
        code,
        device.code(t).unwrap(),
        "our TOTP and oathtool disagree"
    );
    let first = rp.auth("alice", &code, Default::default()).await.unwrap();
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["result"], "allow", "{}", first.body);
    assert_eq!(first.body["reason"], "verified");

    // RFC 6238 §5.2: the same code a second time is refused.
    let second = rp.auth("alice", &code, Default::default()).await.unwrap();
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["result"], "deny");
    assert_eq!(second.body["reason"], "code_replayed");

    // The CLI sees the device and both attempts.
    let devices: Vec<Value> = server
        .cli_json(&["device", "list", "alice", "--json"])
        .unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["id"], device_id.as_str());
    let audit: Vec<Value> = server
        .cli_json(&[
            "audit",
            "--user",
            "alice",
            "--event",
            "authentication",
            "--json",
        ])
        .unwrap();
    let reasons: Vec<&str> = audit
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["code_replayed", "verified"], "newest first");

    // SIGTERM: a clean exit (stop() fails otherwise).
    server.stop().unwrap();
    assert!(server.logs().unwrap().contains("stopped"));
}
