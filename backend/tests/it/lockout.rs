//! Attacks on the passcode lockout (issue 13 items 1, 2 and 7), through `/v1/auth` on both
//! engines: concurrent guesses, guessing at the pace of the cool-down, and clock drift.

use std::sync::Arc;

use serde_json::{json, Value};
use twofold_core::OtpAccount;
use twofold_server::clock::Clock;

use crate::handlers::{passcode, passcode_setup};
use twofold_testkit::{engines, InProcessServer};

/// A six-digit code none of the steps within `steps` of `now` produces.
fn wrong_code(account: &OtpAccount, now: u64, steps: u64) -> String {
    let valid: Vec<String> = (0..=2 * steps)
        .map(|i| account.code(now + i * 30 - steps * 30).unwrap())
        .collect();
    (0u32..)
        .map(|i| format!("{:06}", (123_456 + i * 7_919) % 1_000_000))
        .find(|c| !valid.contains(c))
        .unwrap()
}

/// The reasons of `username`'s authentication records, oldest first.
async fn audit_reasons(server: &InProcessServer, username: &str) -> Vec<String> {
    let (status, records) = server
        .call(
            "GET",
            &format!("/v1/admin/audit?event=authentication&username={username}&limit=100000"),
            Some(&server.admin()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{records}");
    let mut reasons: Vec<String> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    reasons.reverse();
    reasons
}

fn count(reasons: &[String], reason: &str) -> usize {
    reasons.iter().filter(|r| *r == reason).count()
}

async fn admin_patch(server: &InProcessServer, username: &str, body: Value) -> (u16, Value) {
    let (status, answer) = server
        .call(
            "PATCH",
            &format!("/v1/admin/users/{username}"),
            Some(&server.admin()),
            Some(body),
        )
        .await
        .unwrap();
    (status.as_u16(), answer)
}

/// Item 1: 300 wrong codes at once against threshold 10. The lock must hold against the
/// requests already in flight: at most 10 are checked, every other one is `locked_out`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn item1_concurrent_wrong_codes_check_at_most_the_threshold() {
    for engine in engines().unwrap() {
        let server = Arc::new(
            InProcessServer::start(engine, |c| c.policy.lockout_threshold = 10)
                .await
                .unwrap(),
        );
        let (app, account) = passcode_setup(&server, "mallory").await;
        let wrong = wrong_code(&account, server.clock.now(), 1);
        let barrier = Arc::new(tokio::sync::Barrier::new(300));
        let tasks: Vec<_> = (0..300)
            .map(|_| {
                let (server, app, wrong, barrier) =
                    (server.clone(), app.clone(), wrong.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    passcode(&server, &app, "mallory", &wrong).await["reason"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        let reasons = audit_reasons(&server, "mallory").await;
        eprintln!(
            "{engine}: 300 wrong codes, {} checked, {} locked_out",
            count(&reasons, "invalid_code"),
            count(&reasons, "locked_out")
        );
        assert_eq!(reasons.len(), 300, "{engine}: one record per attempt");
        assert_eq!(
            count(&answers, "invalid_code"),
            count(&reasons, "invalid_code")
        );
        assert!(
            count(&reasons, "invalid_code") <= 10,
            "{engine}: {} codes checked, threshold 10",
            count(&reasons, "invalid_code")
        );
        assert_eq!(
            count(&reasons, "invalid_code") + count(&reasons, "locked_out"),
            300,
            "{engine}: {reasons:?}"
        );
    }
}

/// `n` wrong codes from oscar, each answered with `reason`.
async fn guesses(
    server: &InProcessServer,
    app: &str,
    account: &OtpAccount,
    n: usize,
    reason: &str,
    what: String,
) {
    for _ in 0..n {
        let wrong = wrong_code(account, server.clock.now(), 1);
        assert_eq!(
            passcode(server, app, "oscar", &wrong).await["reason"],
            reason,
            "{what}"
        );
    }
}

/// Item 2: a lock that runs out does not forgive the failures before it. Each further lock
/// lasts twice as long, and at `lockout_permanent_after` consecutive failures the factor
/// stays locked until an administrator unlocks it (which the audit records).
#[tokio::test]
async fn item2_lockouts_escalate_and_end_permanent_until_an_admin_unlocks() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| {
            c.policy.lockout_threshold = 3;
            c.policy.lockout_seconds = 60;
            c.policy.lockout_permanent_after = 9;
        })
        .await
        .unwrap();
        let (app, account) = passcode_setup(&server, "oscar").await;
        let guesses = |n: usize, reason: &'static str, what: &'static str| {
            guesses(
                &server,
                &app,
                &account,
                n,
                reason,
                format!("{engine}: {what}"),
            )
        };
        // Lock 1 after 3 failures: 60 s.
        guesses(3, "invalid_code", "failures 1 to 3").await;
        guesses(1, "locked_out", "lock 1").await;
        server.clock.advance(61);
        // The count goes on from 3: three more failures lock again, now for 120 s.
        guesses(3, "invalid_code", "failures 4 to 6, after lock 1").await;
        server.clock.advance(61);
        guesses(1, "locked_out", "lock 2 lasts 120 s").await;
        server.clock.advance(60);
        // Failures 7 to 9: the ninth locks for good.
        guesses(3, "invalid_code", "failures 7 to 9, after lock 2").await;
        server.clock.advance(365 * 24 * 3600);
        let valid = account.code(server.clock.now()).unwrap();
        assert_eq!(
            passcode(&server, &app, "oscar", &valid).await["reason"],
            "locked_out",
            "{engine}: a year later, the right code is still refused"
        );

        let (status, body) = admin_patch(&server, "oscar", json!({"unlock": true})).await;
        assert_eq!(status, 200, "{engine}: {body}");
        let (status, records) = server
            .call(
                "GET",
                "/v1/admin/audit?event=admin&username=oscar",
                Some(&server.admin()),
                None,
            )
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(
            records
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["reason"] == "unlocked"),
            "{engine}: the unlock is audited: {records}"
        );
        assert_eq!(
            passcode(&server, &app, "oscar", &valid).await["reason"],
            "verified",
            "{engine}: unlocked"
        );
        // The success reset the count: one failure does not lock.
        guesses(1, "invalid_code", "after the success").await;
        server.clock.advance(30);
        let next = account.code(server.clock.now()).unwrap();
        assert_eq!(
            passcode(&server, &app, "oscar", &next).await["reason"],
            "verified",
            "{engine}"
        );
    }
}

/// Item 7: a generator whose clock runs ever faster cannot drag the window along without
/// limit. Past `max_drift_steps` its codes are refused, and the refusals do not lock the user.
#[tokio::test]
async fn item7_learned_drift_is_bounded_and_codes_beyond_do_not_lock() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |c| {
            c.policy.lockout_threshold = 3;
            c.policy.max_drift_steps = 10;
        })
        .await
        .unwrap();
        let (app, account) = passcode_setup(&server, "trent").await;
        // Each code one step further ahead than the drift learned so far: accepted up to the
        // bound.
        for ahead in 1..=10u64 {
            server.clock.advance(30);
            let code = account.code(server.clock.now() + ahead * 30).unwrap();
            assert_eq!(
                passcode(&server, &app, "trent", &code).await["reason"],
                "verified",
                "{engine}: {ahead} steps ahead"
            );
        }
        // Beyond the bound: refused, however often, and never a lockout.
        for _ in 0..5 {
            server.clock.advance(30);
            let code = account.code(server.clock.now() + 11 * 30).unwrap();
            assert_eq!(
                passcode(&server, &app, "trent", &code).await["reason"],
                "invalid_code",
                "{engine}: 11 steps ahead"
            );
        }
        // Codes within the bound still work: nothing was locked.
        server.clock.advance(30);
        let code = account.code(server.clock.now() + 10 * 30).unwrap();
        assert_eq!(
            passcode(&server, &app, "trent", &code).await["reason"],
            "verified",
            "{engine}: back within the bound"
        );
    }
}
