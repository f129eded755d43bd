//! Activation and push against the real server (in process, 127.0.0.1): the engine's clients
//! as the app uses them, and the `twofold` binary.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use twofold_authenticator::account::PushState;
use twofold_authenticator::activation::{activate, ActivationError, DeviceInfo};
use twofold_authenticator::push::{PushClient, PushError, PushHandle, PushOptions};
use twofold_authenticator::{Answer, Clock, Engine, PushEvent, SystemClock};
use twofold_core::proto::channel::{AnswerOutcome, NOT_ACTIVATED_MESSAGE};
use twofold_core::proto::ActivationUri;

use super::cli::{s, Cli};
use super::common::fast;
use twofold_testkit::inprocess;
use twofold_testkit::{Engine as Backend, InProcessServer};

fn device() -> DeviceInfo {
    DeviceInfo {
        name: "test phone".into(),
        platform: "cli".into(),
        allow_insecure_http: false,
    }
}

pub(super) fn now() -> u64 {
    SystemClock.now()
}

/// A server, a relying party, and a vault with alice's activated Twofold account.
pub(super) struct Setup {
    pub(super) server: InProcessServer,
    pub(super) app: String,
    pub(super) engine: Engine,
    _dir: tempfile::TempDir,
}

pub(super) async fn setup(number_matching: bool) -> Setup {
    let server = InProcessServer::listening(Backend::Sqlite, |c| {
        c.push.number_matching = inprocess::number_matching(number_matching);
    })
    .await
    .unwrap();
    let app = server.application("VPN").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::create(dir.path().join("vault.twofold"), "pw", fast()).unwrap();
    let uri = ActivationUri::parse(&server.activation_uri("alice").await.unwrap()).unwrap();
    let activation = activate(&uri, &device()).await.unwrap();
    engine.add_activation(activation, now()).unwrap();
    Setup {
        server,
        app,
        engine,
        _dir: dir,
    }
}

impl Setup {
    /// Starts the push client for the vault's Twofold account and waits until it is connected.
    async fn connect(&self) -> (PushHandle, mpsc::Receiver<PushEvent>) {
        let (tx, mut rx) = mpsc::channel(32);
        let account = self.engine.push_accounts().unwrap().remove(0);
        let clock: Arc<dyn Clock + Send + Sync> = Arc::new(SystemClock);
        let handle = PushClient::spawn(
            &account,
            self.engine.clock_offset().unwrap(),
            clock,
            tx,
            PushOptions::default(),
        )
        .unwrap();
        let connected = next(&mut rx, |e| matches!(e, PushEvent::Connected { .. })).await;
        let PushEvent::Connected { clock_offset, .. } = connected else {
            unreachable!()
        };
        // The device learned the server's (manual) clock.
        assert!(
            clock_offset.abs_diff(self.engine.clock_offset().unwrap()) <= 2,
            "{clock_offset}"
        );
        (handle, rx)
    }
}

/// The next event that `wanted` accepts (others are skipped); fails after 10 s.
pub(super) async fn next(
    rx: &mut mpsc::Receiver<PushEvent>,
    wanted: impl Fn(&PushEvent) -> bool,
) -> PushEvent {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let event = rx.recv().await.expect("the client stopped");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("no such event within 10 s")
}

pub(super) async fn challenge(
    rx: &mut mpsc::Receiver<PushEvent>,
    id: &str,
) -> twofold_authenticator::PendingChallenge {
    match next(rx, |e| matches!(e, PushEvent::Challenge(c) if c.id == id)).await {
        PushEvent::Challenge(c) => c,
        _ => unreachable!(),
    }
}

