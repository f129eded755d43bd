//! Every class of malformed request gets a 4xx with a stable error code and changes nothing:
//! the database dump is byte for byte the same before and after, and the device's next
//! code is still accepted (nothing was used up or locked).

use serde_json::json;
use twofold_testkit::http::{RawBody, RawClient};
use twofold_testkit::{now, Engine};

use crate::common::setup;

on_each_engine!(malformed_requests_get_a_stable_4xx_and_change_nothing);

/// (what, method, path, credentials, content type, body, expected status, expected code)
type Case = (
    &'static str,
    &'static str,
    String,
    Who,
    Option<&'static str>,
    Vec<u8>,
    u16,
    &'static str,
);

#[derive(Clone, Copy)]
enum Who {
    App,
    Admin,
    Nobody,
    WrongApp,
}

fn cases(code: &str) -> Vec<Case> {
    let json = |v: serde_json::Value| v.to_string().into_bytes();
    let ct = Some("application/json");
    let auth = |extra: serde_json::Value| {
        let mut body = json!({"username": "alice", "factor": "passcode", "passcode": code});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        json(body)
    };
    let huge =
        json(json!({"username": "alice", "factor": "passcode", "passcode": "1".repeat(70 * 1024)}));
    vec![
        (
            "bad JSON",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            b"{\"username\": \"alice\",".to_vec(),
            400,
            "request.malformed_json",
        ),
        (
            "not UTF-8",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            vec![0xff, 0xfe, 0x7b],
            400,
            "request.malformed_json",
        ),
        (
            "empty body",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            Vec::new(),
            400,
            "request.malformed_json",
        ),
        (
            "unknown field",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"pascode": "1"})),
            422,
            "request.invalid_body",
        ),
        (
            "unknown context field",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"context": {"ip": "1.2.3.4"}})),
            422,
            "request.invalid_body",
        ),
        (
            "username of the wrong type",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"username": 42})),
            422,
            "request.invalid_body",
        ),
        (
            "passcode of the wrong type",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"passcode": 123456})),
            422,
            "request.invalid_body",
        ),
        (
            "unknown factor",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"factor": "fax"})),
            422,
            "request.invalid_body",
        ),
        (
            "missing factor",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            json(json!({"username": "alice", "passcode": code})),
            422,
            "request.invalid_body",
        ),
        (
            "JSON array",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            b"[]".to_vec(),
            422,
            "request.invalid_body",
        ),
        (
            "oversized body",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            huge.clone(),
            413,
            "request.too_large",
        ),
        (
            "oversized admin body",
            "POST",
            "/v1/admin/users".into(),
            Who::Admin,
            ct,
            huge,
            413,
            "request.too_large",
        ),
        (
            "missing content type",
            "POST",
            "/v1/auth".into(),
            Who::App,
            None,
            auth(json!({})),
            415,
            "request.unsupported_media_type",
        ),
        (
            "wrong content type",
            "POST",
            "/v1/auth".into(),
            Who::App,
            Some("text/plain"),
            auth(json!({})),
            415,
            "request.unsupported_media_type",
        ),
        (
            "unknown user",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"username": "mallory"})),
            404,
            "user.not_found",
        ),
        (
            "invalid username",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"username": "a b"})),
            422,
            "request.invalid_field",
        ),
        (
            "empty passcode",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"passcode": " "})),
            422,
            "request.invalid_field",
        ),
        (
            "overlong passcode",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"passcode": "1".repeat(65)})),
            422,
            "request.invalid_field",
        ),
        (
            // Number matching is on by default, and the page must show the number.
            "synchronous push while number matching is on",
            "POST",
            "/v1/auth".into(),
            Who::App,
            ct,
            auth(json!({"factor": "push"})),
            422,
            "request.invalid_field",
        ),
        (
            "unknown user at preauth",
            "POST",
            "/v1/preauth".into(),
            Who::App,
            ct,
            json(json!({"username": "mallory"})),
            404,
            "user.not_found",
        ),
        (
            "wrong application secret",
            "POST",
            "/v1/auth".into(),
            Who::WrongApp,
            ct,
            auth(json!({})),
            401,
            "auth.unauthorized",
        ),
        (
            "no credentials",
            "POST",
            "/v1/auth".into(),
            Who::Nobody,
            ct,
            auth(json!({})),
            401,
            "auth.unauthorized",
        ),
        (
            "no admin token",
            "GET",
            "/v1/admin/users".into(),
            Who::Nobody,
            None,
            Vec::new(),
            401,
            "auth.unauthorized",
        ),
        (
            "application secret on the admin API",
            "GET",
            "/v1/admin/users".into(),
            Who::App,
            None,
            Vec::new(),
            401,
            "auth.unauthorized",
        ),
        (
            "unknown route",
            "GET",
            "/v1/nothing".into(),
            Who::App,
            None,
            Vec::new(),
            404,
            "request.not_found",
        ),
        (
            "unknown route, POST",
            "POST",
            "/v1/authenticate".into(),
            Who::App,
            ct,
            auth(json!({})),
            404,
            "request.not_found",
        ),
        (
            "wrong method",
            "GET",
            "/v1/auth".into(),
            Who::App,
            None,
            Vec::new(),
            405,
            "request.method_not_allowed",
        ),
        (
            "wrong method, admin",
            "PUT",
            "/v1/admin/users".into(),
            Who::Admin,
            ct,
            b"{}".to_vec(),
            405,
            "request.method_not_allowed",
        ),
        (
            "bad query value",
            "GET",
            "/v1/admin/audit?limit=many".into(),
            Who::Admin,
            None,
            Vec::new(),
            400,
            "request.invalid_query",
        ),
        (
            "unknown query parameter",
            "GET",
            "/v1/admin/audit?user=alice".into(),
            Who::Admin,
            None,
            Vec::new(),
            400,
            "request.invalid_query",
        ),
        (
            "bad report period",
            "GET",
            "/v1/admin/reports/usage?period=year".into(),
            Who::Admin,
            None,
            Vec::new(),
            422,
            "request.invalid_field",
        ),
        (
            "report bounds at the edge of time",
            "GET",
            format!("/v1/admin/reports/usage?until={}", i64::MIN),
            Who::Admin,
            None,
            Vec::new(),
            422,
            "request.invalid_field",
        ),
        (
            "unknown user, admin",
            "GET",
            "/v1/admin/users/mallory".into(),
            Who::Admin,
            None,
            Vec::new(),
            404,
            "user.not_found",
        ),
        (
            "activation for an unknown user",
            "POST",
            "/v1/admin/users/mallory/activation".into(),
            Who::Admin,
            None,
            Vec::new(),
            404,
            "user.not_found",
        ),
        (
            "add user: unknown field",
            "POST",
            "/v1/admin/users".into(),
            Who::Admin,
            ct,
            json(json!({"username": "dave", "admin": true})),
            422,
            "request.invalid_body",
        ),
        (
            "add user: bad email",
            "POST",
            "/v1/admin/users".into(),
            Who::Admin,
            ct,
            json(json!({"username": "dave", "email": "nope"})),
            422,
            "request.invalid_field",
        ),
        (
            "add user: bad MFA state",
            "POST",
            "/v1/admin/users".into(),
            Who::Admin,
            ct,
            json(json!({"username": "dave", "mfa_state": "maybe"})),
            422,
            "request.invalid_body",
        ),
        (
            "add user: existing",
            "POST",
            "/v1/admin/users".into(),
            Who::Admin,
            ct,
            json(json!({"username": "ALICE"})),
            409,
            "user.exists",
        ),
        (
            "activate: bad JSON",
            "POST",
            "/v1/device/activate".into(),
            Who::Nobody,
            ct,
            b"{\"code\"".to_vec(),
            400,
            "request.malformed_json",
        ),
        (
            "activate: unknown field",
            "POST",
            "/v1/device/activate".into(),
            Who::Nobody,
            ct,
            json(
                json!({"code": "1", "public_key": "x", "signature": "x", "name": "n", "platform": "cli", "pin": 1}),
            ),
            422,
            "request.invalid_body",
        ),
        (
            "activate: wrong type",
            "POST",
            "/v1/device/activate".into(),
            Who::Nobody,
            ct,
            json(
                json!({"code": 123, "public_key": "x", "signature": "x", "name": "n", "platform": "cli"}),
            ),
            422,
            "request.invalid_body",
        ),
        (
            "delete an unknown device",
            "DELETE",
            "/v1/admin/devices/dev_nothing".into(),
            Who::Admin,
            None,
            Vec::new(),
            404,
            "device.not_found",
        ),
    ]
}

