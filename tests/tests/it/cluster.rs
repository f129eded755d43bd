//! High availability with real parts and real faults (issue 18): nodes of the real binary on
//! one PostgreSQL of the test's own, behind a real HAProxy; a node killed with `kill -9`
//! under load, PostgreSQL restarted under load, a node's LISTEN connection cut while pushes
//! and a revocation happen, and a node whose clock runs ahead.
//!
//! PostgreSQL only by nature (a cluster shares one database): skipped with a message without
//! a test PostgreSQL, failed when `TWOFOLD_REQUIRE_POSTGRES` demands one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Connection;
use twofold_core::proto::channel::{AnswerOutcome, Decision, ServerMessage};
use twofold_testkit::answering::AnsweringDevice;
use twofold_testkit::cluster::Cluster;
use twofold_testkit::http::RawClient;
use twofold_testkit::load::{self, check_audit, Answer, AuditCheck, Kind, LoadSetup};
use twofold_testkit::{now, AdminClient, DeviceChannel, RpClient};

fn postgres_available() -> bool {
    // An error (so a panic) when TWOFOLD_REQUIRE_POSTGRES is set without a URL.
    let available = twofold_testkit::engine::postgres_url().unwrap().is_some();
    if !available {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: the cluster tests need PostgreSQL, not tested");
    }
    available
}

async fn audit(cluster: &Cluster) -> Vec<twofold_core::proto::admin::AuditRecord> {
    AdminClient::new(&cluster.url, cluster.admin_token())
        .unwrap()
        .audit("&event=authentication")
        .await
        .unwrap()
}

fn print_check(what: &str, check: &AuditCheck) {
    println!(
        "{what}: sent {}, acknowledged {}, found in audit exactly once {}, lost {}, duplicated {}, \
         wrong {}, codes accepted twice {}, refused 503 {}",
        check.sent,
        check.acknowledged,
        check.found_in_audit,
        check.lost,
        check.duplicated,
        check.wrong,
        check.accepted_twice,
        check.unavailable
    );
}

fn assert_no_loss(check: &AuditCheck, answers: &[Answer], logs: impl Fn() -> String) {
    let odd: Vec<_> = answers
        .iter()
        .filter(|a| a.acknowledged() && !a.is_right(true))
        .collect();
    assert!(check.acknowledged > 0, "nothing acknowledged: {answers:#?}");
    assert_eq!(
        (
            check.found_in_audit,
            check.lost,
            check.duplicated,
            check.wrong,
            check.accepted_twice
        ),
        (check.acknowledged, 0, 0, 0, 0),
        "{check:?}\nwrong answers: {odd:#?}\n{}",
        logs()
    );
}

