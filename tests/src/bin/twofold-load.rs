//! twofold-load: measures `/v1/auth` throughput and latency with valid and invalid one-time
//! codes, against a server it starts itself (SQLite or PostgreSQL) or one already running on
//! this machine. It only ever talks to 127.0.0.1.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use serde_json::json;
use twofold_testkit::load::{self, LoadSetup};
use twofold_testkit::{now, AdminClient, Engine, Error, RpClient, ServerProcess, TestDevice};

#[derive(Debug, Parser)]
#[command(
    name = "twofold-load",
    about = "Load test for the Twofold server's /v1/auth: valid and invalid one-time codes.",
    long_about = "Creates USERS users, each with an activated (simulated) device, and one application; \
then sends one valid code per user (a code is accepted once per 30 s step, so many users make many \
valid requests), then INVALID requests with wrong codes. Prints requests/s and p50/p99 latency for each.\n\n\
With --duration-seconds it runs the mixed mode instead: codes and pushes (approved by simulated devices) \
for that long, every answer recorded (--record) and checked against the audit log.\n\n\
Without --server it starts `twofold-server serve` itself on 127.0.0.1:0 with a temporary data \
directory, the lockout threshold raised (so wrong codes are measured, not lockouts) and the \
activation rate limit lifted.",
    after_help = "Examples:\n  twofold-load --users 2000 --invalid 4000 --concurrency 32\n  \
twofold-load --server http://127.0.0.1:8443 --token adm_... --users 20 --duration-seconds 30 --record answers.jsonl\n  \
TWOFOLD_TEST_POSTGRES_URL=postgres://twofold@127.0.0.1:5432/postgres twofold-load --engine postgres\n  \
twofold-load --server http://127.0.0.1:8080 --token adm_... --users 100"
)]
struct Args {
    /// A running server on this machine (http://127.0.0.1:PORT). Default: start one.
    #[arg(long, requires = "token")]
    server: Option<String>,
    /// Admin token for --server.
    #[arg(long)]
    token: Option<String>,
    /// Storage of the server started here (postgres needs TWOFOLD_TEST_POSTGRES_URL).
    #[arg(long, value_enum, default_value_t = EngineArg::Sqlite)]
    engine: EngineArg,
    /// Users (with one activated device each): the number of valid-code requests.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Requests with wrong codes.
    #[arg(long, default_value_t = 4000)]
    invalid: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Stop each phase after this many seconds even if requests remain.
    #[arg(long, default_value_t = 60)]
    max_seconds: u64,
    /// Mixed mode: for this many seconds, each user in turn sends a valid code, the same code
    /// again, a wrong code and a push that the user's simulated device (connected to the
    /// same URL) approves; then every answer received is checked against the audit log.
    #[arg(long)]
    duration_seconds: Option<u64>,
    /// Mixed mode: write every answer received (user, kind, code, txid, status, result,
    /// reason, error code) to this file, one JSON object a line.
    #[arg(long, requires = "duration_seconds")]
    record: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EngineArg {
    Sqlite,
    Postgres,
}

fn main() -> ExitCode {
    twofold_testkit::tool_main::run(run(Args::parse()))
}

async fn run(args: Args) -> Result<(), Error> {
    let concurrency = args.concurrency.max(1);
    let mut own = None;
    let (url, token) = match (&args.server, &args.token) {
        (Some(url), Some(token)) => (url.clone(), token.clone()),
        _ => {
            let engine = match args.engine {
                EngineArg::Sqlite => Engine::Sqlite,
                EngineArg::Postgres => Engine::Postgres,
            };
            let server = ServerProcess::start_with(
                engine,
                &[
                    ("TWOFOLD_POLICY_LOCKOUT_THRESHOLD", "1000000000"),
                    (
                        "TWOFOLD_POLICY_ACTIVATION_ATTEMPTS_PER_MINUTE",
                        "1000000000",
                    ),
                    // Mixed mode sends a push per user every round.
                    ("TWOFOLD_PUSH_MAX_PER_MINUTE", "1000000"),
                    ("TWOFOLD_PUSH_MAX_PER_DAY", "1000000"),
                    ("RUST_LOG", "warn"),
                ],
            )
            .await?;
            eprintln!("started twofold-server ({engine}) at {}", server.url);
            let pair = (server.url.clone(), server.admin_token.clone());
            own = Some(server);
            pair
        }
    };
    if let Some(seconds) = args.duration_seconds {
        mixed(&url, &token, &args, seconds).await?;
        if let Some(mut server) = own {
            server.stop()?;
        }
        return Ok(());
    }
    // AdminClient refuses anything but this machine.
    let admin = AdminClient::new(&url, &token)?;

    let run_tag = format!("{:x}", now());
    let app: serde_json::Value = admin
        .post(
            "/v1/admin/applications",
            &json!({"name": format!("load-{run_tag}")}),
        )
        .await?;
    let app_id = app["id"].as_str().unwrap_or_default();
    let app_secret = app["secret"].as_str().unwrap_or_default();
    let rp = RpClient::new(&url, app_id, app_secret)?;

    let started = Instant::now();
    let devices = setup_users(&admin, &url, &run_tag, args.users, concurrency).await?;
    eprintln!(
        "set up {} users with activated devices in {:.1} s",
        devices.len(),
        started.elapsed().as_secs_f64()
    );
    let devices = Arc::new(devices);
    let limit = Duration::from_secs(args.max_seconds);

    println!(
        "twofold-load: {} users, concurrency {concurrency}, server {url}",
        devices.len()
    );
    let valid = phase(&rp, &devices, devices.len(), concurrency, limit, true).await;
    valid.print("valid codes");
    let invalid = phase(&rp, &devices, args.invalid, concurrency, limit, false).await;
    invalid.print("invalid codes");

    if let Some(mut server) = own {
        server.stop()?;
    }
    if valid.unexpected + invalid.unexpected > 0 {
        return Err(Error::new(format!(
            "{} unexpected answers (first: {})",
            valid.unexpected + invalid.unexpected,
            valid
                .first_unexpected
                .or(invalid.first_unexpected)
                .unwrap_or_default()
        )));
    }
    Ok(())
}

/// Creates `count` users, each with an activated device, `concurrency` at a time.
async fn setup_users(
    admin: &AdminClient,
    url: &str,
    tag: &str,
    count: usize,
    concurrency: usize,
) -> Result<Vec<(String, TestDevice)>, Error> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (admin, url, tag, next) = (admin.clone(), url.to_owned(), tag.to_owned(), next.clone());
        workers.spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, Error>(made);
                }
                let username = format!("load-{tag}-{i}");
                let _: serde_json::Value = admin
                    .post("/v1/admin/users", &json!({"username": username}))
                    .await?;
                let issued: serde_json::Value = admin
                    .post(&format!("/v1/admin/users/{username}/activation"), &json!(null))
                    .await?;
                let mut device = TestDevice::new()?;
                device
                    .activate(&url, issued["code"].as_str().unwrap_or_default())
                    .await
                    .map_err(|e| {
                        Error::new(format!(
                            "{e} (against a server you started, raise TWOFOLD_POLICY_ACTIVATION_ATTEMPTS_PER_MINUTE)"
                        ))
                    })?;
                made.push((username, device));
            }
        });
    }
    let mut all = Vec::with_capacity(count);
    while let Some(joined) = workers.join_next().await {
        all.extend(joined.map_err(|e| Error::new(format!("worker: {e}")))??);
    }
    Ok(all)
}