async fn malformed_requests_get_a_stable_4xx_and_change_nothing(engine: Engine) {
    let setup = setup(engine, &[]).await;
    let server = &setup.server;
    let admin = server.admin().unwrap();
    let app = admin
        .get::<Vec<serde_json::Value>>("/v1/admin/applications")
        .await
        .unwrap();
    let app_id = app[0]["id"].as_str().unwrap().to_owned();
    let t = now();
    let code = setup.code_at(t);

    let dump_before = server.dump_database().unwrap();
    let users_before = admin.users().await.unwrap();
    let audit_before = admin.audit("").await.unwrap();

    let clients = |who: Who| match who {
        Who::App => setup.rp.0.clone(),
        Who::Admin => admin.0.clone(),
        Who::Nobody => RawClient::new(&server.url, None).unwrap(),
        Who::WrongApp => {
            twofold_testkit::RpClient::new(&server.url, &app_id, "not-the-secret")
                .unwrap()
                .0
        }
    };
    let mut failures = Vec::new();
    for (what, method, path, who, content_type, bytes, status, error) in cases(&code) {
        let response = clients(who)
            .raw(
                method,
                &path,
                Some(RawBody {
                    content_type,
                    bytes,
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
        if (response.status, response.error_code()) != (status, Some(error)) {
            failures.push(format!(
                "{what}: expected {status} {error}, got {} {}",
                response.status, response.body
            ));
        }
    }
    assert!(failures.is_empty(), "{engine}:\n{}", failures.join("\n"));

    assert_eq!(admin.users().await.unwrap(), users_before);
    // Issue 13, item 13: the requests for the unknown user "mallory" are audited (once a
    // minute), and that record is the only change.
    let (unknown, audit_after): (Vec<_>, Vec<_>) = admin
        .audit("")
        .await
        .unwrap()
        .into_iter()
        .partition(|r| r.reason.as_deref() == Some("unknown_user"));
    assert_eq!(unknown.len(), 1, "{engine}: {unknown:?}");
    assert_eq!(unknown[0].username.as_deref(), Some("mallory"));
    assert_eq!(audit_after, audit_before);
    let dump_after: String = server
        .dump_database()
        .unwrap()
        .lines()
        .filter(|l| !l.contains("unknown_user"))
        // The audit table's own row counter moved for that record.
        .map(|l| {
            match dump_before
                .lines()
                .find(|b| is_audit_counter(b) && is_audit_counter(l))
            {
                Some(before) => before.to_owned(),
                None => l.to_owned(),
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let changed: Vec<_> = dump_after
        .lines()
        .filter(|l| !dump_before.lines().any(|b| b == *l))
        .collect();
    assert!(
        dump_before.lines().eq(dump_after.lines()),
        "{engine}: the database changed:\n{}",
        changed.join("\n")
    );

    // Nothing used the code up or counted against the user.
    assert_eq!(setup.auth(&code).await, "verified");
}

/// The line of a dump that holds the audit table's sequence (SQLite, PostgreSQL).
fn is_audit_counter(line: &str) -> bool {
    line.starts_with("INSERT INTO sqlite_sequence VALUES('audit',")
        || line.starts_with("SELECT pg_catalog.setval('public.audit_seq_seq',")
}
