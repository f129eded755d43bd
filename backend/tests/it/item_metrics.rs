//! Issue 13 item 12: `/metrics` labels come from fixed sets, and `[metrics] token` keeps the
//! endpoint private.

use axum::body::Body;
use axum::http::Request;
use twofold_testkit::device::random;
use twofold_testkit::{engines, InProcessServer};

/// A method token of 1 to 40 characters from the token alphabet (RFC 9110 §5.6.2).
fn random_method(bytes: &[u8]) -> String {
    const TCHAR: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~";
    let len = 1 + usize::from(bytes[0]) % 40;
    bytes[1..=len]
        .iter()
        .map(|b| char::from(TCHAR[usize::from(*b) % TCHAR.len()]))
        .collect()
}

fn http_series(metrics: &str) -> usize {
    metrics
        .lines()
        .filter(|l| l.starts_with("twofold_http_requests_total{"))
        .count()
}

#[tokio::test]
async fn item12_random_methods_and_paths_do_not_grow_metrics() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let known = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        for i in 0..1000 {
            let bytes = random::<48>().unwrap();
            let method = if i % 2 == 0 {
                random_method(&bytes)
            } else {
                known[usize::from(bytes[0]) % known.len()].to_owned()
            };
            let path = format!("/{}/{:02x}{:02x}", i, bytes[46], bytes[47]);
            let path = if i % 3 == 0 {
                "/v1/auth".to_owned()
            } else {
                path
            };
            let request = Request::builder()
                .method(method.as_str())
                .uri(&path)
                .body(Body::empty())
                .unwrap();
            server.raw(request).await.unwrap();
        }
        let (status, body) = server.call("GET", "/metrics", None, None).await.unwrap();
        assert_eq!(status, 200, "{engine}");
        let text = body.as_str().unwrap();
        let series = http_series(text);
        // At most: 8 method labels x (the unmatched label + /v1/auth + /metrics) x a few
        // statuses; far fewer than the 1,000 requests.
        assert!(series <= 40, "{engine}: {series} series:\n{text}");
        for line in text
            .lines()
            .filter(|l| l.starts_with("twofold_http_requests_total{"))
        {
            let label = line
                .split("route=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap();
            let (method, route) = label.split_once(' ').unwrap();
            assert!(
                known.contains(&method) || method == "other",
                "{engine}: method label {method:?}"
            );
            assert!(
                ["unmatched", "/v1/auth", "/metrics"].contains(&route),
                "{engine}: route label {route:?}"
            );
        }
    }
}

#[tokio::test]
async fn item12_metrics_token_is_required_when_configured() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| c.metrics.token = "scrape-secret".into())
            .await
            .unwrap();
        let (status, body) = server.call("GET", "/metrics", None, None).await.unwrap();
        assert_eq!(status, 401, "{engine}: {body}");
        assert_eq!(body["error"]["code"], "auth.unauthorized");
        let (status, _) = server
            .call("GET", "/metrics", Some("Bearer wrong"), None)
            .await
            .unwrap();
        assert_eq!(status, 401, "{engine}");
        let (status, body) = server
            .call("GET", "/metrics", Some("Bearer scrape-secret"), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}");
        assert!(body.as_str().unwrap().contains("twofold_devices_active"));

        let open = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (status, _) = open.call("GET", "/metrics", None, None).await.unwrap();
        assert_eq!(
            status, 200,
            "{engine}: no token configured: public as before"
        );
    }
}