#[derive(Default)]
struct Stats {
    latencies: Vec<Duration>,
    elapsed: Duration,
    expected: usize,
    unexpected: usize,
    first_unexpected: Option<String>,
}

impl Stats {
    fn print(&self, what: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let pick = |q: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[i].as_secs_f64() * 1000.0
        };
        let n = sorted.len();
        println!(
            "{what:<14} {n:>7} requests in {:>6.2} s = {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>7.2} ms   ({} as expected, {} not)",
            self.elapsed.as_secs_f64(),
            n as f64 / self.elapsed.as_secs_f64().max(1e-9),
            pick(0.50),
            pick(0.99),
            pick(1.0),
            self.expected,
            self.unexpected,
        );
    }
}

/// `requests` auth requests, `concurrency` at a time: user i % users each time, with the
/// user's current code (`valid`) or a code that is none of the currently valid ones.
async fn phase(
    rp: &RpClient,
    devices: &Arc<Vec<(String, TestDevice)>>,
    requests: usize,
    concurrency: usize,
    limit: Duration,
    valid: bool,
) -> Stats {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (rp, devices, next) = (rp.clone(), devices.clone(), next.clone());
        workers.spawn(async move {
            let mut stats = Stats::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests || started.elapsed() > limit || devices.is_empty() {
                    return stats;
                }
                let (username, device) = &devices[i % devices.len()];
                let t = now();
                let code = if valid {
                    device.code(t).unwrap_or_default()
                } else {
                    load::wrong_code(device, t)
                };
                let sent = Instant::now();
                let answer = rp.auth_reason(username, &code).await;
                stats.latencies.push(sent.elapsed());
                let want = if valid { "verified" } else { "invalid_code" };
                match answer {
                    Ok(reason) if reason == want => stats.expected += 1,
                    other => {
                        stats.unexpected += 1;
                        stats
                            .first_unexpected
                            .get_or_insert_with(|| format!("{username}: {other:?}"));
                    }
                }
            }
        });
    }
    let mut total = Stats::default();
    while let Some(Ok(stats)) = workers.join_next().await {
        total.latencies.extend(stats.latencies);
        total.expected += stats.expected;
        total.unexpected += stats.unexpected;
        if total.first_unexpected.is_none() {
            total.first_unexpected = stats.first_unexpected;
        }
    }
    total.elapsed = started.elapsed();
    total
}

