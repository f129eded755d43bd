//! Each class of malformed request, through the router: a 4xx with a stable error code, and
//! nothing changes (audit log and users as before).

use axum::body::Body;
use axum::http::{header, Request};
use serde_json::{json, Value};

use twofold_testkit::{engines, InProcessServer};

fn request(
    method: &str,
    path: &str,
    auth: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, auth);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder.body(body.into()).unwrap()
}

#[tokio::test]
async fn malformed_requests_get_stable_codes_and_change_nothing() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let admin = server.admin();
        let app = server.application("VPN").await.unwrap();
        server
            .call(
                "POST",
                "/v1/admin/users",
                Some(&admin),
                Some(json!({"username": "alice"})),
            )
            .await
            .unwrap();
        let (_, audit_before) = server
            .call("GET", "/v1/admin/audit", Some(&admin), None)
            .await
            .unwrap();
        let (_, users_before) = server
            .call("GET", "/v1/admin/users", Some(&admin), None)
            .await
            .unwrap();
        let ok = json!({"username": "alice", "factor": "passcode", "passcode": "123456"});
        let with = |extra: Value| {
            let mut body = ok.clone();
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            body.to_string()
        };
        let json_ct = Some("application/json");
        let cases: Vec<(&str, Request<Body>, u16, &str)> = vec![
            (
                "bad JSON",
                request("POST", "/v1/auth", &app, json_ct, "{\"username\":"),
                400,
                "request.malformed_json",
            ),
            (
                "unknown field",
                request("POST", "/v1/auth", &app, json_ct, with(json!({"x": 1}))),
                422,
                "request.invalid_body",
            ),
            (
                "wrong type",
                request(
                    "POST",
                    "/v1/auth",
                    &app,
                    json_ct,
                    with(json!({"passcode": 1})),
                ),
                422,
                "request.invalid_body",
            ),
            (
                "oversized body",
                request(
                    "POST",
                    "/v1/auth",
                    &app,
                    json_ct,
                    with(json!({"passcode": "1".repeat(twofold_server::api::MAX_BODY)})),
                ),
                413,
                "request.too_large",
            ),
            (
                "missing content type",
                request("POST", "/v1/auth", &app, None, ok.to_string()),
                415,
                "request.unsupported_media_type",
            ),
            (
                "unknown user",
                request(
                    "POST",
                    "/v1/auth",
                    &app,
                    json_ct,
                    with(json!({"username": "mallory"})),
                ),
                404,
                "user.not_found",
            ),
            (
                "unknown route",
                request("GET", "/v1/nothing", &app, None, Body::empty()),
                404,
                "request.not_found",
            ),
            (
                "wrong method",
                request("GET", "/v1/auth", &app, None, Body::empty()),
                405,
                "request.method_not_allowed",
            ),
            (
                "bad query",
                request(
                    "GET",
                    "/v1/admin/audit?limit=x",
                    &admin,
                    None,
                    Body::empty(),
                ),
                400,
                "request.invalid_query",
            ),
            (
                "unknown query parameter",
                request("GET", "/v1/admin/audit?x=1", &admin, None, Body::empty()),
                400,
                "request.invalid_query",
            ),
            (
                "report bounds at the edge of time",
                request(
                    "GET",
                    &format!("/v1/admin/reports/usage?until={}", i64::MIN),
                    &admin,
                    None,
                    Body::empty(),
                ),
                422,
                "request.invalid_field",
            ),
        ];
        for (what, req, status, code) in cases {
            let (got, body) = server.raw(req).await.unwrap();
            assert_eq!(
                (got.as_u16(), body["error"]["code"].as_str()),
                (status, Some(code)),
                "{engine}: {what}: {body}"
            );
        }
        let (_, audit_after) = server
            .call("GET", "/v1/admin/audit", Some(&admin), None)
            .await
            .unwrap();
        let (_, users_after) = server
            .call("GET", "/v1/admin/users", Some(&admin), None)
            .await
            .unwrap();
        // Issue 13, item 13: the one request for an unknown user is audited (and only it).
        let (unknown, rest): (Vec<_>, Vec<_>) = audit_after
            .as_array()
            .unwrap()
            .iter()
            .cloned()
            .partition(|r| r["reason"] == "unknown_user");
        assert_eq!(unknown.len(), 1, "{engine}: {unknown:?}");
        assert_eq!(unknown[0]["username"], "mallory");
        assert_eq!(audit_before, serde_json::Value::Array(rest), "{engine}");
        assert_eq!(users_before, users_after, "{engine}");
    }
}
