//! The list's refresh at each code change, in the real window: with a 4-second account, each
//! step shows oathtool's new code and next code; the refreshes between the user's changes
//! fetch only the codes (`account_codes`), and what the user changed in between (a HOTP
//! press, a favourite) stays on screen through them, where a refresh that trusted an old
//! list would bring the old counter's code or the old star back.

use std::time::Duration;

use twofold_testkit::{now as unix_now, oathtool_args, oathtool_hotp};

use crate::e2e::{add_uri, create_vault};
use crate::e2e_privacy::digits;
use crate::harness::{launch_fresh, Fresh, Ui};

const SECRET: &str = "JBSWY3DPEHPK3PXP";
const HOTP_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const PERIOD: u64 = 4;
const FAST: &str = ".account[data-kind='totp']";
const HOTP: &str = ".account[data-kind='hotp']";

/// oathtool's code for the 4-second account at unix second `at`.
fn fast_code(at: u64) -> String {
    oathtool_args(&[
        "--totp",
        "--base32",
        &format!("--time-step-size={PERIOD}s"),
        &format!("--now=@{at}"),
        SECRET,
    ])
    .unwrap()
}

/// How many fetches of each kind the window made: (whole list, codes only).
async fn fetches(ui: &Ui) -> (u64, u64) {
    let counts = ui
        .client
        .execute(
            "const p = window.__twofoldPerf; return [p.fetch.length, p.fetchCodes.length];",
            vec![],
        )
        .await
        .unwrap();
    (
        counts[0].as_u64().unwrap(),
        counts[1].as_u64().unwrap_or_default(),
    )
}

/// Waits for the next step of the 4-second account and a second into it (the refresh comes
/// within a tick of the change), then checks its code and next code against oathtool.
async fn next_step_shows_oathtools_codes(ui: &Ui) {
    let boundary = (unix_now() / PERIOD + 1) * PERIOD;
    tokio::time::sleep(Duration::from_secs(boundary + 1 - unix_now())).await;
    loop {
        let before = unix_now();
        let code = digits(&ui.text(&format!("{FAST} .code")).await);
        let next = digits(&ui.text(&format!("{FAST} .next-code .mono")).await);
        let after = unix_now();
        if before / PERIOD != after / PERIOD {
            // Read across a step change: read again in the new step.
            continue;
        }
        assert_eq!(code, fast_code(before), "the code at {before}");
        assert_eq!(
            next,
            fast_code(before + PERIOD),
            "the next code at {before}"
        );
        return;
    }
}

async fn wait_hotp(ui: &Ui, counter: u64) {
    let want = oathtool_hotp(HOTP_SECRET, counter).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while digits(&ui.text(&format!("{HOTP} .code")).await) != want {
        assert!(
            std::time::Instant::now() < deadline,
            "the HOTP row did not show counter {counter}'s {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn e2e_each_step_brings_new_codes_and_saved_changes_survive_the_refreshes() {
    // The driver drops before the screen.
    let Fresh {
        screen: _screen,
        driver: _driver,
        dir: _dir,
        ui,
        ..
    } = launch_fresh(false).await;
    create_vault(&ui).await;
    add_uri(
        &ui,
        &format!("otpauth://totp/Fast:alice?secret={SECRET}&issuer=Fast&period={PERIOD}"),
    )
    .await;
    add_uri(
        &ui,
        &format!("otpauth://hotp/Bank:bob?secret={HOTP_SECRET}&counter=0&issuer=Bank"),
    )
    .await;
    wait_hotp(&ui, 0).await;

    // Two steps with nothing changed: codes-only fetches, no whole list.
    let (lists, codes) = fetches(&ui).await;
    next_step_shows_oathtools_codes(&ui).await;
    next_step_shows_oathtools_codes(&ui).await;
    let (lists_after, codes_after) = fetches(&ui).await;
    assert_eq!(lists_after, lists, "no whole list while nothing changed");
    assert!(
        codes_after >= codes + 2,
        "codes-only fetches: {codes} → {codes_after}"
    );

    // A HOTP press and a favourite, saved between two steps: the next refreshes keep them.
    ui.click(&format!("{HOTP} .next-button")).await;
    wait_hotp(&ui, 1).await;
    ui.click("button[aria-label^='Favourite: Fast']").await;
    ui.wait_count("button.star[aria-pressed='true']", 1).await;
    for _ in 0..2 {
        next_step_shows_oathtools_codes(&ui).await;
        assert_eq!(
            digits(&ui.text(&format!("{HOTP} .code")).await),
            oathtool_hotp(HOTP_SECRET, 1).unwrap(),
            "the HOTP row keeps counter 1 through the refresh"
        );
        assert_eq!(ui.count("button.star[aria-pressed='true']").await, 1);
    }
    ui.close().await;
}
