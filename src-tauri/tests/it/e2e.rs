//! The app in its real window: first run, codes checked against oathtool, HOTP, edit,
//! favourites, search, delete, lock and unlock, import, QR images, a Google export across
//! three codes, and a QR code found on the (virtual) screen. Each screen is photographed.

use std::time::Duration;

use twofold_testkit::{now as unix_now, oathtool as oathtool_totp, oathtool_hotp};

use crate::harness::{launch_fresh, qr_png, Fresh, Ui};

pub const PASSWORD: &str = "violet tundra kettle 93";
const SECRET: &str = "JBSWY3DPEHPK3PXP";

/// First run: creates the vault with [`PASSWORD`] and waits for the (empty) account list.
pub async fn create_vault(ui: &Ui) {
    ui.find("#setup-screen").await;
    ui.type_into("#new-password", PASSWORD).await;
    ui.type_into("#new-password-repeat", PASSWORD).await;
    ui.click("#create-vault").await;
    ui.find("#accounts-screen").await;
}

pub async fn add_uri(ui: &Ui, uri: &str) {
    ui.click("#add-button").await;
    ui.type_into("#uri", uri).await;
    ui.click("#add-uri").await;
    ui.wait_text(".report-summary", "1 account added").await;
    ui.click("#add-done").await;
    ui.find("#accounts-screen").await;
}

/// Picks the option `value` of the `<select>` at `css`.
pub async fn select(ui: &Ui, css: &str, value: &str) {
    ui.click(&format!("{css} option[value='{value}']")).await;
    ui.wait_count(&format!("{css} option[value='{value}']:checked"), 1)
        .await;
}

/// Leaves a sub-screen for the account list.
pub async fn back(ui: &Ui) {
    ui.click("button[aria-label='Back to accounts']").await;
    ui.find("#accounts-screen").await;
}

