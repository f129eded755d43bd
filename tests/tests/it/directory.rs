//! The directory through the real binary (issue 15): `[directory]` from a configuration
//! file (the service password in a file), `directory check` and `directory sync
//! [--dry-run] [--json]` from the CLI against a real slapd, a refusal for a bad section at
//! start-up, and `--help` with examples.

use twofold_testkit::slapd::{self, Slapd};
use twofold_testkit::{temp_dir, Engine, ServerProcess};

on_each_engine!(directory_cli_checks_and_syncs_users_from_a_real_slapd);

async fn directory_cli_checks_and_syncs_users_from_a_real_slapd(engine: Engine) {
    let slapd = Slapd::start().unwrap();
    slapd
        .add_user("alice", "Alice", "Ng", "alice@example.test", "pw")
        .unwrap();
    let dir = temp_dir("directory-cli").unwrap();
    let password = dir.path().join("ldap.password");
    std::fs::write(&password, format!("{}\n", slapd::SERVICE_PASSWORD)).unwrap();
    let config = dir.path().join("twofold.toml");
    std::fs::write(
        &config,
        format!(
            "[directory]\nurl = \"{}\"\nstarttls = false\nallow_insecure = true\n\
             bind_dn = \"{}\"\nbind_password_file = \"{}\"\nbase_dn = \"{}\"\n",
            slapd.url,
            slapd::SERVICE_DN,
            password.display(),
            slapd::BASE_DN
        ),
    )
    .unwrap();
    let config_path = config.display().to_string();
    let server = ServerProcess::start_with(engine, &[("TWOFOLD_CONFIG", &config_path)])
        .await
        .unwrap();

    let check = server.cli(&["directory", "check", "alice"]).unwrap();
    assert!(check.status.success(), "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("alice@example.test"),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains("not synced yet"), "{}", check.stdout);
    let missing = server.cli(&["directory", "check", "nobody"]).unwrap();
    assert!(!missing.status.success());
    assert!(
        missing.stderr.contains("no user \"nobody\""),
        "{}",
        missing.stderr
    );

    let dry: serde_json::Value = server
        .cli_json(&["directory", "sync", "--dry-run", "--json"])
        .unwrap();
    assert_eq!(
        dry["added"],
        serde_json::json!(["alice"]),
        "{engine:?} {dry}"
    );
    let users: serde_json::Value = server.cli_json(&["user", "list", "--json"]).unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        0,
        "a dry run added {users}"
    );

    let sync = server.cli(&["directory", "sync"]).unwrap();
    assert!(sync.status.success(), "{}{}", sync.stdout, sync.stderr);
    assert!(sync.stdout.contains("added: alice"), "{}", sync.stdout);
    let alice: serde_json::Value = server
        .cli_json(&["user", "show", "alice", "--json"])
        .unwrap();
    assert_eq!(alice["user"]["first_name"], "Alice", "{alice}");
    let check: serde_json::Value = server
        .cli_json(&["directory", "check", "alice", "--json"])
        .unwrap();
    assert_eq!(check["twofold_source"], "directory");

    let help = server.cli(&["directory", "sync", "--help"]).unwrap();
    assert!(help
        .stdout
        .contains("twofold-server directory sync --dry-run"));
    let logs = server.logs().unwrap();
    assert!(
        !logs.contains(slapd::SERVICE_PASSWORD),
        "the bind password in the log"
    );
}

#[tokio::test]
async fn a_plain_ldap_directory_off_loopback_stops_start_up_naming_the_key() {
    let dir = temp_dir("directory-bad").unwrap();
    let config = dir.path().join("twofold.toml");
    std::fs::write(
        &config,
        "[directory]\nurl = \"ldap://ldap.example.com\"\nstarttls = false\nbase_dn = \"dc=example,dc=com\"\n",
    )
    .unwrap();
    let config_path = config.display().to_string();
    let err = ServerProcess::start_with(Engine::Sqlite, &[("TWOFOLD_CONFIG", &config_path)])
        .await
        .err()
        .expect("a plain LDAP directory started");
    let text = err.to_string();
    assert!(text.contains("directory.url"), "{text}");
    assert!(text.contains("in clear"), "{text}");
}
