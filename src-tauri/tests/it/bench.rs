//! The app's benchmark (not a timed test: it asserts nothing about time, it prints numbers).
//!
//!   cargo test -p twofold-app --test it -- --ignored --nocapture bench
//!
//! - cold start to the first code: launch the app on a vault sealed with the default Argon2id
//!   cost, unlock, wait for a code on screen;
//! - 1,000 accounts: the countdown tick, the refresh when codes change (fetch + render +
//!   layout), and a search keystroke (filter + render + layout), as the UI timed them
//!   (`window.__twofoldPerf`); the whole list's fetch (`list_accounts`) and the codes-only
//!   fetch of the refresh (`account_codes`) side by side in the page, and the shell's part of
//!   each (the engine and the JSON) in this process;
//! - push arrival: a relying party's `POST /v1/auth` (push) to a real `twofold-server` on
//!   loopback, until the request is in the window's page.

use std::time::{Duration, Instant};

use twofold_authenticator::Clock as _;
use twofold_authenticator::{Engine, ImportFormat, KdfParams, SystemClock};

use crate::harness::{app_binary, Driver, Screen};

const PASSWORD: &str = "benchmark password 1";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn secret(i: usize) -> String {
    let tail: String = (0..16u32)
        .map(|k| BASE32[i.checked_shr(5 * k).unwrap_or(0) & 31] as char)
        .collect();
    format!("JBSWY3DPEHPK3PXP{tail}")
}

/// The numbers of a JSON array (none when it is not one).
fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
        .unwrap_or_default()
}

