//! Issue 13, the limits (items 6, 8, 9, 10): each test performs the attack through the HTTP
//! API (or the device WebSocket) of the in-process server, on SQLite and (when the test
//! command provides one) PostgreSQL. Activation requests carry the peer address the listener
//! would give (`ConnectInfo`), so IPv6 networks and proxies can be played from 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request};
use serde_json::Value;
use twofold_server::config::ProxyNet;
use twofold_testkit::ws_raw::RawWebSocket;
use twofold_testkit::{engines, Engine, InProcessServer, TestDevice};

/// A well-formed, correctly signed activation request for a code nobody was given.
fn wrong_code_request() -> String {
    let device = TestDevice::new().unwrap();
    serde_json::to_string(&device.activation_request("0000 0000 0000").unwrap()).unwrap()
}

/// `POST /v1/device/activate` from `peer` (with `X-Forwarded-For: forwarded` when given):
/// the status and the error code.
async fn activate_from(
    server: &InProcessServer,
    peer: &str,
    forwarded: Option<&str>,
    body: &str,
) -> (u16, String) {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut request = Request::builder()
        .method("POST")
        .uri("/v1/device/activate")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request.body(Body::from(body.to_owned())).unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let (status, value) = server.raw(request).await.unwrap();
    let code = value["error"]["code"].as_str().unwrap_or("").to_owned();
    (status.as_u16(), code)
}

async fn audit(server: &InProcessServer, query: &str) -> Vec<Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?{query}"), None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

/// Authentication audit records with `reason`.
async fn audited(server: &InProcessServer, reason: &str) -> usize {
    audit(server, "event=authentication")
        .await
        .iter()
        .filter(|r| r["reason"] == reason)
        .count()
}

async fn metrics(server: &InProcessServer) -> String {
    let (status, body) = server.call("GET", "/metrics", None, None).await.unwrap();
    assert_eq!(status, 200);
    body.as_str().unwrap().to_owned()
}

/// Every address of one IPv6 /64 spends one budget (a host is given a whole /64); another
/// /64 has its own.
#[tokio::test]
async fn item8_ipv6_addresses_of_one_64_share_one_activation_budget() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let body = wrong_code_request();
        let limit = server.state.config.policy.activation_attempts_per_minute;
        for i in 1..=limit {
            let peer = format!("[2001:db8:1:2::{i:x}]:40000");
            let (status, code) = activate_from(&server, &peer, None, &body).await;
            assert_eq!(
                (status, code.as_str()),
                (404, "activation.invalid_code"),
                "{engine}"
            );
        }
        // A new address of the same /64: no fresh budget.
        let (status, code) =
            activate_from(&server, "[2001:db8:1:2:ffff::1]:40000", None, &body).await;
        assert_eq!(
            (status, code.as_str()),
            (429, "request.rate_limited"),
            "{engine}"
        );
        let (status, _) = activate_from(&server, "[2001:db8:1:3::1]:40000", None, &body).await;
        assert_eq!(status, 404, "{engine}: another /64 has its own budget");
    }
}

/// Behind a trusted proxy each client has its own budget (the right-most untrusted
/// `X-Forwarded-For` address), and what a client writes into the header itself does not
/// buy it a new one. From a peer that is not a trusted proxy, the header is ignored.
#[tokio::test]
async fn item8_forwarded_for_counts_only_from_trusted_proxies() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| {
            c.server.trusted_proxies = vec![ProxyNet::try_from("10.0.0.0/8".to_owned()).unwrap()];
        })
        .await
        .unwrap();
        let body = wrong_code_request();
        let limit = server.state.config.policy.activation_attempts_per_minute;
        let proxy = "10.0.0.2:50000";
        for i in 0..limit {
            // The client forges the left-most entry every time; the proxy appends its peer.
            let forwarded = format!("192.0.2.{i}, 198.51.100.7");
            let (status, _) = activate_from(&server, proxy, Some(&forwarded), &body).await;
            assert_eq!(status, 404, "{engine}");
        }
        let (status, _) =
            activate_from(&server, proxy, Some("192.0.2.200, 198.51.100.7"), &body).await;
        assert_eq!(status, 429, "{engine}: a forged entry bought a new budget");
        // Another client behind the same proxy is not limited by the first one.
        let (status, _) = activate_from(&server, proxy, Some("198.51.100.8"), &body).await;
        assert_eq!(
            status, 404,
            "{engine}: the proxy's clients share one budget"
        );

        // A peer that is not a trusted proxy cannot choose whom it is counted as.
        for i in 0..limit {
            let forwarded = format!("198.51.100.{}", 100 + i);
            let (status, _) =
                activate_from(&server, "203.0.113.9:1234", Some(&forwarded), &body).await;
            assert_eq!(status, 404, "{engine}");
        }
        let (status, _) =
            activate_from(&server, "203.0.113.9:1234", Some("198.51.100.250"), &body).await;
        assert_eq!(status, 429, "{engine}");
        let audit = audit(&server, "event=activation").await;
        assert!(
            audit.iter().any(|r| r["client_ip"] == "198.51.100.7"),
            "{engine}: {audit:?}"
        );
    }
}