/// `GET path` on `url` until `want(status)` or `wait` passes; the last status.
async fn poll_status(url: &str, path: &str, want: impl Fn(u16) -> bool, wait: Duration) -> u16 {
    let client = RawClient::new(url, None).unwrap();
    let deadline = Instant::now() + wait;
    loop {
        let status = client.get(path).await.map(|r| r.status).unwrap_or(0);
        if want(status) || Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A cluster of `nodes`, `users` load users, and their devices connected through HAProxy,
/// answering each request `think` after it arrives.
async fn loaded_cluster(
    nodes: usize,
    users: usize,
    think: Duration,
) -> (Cluster, Arc<LoadSetup>, Vec<AnsweringDevice>) {
    let cluster = Cluster::start(nodes, &[]).await.unwrap();
    let setup = Arc::new(
        LoadSetup::create(&cluster.url, cluster.admin_token(), users)
            .await
            .unwrap(),
    );
    let devices = setup.answering_devices(&cluster.url, think);
    for d in &devices {
        assert!(
            d.wait_connected(Duration::from_secs(10)).await,
            "{:?}",
            d.stats()
        );
    }
    (cluster, setup, devices)
}

/// The mixed load for `duration`, in the background.
fn spawn_load(setup: &Arc<LoadSetup>, duration: Duration) -> tokio::task::JoinHandle<Vec<Answer>> {
    let setup = setup.clone();
    tokio::spawn(async move { load::run(&setup, duration).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_a_node_under_load_loses_no_acknowledged_answer() {
    if !postgres_available() {
        return;
    }
    // A user reads a request for a moment: pushes are pending on the phones when the node
    // holding some of their sockets dies.
    let (mut cluster, setup, devices) = loaded_cluster(3, 12, Duration::from_millis(300)).await;
    let load = spawn_load(&setup, Duration::from_secs(8));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    cluster.kill(1).unwrap();
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    cluster.restart(1).unwrap();
    let answers = load.await.unwrap();

    let check = check_audit(&answers, &audit(&cluster).await);
    print_check("kill -9 under load", &check);
    assert_no_loss(&check, &answers, || cluster.logs());

    // Every push that was started was delivered (again, after the kill, where needed) and
    // answered: its relying party, polling through whichever node, got the approval.
    let pushes: Vec<_> = answers.iter().filter(|a| a.kind == Kind::Push).collect();
    let started: Vec<_> = pushes.iter().filter(|a| a.txid.is_some()).collect();
    let unanswered: Vec<_> = started
        .iter()
        .filter(|a| a.reason.as_deref() != Some("approved"))
        .collect();
    assert!(unanswered.is_empty(), "{unanswered:#?}\n{}", cluster.logs());

    // Devices on the dead node came back through HAProxy within their backoff (2 s at
    // most, plus HAProxy's 200 ms check), and a challenge pending on one of them then was
    // delivered again on the new connection and answered there.
    let stats: Vec<_> = devices.iter().map(|d| d.stats()).collect();
    let reconnected = stats.iter().filter(|s| s.connected_at.len() > 1).count();
    let mut redelivered = 0;
    for s in &stats {
        assert_eq!(
            (s.duplicates_on_one_connection, s.bad_signatures),
            (0, 0),
            "{s:?}"
        );
        assert!(s.connected, "a device is still disconnected: {s:?}");
        for (lost, back) in s.lost_at.iter().zip(s.connected_at.iter().skip(1)) {
            assert!(*lost >= killed_at - Duration::from_millis(100), "{s:?}");
            assert!(
                back.duration_since(*lost) < Duration::from_secs(4),
                "reconnected after {:?}",
                back.duration_since(*lost)
            );
        }
        let mut ids = s.received.clone();
        ids.sort();
        redelivered += ids.windows(2).filter(|w| w[0] == w[1]).count();
    }
    let approved_on_device = stats
        .iter()
        .flat_map(|s| s.outcomes.values())
        .filter(|o| **o == AnswerOutcome::Accepted)
        .count();
    println!(
        "kill -9 under load: devices reconnected {reconnected} of {}, challenges delivered again \
         after the kill {redelivered}, pushes started {}, approved {}, answers accepted on devices \
         {approved_on_device}",
        stats.len(),
        started.len(),
        started.len() - unanswered.len()
    );
    assert!(
        reconnected > 0,
        "no device was on the killed node: {stats:#?}"
    );
    assert!(
        redelivered > 0,
        "no push was pending on the killed node's devices: {stats:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_restart_under_load_is_refused_with_503_and_recovered_from() {
    if !postgres_available() {
        return;
    }
    let (mut cluster, setup, _devices) = loaded_cluster(2, 6, Duration::from_millis(50)).await;
    let load = spawn_load(&setup, Duration::from_secs(6));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.postgres.stop().unwrap();

    // Each node says it is unhealthy, and refuses a sign-in with a stable code.
    for node in &cluster.nodes {
        let status = poll_status(&node.url, "/health", |s| s == 503, Duration::from_secs(5)).await;
        assert_eq!(status, 503, "{}", node.url);
        let health = RawClient::new(&node.url, None)
            .unwrap()
            .get("/health")
            .await
            .unwrap();
        assert_eq!(health.body["database"], "unreachable", "{}", health.body);
        let rp = RpClient::new(&node.url, &setup.app_id, &setup.app_secret).unwrap();
        let (user, device) = &setup.users[0];
        let code = device.code(now()).unwrap();
        let refused = rp.auth(user, &code, Default::default()).await.unwrap();
        assert_eq!(
            (refused.status, refused.error_code()),
            (503, Some("service.database_unavailable")),
            "{}",
            refused.body
        );
    }
    cluster.postgres.start_again().unwrap();

    // Back by themselves: healthy again, and deciding.
    for node in &cluster.nodes {
        let status = poll_status(&node.url, "/health", |s| s == 200, Duration::from_secs(15)).await;
        assert_eq!(
            status,
            200,
            "{} did not recover:\n{}",
            node.url,
            node.logs().unwrap()
        );
    }
    let answers = load.await.unwrap();
    let check = check_audit(&answers, &audit(&cluster).await);
    print_check("PostgreSQL restart under load", &check);
    assert!(check.unavailable > 0, "no 503 seen during the outage");
    assert_no_loss(&check, &answers, || {
        format!("{}\n{}", cluster.logs(), cluster.postgres.log())
    });

    cluster.wait_all_up(Duration::from_secs(10)).await.unwrap();
    let after = load::run(&setup, Duration::from_secs(2)).await;
    let undecided: Vec<_> = after.iter().filter(|a| !a.acknowledged()).collect();
    assert!(undecided.is_empty(), "{undecided:#?}");
    // The audit log holds both runs: checked against both.
    let both = [answers, after].concat();
    let check = check_audit(&both, &audit(&cluster).await);
    print_check("during and after the restart", &check);
    assert_no_loss(&check, &both, || cluster.logs());
}

/// How many times node `url`'s cluster listener reported `event` (its metrics).
async fn listener_events(url: &str, event: &str) -> u64 {
    let metrics = RawClient::new(url, None)
        .unwrap()
        .get("/metrics")
        .await
        .unwrap();
    let text = metrics.body.as_str().unwrap_or_default();
    let key = format!("twofold_cluster_listener_events_total{{event=\"{event}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pushes_and_a_revocation_missed_by_a_cut_listener_are_caught_up() {
    if !postgres_available() {
        return;
    }
    let cluster = Cluster::start(2, &[]).await.unwrap();
    let (node_a, node_b) = (&cluster.nodes[0], &cluster.nodes[1]);
    let setup = LoadSetup::create(&cluster.url, cluster.admin_token(), 2)
        .await
        .unwrap();
    let (alice, alice_device) = &setup.users[0];
    let (_, bob_device) = &setup.users[1];
    // Both phones hold their socket on node A; everything below is started through B.
    let mut alice_channel = DeviceChannel::open(alice_device, &node_a.url)
        .await
        .unwrap();
    let mut bob_channel = DeviceChannel::open(bob_device, &node_a.url).await.unwrap();
    let rp_b = RpClient::new(&node_b.url, &setup.app_id, &setup.app_secret).unwrap();

    // Cut A's LISTEN connection and keep it from coming back while the events happen.
    // New connections are refused to everyone meanwhile, so first each node's pool opens
    // enough connections to work without new ones (concurrent health checks).
    for node in [node_a, node_b] {
        let client = RawClient::new(&node.url, None).unwrap();
        let pings: Vec<_> = (0..16)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.get("/health").await.unwrap().status })
            })
            .collect();
        for ping in pings {
            assert_eq!(ping.await.unwrap(), 200);
        }
    }
    let mut postgres = sqlx::PgConnection::connect(&cluster.postgres.url)
        .await
        .unwrap();
    sqlx::query("ALTER DATABASE twofold ALLOW_CONNECTIONS false")
        .execute(&mut postgres)
        .await
        .unwrap();
    let name = twofold_server::store::notify::listener_application_name("node-0");
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(&name)
    .fetch_all(&mut postgres)
    .await
    .unwrap();
    assert_eq!(
        cut,
        vec![true],
        "node A's listener ({name}) is one connection"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while listener_events(&node_a.url, "lost").await == 0 {
        assert!(
            Instant::now() < deadline,
            "A did not notice:\n{}",
            node_a.logs().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut txids = Vec::new();
    for _ in 0..2 {
        let started = rp_b
            .0
            .json(
                "POST",
                "/v1/auth",
                &json!({"username": alice, "factor": "push", "async": true}),
            )
            .await
            .unwrap();
        assert_eq!(started.body["result"], "waiting", "{}", started.body);
        txids.push((
            started.body["txid"].as_str().unwrap().to_owned(),
            started.body["number"].as_str().unwrap().to_owned(),
        ));
    }
    let revoked = AdminClient::new(&node_b.url, cluster.admin_token())
        .unwrap()
        .0
        .raw(
            "DELETE",
            &format!("/v1/admin/devices/{}", bob_device.device_id().unwrap()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    // The gap is real: nothing reached A's sockets while its listener was away.
    let early = alice_channel
        .try_next(Duration::from_millis(700))
        .await
        .unwrap();
    assert!(early.is_none(), "delivered without a listener: {early:?}");

    sqlx::query("ALTER DATABASE twofold ALLOW_CONNECTIONS true")
        .execute(&mut postgres)
        .await
        .unwrap();

    // A reconnects (within its backoff) and catches up from the tables: both pushes reach
    // alice's phone once each, and bob's revoked phone is told and disconnected.
    let mut delivered = Vec::new();
    for _ in 0..2 {
        let (challenge, signature) = alice_channel.next_challenge().await.unwrap();
        assert!(alice_device
            .verify_challenge(&challenge, &signature)
            .unwrap());
        delivered.push(challenge);
    }
    let mut ids: Vec<_> = delivered.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    let mut want: Vec<_> = txids.iter().map(|(t, _)| t.clone()).collect();
    want.sort();
    assert_eq!(ids, want);
    for challenge in &delivered {
        let number = &txids.iter().find(|(t, _)| *t == challenge.id).unwrap().1;
        let outcome = alice_channel
            .answer(alice_device, challenge, Decision::Approve, Some(number))
            .await
            .unwrap();
        assert_eq!(outcome, AnswerOutcome::Accepted);
        let answer = rp_b
            .0
            .get(&format!("/v1/auth/{}?wait=5", challenge.id))
            .await
            .unwrap();
        assert_eq!(answer.body["reason"], "approved", "{}", answer.body);
    }
    // Delivered once: no second copy follows.
    while let Some(message) = alice_channel
        .try_next(Duration::from_millis(500))
        .await
        .unwrap()
    {
        assert!(
            !matches!(message, ServerMessage::Challenge { .. }),
            "a challenge came twice: {message:?}"
        );
    }
    let mut told = false;
    while let Some(message) = bob_channel.try_next(Duration::from_secs(10)).await.unwrap() {
        told |= matches!(message, ServerMessage::AccountRevoked { .. });
    }
    assert!(told, "bob's phone was not told it was revoked");
    assert!(bob_channel.closed().await);
    let reconnected = listener_events(&node_a.url, "reconnected").await;
    println!("listener gap: 2 pushes delivered once each, 1 revocation applied, A reconnected {reconnected} time(s)");
    assert!(reconnected >= 1);
    assert!(node_a
        .logs()
        .unwrap()
        .contains("cluster event listener reconnected; caught up from the database"));
}

/// Node 1's clock runs this far ahead of node 0's.
const OFFSET: u64 = 4;
/// Push lifetime in the clock test.
const TTL: u64 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_whose_clocks_differ_agree_on_replays_and_expiry() {
    if !postgres_available() {
        return;
    }
    let offset = OFFSET.to_string();
    let ttl = TTL.to_string();
    let cluster = Cluster::start_each(
        2,
        &[("TWOFOLD_PUSH_CHALLENGE_TTL_SECONDS", &ttl)],
        &[&[], &[("TWOFOLD_TEST_CLOCK_OFFSET_SECONDS", &offset)]],
    )
    .await
    .unwrap();
    let (slow, fast) = (&cluster.nodes[0], &cluster.nodes[1]);
    assert!(fast.logs().unwrap().contains("test clock"));
    let setup = LoadSetup::create(&cluster.url, cluster.admin_token(), 2)
        .await
        .unwrap();
    let rp = |url: &str| RpClient::new(url, &setup.app_id, &setup.app_secret).unwrap();
    let (rp_slow, rp_fast) = (rp(&slow.url), rp(&fast.url));

    // RFC 6238 §5.2: a code is accepted once, whichever node's clock judged it, because the
    // last accepted step is in the shared database.
    let (first, device) = &setup.users[0];
    let code = device.code(now()).unwrap();
    assert_eq!(rp_slow.auth_reason(first, &code).await.unwrap(), "verified");
    assert_eq!(
        rp_fast.auth_reason(first, &code).await.unwrap(),
        "code_replayed"
    );
    let (second, device) = &setup.users[1];
    let code = device.code(now() + OFFSET).unwrap();
    assert_eq!(
        rp_fast.auth_reason(second, &code).await.unwrap(),
        "verified"
    );
    assert_eq!(
        rp_slow.auth_reason(second, &code).await.unwrap(),
        "code_replayed"
    );

    // A push expires once, when the node with the fastest clock sees its expiry pass (its
    // sweeper marks it expired in the database), and then both nodes answer the same: the
    // lifetime is the TTL shortened by at most the clocks' difference, never lengthened.
    for (creator, name) in [(&rp_slow, "slow"), (&rp_fast, "fast")] {
        let started_at = Instant::now();
        let started = creator
            .0
            .json(
                "POST",
                "/v1/auth",
                &json!({"username": first, "factor": "push", "async": true}),
            )
            .await
            .unwrap();
        let txid = started.body["txid"].as_str().unwrap().to_owned();
        let path = format!("/v1/auth/{txid}?wait=0");
        let expired_at = loop {
            let answer = rp_slow.0.get(&path).await.unwrap();
            if answer.body["result"] != "waiting" {
                break started_at.elapsed();
            }
            assert!(
                started_at.elapsed() < Duration::from_secs(TTL + 3),
                "{}",
                answer.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let on_slow = rp_slow.0.get(&path).await.unwrap().body;
        let on_fast = rp_fast.0.get(&path).await.unwrap().body;
        assert_eq!(on_slow, on_fast);
        assert_eq!(
            (on_slow["result"].as_str(), on_slow["reason"].as_str()),
            (Some("timeout"), Some("expired")),
            "{on_slow}"
        );
        println!("clock: a push created on the {name} node expired after {expired_at:?} (TTL {TTL} s, clocks {OFFSET} s apart)");
        let lifetime = expired_at.as_secs_f64();
        assert!(
            lifetime >= (TTL - OFFSET) as f64 - 1.0 && lifetime <= TTL as f64 + 1.5,
            "created on the {name} node, expired after {lifetime} s"
        );
    }
}
