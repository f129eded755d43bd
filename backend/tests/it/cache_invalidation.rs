//! Issue 17: the in-memory caches (`backend/src/cache/`) on both engines. Every way a cached
//! entry must go is checked: an application deleted, a method switched, the server
//! reactivated, an event missed while the cluster listener was down (the catch-up), the TTL,
//! and the listener being down (nothing cached or served). And the cache only ever answers
//! yes for the secret that verified.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use twofold_server::store::state::DISABLED_METHODS;
use twofold_server::store::{applications, state as server_state};
use twofold_testkit::{engines, Engine, InProcessServer};

use crate::handlers::passcode_setup;

/// A server whose caches are in use: on PostgreSQL that is once its event listener has
/// connected and caught up (a moment after start).
async fn started(
    engine: Engine,
    tweak: impl FnOnce(&mut twofold_server::Config),
) -> InProcessServer {
    let server = InProcessServer::start(engine, tweak).await.unwrap();
    eventually(&server, "the cache serving", |s| s.state.caches.serving()).await;
    server
}

/// Waits (at most 10 s) for `done`; for what a PostgreSQL node does when its own
/// notification comes back to its listener.
async fn eventually(server: &InProcessServer, what: &str, done: impl Fn(&InProcessServer) -> bool) {
    let started = Instant::now();
    while !done(server) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}: not {what} after 10 s",
            server.engine
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The application id inside a `Basic` header.
fn app_id(basic: &str) -> String {
    let encoded = basic.strip_prefix("Basic ").unwrap();
    let pair = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let pair = String::from_utf8(pair).unwrap();
    pair.split_once(':').unwrap().0.to_owned()
}

fn basic(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

async fn preauth(server: &InProcessServer, app: &str) -> (u16, Value) {
    let body = json!({ "username": "carol" });
    let (status, answer) = server
        .call("POST", "/v1/preauth", Some(app), Some(body))
        .await
        .unwrap();
    (status.as_u16(), answer)
}

fn offers(answer: &Value, method: &str) -> bool {
    answer["methods"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m == method))
}

/// [`started`] with carol (a passcode) and an application, which one preauth put in the cache:
/// (server, the application's Basic header, its id).
async fn warmed(
    engine: Engine,
    tweak: impl FnOnce(&mut twofold_server::Config),
) -> (InProcessServer, String, String) {
    let server = started(engine, tweak).await;
    let (app, _) = passcode_setup(&server, "carol").await;
    let id = app_id(&app);
    assert_eq!(preauth(&server, &app).await.0, 200, "{engine}");
    assert!(
        server.state.caches.applications.contains(&id),
        "{engine}: cached"
    );
    (server, app, id)
}

#[tokio::test]
async fn a_deleted_application_stops_working_at_once() {
    for engine in engines().unwrap() {
        let (server, app, id) = warmed(engine, |_| {}).await;
        let (status, body) = server
            .as_admin("DELETE", &format!("/v1/admin/applications/{id}"), None)
            .await
            .unwrap();
        assert_eq!(status, 204, "{engine}: {body}");
        assert!(!server.state.caches.applications.contains(&id), "{engine}");
        let (status, body) = preauth(&server, &app).await;
        assert_eq!(
            status, 401,
            "{engine}: the deleted application answered: {body}"
        );
    }
}

#[tokio::test]
async fn only_the_secret_that_verified_is_answered_from_memory() {
    for engine in engines().unwrap() {
        let (server, app, id) = warmed(engine, |_| {}).await;
        let other = server.application("Other").await.unwrap();
        // A wrong secret for the cached id, and another application's secret with it.
        let other_secret = {
            let pair = base64::engine::general_purpose::STANDARD
                .decode(other.strip_prefix("Basic ").unwrap())
                .unwrap();
            String::from_utf8(pair)
                .unwrap()
                .split_once(':')
                .unwrap()
                .1
                .to_owned()
        };
        for secret in ["wrong-secret", other_secret.as_str(), ""] {
            let (status, body) = preauth(&server, &basic(&id, secret)).await;
            assert_eq!(status, 401, "{engine}: secret {secret:?}: {body}");
        }
        // The right one still works, from the cache.
        assert!(server.state.caches.applications.contains(&id), "{engine}");
        assert_eq!(preauth(&server, &app).await.0, 200, "{engine}");
    }
}

