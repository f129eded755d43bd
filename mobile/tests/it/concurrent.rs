//! Issue 13, item 16: the app and the `twofold` CLI on one vault file. Each keeps the vault in
//! memory; a save by one must not throw away what the other saved since it unlocked.

use std::path::Path;
use std::process::Command;

use twofold_authenticator::{Engine, KdfParams};

const APP_ACCOUNT: &str =
    "otpauth://hotp/Bank:carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=5";
const CLI_ACCOUNT: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const NOW: u64 = 1_700_000_000;

/// Runs the real CLI on `vault`; it must succeed. Its stdout.
fn twofold(vault: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_twofold"))
        .args(args)
        .env("TWOFOLD_VAULT", vault)
        .env("TWOFOLD_VAULT_PASSWORD", "pw")
        .env("TWOFOLD_KDF", "8,1,1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "twofold {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn counter_of(vault: &Path, issuer: &str) -> u64 {
    let codes: serde_json::Value =
        serde_json::from_str(&twofold(vault, &["codes", "--json"])).unwrap();
    codes
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["issuer"] == issuer)
        .unwrap()["counter"]
        .as_u64()
        .unwrap()
}

#[test]
fn item16_cli_and_app_keep_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.twofold");
    let mut app = Engine::create(&vault, "pw", KdfParams::insecure_for_tests()).unwrap();
    app.add_uri(APP_ACCOUNT, NOW).unwrap();

    // The CLI adds an account while the app stays unlocked; then the app copies a code, which
    // saves (it records when the account was last used).
    twofold(&vault, &["add", CLI_ACCOUNT]);
    app.mark_used("Bank:carol", NOW).unwrap();
    let list = twofold(&vault, &["list"]);
    assert!(list.contains("alice"), "the CLI's account survived: {list}");
    assert!(app.accounts(NOW).unwrap().iter().any(|a| a.name == "alice"));

    // HOTP counters only move forward, whichever side moves them.
    assert_eq!(counter_of(&vault, "Bank"), 5);
    app.next_code("Bank:carol", NOW).unwrap();
    twofold(&vault, &["next", "Bank:carol"]);
    app.next_code("Bank:carol", NOW).unwrap();
    assert_eq!(counter_of(&vault, "Bank"), 8);

    // The CLI removes the app's account; the app's next change does not bring it back.
    twofold(&vault, &["remove", "Bank:carol", "--yes"]);
    app.mark_used("ACME:alice", NOW).unwrap();
    let list = twofold(&vault, &["list"]);
    assert!(!list.contains("carol"), "{list}");
}

#[test]
fn item16_a_password_changed_elsewhere_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.twofold");
    let mut app = Engine::create(&vault, "pw", KdfParams::insecure_for_tests()).unwrap();
    app.add_uri(APP_ACCOUNT, NOW).unwrap();
    let mut cli = Engine::open(&vault, "pw").unwrap();
    cli.set_kdf_params(KdfParams::insecure_for_tests());
    cli.change_password("pw", "new").unwrap();

    let err = app.mark_used("Bank:carol", NOW).unwrap_err();
    assert_eq!(err.kind(), "vault.changed_elsewhere", "{err}");
    // The file still opens with the new password only.
    Engine::open(&vault, "new").unwrap();
}
