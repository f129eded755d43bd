//! The commands against a real engine in a temporary directory, on Tauri's mock runtime and
//! a fixed clock. They prove the translation: arguments in, the engine's answer or its error
//! kind out.

use base64::Engine as _;
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{App, Manager};
use twofold_authenticator::{Clock, KdfParams};
use zeroize::Zeroizing;

use super::{accounts, add, backup, push, vault};
use crate::AppState;

/// RFC 4226 appendix D's secret, "12345678901234567890".
const RFC_URI: &str =
    "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME";

struct FixedClock(u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// The shell on Tauri's mock runtime with `state`, and its push hub.
pub fn mock_app(state: AppState) -> App<MockRuntime> {
    let app = mock_builder()
        .manage(state)
        .build(mock_context(noop_assets()))
        .unwrap();
    crate::manage_push(app.handle());
    app
}

fn app(dir: &tempfile::TempDir, now: u64) -> App<MockRuntime> {
    mock_app(AppState::with_clock(
        dir.path().join("vault.twofold"),
        KdfParams::insecure_for_tests(),
        Box::new(FixedClock(now)),
    ))
}

fn pw(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tauri::async_runtime::block_on(future)
}

#[test]
fn first_run_creates_the_vault_and_shows_rfc_6238_codes() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 59);
    let status = block(vault::vault_status(app.state())).unwrap();
    assert!(!status.exists && status.locked);

    block(vault::create_vault(app.state(), pw("correct horse"))).unwrap();
    let status = block(vault::vault_status(app.state())).unwrap();
    assert!(status.exists && !status.locked);

    let report = block(add::add_uri(
        app.state(),
        app.state(),
        format!("  {RFC_URI}\n"),
    ))
    .unwrap();
    assert_eq!(report.added.len(), 1);
    let codes = block(accounts::list_accounts(app.state())).unwrap();
    assert_eq!(codes.now, 59);
    // RFC 6238 appendix B: at T=59 the SHA1 code is 94287082; six digits: 287082.
    assert_eq!(codes.accounts[0].code, "287082");
    assert_eq!(codes.accounts[0].seconds_left, Some(1));
}

#[test]
fn lock_and_unlock_with_the_right_and_the_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 0);
    block(vault::create_vault(app.state(), pw("correct horse"))).unwrap();
    block(vault::lock(app.state())).unwrap();

    let locked = block(accounts::list_accounts(app.state())).unwrap_err();
    assert_eq!(locked.kind, "vault.locked");
    let wrong = block(vault::unlock(app.state(), app.state(), pw("wrong horse"))).unwrap_err();
    assert_eq!(wrong.kind, "vault.wrong_password");
    block(vault::unlock(app.state(), app.state(), pw("correct horse"))).unwrap();
    assert!(block(accounts::list_accounts(app.state())).is_ok());

    let again = block(vault::create_vault(app.state(), pw("other"))).unwrap_err();
    assert_eq!(again.kind, "vault.exists");
}

#[test]
fn edit_favourite_next_and_remove_translate_to_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 0);
    block(vault::create_vault(app.state(), pw("pw-pw-pw-pw"))).unwrap();
    let hotp = "otpauth://hotp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
    let id = block(add::add_uri(app.state(), app.state(), hotp.into()))
        .unwrap()
        .added[0]
        .id
        .clone();

    let blank = accounts::EditFields {
        issuer: "Bank".into(),
        name: "  ".into(),
        group: String::new(),
        note: String::new(),
        favourite: false,
    };
    let revision = block(accounts::list_accounts(app.state()))
        .unwrap()
        .revision;
    let error = block(accounts::edit_account(app.state(), id.clone(), blank)).unwrap_err();
    assert_eq!(error.kind, "account.name_required");
    // Nothing changed, so the screens may keep the accounts they have.
    let unchanged = block(accounts::list_accounts(app.state()))
        .unwrap()
        .revision;
    assert_eq!(unchanged, revision);

    let fields = accounts::EditFields {
        issuer: " ".into(),
        name: " Bob ".into(),
        group: "Money".into(),
        note: String::new(),
        favourite: false,
    };
    block(accounts::edit_account(app.state(), id.clone(), fields)).unwrap();
    block(accounts::set_favourite(app.state(), id.clone(), true)).unwrap();
    let list = block(accounts::list_accounts(app.state())).unwrap();
    assert_ne!(list.revision, revision, "an edit moves the revision");
    let view = &list.accounts[0];
    assert_eq!(view.issuer, None);
    assert_eq!(view.name, "Bob");
    assert_eq!(view.group.as_deref(), Some("Money"));
    assert!(view.favourite);
    // RFC 4226 appendix D: counter 0 → 755224, counter 1 → 287082.
    assert_eq!(view.code, "755224");

    let next = block(accounts::next_code(app.state(), id.clone())).unwrap();
    assert_eq!((next.code.as_str(), next.counter), ("287082", Some(1)));

    assert_eq!(
        block(accounts::remove_account(
            app.state(),
            app.state(),
            id.clone()
        ))
        .unwrap(),
        "Bob"
    );
    let gone = block(accounts::next_code(app.state(), id)).unwrap_err();
    assert_eq!(gone.kind, "account.not_found");
}

