//! Activation codes: single use, voided by a newer one, expiring, bound to the device key.

use twofold_testkit::{Engine, ServerProcess, TestDevice};

on_each_engine!(
    activation_codes_are_single_use_and_a_new_one_voids_the_old,
    an_expired_activation_code_is_refused
);

fn refusal(response: &twofold_testkit::ApiResponse) -> (u16, &str) {
    (response.status, response.error_code().unwrap_or(""))
}

async fn activation_codes_are_single_use_and_a_new_one_voids_the_old(engine: Engine) {
    let server = ServerProcess::start(engine).await.unwrap();
    server.add_user("bob", &[]).unwrap();

    // A newer code voids the older one.
    let old = server.create_activation("bob").unwrap();
    let new = server.create_activation("bob").unwrap();
    let device = TestDevice::new().unwrap();
    let response = device.try_activate(&server.url, &old.code).await.unwrap();
    assert_eq!(refusal(&response), (404, "activation.invalid_code"));

    // A signature by another key than the one registered: no proof of possession.
    let mut request = device.activation_request(&new.code).unwrap();
    let other = TestDevice::new().unwrap();
    request.signature = twofold_core::proto::b64_encode(
        &other
            .sign(&twofold_core::sign::activation_bytes(
                &new.code,
                other.public_key(),
            ))
            .unwrap(),
    );
    let response = twofold_testkit::http::RawClient::new(&server.url, None)
        .unwrap()
        .json("POST", "/v1/device/activate", &request)
        .await
        .unwrap();
    assert_eq!(refusal(&response), (400, "activation.bad_signature"));

    // The code typed without its spaces works too; once.
    let mut first = TestDevice::new().unwrap();
    first
        .activate(&server.url, &new.code.replace(' ', ""))
        .await
        .unwrap();
    let second = TestDevice::new().unwrap();
    let response = second.try_activate(&server.url, &new.code).await.unwrap();
    assert_eq!(refusal(&response), (409, "activation.already_used"));

    // Never issued.
    let response = second
        .try_activate(&server.url, "0000 0000 0000")
        .await
        .unwrap();
    assert_eq!(refusal(&response), (404, "activation.invalid_code"));

    // One device registered; every kind of refusal audited once per source and window (the
    // second wrong code is only counted in the metrics, issue 13 item 9).
    let admin = server.admin().unwrap();
    let devices: Vec<serde_json::Value> = admin.get("/v1/admin/users/bob/devices").await.unwrap();
    assert_eq!(devices.len(), 1);
    let records = admin.audit("&event=activation").await.unwrap();
    let reasons: Vec<(&str, &str)> = records
        .iter()
        .rev()
        .map(|r| (r.result.as_str(), r.reason.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        reasons,
        [
            ("failure", "invalid_code"),
            ("failure", "bad_signature"),
            ("success", "activated"),
            ("failure", "already_used"),
        ]
    );
    assert!(records
        .iter()
        .all(|r| r.client_ip.as_deref() == Some("127.0.0.1")));
}

async fn an_expired_activation_code_is_refused(engine: Engine) {
    let server =
        ServerProcess::start_with(engine, &[("TWOFOLD_POLICY_ACTIVATION_TTL_SECONDS", "2")])
            .await
            .unwrap();
    server.add_user("carol", &[]).unwrap();
    let issued = server.create_activation("carol").unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    let device = TestDevice::new().unwrap();
    let response = device
        .try_activate(&server.url, &issued.code)
        .await
        .unwrap();
    assert_eq!(refusal(&response), (410, "activation.expired"));
    // A fresh code works (it has at least a second left).
    let issued = server.create_activation("carol").unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &issued.code).await.unwrap();
}
