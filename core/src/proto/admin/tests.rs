//! Pins the JSON of every admin wire type to what the server sent before these types moved
//! here (the same keys, `null` for an absent value unless skipped): the CLI, scripts and the
//! end-to-end tests read it.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::*;

/// Serialises `value`, compares it with `expected`, and reads it back unchanged.
fn pins<T>(value: &T, expected: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + fmt::Debug,
{
    let actual = serde_json::to_value(value).unwrap();
    assert_eq!(actual, expected);
    let back: T = serde_json::from_value(expected).unwrap();
    assert_eq!(&back, value);
}

fn user() -> User {
    User {
        id: "usr_1".into(),
        username: "alice".into(),
        first_name: Some("Alice".into()),
        last_name: None,
        email: Some("alice@example.com".into()),
        phone: None,
        mfa_state: MfaState::Enforced,
        needs_registration: true,
        blocked: false,
        created_at: 10,
        updated_at: 20,
        default_method: Some(DefaultMethod::Token),
    }
}

fn user_json() -> Value {
    json!({
        "id": "usr_1", "username": "alice", "first_name": "Alice", "last_name": null,
        "email": "alice@example.com", "phone": null, "mfa_state": "enforced",
        "needs_registration": true, "blocked": false, "created_at": 10, "updated_at": 20,
        "default_method": "token"
    })
}

fn device() -> Device {
    Device {
        id: "dev_1".into(),
        name: "Pixel".into(),
        platform: "android".into(),
        epoch: 1,
        status: "active".into(),
        created_at: 5,
        last_seen_at: Some(7),
        revoked_at: None,
    }
}

fn device_json() -> Value {
    json!({
        "id": "dev_1", "name": "Pixel", "platform": "android", "epoch": 1, "status": "active",
        "created_at": 5, "last_seen_at": 7, "revoked_at": null
    })
}

#[test]
fn mfa_states_are_snake_case_and_round_trip_as_text() {
    for (state, text) in [
        (MfaState::Disabled, "disabled"),
        (MfaState::Enabled, "enabled"),
        (MfaState::Enforced, "enforced"),
    ] {
        assert_eq!(serde_json::to_value(state).unwrap(), json!(text));
        assert_eq!(state.as_str(), text);
        assert_eq!(MfaState::parse(text), Some(state));
    }
    assert_eq!(MfaState::parse("Enabled"), None);
}

#[test]
fn user_keeps_every_key_with_null_for_absent_details() {
    pins(&user(), user_json());
}

#[test]
fn new_user_and_patch_write_null_and_accept_absent_fields() {
    let new = NewUser {
        username: "bob".into(),
        mfa_state: Some(MfaState::Disabled),
        ..NewUser::default()
    };
    pins(
        &new,
        json!({"username": "bob", "first_name": null, "last_name": null, "email": null,
               "phone": null, "mfa_state": "disabled"}),
    );
    let short: NewUser = serde_json::from_value(json!({"username": "bob"})).unwrap();
    assert_eq!(short.mfa_state, None);
    assert!(serde_json::from_value::<NewUser>(json!({"username": "b", "x": 1})).is_err());

    let patch = UserPatch {
        email: Some(String::new()),
        blocked: Some(false),
        ..UserPatch::default()
    };
    pins(
        &patch,
        json!({"first_name": null, "last_name": null, "email": "", "phone": null,
               "mfa_state": null, "blocked": false}),
    );
    assert_eq!(
        serde_json::from_value::<UserPatch>(json!({})).unwrap(),
        UserPatch::default()
    );
    assert!(serde_json::from_value::<UserPatch>(json!({"username": "b"})).is_err());
}

#[test]
fn import_report_leaves_out_the_reason_of_added_rows() {
    let report = ImportReport {
        added: 1,
        refused: 1,
        rows: vec![
            ImportRow {
                line: 2,
                username: "a".into(),
                status: "added".into(),
                reason: None,
            },
            ImportRow {
                line: 3,
                username: "b".into(),
                status: "refused".into(),
                reason: Some("user b exists".into()),
            },
        ],
    };
    pins(
        &report,
        json!({"added": 1, "refused": 1, "rows": [
            {"line": 2, "username": "a", "status": "added"},
            {"line": 3, "username": "b", "status": "refused", "reason": "user b exists"}
        ]}),
    );
}

#[test]
fn import_query_is_optional_and_strict() {
    pins(
        &ImportQuery {
            first_line: Some(201),
        },
        json!({"first_line": 201}),
    );
    assert!(serde_json::from_value::<ImportQuery>(json!({"line": 1})).is_err());
}

#[test]
fn device_has_no_key_material_and_null_for_unset_times() {
    pins(&device(), device_json());
}

#[test]
fn user_detail_nests_the_user_and_its_devices() {
    pins(
        &UserDetail {
            user: user(),
            devices: vec![device()],
        },
        json!({"user": user_json(), "devices": [device_json()]}),
    );
}

#[test]
fn reset_report_lists_revoked_devices() {
    pins(
        &ResetReport {
            username: "alice".into(),
            revoked_devices: vec!["dev_1".into()],
            cancelled_requests: 2,
        },
        json!({"username": "alice", "revoked_devices": ["dev_1"], "cancelled_requests": 2}),
    );
}

#[test]
fn issued_activation_carries_the_code_but_does_not_print_it() {
    let issued = IssuedActivation {
        username: "alice".into(),
        code: "1234 5678 9012".into(),
        server_url: "https://mfa.example".into(),
        uri: "twofold://activate?url=x&code=123456789012".into(),
        expires_at: 99,
        qr_png_base64: "iVBORw0KGgo=".into(),
    };
    pins(
        &issued,
        json!({"username": "alice", "code": "1234 5678 9012", "server_url": "https://mfa.example",
               "uri": "twofold://activate?url=x&code=123456789012", "expires_at": 99,
               "qr_png_base64": "iVBORw0KGgo="}),
    );
    let printed = format!("{issued:?}");
    assert!(
        !printed.contains("1234") && !printed.contains("iVBOR"),
        "{printed}"
    );
}

#[test]
fn application_never_has_a_secret() {
    pins(
        &Application {
            id: "app_1".into(),
            name: "vpn".into(),
            created_at: 3,
        },
        json!({"id": "app_1", "name": "vpn", "created_at": 3}),
    );
    pins(
        &NewApplication { name: "vpn".into() },
        json!({"name": "vpn"}),
    );
    assert!(serde_json::from_value::<NewApplication>(json!({"name": "v", "id": "x"})).is_err());
}

#[test]
fn application_credentials_carry_the_secret_but_do_not_print_it() {
    let creds = ApplicationCredentials {
        id: "app_1".into(),
        name: "vpn".into(),
        secret: "s3cr3t-value".into(),
    };
    pins(
        &creds,
        json!({"id": "app_1", "name": "vpn", "secret": "s3cr3t-value"}),
    );
    assert!(!format!("{creds:?}").contains("s3cr3t"));
}

#[test]
fn method_state_and_change() {
    pins(
        &MethodState {
            method: Factor::Push,
            enabled: false,
        },
        json!({"method": "push", "enabled": false}),
    );
    pins(&MethodChange { enabled: true }, json!({"enabled": true}));
    assert!(serde_json::from_value::<MethodChange>(json!({"enabled": true, "x": 1})).is_err());
}

#[test]
fn audit_record_keeps_every_key_in_csv_column_order() {
    let record = AuditRecord {
        id: "aud_1".into(),
        at: 1_700_000_000,
        event: "authentication".into(),
        username: Some("alice".into()),
        factor: Some("passcode".into()),
        result: "allow".into(),
        reason: Some("valid_passcode".into()),
        server_name: "node-a".into(),
        client_ip: Some("192.0.2.1".into()),
        ..AuditRecord::default()
    };
    let expected = json!({
        "id": "aud_1", "at": 1_700_000_000, "event": "authentication", "username": "alice",
        "first_name": null, "last_name": null, "email": null, "phone": null, "device_id": null,
        "factor": "passcode", "result": "allow", "reason": "valid_passcode",
        "server_name": "node-a", "server_ip": null, "client_ip": "192.0.2.1", "application": null,
        "admin_id": null, "detail": null
    });
    pins(&record, expected);
    // The CSV export writes the fields in declaration order.
    let text = serde_json::to_string(&record).unwrap();
    let keys = [
        "id",
        "at",
        "event",
        "username",
        "first_name",
        "last_name",
        "email",
        "phone",
        "device_id",
        "factor",
        "result",
        "reason",
        "server_name",
        "server_ip",
        "client_ip",
        "application",
        "admin_id",
        "detail",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn audit_query_is_strict_and_every_filter_optional() {
    let query = AuditQuery {
        username: Some("alice".into()),
        since: Some(1),
        limit: Some(50),
        format: Some("csv".into()),
        ..AuditQuery::default()
    };
    pins(
        &query,
        json!({"username": "alice", "result": null, "event": null, "since": 1, "until": null,
               "limit": 50, "format": "csv", "admin_id": null}),
    );
    assert_eq!(
        serde_json::from_value::<AuditQuery>(json!({})).unwrap(),
        AuditQuery::default()
    );
    assert!(serde_json::from_value::<AuditQuery>(json!({"user": "alice"})).is_err());
}

#[test]
fn usage_query_and_report() {
    pins(
        &UsageQuery {
            since: None,
            until: Some(86_400),
            period: Some("week".into()),
        },
        json!({"since": null, "until": 86_400, "period": "week"}),
    );
    let bucket = |key: &str| Bucket {
        key: key.into(),
        authentications: 3,
        allowed: 2,
        denied: 1,
    };
    let bucket_json =
        |key: &str| json!({"key": key, "authentications": 3, "allowed": 2, "denied": 1});
    pins(
        &UsageReport {
            since: 0,
            until: 86_400,
            users_enabled: 4,
            users_total: 5,
            devices_active: 6,
            authentications: 3,
            allowed: 2,
            denied: 1,
            distinct_users: 2,
            by_application: vec![bucket("vpn")],
            by_period: vec![bucket("0")],
        },
        json!({"since": 0, "until": 86_400, "users_enabled": 4, "users_total": 5,
               "devices_active": 6, "authentications": 3, "allowed": 2, "denied": 1,
               "distinct_users": 2, "by_application": [bucket_json("vpn")],
               "by_period": [bucket_json("0")]}),
    );
}

#[test]
fn reactivation_names_the_new_epoch() {
    pins(&Reactivation { epoch: 3 }, json!({"epoch": 3}));
}
