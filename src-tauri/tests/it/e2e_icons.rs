//! Icons in the real window (issue 19): the list shows the bundled set's icons matched by
//! issuer (GitHub, Google.com, Discord), the letter for a brand the set lacks (Microsoft), the
//! image an Aegis import brought; the icon picker (search, pick by keyboard, own SVG with its
//! script stripped, a file over 64 KiB refused with a message); and every import format's
//! report screen.

use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use crate::e2e::{back, create_vault};
use crate::harness::{launch_fresh, workspace, Fresh, Ui};

fn png(path: &std::path::Path) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(32, 32, |x, y| {
        image::Rgba([(x * 8) as u8, (y * 8) as u8, 160, 255])
    });
    image.save(path).unwrap();
    std::fs::read(path).unwrap()
}

fn entry(issuer: &str, secret: &str, icon: Option<&[u8]>) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({
        "type": "totp", "uuid": format!("0c5a8a0e-0000-4000-8000-{:012}", issuer.len()),
        "name": "alice@example.com", "issuer": issuer, "note": "", "favorite": false,
        "icon": icon.map(|b| b64.encode(b)), "icon_mime": icon.map(|_| "image/png"),
        "info": {"secret": secret, "algo": "SHA1", "digits": 6, "period": 30}, "groups": []
    })
}

async fn import(ui: &Ui, file: &std::path::Path, password: Option<&str>) -> String {
    ui.click("#settings-button").await;
    ui.click("#open-import").await;
    ui.find("#import-screen").await;
    ui.find("#import-file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    if let Some(password) = password {
        ui.type_into("#import-password", password).await;
    }
    ui.click("#import-button").await;
    ui.wait_text(".report-summary", "").await;
    // The summary of this import (not a report left from before).
    tokio::time::sleep(Duration::from_millis(300)).await;
    ui.text(".report").await
}

async fn row_icon(ui: &Ui, issuer: &str) -> String {
    let script = format!(
        "const row = [...document.querySelectorAll('.account')].find(r => r.querySelector('.issuer').textContent === {issuer:?});\
         const a = row && row.querySelector('.avatar'); return a ? (a.dataset.icon || 'letter:' + a.textContent) : 'none';"
    );
    let value = ui.client.execute(&script, vec![]).await.unwrap();
    value.as_str().unwrap().to_owned()
}