/// 100 failed activations from one source: one audit record per reason, 98 counted in the
/// metrics; the next window audits again, and the past window's counters are gone (bounded
/// table).
#[tokio::test]
async fn item9_failed_activations_are_audited_once_per_source_and_window() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let body = wrong_code_request();
        for _ in 0..100 {
            let (status, _) = activate_from(&server, "203.0.113.5:1000", None, &body).await;
            assert!(status == 404 || status == 429, "{engine}: {status}");
        }
        // One record per kind of refusal: the wrong code, then the rate limit.
        let records = audit(&server, "event=activation").await;
        let seen: Vec<(Option<&str>, Option<&str>)> = records
            .iter()
            .rev()
            .map(|r| (r["reason"].as_str(), r["client_ip"].as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (Some("invalid_code"), Some("203.0.113.5")),
                (Some("rate_limited"), Some("203.0.113.5"))
            ],
            "{engine}: audit records of 100 failures"
        );
        let text = metrics(&server).await;
        assert!(
            text.contains("twofold_audit_suppressed_total{event=\"activation\"} 98"),
            "{engine}: {text}"
        );
        assert!(
            text.contains("twofold_activations_total{result=\"rate_limited\"} 90"),
            "{engine}: {text}"
        );

        server.clock.advance(60);
        let (status, _) = activate_from(&server, "203.0.113.5:1000", None, &body).await;
        assert_eq!(status, 404, "{engine}: a new window, a new budget");
        assert_eq!(
            audit(&server, "event=activation").await.len(),
            3,
            "{engine}"
        );
        let rows = twofold_server::store::rate_limits::count_rows(
            server.state.store.pool(),
            twofold_server::ratelimit::ACTIVATION,
        )
        .await
        .unwrap();
        assert_eq!(rows, 1, "{engine}: the past window's counters are kept");
    }
}

/// A user and an application with a device, for push tests.
async fn push_setup(
    engine: Engine,
    tweak: impl FnOnce(&mut twofold_server::Config),
) -> (Arc<InProcessServer>, String) {
    let server = InProcessServer::start(engine, tweak).await.unwrap();
    let url = server.listen().await.unwrap();
    let app = server.application("VPN").await.unwrap();
    let code = server.user_with_code("alice").await.unwrap();
    TestDevice::activate_new(&url, &code, "Alice's phone")
        .await
        .unwrap();
    (Arc::new(server), app)
}

/// 50 concurrent asynchronous pushes: no more than `max_per_minute` are created, and the
/// refusals are audited once (the rest counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item6_concurrent_pushes_create_at_most_the_cap() {
    for engine in engines().unwrap() {
        let (server, app) = push_setup(engine, |_| {}).await;
        let cap = server.state.config.push.max_per_minute as usize;
        let barrier = Arc::new(tokio::sync::Barrier::new(50));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (server, app, barrier) = (server.clone(), app.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let body =
                        serde_json::json!({"username": "alice", "factor": "push", "async": true});
                    let (status, value) = server
                        .call("POST", "/v1/auth", Some(&app), Some(body))
                        .await
                        .unwrap();
                    assert_eq!(status, 200, "{value}");
                    value["reason"].as_str().unwrap().to_owned()
                })
            })
            .collect();
        let reasons: Vec<String> = futures_util::future::join_all(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let answered = |reason: &str| reasons.iter().filter(|r| *r == reason).count();
        assert_eq!(
            (answered("pending"), answered("push_limit")),
            (cap, 50 - cap),
            "{engine}: {reasons:?}"
        );
        assert_eq!(audited(&server, "push_limit").await, 1, "{engine}");
        let text = metrics(&server).await;
        let suppressed = format!(
            "twofold_audit_suppressed_total{{event=\"push_limit\"}} {}",
            50 - cap - 1
        );
        assert!(text.contains(&suppressed), "{engine}: {text}");
    }
}

/// Past `push.max_per_day` in 24 hours, pushes are refused with `push_daily_limit`, also
/// once the per-minute window has passed; a day later they go through again.
#[tokio::test]
async fn item6_the_daily_push_cap_refuses_with_its_own_reason() {
    for engine in engines().unwrap() {
        let (server, app) = push_setup(engine, |c| c.push.max_per_day = 3).await;
        for hour in 0..3 {
            server.clock.advance(3600 * hour);
            let pushed = server.push(&app, "alice").await.unwrap();
            assert_eq!(pushed["reason"], "pending", "{engine}: {pushed}");
        }
        for _ in 0..2 {
            server.clock.advance(61);
            let refused = server.push(&app, "alice").await.unwrap();
            assert_eq!(
                (refused["result"].as_str(), refused["reason"].as_str()),
                (Some("deny"), Some("push_daily_limit")),
                "{engine}: {refused}"
            );
        }
        assert_eq!(audited(&server, "push_daily_limit").await, 1, "{engine}");
        server.clock.advance(86_400);
        let pushed = server.push(&app, "alice").await.unwrap();
        assert_eq!(pushed["reason"], "pending", "{engine}: {pushed}");
    }
}

/// A frame header announcing 1 MiB, then nothing: the server must refuse it on the header
/// (`max_frame_size`) instead of waiting to buffer the payload.
#[tokio::test]
async fn item10_an_oversized_frame_is_refused_on_its_header() {
    for engine in engines().unwrap() {
        let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
        let mut socket = RawWebSocket::open(&server.url, "/v1/device/channel")
            .await
            .unwrap();
        socket
            .write_frame_header(RawWebSocket::TEXT, 1 << 20)
            .await
            .unwrap();
        socket.write_bytes(b"{\"type\":").await.unwrap();
        assert!(
            socket.closed_within(Duration::from_secs(3)).await,
            "{engine}: the server waited for the rest of a 1 MiB frame"
        );
    }
}
