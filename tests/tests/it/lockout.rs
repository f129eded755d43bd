//! Lockout after consecutive failures, its cool-down, and the reset on success.

use twofold_testkit::{now, Engine};

use crate::common::{setup, wrong_code};

on_each_engine!(failures_lock_the_factor_until_the_cool_down_and_a_success_resets_the_count);

async fn failures_lock_the_factor_until_the_cool_down_and_a_success_resets_the_count(
    engine: Engine,
) {
    let setup = setup(
        engine,
        &[
            ("TWOFOLD_POLICY_LOCKOUT_THRESHOLD", "3"),
            ("TWOFOLD_POLICY_LOCKOUT_SECONDS", "2"),
        ],
    )
    .await;
    let t = now();
    let wrong = wrong_code(&setup, t);
    let valid_now = setup.code_at(t);
    let valid_next = setup.code_at(t + 30);

    // Three failures: the third locks the factor.
    for _ in 0..3 {
        assert_eq!(setup.auth(&wrong).await, "invalid_code");
    }
    // Locked: even the right code is refused, and not used up.
    assert_eq!(setup.auth(&valid_now).await, "locked_out");
    assert_eq!(setup.auth(&wrong).await, "locked_out");

    // After the cool-down the right code is accepted.
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    assert_eq!(setup.auth(&valid_now).await, "verified");

    // A success resets the count: two failures, a success, two failures: still open.
    for _ in 0..2 {
        assert_eq!(setup.auth(&wrong).await, "invalid_code");
    }
    assert_eq!(setup.auth(&valid_next).await, "verified");
    for _ in 0..2 {
        assert_eq!(setup.auth(&wrong).await, "invalid_code");
    }
    // The third consecutive failure locks again.
    assert_eq!(setup.auth(&wrong).await, "invalid_code");
    assert_eq!(setup.auth(&wrong).await, "locked_out");

    let admin = setup.server.admin().unwrap();
    let records = admin.audit("&event=authentication").await.unwrap();
    assert_eq!(records.len(), 13, "one record per attempt");
    assert_eq!(
        records
            .iter()
            .filter(|r| r.reason.as_deref() == Some("locked_out"))
            .count(),
        3
    );
}
