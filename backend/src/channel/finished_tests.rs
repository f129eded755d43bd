//! Issue 17: a relying party waiting on a push is woken by its own challenge's finish only,
//! never by another's, and a wait that ends (woken or abandoned at its deadline) leaves no
//! registration behind.

use std::time::Duration;

use futures_util::FutureExt;

use super::connected::ConnectedDevices;

#[tokio::test]
async fn a_finish_wakes_the_waiters_of_its_own_challenge_only() {
    let connected = ConnectedDevices::default();
    let first = connected.on_finished("chl_a");
    let second = connected.on_finished("chl_a");
    let mut other = connected.on_finished("chl_b");
    assert_eq!(connected.waiting_count(), 3);

    connected.challenge_finished("chl_a");
    // Both waiters of chl_a complete at once; chl_b's is still pending.
    tokio::time::timeout(Duration::from_secs(1), first)
        .await
        .expect("the first waiter was not woken");
    tokio::time::timeout(Duration::from_secs(1), second)
        .await
        .expect("the second waiter was not woken");
    assert!(
        (&mut other).now_or_never().is_none(),
        "chl_b's waiter woke for chl_a"
    );
    assert_eq!(connected.waiting_count(), 1);

    connected.challenge_finished("chl_b");
    tokio::time::timeout(Duration::from_secs(1), other)
        .await
        .expect("chl_b's waiter was not woken");
    assert_eq!(connected.waiting_count(), 0);
}

#[tokio::test]
async fn an_abandoned_wait_removes_its_registration() {
    let connected = ConnectedDevices::default();
    let kept = connected.on_finished("chl_a");
    let abandoned = connected.on_finished("chl_a");
    // As the relying party's deadline does: the wait times out and is dropped.
    assert!(tokio::time::timeout(Duration::from_millis(20), abandoned)
        .await
        .is_err());
    assert_eq!(connected.waiting_count(), 1);
    drop(kept);
    assert_eq!(connected.waiting_count(), 0);
    // A finish with nobody waiting is a no-op.
    connected.challenge_finished("chl_a");
    assert_eq!(connected.waiting_count(), 0);
}

#[tokio::test]
async fn a_finish_before_the_wait_is_registered_does_not_wake_it() {
    // The caller registers first and then reads the row, so an earlier finish is seen in
    // the row; the waiter itself only hears finishes that come after it.
    let connected = ConnectedDevices::default();
    connected.challenge_finished("chl_a");
    let mut late = connected.on_finished("chl_a");
    assert!((&mut late).now_or_never().is_none());
}