fn stats(name: &str, samples: &[f64]) {
    if samples.is_empty() {
        println!("{name:<34} no samples");
        return;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<34} n={:<4} median {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms",
        sorted.len(),
        at(0.5),
        at(0.95),
        sorted[sorted.len() - 1]
    );
    // With few samples, the order they came in says more than the percentiles.
    if samples.len() <= 10 {
        println!("{:<34} in order: {samples:?}", "");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: cargo test -p twofold-app --test it -- --ignored --nocapture bench"]
async fn bench_cold_start_and_a_thousand_accounts() {
    let app = app_binary();
    let screen = Screen::start(1280, 800);
    let driver = Driver::start(&screen, false);
    let now = SystemClock.now();

    // Cold start: one account, the default (phone-grade) Argon2id cost.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.twofold");
    let mut engine = Engine::create(&path, PASSWORD, KdfParams::default()).unwrap();
    engine
        .add_uri(
            "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME",
            now,
        )
        .unwrap();
    drop(engine);
    let started = Instant::now();
    let ui = driver
        .launch(&app, &["--vault", path.to_str().unwrap()])
        .await;
    ui.find("#unlock-password").await;
    let to_unlock_screen = started.elapsed();
    ui.type_into("#unlock-password", PASSWORD).await;
    let unlocking = Instant::now();
    ui.click("#unlock-button").await;
    ui.find(".account .code").await;
    let unlock_to_code = unlocking.elapsed();
    ui.close().await;

    // 1,000 accounts.
    let path = dir.path().join("thousand.twofold");
    let mut engine = Engine::create(&path, PASSWORD, KdfParams::insecure_for_tests()).unwrap();
    let uris: String = (0..1000)
        .map(|i| {
            format!(
                "otpauth://totp/Issuer%20{i}:user{i}%40example.com?secret={}&issuer=Issuer%20{i}\n",
                secret(i)
            )
        })
        .collect();
    let report = engine
        .import(ImportFormat::Uris, uris.as_bytes(), None, now)
        .unwrap();
    assert_eq!(report.added.len(), 1000, "{:?}", report.skipped.first());
    drop(engine);
    let ui = driver
        .launch(&app, &["--vault", path.to_str().unwrap()])
        .await;
    ui.type_into("#unlock-password", PASSWORD).await;
    let unlocking = Instant::now();
    ui.click("#unlock-button").await;
    ui.find(".account-list[data-count='1000'] .account").await;
    let unlock_to_list = unlocking.elapsed();

    // Search, one keystroke at a time.
    for query in ["issuer 9", "user42", "example"] {
        let search = ui.find("#search").await;
        for ch in query.chars() {
            search.send_keys(&ch.to_string()).await.unwrap();
        }
        search.clear().await.unwrap();
    }
    // Wait for five step changes (five refreshes of all 1,000 codes, one per 30 s).
    let deadline = Instant::now() + Duration::from_secs(170);
    loop {
        let refreshes = ui
            .client
            .execute("return window.__twofoldPerf.refresh.length", vec![])
            .await
            .unwrap();
        if refreshes.as_u64().unwrap_or(0) >= 5 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let perf = ui
        .client
        .execute("return window.__twofoldPerf", vec![])
        .await
        .unwrap();
    let samples = |kind: &str| numbers(&perf[kind]);
    // The two fetches side by side in the same page, alternating (the VM's noise hits both).
    let side_by_side = ui
        .client
        .execute_async(SIDE_BY_SIDE, vec![serde_json::json!(IPC_ROUNDS)])
        .await
        .unwrap();
    let timed = |kind: &str| numbers(&side_by_side[kind]);
    ui.close().await;
    let shell = ShellSide::measure(&path, now);

    println!();
    println!("twofold-app benchmark (debug build, Xvfb, WebKitGTK; 2-core VM)");
    println!(
        "cold start: launch → unlock screen {:>6} ms; unlock (Argon2id 64 MiB, t=3) → first code {:>6} ms; total {:>6} ms",
        to_unlock_screen.as_millis(),
        unlock_to_code.as_millis(),
        (to_unlock_screen + unlock_to_code).as_millis()
    );
    println!(
        "1,000 accounts: unlock → first rows on screen {} ms (rows render as the list scrolls)",
        unlock_to_list.as_millis()
    );
    stats("countdown tick (1,000 rows)", &samples("tick"));
    stats(
        "code refresh: codes-only fetch (IPC)",
        &samples("fetchCodes"),
    );
    stats("whole list fetch (IPC; unlock, changes)", &samples("fetch"));
    println!("side by side, {IPC_ROUNDS} rounds each, invoke to parsed object in the page:");
    stats("  list_accounts", &timed("list"));
    stats("  account_codes", &timed("codes"));
    stats("  platform (the IPC's floor)", &timed("floor"));
    shell.print();
    stats("code refresh: render+layout", &samples("refresh"));
    stats("  of which state and DOM updates", &samples("refreshState"));
    stats("search keystroke (1,000 rows)", &samples("search"));
}

const IPC_ROUNDS: u64 = 20;

/// Times `list_accounts`, `account_codes` and (the IPC's floor) `platform`, a command that
/// returns two booleans, in turn, from the call to the parsed answer.
const SIDE_BY_SIDE: &str = "const [rounds, done] = arguments;
const invoke = window.__TAURI_INTERNALS__.invoke;
(async () => {
  const out = { list: [], codes: [], floor: [] };
  for (let i = 0; i < rounds; i++) {
    let started = performance.now();
    await invoke('list_accounts');
    out.list.push(performance.now() - started);
    started = performance.now();
    await invoke('account_codes');
    out.codes.push(performance.now() - started);
    started = performance.now();
    await invoke('platform');
    out.floor.push(performance.now() - started);
  }
  done(out);
})().catch((e) => done({ error: String(e) }));";

/// The shell's part of each fetch, in this process (the same debug build as the app): the
/// engine's work, then the JSON that crosses the IPC, without the webview.
#[derive(Default)]
struct ShellSide {
    list: Vec<f64>,
    list_json: Vec<f64>,
    list_bytes: usize,
    codes: Vec<f64>,
    codes_json: Vec<f64>,
    codes_bytes: usize,
}

impl ShellSide {
    fn measure(path: &std::path::Path, now: u64) -> Self {
        let engine = Engine::open(path, PASSWORD).unwrap();
        let mut side = Self::default();
        let ms = |started: Instant| started.elapsed().as_secs_f64() * 1000.0;
        for round in 0..IPC_ROUNDS {
            let at = now + round * 30;
            let started = Instant::now();
            let accounts = engine.accounts(at).unwrap();
            side.list.push(ms(started));
            let started = Instant::now();
            side.list_bytes = serde_json::to_vec(&accounts).unwrap().len();
            side.list_json.push(ms(started));
            let started = Instant::now();
            let codes = engine.time_codes(at).unwrap();
            side.codes.push(ms(started));
            let started = Instant::now();
            side.codes_bytes = serde_json::to_vec(&codes).unwrap().len();
            side.codes_json.push(ms(started));
        }
        side
    }

    fn print(&self) {
        println!("shell side (no webview):");
        stats("  list_accounts: engine", &self.list);
        stats(
            &format!("  list_accounts: JSON ({} KB)", self.list_bytes / 1000),
            &self.list_json,
        );
        stats("  account_codes: engine", &self.codes);
        stats(
            &format!("  account_codes: JSON ({} KB)", self.codes_bytes / 1000),
            &self.codes_json,
        );
    }
}

/// Records, in the page, when each sign-in request first appears (unix ms).
const WATCH_REQUESTS: &str = "window.__arrivals = {};
new MutationObserver(() => {
  for (const el of document.querySelectorAll('.request[data-challenge]')) {
    const id = el.dataset.challenge;
    if (!(id in window.__arrivals)) window.__arrivals[id] = Date.now();
  }
}).observe(document.body, { subtree: true, childList: true, attributes: true });";

// The benchmark compares with the page's `Date.now()`: wall-clock milliseconds.
#[allow(clippy::disallowed_methods)]
fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: cargo test -p twofold-app --test it -- --ignored --nocapture bench"]
async fn bench_push_arrival_to_request_on_screen() {
    use crate::e2e_push::{activate_by_paste, PushServer};
    use crate::harness::{launch_fresh, Fresh};
    use serde_json::json;

    let PushServer {
        mut server,
        activation_uri,
        rp,
    } = PushServer::start("VPN", 1000).await;
    // Kept to the end of the run (the driver drops before the screen).
    let Fresh {
        screen: _screen,
        driver: _driver,
        dir: _dir,
        ui,
        ..
    } = launch_fresh(false).await;
    crate::e2e::create_vault(&ui).await;
    activate_by_paste(&ui, &activation_uri).await;
    ui.click("#add-done").await;
    ui.find(".account[data-push-state='connected']").await;
    ui.client.execute(WATCH_REQUESTS, vec![]).await.unwrap();

    let mut samples = Vec::new();
    for _ in 0..20 {
        let sent = unix_ms();
        let started =
            rp.0.json(
                "POST",
                "/v1/auth",
                &json!({"username": "alice", "factor": "push", "async": true}),
            )
            .await
            .unwrap();
        let txid = started.body["txid"].as_str().unwrap().to_owned();
        ui.find(&format!(".request[data-challenge='{txid}']")).await;
        let shown = ui
            .client
            .execute(&format!("return window.__arrivals['{txid}']"), vec![])
            .await
            .unwrap();
        samples.push(shown.as_f64().unwrap() - sent);
        ui.click("#deny-request").await;
        ui.find("#request-outcome").await;
        ui.click("#request-done").await;
        ui.find("#accounts-screen").await;
    }
    ui.close().await;
    server.stop().unwrap();
    println!();
    stats("push: POST /v1/auth → request in the window", &samples);
}
