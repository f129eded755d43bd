//! The privacy options and the clipboard in the real window (issue 19): a copied code is on
//! the system clipboard (read back with xclip from the virtual screen) and gone after the
//! configured time; the window locks itself after the idle time; hidden codes show dots until
//! tapped; the next code shows only in the last seconds; each order of the list, with the
//! custom order moved by its buttons and by Alt+Up, kept across a lock.

use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use twofold_testkit::{now as unix_now, oathtool};

use crate::e2e::{add_uri, back, create_vault, select, PASSWORD};
use crate::harness::{launch_fresh, Fresh, Ui};

const SECRET: &str = "JBSWY3DPEHPK3PXP";

/// What the X clipboard holds, or `None` when nothing owns it (it was cleared).
fn clipboard(display: &str) -> Option<String> {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-o"])
        .env("DISPLAY", display)
        .output()
        .expect("xclip (scripts/setup.sh test installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

async fn open_settings(ui: &Ui) {
    ui.click("#settings-button").await;
    ui.find("#settings-screen").await;
}

/// The issuers of the rows, top to bottom.
async fn order(ui: &Ui) -> Vec<String> {
    let script =
        "return [...document.querySelectorAll('.account .issuer')].map(e => e.textContent)";
    let value = ui.client.execute(script, vec![]).await.unwrap();
    serde_json::from_value(value).unwrap()
}

async fn wait_order(ui: &Ui, want: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = order(ui).await;
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "order {got:?}, not {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn digits(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// oathtool's codes for every second from `from` to `to`: what the window may show meanwhile.
pub fn codes_between(secret: &str, from: u64, to: u64) -> Vec<String> {
    (from..=to).map(|t| oathtool(secret, t).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn copied_code_is_on_the_clipboard_then_cleared_and_the_idle_window_locks() {
    let Fresh {
        screen,
        driver,
        dir: _dir,
        vault: _vault,
        ui,
    } = launch_fresh(false).await;
    create_vault(&ui).await;
    add_uri(
        &ui,
        &format!("otpauth://totp/GitHub:octocat?secret={SECRET}&issuer=GitHub"),
    )
    .await;
    open_settings(&ui).await;
    select(&ui, "#clipboard-clear", "10").await;
    select(&ui, "#auto-lock", "1").await;
    back(&ui).await;

    // Copy: the system clipboard holds the code oathtool computes for this instant.
    let before = unix_now();
    ui.click(".account .code").await;
    ui.wait_text(".toast", "clears in 10 seconds").await;
    let copied = clipboard(&screen.display).expect("the clipboard holds the code");
    let after = unix_now();
    let expected = codes_between(SECRET, before, after);
    assert!(
        expected.contains(&copied),
        "clipboard {copied:?}, oathtool {expected:?}"
    );
    ui.shot("privacy-01-copied").await;
    let copied_at = Instant::now();

    // Cleared after the 10 seconds chosen (checked every half second, no input meanwhile).
    while clipboard(&screen.display).is_some() {
        assert!(
            copied_at.elapsed() < Duration::from_secs(14),
            "the clipboard still holds the code after {:?}",
            copied_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        copied_at.elapsed() >= Duration::from_secs(9),
        "cleared too early: {:?}",
        copied_at.elapsed()
    );

    // No input since the copy: the window locks itself after the minute chosen.
    let deadline = Duration::from_secs(75);
    loop {
        if ui.count("#unlock-screen").await == 1 {
            break;
        }
        assert!(
            copied_at.elapsed() < deadline,
            "not locked after {deadline:?} idle"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let idle = copied_at.elapsed();
    assert!(
        idle >= Duration::from_secs(58),
        "locked after only {idle:?}"
    );
    assert_eq!(ui.count(".account").await, 0, "no code is left on screen");
    ui.shot("privacy-02-locked-after-idle").await;
    ui.close().await;
    drop(driver);
    drop(screen);
}

#[tokio::test(flavor = "multi_thread")]
async fn hidden_codes_next_code_window_and_every_sort_order() {
    let Fresh {
        screen,
        driver,
        dir: _dir,
        vault: _vault,
        ui,
    } = launch_fresh(false).await;
    create_vault(&ui).await;
    // Issuer and name orders differ; secrets differ (one account per secret).
    for (issuer, name, secret) in [
        ("GitHub", "zoe", SECRET),
        ("Amazon", "yann", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        ("Dropbox", "adam", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"),
    ] {
        add_uri(
            &ui,
            &format!("otpauth://totp/{issuer}:{name}?secret={secret}&issuer={issuer}"),
        )
        .await;
    }

    // Orders: issuer (the default), account name, most used, custom.
    wait_order(&ui, &["Amazon", "Dropbox", "GitHub"]).await;
    ui.shot("sort-01-issuer").await;
    select(&ui, "#sort-mode", "name").await;
    wait_order(&ui, &["Dropbox", "Amazon", "GitHub"]).await;
    ui.shot("sort-02-name").await;
    // GitHub copied twice, Dropbox once.
    for (issuer, times) in [("GitHub", 2), ("Dropbox", 1)] {
        for _ in 0..times {
            ui.click(&format!(".account .code[aria-label*='{issuer}']"))
                .await;
            ui.wait_text(".toast", issuer).await;
        }
    }
    select(&ui, "#sort-mode", "used").await;
    wait_order(&ui, &["GitHub", "Dropbox", "Amazon"]).await;
    ui.shot("sort-03-most-used").await;
    select(&ui, "#sort-mode", "custom").await;
    // The custom order is the order they were added in.
    wait_order(&ui, &["GitHub", "Amazon", "Dropbox"]).await;
    ui.click(".account[data-index='2'] .move-up").await;
    wait_order(&ui, &["GitHub", "Dropbox", "Amazon"]).await;
    // Keyboard: Alt+Up on the focused row's code moves it, and the focus stays with it.
    let amazon = ui.find(".account[data-index='2'] .code").await;
    amazon
        .send_keys(&format!("{}{}", char::from(Key::Alt), char::from(Key::Up)))
        .await
        .unwrap();
    wait_order(&ui, &["GitHub", "Amazon", "Dropbox"]).await;
    let focused = ui
        .client
        .execute("return document.activeElement.closest('.account').querySelector('.issuer').textContent", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "Amazon", "the focus moved with the row");
    ui.shot("sort-04-custom-moved").await;
    // Kept in the vault: after a lock and unlock the custom order is the same.
    ui.click("#lock-button").await;
    ui.type_into("#unlock-password", PASSWORD).await;
    ui.click("#unlock-button").await;
    ui.find("#accounts-screen").await;
    wait_order(&ui, &["GitHub", "Amazon", "Dropbox"]).await;

    // Hidden codes: dots until tapped; a tap shows oathtool's code (and does not copy).
    select(&ui, "#sort-mode", "issuer").await;
    open_settings(&ui).await;
    ui.click("#hide-codes").await;
    ui.wait_count("#hide-codes:checked", 1).await;
    select(&ui, "#next-code-when", "5").await;
    back(&ui).await;
    ui.wait_count(".code[data-hidden='true']", 3).await;
    let github = ".account .code[aria-label*='GitHub']";
    assert_eq!(digits(&ui.text(github).await), "••••••");
    ui.shot("privacy-03-hidden-codes").await;
    let before = unix_now();
    ui.click(github).await;
    ui.wait_count(".code[data-hidden='false']", 1).await;
    let shown = digits(&ui.text(".code[data-hidden='false']").await);
    let expected = codes_between(SECRET, before, unix_now() + 1);
    assert!(
        expected.contains(&shown),
        "shown {shown:?}, oathtool {expected:?}"
    );
    ui.shot("privacy-04-one-code-revealed").await;
    // Enter on a focused hidden code reveals it too.
    ui.find(".account .code[aria-label*='Amazon']")
        .await
        .send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    ui.wait_count(".code[data-hidden='false']", 2).await;

    // The next code: only in the last 5 seconds of the current one.
    let deadline = Instant::now() + Duration::from_secs(35);
    let mut saw_without = false;
    loop {
        let left: u64 = ui
            .text(".account .seconds")
            .await
            .trim()
            .parse()
            .unwrap_or(0);
        let next = ui.count(".next-code").await;
        if left > 6 {
            assert_eq!(next, 0, "{left} s left: no next code yet");
            saw_without = true;
        } else if (1..=4).contains(&left) && saw_without {
            ui.wait_count(".next-code", 3).await;
            ui.shot("privacy-05-next-code-in-last-seconds").await;
            break;
        }
        assert!(Instant::now() < deadline, "the next code never appeared");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    ui.close().await;
    drop(driver);
    drop(screen);
}