async fn wait_icon(ui: &Ui, issuer: &str, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let got = row_icon(ui, issuer).await;
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{issuer}: icon {got:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn open_picker(ui: &Ui, issuer: &str) {
    ui.click(&format!(".edit-button[aria-label^='Edit {issuer}']"))
        .await;
    ui.click("#edit-icon").await;
    ui.find("#icon-picker[open]").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_icons_and_the_picker_sets_one_of_the_set_or_an_own_image() {
    let Fresh {
        screen,
        driver,
        dir,
        vault: _vault,
        ui,
    } = launch_fresh(false).await;
    create_vault(&ui).await;
    let logo = png(&dir.path().join("logo.png"));
    let aegis = dir.path().join("aegis-with-icons.json");
    let db = json!({"version": 3, "groups": [], "icons_optimized": true, "entries": [
        entry("GitHub", "JBSWY3DPEHPK3PXP", None),
        entry("google.com", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", None),
        entry("Microsoft", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U", None),
        entry("Discord", "ONSWG4TFOQJBSWY3DPEHPK3PXP", None),
        entry("Own Co", "NBSWY3DPO5XXE3DEEEJBSWY3DP", Some(&logo)),
    ]});
    let file = json!({"version": 1, "header": {"slots": null, "params": null}, "db": db});
    std::fs::write(&aegis, serde_json::to_vec(&file).unwrap()).unwrap();
    let report = import(&ui, &aegis, None).await;
    assert!(report.contains("5 accounts added"), "{report}");
    ui.shot("icons-01-aegis-import-report").await;
    back(&ui).await;

    wait_icon(&ui, "GitHub", "github").await;
    wait_icon(&ui, "google.com", "google").await;
    wait_icon(&ui, "Discord", "discord").await;
    wait_icon(&ui, "Own Co", "image").await;
    // The set has no Microsoft icon (removed at Microsoft's request): the letter stays.
    wait_icon(&ui, "Microsoft", "letter:M").await;
    let src = ui
        .find(".avatar-image img")
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(src.starts_with("data:image/png;base64,"), "{src}");
    ui.shot("icons-02-list-with-icons").await;

    // The picker: search, then choose GitLab for the Microsoft account with the keyboard.
    open_picker(&ui, "Microsoft").await;
    ui.type_into("#icon-search", "git").await;
    ui.find(".icon-choice[data-slug='gitlab']").await;
    ui.shot("icons-03-picker").await;
    ui.find(".icon-choice[data-slug='gitlab']")
        .await
        .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
        .await
        .unwrap();
    wait_icon(&ui, "Microsoft", "gitlab").await;

    // An own SVG: its script and handler are stripped before it is stored.
    let svg = dir.path().join("own.svg");
    std::fs::write(
        &svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" onload="document.title='pwned'"><script>document.title='pwned'</script><circle cx="12" cy="12" r="10" fill="#e8590c"/></svg>"##,
    )
    .unwrap();
    open_picker(&ui, "Discord").await;
    ui.find("#icon-file")
        .await
        .send_keys(svg.to_str().unwrap())
        .await
        .unwrap();
    wait_icon(&ui, "Discord", "image").await;
    let src = ui
        .client
        .execute(
            "return [...document.querySelectorAll('.account')].find(r => r.querySelector('.issuer').textContent === 'Discord').querySelector('img').src",
            vec![],
        )
        .await
        .unwrap();
    let data = src
        .as_str()
        .unwrap()
        .trim_start_matches("data:image/svg+xml;base64,");
    let stored = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
    )
    .unwrap();
    assert!(
        !stored.contains("script") && !stored.contains("onload"),
        "{stored}"
    );
    assert!(stored.contains("<circle"), "{stored}");
    let title = ui.client.title().await.unwrap();
    assert_ne!(title, "pwned");

    // Over 64 KiB: refused with a message naming the limit; the icon stays as it was.
    let big = dir.path().join("big.png");
    let mut bytes = logo.clone();
    bytes.resize(70 * 1024, 0);
    std::fs::write(&big, bytes).unwrap();
    open_picker(&ui, "GitHub").await;
    ui.find("#icon-file")
        .await
        .send_keys(big.to_str().unwrap())
        .await
        .unwrap();
    let message = ui.wait_text("#icon-error", "64 KiB").await;
    assert!(message.contains("big.png is 70 KiB"), "{message}");
    ui.shot("icons-04-picker-file-too-large").await;
    // Back to matching by issuer for the GitLab one.
    ui.click("#icon-cancel").await;
    open_picker(&ui, "Microsoft").await;
    ui.click("#icon-auto").await;
    wait_icon(&ui, "Microsoft", "letter:M").await;
    wait_icon(&ui, "GitHub", "github").await;
    ui.close().await;
    drop(driver);
    drop(screen);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_import_format_shows_its_report() {
    let Fresh {
        screen,
        driver,
        dir: _dir,
        vault: _vault,
        ui,
    } = launch_fresh(true).await;
    create_vault(&ui).await;
    let fixtures = workspace().join("mobile/tests/fixtures");
    let password = "correct horse";
    for (name, file, secret) in [
        ("aegis", "aegis/plain.json", None),
        ("aegis-encrypted", "aegis/encrypted.json", Some(password)),
        ("2fas", "2fas/plain.2fas", None),
        ("2fas-encrypted", "2fas/encrypted.2fas", Some(password)),
        ("ente", "ente/export.txt", None),
        ("ente-encrypted", "ente/encrypted.json", Some(password)),
        ("bitwarden", "bitwarden/export.json", None),
        (
            "bitwarden-encrypted",
            "bitwarden/encrypted_pbkdf2.json",
            Some(password),
        ),
        ("uris", "uris/list.txt", None),
    ] {
        let report = import(&ui, &fixtures.join(file), secret).await;
        assert!(
            report.contains("added") || report.contains("already in the vault"),
            "{name}: {report}"
        );
        ui.shot(&format!("import-report-{name}")).await;
        back(&ui).await;
    }
    ui.close().await;
    drop(driver);
    drop(screen);
}
