//! The encrypted export through the real save dialog (issue 19): the Rust side opens GTK's
//! file chooser; the test finds it on the virtual screen with xdotool, types the path and
//! presses Enter, as a user would; then the backup is imported again (after deleting the
//! account) and the code is oathtool's.

use std::process::Command;
use std::time::{Duration, Instant};

use twofold_testkit::now as unix_now;

use crate::e2e::{add_uri, back, create_vault};
use crate::e2e_privacy::{codes_between, digits};
use crate::harness::{launch_fresh, Fresh, Screen};

const SECRET: &str = "JBSWY3DPEHPK3PXP";
const BACKUP_PASSWORD: &str = "backup password 42";

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool (scripts/setup.sh test installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits for the window titled `title` (GTK's dialog) and types `path` into its name field.
async fn answer_save_dialog(screen: &Screen, title: &str, path: &str) {
    let display = screen.display.as_str();
    let deadline = Instant::now() + Duration::from_secs(20);
    let window = loop {
        let found = xdotool(display, &["search", "--name", title]);
        if let Some(id) = found.lines().next().filter(|l| !l.is_empty()) {
            break id.to_owned();
        }
        if Instant::now() >= deadline {
            let names: Vec<String> = xdotool(display, &["search", "--name", ""])
                .lines()
                .map(|id| xdotool(display, &["getwindowname", id]).trim().to_owned())
                .collect();
            panic!("no save dialog titled {title:?} appeared; windows: {names:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Let the dialog finish mapping; no window manager here, so give it the focus directly.
    tokio::time::sleep(Duration::from_millis(800)).await;
    screen.capture("export-01-save-dialog");
    xdotool(display, &["windowfocus", "--sync", &window]);
    // The name field has the suggested name, selected: Ctrl+A and a full path replace it.
    xdotool(display, &["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(display, &["type", "--delay", "5", path]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    xdotool(display, &["key", "Return"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn encrypted_backup_is_saved_through_the_real_dialog_and_imports_again() {
    let Fresh {
        screen,
        driver,
        dir,
        vault: _vault,
        ui,
    } = launch_fresh(false).await;
    create_vault(&ui).await;
    add_uri(
        &ui,
        &format!("otpauth://totp/GitHub:octocat?secret={SECRET}&issuer=GitHub"),
    )
    .await;

    ui.click("#settings-button").await;
    ui.click("#open-export").await;
    ui.find("#export-screen").await;
    ui.type_into("#export-password", BACKUP_PASSWORD).await;
    ui.type_into("#export-password-repeat", BACKUP_PASSWORD)
        .await;
    ui.click("#export-button").await;
    let target = dir.path().join("chosen-in-dialog.twofold");
    answer_save_dialog(
        &screen,
        "Save the encrypted backup",
        target.to_str().unwrap(),
    )
    .await;
    let saved = ui
        .wait_text("#export-saved", "chosen-in-dialog.twofold")
        .await;
    assert!(target.is_file(), "{saved}: no file at {}", target.display());
    let bytes = std::fs::read(&target).unwrap();
    assert!(bytes.starts_with(b"TWOFOLDV"), "a Twofold vault file");
    ui.shot("export-02-saved").await;
    back(&ui).await;

    // Delete the account, then bring it back from the file the dialog saved.
    ui.click(".edit-button").await;
    ui.click("#delete-account").await;
    ui.click("#confirm-delete").await;
    ui.wait_count(".account", 0).await;
    ui.click("#settings-button").await;
    ui.click("#open-import").await;
    ui.find("#import-file")
        .await
        .send_keys(target.to_str().unwrap())
        .await
        .unwrap();
    ui.type_into("#import-password", BACKUP_PASSWORD).await;
    ui.click("#import-button").await;
    ui.wait_text(".report-summary", "1 account added").await;
    ui.shot("export-03-backup-imported").await;
    back(&ui).await;
    ui.wait_count(".account", 1).await;
    let before = unix_now();
    let shown = digits(&ui.text(".account .code").await);
    let expected = codes_between(SECRET, before.saturating_sub(1), unix_now());
    assert!(expected.contains(&shown), "{shown} not in {expected:?}");
    ui.close().await;
    drop(driver);
    drop(screen);
}
