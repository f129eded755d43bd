//! `export_backup` (issue 13, item 19; issue 19 "Export for leaving"): the path comes only from
//! the save dialog the Rust side opens (a picker of the test's own here: the system's GTK
//! dialog cannot be driven), and the file is the engine's export writer's: 0600, atomic,
//! never through a symbolic link. The exports import again through the app's own importer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tauri::test::MockRuntime;
use tauri::{App, Manager};
use twofold_authenticator::{Clock, KdfParams};
use zeroize::Zeroizing;

use super::tests::mock_app;
use super::{add, backup, vault};
use crate::save_dialog::{Picked, SaveDialog, SavePicker, SaveRequest};
use crate::AppState;

const RFC_URI: &str =
    "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME";
const STEAM_URI: &str = "otpauth://steam/Steam:gabe?secret=JBSWY3DPEHPK3PXP&issuer=Steam";

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        1_796_119_200
    }
}

/// Answers every dialog with `answer` and remembers what it was asked.
#[derive(Default)]
struct FakePicker {
    answer: Mutex<Option<PathBuf>>,
    asked: Mutex<Vec<SaveRequest>>,
}

impl SavePicker for FakePicker {
    fn pick(&self, request: SaveRequest, done: Box<dyn FnOnce(Picked) + Send>) {
        self.asked.lock().unwrap().push(request);
        let answer = self.answer.lock().unwrap().clone();
        // From another thread, as the plugin answers from the main thread.
        std::thread::spawn(move || done(Ok(answer)));
    }
}

struct Setup {
    dir: tempfile::TempDir,
    app: App<MockRuntime>,
    picker: Arc<FakePicker>,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = mock_app(AppState::with_clock(
            dir.path().join("vault.twofold"),
            KdfParams::insecure_for_tests(),
            Box::new(FixedClock),
        ));
        let picker = Arc::new(FakePicker::default());
        app.manage(SaveDialog(picker.clone()));
        block(vault::create_vault(app.state(), pw("vault-pw"))).unwrap();
        for uri in [RFC_URI, STEAM_URI] {
            block(add::add_uri(app.state(), app.state(), uri.into())).unwrap();
        }
        Self { dir, app, picker }
    }

    fn answer(&self, path: Option<&Path>) {
        *self.picker.answer.lock().unwrap() = path.map(Path::to_owned);
    }

    fn export(
        &self,
        format: &str,
        encrypt: bool,
        password: &str,
    ) -> Result<Option<String>, crate::CommandError> {
        block(backup::export_backup(
            self.app.state(),
            self.app.state(),
            backup::ExportRequest {
                format: format.into(),
                encrypt,
                password: pw(password),
            },
        ))
    }

    fn asked(&self) -> Vec<SaveRequest> {
        self.picker.asked.lock().unwrap().clone()
    }
}

fn pw(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tauri::async_runtime::block_on(future)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Imports `file` into a fresh vault through the app's import command; the labels it added.
fn import_elsewhere(file: &Path, format: &str, password: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let app = mock_app(AppState::with_clock(
        dir.path().join("vault.twofold"),
        KdfParams::insecure_for_tests(),
        Box::new(FixedClock),
    ));
    block(vault::create_vault(app.state(), pw("vault-pw"))).unwrap();
    let report = block(backup::import_file(
        app.state(),
        backup::ImportRequest {
            format: format.into(),
            data: base64::engine::general_purpose::STANDARD.encode(std::fs::read(file).unwrap()),
            password: pw(password),
        },
    ))
    .unwrap();
    assert!(report.skipped.is_empty(), "{report:?}");
    let mut labels: Vec<String> = report.added.into_iter().map(|a| a.label).collect();
    labels.sort();
    labels
}

#[cfg(unix)]
#[test]
fn item19_the_backup_goes_where_the_rust_side_dialog_pointed_readable_by_the_owner_only() {
    let s = Setup::new();
    let path = s.dir.path().join("chosen.twofold");
    s.answer(Some(&path));
    let written = s.export("twofold", false, "backup-pw").unwrap();
    assert_eq!(written.as_deref(), Some(path.to_str().unwrap()));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        s.asked(),
        vec![SaveRequest {
            title: "Save the encrypted backup",
            file_name: "twofold-backup.twofold".into(),
            filter_name: "Twofold backup",
            extensions: &["twofold"],
        }]
    );
    // Nothing but the file itself is left in the directory (no temporary file).
    let mut names: Vec<String> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("vault.twofold"))
        .collect();
    names.sort();
    assert_eq!(names, ["chosen.twofold"]);
    assert_eq!(
        import_elsewhere(&path, "twofold", "backup-pw"),
        ["ACME (alice)", "Steam (gabe)"]
    );
}

