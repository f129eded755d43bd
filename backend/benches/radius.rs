//! RADIUS against HTTP: `cargo bench -p twofold-server --bench radius`.
//!
//! One in-process server (SQLite unless TWOFOLD_BENCH_DATABASE_URL is set; a manual clock)
//! with N activated users. In each round every user signs in once with a fresh TOTP code
//! over RADIUS (Access-Request, PAP, Message-Authenticator, our own UDP client, C in flight)
//! and once over `POST /v1/auth` (HTTP over TCP, C in flight); the clock moves one TOTP step
//! before each phase so every code is new (a replayed code would be refused). Prints both
//! rates and their ratio: the goal is RADIUS costing at most 20% more than HTTP.
//!
//! Environment: TWOFOLD_BENCH_USERS (default 200), TWOFOLD_BENCH_ROUNDS (default 4),
//! TWOFOLD_BENCH_CONCURRENCY (default 32), TWOFOLD_BENCH_DATABASE_URL (default SQLite).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark set-up: a panic is the report

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::UdpSocket;
use twofold_server::radius::config::{RadiusClientConfig, RadiusMode};
use twofold_server::radius::packet::{self, Code, Packet};
use twofold_testkit::radius::start_radius;
use twofold_testkit::{Engine, InProcessServer, TestDevice};
use zeroize::Zeroizing;

const SECRET: &[u8] = b"bench-radius-secret";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One Access-Request over `socket`; true when accepted.
async fn radius_sign_in(socket: &UdpSocket, id: u8, username: &str, code: &str) -> bool {
    let authenticator: [u8; 16] = std::array::from_fn(|i| (i as u8) ^ id ^ username.len() as u8);
    let request =
        Packet::pap_request(id, authenticator, username, code.as_bytes(), SECRET).unwrap();
    let bytes = packet::sign(&request, SECRET, None).unwrap();
    socket.send(&bytes).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), socket.recv(&mut buf))
        .await
        .expect("a RADIUS answer within 10 s")
        .unwrap();
    assert!(packet::check_response_authenticator(
        &buf[..n],
        SECRET,
        &authenticator
    ));
    buf[0] == Code::AccessAccept as u8
}

#[tokio::main]
async fn main() {
    let users = env_number("TWOFOLD_BENCH_USERS", 200);
    let rounds = env_number("TWOFOLD_BENCH_ROUNDS", 4);
    let concurrency = env_number("TWOFOLD_BENCH_CONCURRENCY", 32);
    let database_url = std::env::var("TWOFOLD_BENCH_DATABASE_URL").ok();
    let server = InProcessServer::start(Engine::Sqlite, |c| {
        if let Some(url) = database_url {
            c.database_url = url;
        }
        c.policy.activation_attempts_per_minute = 1_000_000;
        c.radius.listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        c.radius.clients = vec![RadiusClientConfig {
            name: "bench".into(),
            address: "127.0.0.1".into(),
            secret: Zeroizing::new(String::from_utf8_lossy(SECRET).into_owned()),
            mode: RadiusMode::SecondFactor,
            ..RadiusClientConfig::default()
        }];
    })
    .await
    .unwrap();
    let url = server.listen().await.unwrap();
    let radius = start_radius(&server).await.unwrap();
    let app = server.application("bench").await.unwrap();

    println!("activating {users} users ...");
    let mut devices = Vec::with_capacity(users);
    for i in 0..users {
        let name = format!("user{i}");
        let code = server.user_with_code(&name).await.unwrap();
        devices.push((
            name,
            TestDevice::activate_new(&url, &code, "bench")
                .await
                .unwrap(),
        ));
    }
    let devices = Arc::new(devices);
    let http = reqwest::Client::new();
    let (mut radius_time, mut http_time) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        // RADIUS phase.
        server.clock.advance(30);
        let now = server.state.now();
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|w| {
                let (devices, next) = (devices.clone(), next.clone());
                tokio::spawn(async move {
                    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                    socket.connect(radius).await.unwrap();
                    let mut id = w as u8;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, device)) = devices.get(i) else {
                            break;
                        };
                        id = id.wrapping_add(1);
                        let code = device.code(now).unwrap();
                        assert!(
                            radius_sign_in(&socket, id, name, &code).await,
                            "{name} accepted"
                        );
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        radius_time += started.elapsed();

        // HTTP phase, the same users.
        server.clock.advance(30);
        let now = server.state.now();
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (devices, next, http, app, url) = (
                    devices.clone(),
                    next.clone(),
                    http.clone(),
                    app.clone(),
                    url.clone(),
                );
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, device)) = devices.get(i) else {
                            break;
                        };
                        let code = device.code(now).unwrap();
                        let answer: serde_json::Value = http
                            .post(format!("{url}/v1/auth"))
                            .header("authorization", &app)
                            .json(
                                &json!({"username": name, "factor": "passcode", "passcode": code}),
                            )
                            .send()
                            .await
                            .unwrap()
                            .json()
                            .await
                            .unwrap();
                        assert_eq!(answer["result"], "allow", "{name}: {answer}");
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        http_time += started.elapsed();
    }
    let total = (users * rounds) as f64;
    let radius_rate = total / radius_time.as_secs_f64();
    let http_rate = total / http_time.as_secs_f64();
    println!(
        "{users} users, {rounds} rounds, {concurrency} in flight, {}",
        server.engine
    );
    println!("  RADIUS Access-Requests: {radius_rate:.0}/s");
    println!("  HTTP /v1/auth:          {http_rate:.0}/s");
    println!(
        "  RADIUS costs {:+.1}% per sign-in against HTTP (goal: at most +20%)",
        (http_rate / radius_rate - 1.0) * 100.0
    );
}
