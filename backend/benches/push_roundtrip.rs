//! Push round trip under load: `cargo bench -p twofold-server --bench push_roundtrip`.
//!
//! Starts the real `twofold-server` binary (SQLite, 127.0.0.1, a free port), activates N test
//! devices (one per user; server and devices from `twofold-testkit`) and keeps their channels
//! open; each device approves every challenge it receives. Then relying parties send synchronous pushes with C in flight and the tool
//! reports the round trip (relying-party request → device receives the signed challenge →
//! signed approval → relying-party response): p50, p99, approvals per second, and the server's
//! resident memory per connected device.
//!
//! Environment: TWOFOLD_BENCH_DEVICES (default 1000), TWOFOLD_BENCH_PUSHES (default 3000),
//! TWOFOLD_BENCH_CONCURRENCY (default 32), TWOFOLD_BENCH_DATABASE_URL (default SQLite);
//! then a fixed rate: TWOFOLD_BENCH_RATE pushes per second (default 200, issue 17's row),
//! TWOFOLD_BENCH_RATE_PUSHES of them (default 5 seconds' worth), p50/p99 at that rate.
//!
//! TWOFOLD_BENCH_CROSS_NODE=1: two server processes on one PostgreSQL database
//! (TWOFOLD_BENCH_DATABASE_URL, or a fresh database from the kit's TWOFOLD_TEST_POSTGRES_URL):
//! the devices connect to node B, the relying party calls node A, so every challenge and
//! every answer crosses nodes through LISTEN/NOTIFY.
//!
//! Besides the latencies, each phase prints the servers' CPU time per round trip (utime and
//! stime from `/proc/PID/stat`, all nodes) and the load average, since the machines this runs
//! on are shared: CPU per operation is the steadier figure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark set-up: a panic is the report

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use twofold_core::proto::channel::{Decision, ServerMessage};
use twofold_testkit::{Engine, ServerProcess, TestDevice};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of `pid` in microseconds, from `/proc/PID/stat` (fields 14 and 15, in clock
/// ticks, which Linux reports at 100 per second to user space).
fn cpu_us(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // `after` starts at field 3 (state): utime is field 14, stime field 15.
    (fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0)) * 10_000
}

fn cpu_all(pids: &[u32]) -> u64 {
    pids.iter().map(|pid| cpu_us(*pid)).sum()
}