#[test]
fn item19_a_cancelled_dialog_writes_nothing() {
    let s = Setup::new();
    s.answer(None);
    assert_eq!(s.export("aegis", true, "pw").unwrap(), None);
    assert_eq!(s.asked().len(), 1);
    let files = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("vault.twofold")
        })
        .count();
    assert_eq!(files, 0);
}

#[cfg(unix)]
#[test]
fn item19_a_symbolic_link_at_the_chosen_path_is_refused_and_its_target_untouched() {
    let s = Setup::new();
    let target = s.dir.path().join("somewhere-else");
    std::fs::write(&target, b"precious").unwrap();
    let link = s.dir.path().join("backup.twofold");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    s.answer(Some(&link));
    let error = s.export("twofold", false, "backup-pw").unwrap_err();
    assert_eq!(error.kind, "export.symlink");
    assert!(error.message.contains("symbolic link"), "{}", error.message);
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    // A dangling link too (`exists()` would say there is nothing).
    let dangling = s.dir.path().join("dangling.json");
    std::os::unix::fs::symlink(s.dir.path().join("nowhere"), &dangling).unwrap();
    s.answer(Some(&dangling));
    assert_eq!(
        s.export("aegis", false, "").unwrap_err().kind,
        "export.symlink"
    );
    assert!(!s.dir.path().join("nowhere").exists());
}

#[cfg(unix)]
#[test]
fn item19_an_existing_file_the_dialog_confirmed_is_replaced_whole_and_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let s = Setup::new();
    let path = s.dir.path().join("old-export.json");
    std::fs::write(&path, b"an older export").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    s.answer(Some(&path));
    s.export("aegis", true, "aegis-pw").unwrap();
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with('{') && !text.contains("an older export"));
    assert_eq!(
        import_elsewhere(&path, "aegis", "aegis-pw"),
        ["ACME (alice)", "Steam (gabe)"]
    );
}

#[test]
fn item19_the_vault_itself_and_a_directory_are_refused() {
    let s = Setup::new();
    let vault_path = s.dir.path().join("vault.twofold");
    let before = std::fs::read(&vault_path).unwrap();
    s.answer(Some(&vault_path));
    assert_eq!(
        s.export("twofold", false, "backup-pw").unwrap_err().kind,
        "export.is_the_vault"
    );
    assert_eq!(std::fs::read(&vault_path).unwrap(), before);
    s.answer(Some(s.dir.path()));
    assert_eq!(
        s.export("aegis", false, "").unwrap_err().kind,
        "export.not_a_file"
    );
}

#[test]
fn bad_requests_are_refused_before_any_dialog_opens() {
    let s = Setup::new();
    s.answer(Some(&s.dir.path().join("x")));
    let error = s.export("lastpass", false, "pw").unwrap_err();
    assert_eq!(error.kind, "export.unknown_format");
    assert!(
        error.message.contains("twofold or aegis"),
        "{}",
        error.message
    );
    assert_eq!(
        s.export("twofold", false, "").unwrap_err().kind,
        "export.empty_password"
    );
    assert_eq!(
        s.export("aegis", true, "").unwrap_err().kind,
        "export.empty_password"
    );
    assert!(s.asked().is_empty());
    assert!(!s.dir.path().join("x").exists());
}

#[test]
fn a_plain_aegis_export_is_json_aegis_reads_and_the_dialog_says_unencrypted() {
    let s = Setup::new();
    let path = s.dir.path().join("aegis.json");
    s.answer(Some(&path));
    s.export("aegis", false, "").unwrap();
    let asked = s.asked();
    assert_eq!(asked[0].title, "Save the UNENCRYPTED Aegis export");
    assert_eq!(asked[0].file_name, "aegis-export-plain.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["header"]["slots"], serde_json::Value::Null);
    assert_eq!(json["db"]["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        import_elsewhere(&path, "auto", ""),
        ["ACME (alice)", "Steam (gabe)"]
    );
}

#[test]
fn export_errors_serialise_as_kind_and_message() {
    let error = crate::CommandError::from(twofold_authenticator::ExportError::EmptyPassword);
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        serde_json::json!({
            "kind": "export.empty_password",
            "message": "the export password must not be empty",
        })
    );
}

/// Content protection (issue 13, item 19): the main window asks the OS not to let other apps
/// capture it (honoured on Windows and macOS; Linux has no such control).
#[test]
fn the_main_window_is_content_protected() {
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    let main = config["app"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["label"] == "main")
        .unwrap();
    assert_eq!(main["contentProtected"], true);
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../../capabilities/main.json")).unwrap();
    let permissions = capability["permissions"].as_array().unwrap();
    assert!(
        !permissions
            .iter()
            .any(|p| p.as_str().unwrap_or("").starts_with("dialog:")),
        "the page needs no dialog permission: the shell opens the save dialog"
    );
}