pub(super) async fn result(rx: &mut mpsc::Receiver<PushEvent>, id: &str) -> AnswerOutcome {
    match next(
        rx,
        |e| matches!(e, PushEvent::AnswerResult { challenge_id, .. } if challenge_id == id),
    )
    .await
    {
        PushEvent::AnswerResult { outcome, .. } => outcome,
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_stores_one_twofold_account_whose_offline_code_the_server_accepts() {
    let s = setup(false).await;
    let accounts = s.engine.accounts(now()).unwrap();
    assert_eq!(accounts.len(), 1);
    let view = &accounts[0];
    assert_eq!(view.name, "alice");
    assert_eq!(view.kind, "totp");
    let push = view.push.as_ref().unwrap();
    assert_eq!(
        (
            push.username.as_str(),
            push.server_name.as_str(),
            push.server_url.as_str()
        ),
        ("alice", "test-node", s.server.url.as_str())
    );
    assert_eq!(push.state, PushState::Active);
    // The vault's clock offset is the server's (manual) clock: its code is the server's code.
    assert_eq!(
        s.server
            .passcode(&s.app, "alice", &view.code)
            .await
            .unwrap(),
        "allow"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_a_push_allows_the_sign_in() {
    let s = setup(false).await;
    let (handle, mut rx) = s.connect().await;
    let started = s.server.push(&s.app, "alice").await.unwrap();
    let txid = started["txid"].as_str().unwrap();
    let c = challenge(&mut rx, txid).await;
    assert_eq!(
        (
            c.username.as_str(),
            c.application.as_str(),
            c.client_ip.as_str(),
            c.location.as_str()
        ),
        ("alice", "VPN", "198.51.100.7", "Lisbon, PT")
    );
    assert!(!c.number_required);
    assert!((55..=60).contains(&c.seconds_left(now())), "{c:?}");
    assert_eq!(handle.pending(), vec![c.clone()]);
    handle
        .answer(txid, Answer::Approve { number: None })
        .await
        .unwrap();
    assert_eq!(result(&mut rx, txid).await, AnswerOutcome::Accepted);
    assert_eq!(
        s.server.outcome(&s.app, txid).await.unwrap(),
        ("allow".into(), "approved".into())
    );
    assert!(handle.pending().is_empty());
    assert_eq!(
        handle.answer(txid, Answer::Deny { report: false }).await,
        Err(PushError::NotPending(txid.into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_denies_and_deny_with_report_reports_fraud() {
    let s = setup(false).await;
    let (handle, mut rx) = s.connect().await;
    let started = s.server.push(&s.app, "alice").await.unwrap();
    let txid = started["txid"].as_str().unwrap();
    challenge(&mut rx, txid).await;
    handle
        .answer(txid, Answer::Deny { report: false })
        .await
        .unwrap();
    assert_eq!(result(&mut rx, txid).await, AnswerOutcome::Accepted);
    assert_eq!(
        s.server.outcome(&s.app, txid).await.unwrap(),
        ("deny".into(), "denied".into())
    );

    let started = s.server.push(&s.app, "alice").await.unwrap();
    let txid = started["txid"].as_str().unwrap();
    challenge(&mut rx, txid).await;
    handle
        .answer(txid, Answer::Deny { report: true })
        .await
        .unwrap();
    assert_eq!(result(&mut rx, txid).await, AnswerOutcome::Accepted);
    assert_eq!(
        s.server.outcome(&s.app, txid).await.unwrap(),
        ("deny".into(), "fraud_reported".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_matching_accepts_the_right_number_and_denies_a_wrong_one() {
    let s = setup(true).await;
    let (handle, mut rx) = s.connect().await;
    let started = s.server.push(&s.app, "alice").await.unwrap();
    let txid = started["txid"].as_str().unwrap();
    let number = started["number"].as_str().unwrap().to_owned();
    assert!(challenge(&mut rx, txid).await.number_required);
    // Without the number the engine does not even send an approval.
    assert_eq!(
        handle.answer(txid, Answer::Approve { number: None }).await,
        Err(PushError::NumberRequired)
    );
    handle
        .answer(
            txid,
            Answer::Approve {
                number: Some(number),
            },
        )
        .await
        .unwrap();
    assert_eq!(result(&mut rx, txid).await, AnswerOutcome::Accepted);
    assert_eq!(s.server.outcome(&s.app, txid).await.unwrap().0, "allow");

    let started = s.server.push(&s.app, "alice").await.unwrap();
    let txid = started["txid"].as_str().unwrap();
    let wrong = if started["number"] == "00" {
        "01"
    } else {
        "00"
    };
    challenge(&mut rx, txid).await;
    handle
        .answer(
            txid,
            Answer::Approve {
                number: Some(wrong.into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(result(&mut rx, txid).await, AnswerOutcome::WrongNumber);
    assert_eq!(
        s.server.outcome(&s.app, txid).await.unwrap(),
        ("deny".into(), "wrong_number".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_sent_while_offline_arrives_on_connect_and_withdrawals_are_reported() {
    let s = setup(false).await;
    let started = s.server.push(&s.app, "alice").await.unwrap();
    let txid = started["txid"].as_str().unwrap().to_owned();
    let (handle, mut rx) = s.connect().await;
    challenge(&mut rx, &txid).await;
    // The relying party gives up: the request leaves the device's list.
    let (status, _) = s
        .server
        .call("DELETE", &format!("/v1/auth/{txid}"), Some(&s.app), None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    next(
        &mut rx,
        |e| matches!(e, PushEvent::Withdrawn { challenge_id, .. } if *challenge_id == txid),
    )
    .await;
    assert!(handle.pending().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_reactivation_marks_the_account_and_stops_the_client() {
    let mut s = setup(false).await;
    let (_handle, mut rx) = s.connect().await;
    s.server
        .admin_call("POST", "/v1/admin/server/reactivate", None)
        .await
        .unwrap();
    let event = next(&mut rx, |e| {
        matches!(e, PushEvent::NeedsReactivation { .. })
    })
    .await;
    assert!(
        matches!(&event, PushEvent::NeedsReactivation { message, .. } if message == NOT_ACTIVATED_MESSAGE),
        "{event:?}"
    );
    // The client does not reconnect: it ends and the channel closes.
    let after = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
    assert!(matches!(after, Ok(None)), "{after:?}");

    assert!(s.engine.apply_push_event(&event).unwrap());
    let reopened = Engine::open(s.engine.path(), "pw").unwrap();
    let account = reopened.push_accounts().unwrap().remove(0);
    assert_eq!(
        account.link.state,
        PushState::NeedsReactivation {
            message: NOT_ACTIVATED_MESSAGE.into()
        }
    );
    // A marked account does not start a client.
    let (tx, _rx) = mpsc::channel(1);
    let refused = PushClient::new(
        &account,
        0,
        Arc::new(SystemClock),
        tx,
        PushOptions::default(),
    );
    assert!(matches!(refused, Err(PushError::NeedsReactivation(_))));
    // `list --json` shows it.
    let view = &reopened.accounts(now()).unwrap()[0];
    let json = serde_json::to_value(view).unwrap();
    assert_eq!(json["push"]["state"], "needs_reactivation");
    assert_eq!(json["push"]["message"], NOT_ACTIVATED_MESSAGE);

    // Activating again replaces the account in place and makes it active.
    let id = view.id.clone();
    let uri = ActivationUri::parse(&s.server.activation_uri("alice").await.unwrap()).unwrap();
    let report = s
        .engine
        .add_activation(activate(&uri, &device()).await.unwrap(), now())
        .unwrap();
    assert_eq!(report.id, id);
    assert_eq!(
        report.replaced_device_id,
        Some(account.link.device_id.clone())
    );
    let accounts = s.engine.push_accounts().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].link.state, PushState::Active);
    assert_eq!(accounts[0].link.activation_epoch, 2);
    s.connect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_epoch_device_connecting_is_told_not_activated() {
    let s = setup(false).await;
    s.server
        .admin_call("POST", "/v1/admin/server/reactivate", None)
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let account = s.engine.push_accounts().unwrap().remove(0);
    let _handle = PushClient::spawn(
        &account,
        0,
        Arc::new(SystemClock),
        tx,
        PushOptions::default(),
    )
    .unwrap();
    let event = next(&mut rx, |_| true).await;
    assert!(
        matches!(&event, PushEvent::NeedsReactivation { message, .. } if message == NOT_ACTIVATED_MESSAGE),
        "{event:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reset_revokes_the_account() {
    let mut s = setup(false).await;
    let (_handle, mut rx) = s.connect().await;
    s.server
        .admin_call("POST", "/v1/admin/users/alice/reset", None)
        .await
        .unwrap();
    let event = next(&mut rx, |e| {
        matches!(e, PushEvent::NeedsReactivation { .. })
    })
    .await;
    assert!(s.engine.apply_push_event(&event).unwrap());
    let PushState::NeedsReactivation { message } = &s.engine.push_accounts().unwrap()[0].link.state
    else {
        panic!("still active")
    };
    assert!(message.contains("reset"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_errors_say_what_to_do() {
    let server = InProcessServer::listening(Backend::Sqlite, |c| {
        c.push.number_matching = inprocess::number_matching(false);
    })
    .await
    .unwrap();
    let uri = ActivationUri::parse(&server.activation_uri("bob").await.unwrap()).unwrap();
    activate(&uri, &device()).await.unwrap();
    let used = activate(&uri, &device()).await.unwrap_err();
    assert!(matches!(used, ActivationError::AlreadyUsed), "{used}");
    assert!(used
        .to_string()
        .contains("ask your administrator for a new activation code"));

    let unknown = ActivationUri {
        code: "0000 0000 0000".into(),
        ..uri.clone()
    };
    let error = activate(&unknown, &device()).await.unwrap_err();
    assert!(matches!(error, ActivationError::InvalidCode), "{error}");

    let uri = ActivationUri::parse(&server.activation_uri("bob").await.unwrap()).unwrap();
    server.clock.advance(24 * 3600);
    let error = activate(&uri, &device()).await.unwrap_err();
    assert!(matches!(error, ActivationError::Expired), "{error}");
    assert_eq!(
        error.to_string(),
        "the activation code has expired; ask your administrator for a new activation code"
    );

    // Nothing listens on port 9 of this machine.
    let nowhere = ActivationUri {
        server_url: "http://127.0.0.1:9".into(),
        code: "1".into(),
    };
    let error = activate(&nowhere, &device()).await.unwrap_err();
    assert!(
        matches!(error, ActivationError::Unreachable { .. }),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_retried_with_growing_delays() {
    let s = setup(false).await;
    let mut account = s.engine.push_accounts().unwrap().remove(0);
    account.link.server_url = "http://127.0.0.1:9".into();
    let (tx, mut rx) = mpsc::channel(8);
    let options = PushOptions {
        first_retry: Duration::from_millis(40),
        max_retry: Duration::from_millis(200),
        ..PushOptions::default()
    };
    let handle = PushClient::spawn(&account, 0, Arc::new(SystemClock), tx, options).unwrap();
    let mut delays = Vec::new();
    for _ in 0..5 {
        if let PushEvent::Disconnected { retry_in_ms, .. } = next(&mut rx, |_| true).await {
            delays.push(retry_in_ms);
        }
    }
    // Equal jitter: each delay lies between half its ceiling and the ceiling.
    for (delay, ceiling) in delays.iter().zip([40, 80, 160, 200, 200]) {
        assert!((ceiling / 2..=ceiling).contains(delay), "{delays:?}");
    }
    assert_eq!(
        handle.answer("chl_x", Answer::Deny { report: false }).await,
        Err(PushError::NotConnected)
    );
    handle.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while rx.recv().await.is_some() {}
    })
    .await;
    assert!(end.is_ok(), "the client did not stop");
}

/// Runs `twofold ARGS` off the runtime's threads (the server runs on them).
async fn twofold(cli: &Arc<Cli>, args: &[&str]) -> std::process::Output {
    let cli = cli.clone();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.run(&args)
    })
    .await
    .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A failed command's stderr: one line, no panic.
fn stderr_line(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "should fail: {out:?}");
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("twofold: ") && !err.contains("panicked"),
        "{err}"
    );
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_activates_from_a_qr_image_and_answers_pushes() {
    use base64::Engine as _;
    let server = InProcessServer::listening(Backend::Sqlite, |c| {
        c.push.number_matching = inprocess::number_matching(false);
    })
    .await
    .unwrap();
    let app = server.application("VPN").await.unwrap();
    let cli = Arc::new(Cli::new());
    stdout(&twofold(&cli, &["init"]).await);

    // The server's own QR image of the activation code.
    let issued = server.activation("carol").await.unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(issued["qr_png_base64"].as_str().unwrap())
        .unwrap();
    let image = cli.write("activation.png", &png);
    let out = stdout(&twofold(&cli, &["activate", "--image", s(&image)]).await);
    assert!(out.contains("activated Twofold (carol)"), "{out}");
    // The same code again: used up, and the message says what to do.
    let again = stderr_line(&twofold(&cli, &["activate", issued["uri"].as_str().unwrap()]).await);
    assert!(
        again.contains("ask your administrator for a new activation code"),
        "{again}"
    );

    let list = stdout(&twofold(&cli, &["list"]).await);
    assert!(list.contains("PUSH") && list.contains("active"), "{list}");

    // Approve a push that was sent before the CLI connected.
    let txid = server.push(&app, "carol").await.unwrap()["txid"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = stdout(&twofold(&cli, &["push", "answer", &txid, "approve"]).await);
    assert!(out.contains("accepted"), "{out}");
    assert_eq!(server.outcome(&app, &txid).await.unwrap().0, "allow");

    // Deny and report, with the verdict as JSON.
    let txid = server.push(&app, "carol").await.unwrap()["txid"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = stdout(
        &twofold(
            &cli,
            &["push", "answer", &txid, "deny", "--report", "--json"],
        )
        .await,
    );
    let verdict: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (verdict["event"].as_str(), verdict["outcome"].as_str()),
        (Some("answer_result"), Some("accepted"))
    );
    assert_eq!(
        server.outcome(&app, &txid).await.unwrap(),
        ("deny".into(), "fraud_reported".into())
    );

    // Nothing pending under that id: a clear failure after --wait.
    let err = stderr_line(
        &twofold(
            &cli,
            &["push", "answer", "chl_nope", "approve", "--wait", "1"],
        )
        .await,
    );
    assert!(err.contains("no pending sign-in request chl_nope"), "{err}");
    let err = stderr_line(&twofold(&cli, &["push", "answer", &txid, "approve", "--report"]).await);
    assert!(err.contains("--report goes with deny"), "{err}");

    // After a server reactivation, `push listen` reports it, stores it and stops.
    server
        .admin_call("POST", "/v1/admin/server/reactivate", None)
        .await
        .unwrap();
    let out = twofold(&cli, &["push", "listen", "--json"]).await;
    stderr_line(&out);
    let lines = String::from_utf8(out.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["event"].as_str(), last["message"].as_str()),
        (Some("needs_reactivation"), Some(NOT_ACTIVATED_MESSAGE))
    );
    let list = stdout(&twofold(&cli, &["list"]).await);
    assert!(
        list.contains(&format!("needs reactivation: {NOT_ACTIVATED_MESSAGE}")),
        "{list}"
    );
}