#[test]
fn import_recognises_the_format_and_reports_each_entry() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 0);
    block(vault::create_vault(app.state(), pw("pw-pw-pw-pw"))).unwrap();
    let file = format!("{RFC_URI}\nnot a uri\n{RFC_URI}\n");
    let request = |format: &str| backup::ImportRequest {
        format: format.into(),
        data: base64::engine::general_purpose::STANDARD.encode(&file),
        password: Zeroizing::default(),
    };
    let report = block(backup::import_file(app.state(), request("auto"))).unwrap();
    assert_eq!(report.added.len(), 1);
    assert_eq!(report.skipped.len(), 2, "{report:?}");

    let unknown = block(backup::import_file(app.state(), request("palm-pilot"))).unwrap_err();
    assert_eq!(unknown.kind, "import.unknown_format");
    let wrong = block(backup::import_file(app.state(), request("aegis"))).unwrap_err();
    assert_eq!(wrong.kind, "import.wrong_format");
}

#[test]
fn google_export_batches_are_tracked_until_all_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 0);
    block(vault::create_vault(app.state(), pw("pw-pw-pw-pw"))).unwrap();
    assert_eq!(block(add::migration_progress(app.state())).unwrap(), None);
    let batches: Vec<String> = include_str!("../../../mobile/tests/fixtures/google/export.txt")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(batches.len(), 3);

    block(add::add_scanned(
        app.state(),
        app.state(),
        vec![batches[0].clone(), batches[2].clone()],
    ))
    .unwrap();
    let progress = block(add::migration_progress(app.state())).unwrap();
    assert_eq!(
        progress,
        Some(add::MigrationProgress {
            missing: vec![2],
            size: 3
        })
    );
    let last = block(add::add_scanned(
        app.state(),
        app.state(),
        vec![batches[1].clone()],
    ))
    .unwrap();
    assert!(
        last.notes.iter().any(|n| n.contains("all 3 batches")),
        "{last:?}"
    );
    assert_eq!(block(add::migration_progress(app.state())).unwrap(), None);

    let bad = block(add::add_scanned(
        app.state(),
        app.state(),
        vec!["hello".into()],
    ))
    .unwrap();
    assert_eq!((bad.added.len(), bad.skipped.len()), (0, 1));
}

#[test]
fn activation_codes_are_checked_before_any_network_and_need_an_unlocked_vault() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 0);
    block(vault::create_vault(app.state(), pw("pw-pw-pw-pw"))).unwrap();
    let bad = block(add::add_uri(
        app.state(),
        app.state(),
        "twofold://activate?code=ABCD".into(),
    ))
    .unwrap_err();
    assert_eq!(bad.kind, "activation.bad_uri");

    // Port 1 on loopback: nothing listens, so the error is the server being unreachable.
    let uri = "twofold://activate?url=http%3A%2F%2F127.0.0.1%3A1&code=ABCD-EFGH";
    let unreachable = block(add::add_uri(app.state(), app.state(), uri.into())).unwrap_err();
    assert_eq!(unreachable.kind, "activation.unreachable");
    // Among other scanned texts, a failed activation is a skipped entry, not a lost report.
    let mixed = block(add::add_scanned(
        app.state(),
        app.state(),
        vec![RFC_URI.into(), uri.into()],
    ))
    .unwrap();
    assert_eq!((mixed.added.len(), mixed.skipped.len()), (1, 1));
    assert!(mixed.skipped[0].reason.contains("127.0.0.1:1"), "{mixed:?}");

    block(vault::lock(app.state())).unwrap();
    let locked = block(add::add_uri(app.state(), app.state(), uri.into())).unwrap_err();
    assert_eq!(locked.kind, "vault.locked");
}

#[test]
fn push_status_and_answers_without_twofold_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, 0);
    block(vault::create_vault(app.state(), pw("pw-pw-pw-pw"))).unwrap();
    block(add::add_uri(app.state(), app.state(), RFC_URI.into())).unwrap();
    let status = block(push::push_status(app.state(), app.state())).unwrap();
    assert!(status.accounts.is_empty() && status.pending.is_empty());

    let answer = |decision| {
        block(push::answer_push(
            app.state(),
            app.state(),
            "0123456789abcdef".into(),
            "chl_1".into(),
            decision,
            None,
        ))
        .unwrap_err()
        .kind
    };
    assert_eq!(answer(push::Decision::Approve), "push.not_connected");
    block(vault::lock(app.state())).unwrap();
    // Locked: nobody at the machine may answer, whatever the request.
    assert_eq!(answer(push::Decision::Report), "vault.locked");
    assert_eq!(
        block(push::push_status(app.state(), app.state()))
            .unwrap_err()
            .kind,
        "vault.locked"
    );
}

#[test]
fn decisions_arrive_as_snake_case_words() {
    let decisions: Vec<push::Decision> =
        serde_json::from_str(r#"["approve", "deny", "report"]"#).unwrap();
    assert_eq!(
        decisions,
        [
            push::Decision::Approve,
            push::Decision::Deny,
            push::Decision::Report
        ]
    );
    assert!(serde_json::from_str::<push::Decision>(r#""maybe""#).is_err());
}