/// Mixed mode (`--duration-seconds`): valid, replayed and wrong codes and pushes with
/// simulated devices approving them, for a duration; then the audit check.
async fn mixed(url: &str, token: &str, args: &Args, seconds: u64) -> Result<(), Error> {
    let setup = LoadSetup::create(url, token, args.users).await?;
    let devices = setup.answering_devices(url, Duration::from_millis(100));
    for device in &devices {
        if !device.wait_connected(Duration::from_secs(10)).await {
            return Err(Error::new(format!(
                "a device did not connect its channel: {:?}",
                device.stats().last_error
            )));
        }
    }
    eprintln!(
        "{} users with connected devices; running for {seconds} s",
        setup.users.len()
    );
    let answers = load::run(&setup, Duration::from_secs(seconds)).await;
    if let Some(path) = &args.record {
        let mut lines = String::new();
        for answer in &answers {
            lines.push_str(&serde_json::to_string(answer)?);
            lines.push('\n');
        }
        std::fs::write(path, lines)?;
        eprintln!("recorded {} answers in {}", answers.len(), path.display());
    }
    let records = AdminClient::new(url, token)?
        .audit("&event=authentication")
        .await?;
    let check = load::check_audit(&answers, &records);
    println!(
        "sent {}, acknowledged {}, found in audit exactly once {}, lost {}, duplicated {}, wrong {}, codes accepted twice {}, refused 503 {}",
        check.sent, check.acknowledged, check.found_in_audit, check.lost, check.duplicated,
        check.wrong, check.accepted_twice, check.unavailable
    );
    if check.lost + check.duplicated + check.wrong + check.accepted_twice > 0 {
        return Err(Error::new(
            "acknowledged answers do not match the audit log",
        ));
    }
    Ok(())
}