#[tokio::test]
async fn a_method_switched_is_seen_by_the_next_sign_in() {
    for engine in engines().unwrap() {
        let server = started(engine, |_| {}).await;
        let (app, account) = passcode_setup(&server, "carol").await;
        let (_, answer) = preauth(&server, &app).await;
        assert!(offers(&answer, "passcode"), "{engine}: {answer}");
        if engine == Engine::Postgres {
            // SQLite reads the value in the sign-in's one call; PostgreSQL caches it.
            let cached = server
                .state
                .caches
                .disabled_methods
                .contains(DISABLED_METHODS);
            assert!(cached, "{engine}");
        }
        for enabled in [false, true] {
            let (status, body) = server
                .as_admin(
                    "PUT",
                    "/v1/admin/methods/passcode",
                    Some(json!({ "enabled": enabled })),
                )
                .await
                .unwrap();
            assert_eq!(status, 200, "{engine}: {body}");
            let (_, answer) = preauth(&server, &app).await;
            assert_eq!(offers(&answer, "passcode"), enabled, "{engine}: {answer}");
        }
        // And /v1/auth, right after a switch off.
        let (status, body) = server
            .as_admin(
                "PUT",
                "/v1/admin/methods/passcode",
                Some(json!({ "enabled": false })),
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: {body}");
        let now = twofold_server::clock::Clock::now(server.clock.as_ref());
        let code = account.code(now).unwrap();
        let request = json!({"username": "carol", "factor": "passcode", "passcode": code});
        let (_, answer) = server
            .call("POST", "/v1/auth", Some(&app), Some(request))
            .await
            .unwrap();
        assert_eq!(answer["reason"], "method_disabled", "{engine}: {answer}");
    }
}

#[tokio::test]
async fn a_reactivation_clears_the_caches() {
    for engine in engines().unwrap() {
        let server = started(engine, |_| {}).await;
        let (app, _) = passcode_setup(&server, "carol").await;
        let (status, answer) = preauth(&server, &app).await;
        assert_eq!(
            (status, &answer["result"]),
            (200, &json!("auth")),
            "{engine}: {answer}"
        );
        assert!(!server.state.caches.applications.is_empty(), "{engine}");
        let (status, body) = server
            .as_admin("POST", "/v1/admin/server/reactivate", None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: {body}");
        // PostgreSQL: when this node's listener gets its own notification.
        eventually(&server, "cleared", |s| {
            s.state.caches.applications.is_empty()
        })
        .await;
        let (status, answer) = preauth(&server, &app).await;
        // The device's offline account is on the old epoch: carol must register again.
        assert_eq!(status, 200, "{engine}: {answer}");
        assert_eq!(answer["result"], "enroll", "{engine}: {answer}");
    }
}

#[tokio::test]
async fn the_catch_up_forgets_what_a_missed_event_changed() {
    for engine in engines().unwrap() {
        let (server, app, id) = warmed(engine, |_| {}).await;
        // Changed in the database with no event, as when another node's notification was
        // sent while this node's listener was disconnected.
        let pool = server.state.store.pool();
        assert!(applications::delete(pool, &id).await.unwrap(), "{engine}");
        server_state::set(pool, DISABLED_METHODS, "passcode")
            .await
            .unwrap();
        // Still answered from memory: only the catch-up can know.
        assert_eq!(preauth(&server, &app).await.0, 200, "{engine}");
        twofold_server::channel::catch_up::run(&server.state)
            .await
            .unwrap();
        assert!(server.state.caches.applications.is_empty(), "{engine}");
        assert!(server.state.caches.disabled_methods.is_empty(), "{engine}");
        let (status, body) = preauth(&server, &app).await;
        assert_eq!(status, 401, "{engine}: {body}");
        // A new application sees the method disabled behind the cache's back.
        let fresh = server.application("Fresh").await.unwrap();
        let (_, answer) = preauth(&server, &fresh).await;
        assert!(!offers(&answer, "passcode"), "{engine}: {answer}");
    }
}

#[tokio::test]
async fn entries_are_read_again_after_the_ttl() {
    for engine in engines().unwrap() {
        let (server, app, id) = warmed(engine, |c| c.cache.ttl_seconds = 30).await;
        let pool = server.state.store.pool();
        assert!(applications::delete(pool, &id).await.unwrap(), "{engine}");
        server.clock.advance(29);
        assert_eq!(
            preauth(&server, &app).await.0,
            200,
            "{engine}: within the TTL"
        );
        server.clock.advance(1);
        let (status, body) = preauth(&server, &app).await;
        assert_eq!(status, 401, "{engine}: after the TTL: {body}");
    }
}

#[tokio::test]
async fn nothing_is_cached_while_the_event_listener_is_down_or_the_cache_is_off() {
    for engine in engines().unwrap() {
        let (server, app, id) = warmed(engine, |_| {}).await;
        // What the listener does when it loses its connection.
        server.state.caches.set_live(false);
        assert!(server.state.caches.applications.is_empty(), "{engine}");
        assert_eq!(preauth(&server, &app).await.0, 200, "{engine}");
        assert!(!server.state.caches.applications.contains(&id), "{engine}");
        // A change meanwhile is seen although no event reaches the cache.
        let pool = server.state.store.pool();
        assert!(applications::delete(pool, &id).await.unwrap(), "{engine}");
        assert_eq!(preauth(&server, &app).await.0, 401, "{engine}");
        server.state.caches.set_live(true);
        let fresh = server.application("Fresh").await.unwrap();
        assert_eq!(preauth(&server, &fresh).await.0, 200, "{engine}");
        assert!(
            server.state.caches.applications.contains(&app_id(&fresh)),
            "{engine}"
        );

        let off = InProcessServer::start(engine, |c| c.cache.enabled = false)
            .await
            .unwrap();
        let (app, _) = passcode_setup(&off, "carol").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(preauth(&off, &app).await.0, 200, "{engine}");
        assert!(!off.state.caches.serving(), "{engine}");
        assert!(off.state.caches.applications.is_empty(), "{engine}");
    }
}