/// The 1, 5 and 15 minute load averages.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let devices = env_number("TWOFOLD_BENCH_DEVICES", 1000);
    let pushes = env_number("TWOFOLD_BENCH_PUSHES", 3000);
    let concurrency = env_number("TWOFOLD_BENCH_CONCURRENCY", 32);
    // The binary cargo built for this benchmark, unless told otherwise.
    if std::env::var_os("TWOFOLD_SERVER_BIN").is_none() {
        std::env::set_var("TWOFOLD_SERVER_BIN", env!("CARGO_BIN_EXE_twofold-server"));
    }
    let cross_node = std::env::var("TWOFOLD_BENCH_CROSS_NODE").is_ok_and(|v| v == "1");
    let database_url = match std::env::var("TWOFOLD_BENCH_DATABASE_URL").ok() {
        Some(url) => Some(url),
        None if cross_node => Some(twofold_testkit::fresh_postgres_database().await.unwrap()),
        None => None,
    };
    let settings = [
        ("TWOFOLD_PUSH_NUMBER_MATCHING", "off"),
        ("TWOFOLD_PUSH_MAX_PER_MINUTE", "1000000"),
        ("TWOFOLD_POLICY_ACTIVATION_ATTEMPTS_PER_MINUTE", "1000000"),
        ("RUST_LOG", "warn"),
    ];
    let mut server = ServerProcess::start_on(database_url, &settings).unwrap();
    let pid = server.pid().unwrap();
    let (base, token) = (server.url.clone(), server.admin_token.clone());
    // Cross-node: the devices' node. Otherwise the devices use the relying party's node.
    let mut node_b = cross_node.then(|| server.start_node("bench-b").unwrap());
    let (device_base, device_pid) = match &node_b {
        Some(node) => (node.url.clone(), node.pid().unwrap()),
        None => (base.clone(), pid),
    };
    let pids: Vec<u32> = if cross_node {
        vec![pid, device_pid]
    } else {
        vec![pid]
    };
    let engine = if server.engine == Engine::Postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "{engine}, {}; server pids {pids:?}; load average {}",
        if cross_node {
            "devices on node B, relying party on node A"
        } else {
            "one node"
        },
        load_average()
    );
    let http = reqwest::Client::new();
    let admin = format!("Bearer {token}");
    let app: Value = http
        .post(format!("{base}/v1/admin/applications"))
        .header("authorization", &admin)
        .json(&json!({"name": "bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pair = format!(
        "{}:{}",
        app["id"].as_str().unwrap(),
        app["secret"].as_str().unwrap()
    );
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    );

    println!("activating {devices} devices ...");
    let started = Instant::now();
    let mut activated = Vec::with_capacity(devices);
    for chunk in (0..devices).collect::<Vec<_>>().chunks(16) {
        let batch = chunk.iter().map(|i| {
            let (http, admin, base) = (http.clone(), admin.clone(), base.clone());
            async move {
                let name = format!("user{i}");
                http.post(format!("{base}/v1/admin/users"))
                    .header("authorization", &admin)
                    .json(&json!({ "username": name }))
                    .send()
                    .await
                    .unwrap();
                let issued: Value = http
                    .post(format!("{base}/v1/admin/users/{name}/activation"))
                    .header("authorization", &admin)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                TestDevice::activate_new(&base, issued["code"].as_str().unwrap(), "bench")
                    .await
                    .unwrap()
            }
        });
        activated.extend(futures_util::future::join_all(batch).await);
    }
    println!("  {:.1} s", started.elapsed().as_secs_f64());

    let rss_before = rss_kib(device_pid);
    for device in activated {
        let device = Arc::new(device);
        let (mut channel, ready) = device.connect(&device_base).await.unwrap();
        assert!(matches!(ready, ServerMessage::Ready { .. }), "{ready:?}");
        tokio::spawn(async move {
            // Approve everything, as soon as it arrives.
            while let Ok(Some(message)) = channel.try_next(Duration::from_secs(3600)).await {
                if let ServerMessage::Challenge { challenge, .. } = message {
                    let answer = device
                        .answer(&challenge, Decision::Approve, None, false)
                        .unwrap();
                    channel.send(&answer).await.unwrap();
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss_kib(device_pid);
    println!("{devices} channels open; server RSS {rss_before} KiB before, {rss_after} KiB after");

    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_all(&pids);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, basic, base, next) =
                (http.clone(), basic.clone(), base.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= pushes {
                        return latencies;
                    }
                    latencies.push(push_once(&http, &basic, &base, k % devices).await);
                }
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!("push round trip, {pushes} synchronous pushes, {concurrency} in flight, {devices} devices connected:");
    println!("  {}", spread(&latencies));
    println!("  {:.0} approvals/s", pushes as f64 / elapsed.as_secs_f64());
    let cpu = cpu_all(&pids).saturating_sub(cpu_before);
    println!(
        "  server CPU per round trip: {} µs; load average {}",
        cpu / pushes.max(1) as u64,
        load_average()
    );
    let per_device = rss_after.saturating_sub(rss_before) as f64 / devices as f64;
    println!("  server RSS per connected device: {per_device:.1} KiB");

    // A fixed rate (issue 17's 200/s row): one push every 1/rate seconds, each in its own
    // task, so a slow answer does not slow the sender and queueing shows in the latency.
    let rate = env_number("TWOFOLD_BENCH_RATE", 200).max(1);
    let paced = env_number("TWOFOLD_BENCH_RATE_PUSHES", rate * 5);
    let cpu_before = cpu_all(&pids);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(paced);
    for k in 0..paced {
        ticker.tick().await;
        let (http, basic, base) = (http.clone(), basic.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            push_once(&http, &basic, &base, k % devices).await
        }));
    }
    let mut latencies = Vec::with_capacity(paced);
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!("push round trip at a fixed {rate}/s, {paced} pushes, {devices} devices connected:");
    println!(
        "  {} ({:.0} pushes/s achieved)",
        spread(&latencies),
        paced as f64 / elapsed.as_secs_f64()
    );
    let cpu = cpu_all(&pids).saturating_sub(cpu_before);
    println!(
        "  server CPU per round trip: {} µs; load average {}",
        cpu / paced.max(1) as u64,
        load_average()
    );
    if let Some(node) = node_b.as_mut() {
        let _ = node.stop();
    }
    let _ = server.stop();
}

/// The `q` quantile of sorted `latencies`.
fn quantile(latencies: &[Duration], q: f64) -> Duration {
    let last = latencies.len().saturating_sub(1);
    latencies[((latencies.len() as f64 * q) as usize).min(last)]
}

/// "p50 .. ms, p99 .. ms, max .. ms" of sorted `latencies`.
fn spread(latencies: &[Duration]) -> String {
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(quantile(latencies, 0.50)),
        ms(quantile(latencies, 0.99)),
        ms(quantile(latencies, 1.0))
    )
}

/// One synchronous push to `user{index}` (whose device approves it): its round trip.
async fn push_once(http: &reqwest::Client, basic: &str, base: &str, index: usize) -> Duration {
    let body = json!({"username": format!("user{index}"), "factor": "push",
        "context": {"client_ip": "198.51.100.1"}});
    let sent = Instant::now();
    let response = http
        .post(format!("{base}/v1/auth"))
        .header("authorization", basic)
        .json(&body)
        .send();
    let answer: Value = response.await.unwrap().json().await.unwrap();
    assert_eq!(answer["result"], "allow", "{answer}");
    sent.elapsed()
}