/// The code shown for the account `id`, without the reading space.
async fn shown_code(ui: &Ui, id_css: &str) -> String {
    ui.text(&format!("{id_css} .code"))
        .await
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_codes_match_oathtool_then_edit_delete_lock_and_unlock() {
    let Fresh {
        screen,
        driver,
        dir: _dir,
        vault: vault_path,
        ui,
    } = launch_fresh(false).await;

    // First run: the password and its strength hint.
    ui.find("#setup-screen").await;
    ui.shot("01-first-run").await;
    ui.type_into("#new-password", "password1").await;
    ui.wait_text("#new-password-hint", "Easy to guess").await;
    ui.type_into("#new-password", PASSWORD).await;
    ui.type_into("#new-password-repeat", PASSWORD).await;
    ui.wait_text("#new-password-hint", "Strong").await;
    ui.shot("02-first-run-strong-password").await;
    ui.click("#create-vault").await;
    ui.find("#accounts-screen").await;
    assert!(vault_path.exists(), "the vault is in the test's directory");
    ui.shot("03-accounts-empty").await;

    // Add by URI; the code on screen is oathtool's.
    ui.click("#add-button").await;
    ui.find("#add-screen").await;
    ui.shot("04-add").await;
    ui.type_into(
        "#uri",
        &format!("otpauth://totp/GitHub:octocat?secret={SECRET}&issuer=GitHub"),
    )
    .await;
    ui.click("#add-uri").await;
    ui.wait_text(".report-summary", "1 account added").await;
    ui.shot("05-add-report").await;
    ui.click("#add-done").await;
    let row = ".account[data-kind='totp']";
    ui.find(row).await;
    let before = unix_now();
    let code = shown_code(&ui, row).await;
    let after = unix_now();
    // The list refreshes within a quarter second of a step change: allow the step before.
    let expected: Vec<String> = [before.saturating_sub(1), before, after]
        .iter()
        .map(|t| oathtool_totp(SECRET, *t).unwrap())
        .collect();
    assert!(
        expected.contains(&code),
        "shown {code}, oathtool {expected:?}"
    );

    // More accounts: HOTP (with "next"), Steam, and a few to search and group.
    add_uri(
        &ui,
        "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0&issuer=Bank",
    )
    .await;
    for uri in [
        "otpauth://totp/Google:alice%40gmail.com?secret=KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TFOQ&issuer=Google",
        "otpauth://totp/Proton:alice%40proton.me?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&issuer=Proton&digits=8",
        "otpauth://totp/vpn.example.com:alice?secret=ONSWG4TFOQYTEMZUGU3DOOBZ&period=60",
    ] {
        add_uri(&ui, uri).await;
    }
    let hotp = ".account[data-kind='hotp']";
    assert_eq!(
        shown_code(&ui, hotp).await,
        oathtool_hotp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 0).unwrap()
    );
    ui.click(&format!("{hotp} .next-button")).await;
    let next = oathtool_hotp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while shown_code(&ui, hotp).await != next {
        assert!(
            std::time::Instant::now() < deadline,
            "HOTP next did not show {next}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Edit: put two accounts in a group, favourite one.
    for (issuer, group) in [
        ("GitHub", "Work"),
        ("vpn.example.com", "Work"),
        ("Google", "Personal"),
    ] {
        let edit = format!("button[aria-label^='Edit {issuer}']");
        ui.click(&edit).await;
        ui.find("#edit-dialog[open]").await;
        ui.type_into("#edit-group", group).await;
        if issuer == "GitHub" {
            ui.shot("06-edit-account").await;
        }
        ui.click("#save-account").await;
        ui.wait_count("#edit-dialog[open]", 0).await;
    }
    ui.click("button[aria-label^='Favourite: Google']").await;
    ui.wait_count("button.star[aria-pressed='true']", 1).await;
    ui.wait_count(".account", 5).await;
    ui.shot("07-accounts").await;

    // Groups and search.
    ui.click(".chip[data-filter='Work']").await;
    ui.wait_count(".account", 2).await;
    ui.click(".chip[data-filter='All']").await;
    ui.wait_count(".account", 5).await;
    ui.type_into("#search", "proton").await;
    ui.wait_count(".account", 1).await;
    ui.shot("08-search").await;
    ui.type_into("#search", "").await;
    ui.wait_count(".account", 5).await;

    // Delete asks first.
    ui.click("button[aria-label^='Edit Proton']").await;
    ui.click("#delete-account").await;
    ui.find("#delete-dialog[open]").await;
    ui.shot("09-delete-confirm").await;
    ui.click("#confirm-delete").await;
    ui.wait_count(".account", 4).await;

    // Copy on click: the toast says so (the clipboard is the X server's).
    ui.click("button[aria-label^='Copy the code for GitHub']")
        .await;
    ui.wait_text(".toast", "Copied the code for GitHub").await;
    ui.shot("10-copied").await;

    // Desktop size: groups in a sidebar, accounts in columns.
    ui.resize(1100, 720).await;
    ui.shot("11-accounts-desktop").await;
    ui.resize(460, 760).await;

    // Codes follow the clock on their own: just past the next 30-second step, GitHub's row
    // shows oathtool's new code, and its button's label spells the same code.
    let step_change = (unix_now() / 30 + 1) * 30;
    tokio::time::sleep(Duration::from_secs(step_change + 1 - unix_now())).await;
    let github = "button[aria-label^='Copy the code for GitHub']";
    let now = unix_now();
    let code: String = ui.text(github).await.split_whitespace().collect();
    assert_eq!(code, oathtool_totp(SECRET, now).unwrap(), "at {now}");
    let label = ui.find(github).await.attr("aria-label").await.unwrap();
    let spelled: Vec<String> = code.chars().map(String::from).collect();
    assert!(
        label.unwrap_or_default().ends_with(&spelled.join(" ")),
        "the label follows the code {code}"
    );

    // Settings, then lock; a wrong password is refused; the right one opens the vault.
    ui.click("#settings-button").await;
    ui.find("#settings-screen").await;
    ui.shot("12-settings").await;
    ui.click("#settings-lock").await;
    ui.find("#unlock-screen").await;
    ui.shot("13-unlock").await;
    ui.type_into("#unlock-password", "not the password").await;
    ui.click("#unlock-button").await;
    ui.wait_text("#unlock-error", "Wrong password").await;
    ui.shot("14-unlock-wrong-password").await;
    ui.type_into("#unlock-password", PASSWORD).await;
    ui.click("#unlock-button").await;
    ui.wait_count(".account", 4).await;

    // The lock button in the bar too.
    ui.click("#lock-button").await;
    ui.find("#unlock-screen").await;
    ui.close().await;
    drop(driver);
    drop(screen);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_image_google_export_and_screen_scan_add_accounts() {
    // This run's screenshots are the dark theme.
    let Fresh {
        screen,
        driver,
        dir: files,
        ui,
        ..
    } = launch_fresh(true).await;
    create_vault(&ui).await;
    ui.shot("dark-01-accounts-empty").await;

    // Import an Aegis export: the report lists each entry.
    let fixture = crate::harness::workspace().join("mobile/tests/fixtures/aegis/plain.json");
    ui.click("#settings-button").await;
    ui.click("#open-import").await;
    ui.find("#import-screen").await;
    ui.find("#import-file")
        .await
        .send_keys(fixture.to_str().unwrap())
        .await
        .unwrap();
    ui.click("#import-button").await;
    let summary = ui.wait_text(".report-summary", "added").await;
    ui.shot("dark-02-import-report").await;
    let imported: usize = summary
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap();
    assert!(imported > 0, "{summary}");
    ui.click("button[aria-label='Back to accounts']").await;
    ui.wait_count(".account", imported).await;
    ui.shot("dark-03-accounts").await;

    // Add from an image file.
    let image = files.path().join("qr.png");
    qr_png(
        "otpauth://totp/Dropbox:alice%40example.com?secret=NBSWY3DPO5XXE3DEEE&issuer=Dropbox",
        &image,
    );
    ui.click("#add-button").await;
    ui.find("#image-file")
        .await
        .send_keys(image.to_str().unwrap())
        .await
        .unwrap();
    ui.wait_text(".report", "Dropbox").await;
    ui.shot("dark-04-added-from-image").await;

    // A Google Authenticator export over three QR codes, scanned out of order.
    let batches: Vec<&str> = include_str!("../../../mobile/tests/fixtures/google/export.txt")
        .lines()
        .collect();
    for (n, index) in [0usize, 2, 1].iter().enumerate() {
        let path = files.path().join(format!("ga-{index}.png"));
        qr_png(batches[*index], &path);
        ui.find("#image-file")
            .await
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
        match n {
            0 => {
                ui.wait_text("#migration-progress", "Batches 2 and 3 of 3 still missing")
                    .await;
            }
            1 => {
                ui.wait_text("#migration-progress", "Batch 2 of 3 still missing")
                    .await;
                ui.shot("dark-05-google-export-batch-missing").await;
            }
            _ => {
                ui.wait_text(".report", "all 3 batches").await;
                ui.wait_count("#migration-progress", 0).await;
            }
        }
    }

    // Scan the screen: a QR code shown by an image viewer on the virtual screen.
    let shown_qr = files.path().join("screen-qr.png");
    qr_png(
        "otpauth://totp/Slack:alice%40example.com?secret=OBQXG43XN5ZGIMJSGM2DKNRX&issuer=Slack",
        &shown_qr,
    );
    let _viewer = screen.show_image(&shown_qr, 900, 120);
    screen.capture("dark-06-screen-with-qr");
    ui.click("#scan-screen").await;
    ui.find("#scan-dialog[open]").await;
    ui.shot("dark-07-scan-screen-ask").await;
    ui.click("#confirm-scan").await;
    ui.wait_text(".report", "Slack").await;
    ui.shot("dark-08-scanned-from-screen").await;
    ui.click("#add-done").await;
    ui.find("#accounts-screen").await;
    ui.type_into("#search", "slack").await;
    ui.wait_count(".account", 1).await;

    // The export screen: the Twofold backup, or an Aegis vault for leaving. Its save dialog is
    // the system's (GTK), opened by the Rust side, and is not driven here; the commands' unit
    // tests (`commands::export_tests`) cover what is written where the dialog points.
    ui.type_into("#search", "").await;
    ui.click("#settings-button").await;
    ui.click("#open-export").await;
    ui.find("#export-screen").await;
    ui.type_into("#export-password", "backup password 42").await;
    ui.shot("dark-09-export").await;
    select(&ui, "#export-format", "aegis-encrypted").await;
    ui.wait_text("label[for=export-password]", "Export password")
        .await;
    select(&ui, "#export-format", "aegis-plain").await;
    ui.wait_text("#export-plain-warning", "UNENCRYPTED").await;
    assert_eq!(
        ui.count("#export-password").await,
        0,
        "no password for a plain file"
    );
    ui.shot("dark-10-export-aegis-plain").await;
    ui.close().await;
    drop(driver);
    drop(screen);
}
