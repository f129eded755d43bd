//! `twofold export --format aegis [--encrypt]` (issue 19, "Export for leaving") and the
//! export file's safety through the real binary (issue 13, item 19: 0600, never over an
//! existing file or through a symbolic link).

use crate::cli::{s, Cli};

const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const HOTP: &str = "otpauth://hotp/Bank:carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=5";
const STEAM: &str = "otpauth://steam/Steam:dave?secret=ONSWG4TFOQ&issuer=Steam";

fn with_accounts() -> Cli {
    let cli = Cli::new();
    cli.ok(&["init"]);
    for uri in [URI, HOTP, STEAM] {
        cli.ok(&["add", uri]);
    }
    cli
}

/// Every account's issuer, name and codes at a fixed time, sorted.
fn summary(cli: &Cli) -> Vec<String> {
    let mut v: Vec<String> = cli
        .json(&["codes", "--at", "59", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {} {}",
                a["issuer"], a["name"], a["kind"], a["code"], a["next_code"], a["counter"]
            )
        })
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn an_encrypted_aegis_export_imports_into_another_vault_with_the_same_codes() {
    let cli = with_accounts();
    let out = cli.root.join("aegis.json");
    let args = ["export", "--format", "aegis", "--encrypt", "--out", s(&out)];
    let done = cli
        .command(&args)
        .env("TWOFOLD_EXPORT_PASSWORD", "leaving")
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stderr).contains("encrypted Aegis vault"));
    assert_eq!(mode(&out), 0o600);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("JBSWY3DPEHPK3PXP") && !text.contains("alice"));

    let other = Cli::new();
    other.ok(&["init"]);
    let copied = other.write("aegis.json", text.as_bytes());
    assert!(other
        .fails(&[
            "import",
            "--from",
            "aegis",
            s(&copied),
            "--password",
            "nope"
        ])
        .contains("wrong password"));
    let report = other.ok(&[
        "import",
        "--from",
        "aegis",
        s(&copied),
        "--password",
        "leaving",
    ]);
    assert!(report.contains("3 added, 0 skipped"), "{report}");
    assert_eq!(summary(&other), summary(&cli));
}

#[test]
fn a_plain_aegis_export_warns_and_imports_without_a_password() {
    let cli = with_accounts();
    let out = cli.root.join("plain.json");
    let done = cli
        .command(&["export", "--format", "aegis", "--out", s(&out)])
        .output()
        .unwrap();
    assert!(done.status.success());
    assert!(String::from_utf8_lossy(&done.stderr).contains("UNENCRYPTED"));
    let other = Cli::new();
    other.ok(&["init"]);
    let copied = other.write("plain.json", &std::fs::read(&out).unwrap());
    assert!(other
        .ok(&["import", "--from", "aegis", s(&copied)])
        .contains("3 added, 0 skipped"));
    assert_eq!(summary(&other), summary(&cli));

    // To standard output too: it is text.
    let piped = cli
        .command(&["export", "--format", "aegis", "--out", "-"])
        .output()
        .unwrap();
    assert!(piped.status.success());
    let json: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(json["db"]["entries"].as_array().unwrap().len(), 3);
}

#[cfg(unix)]
#[test]
fn item19_cli_export_refuses_an_existing_file_and_a_symbolic_link() {
    let cli = with_accounts();
    let existing = cli.write("taken.json", b"mine");
    let error = cli.fails(&["export", "--format", "aegis", "--out", s(&existing)]);
    assert!(error.contains("exists"), "{error}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"mine");

    let target = cli.write("target", b"precious");
    let link = cli.root.join("link.twofold");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let command = ["export", "--out", s(&link)];
    let out = cli
        .command(&command)
        .env("TWOFOLD_EXPORT_PASSWORD", "bk")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let error = String::from_utf8(out.stderr).unwrap();
    assert!(error.contains("is a symbolic link"), "{error}");
    assert_eq!(error.trim_end().lines().count(), 1, "{error}");
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    let dangling = cli.root.join("dangling.json");
    std::os::unix::fs::symlink(cli.root.join("made-through-link"), &dangling).unwrap();
    assert!(cli
        .fails(&["export", "--format", "aegis", "--out", s(&dangling)])
        .contains("symbolic link"));
    assert!(!cli.root.join("made-through-link").exists());
}

#[test]
fn an_encrypted_export_without_a_terminal_or_password_says_how_to_give_one() {
    let cli = with_accounts();
    let out = cli.root.join("x.json");
    let error = cli.fails(&["export", "--format", "aegis", "--encrypt", "--out", s(&out)]);
    assert!(
        error.contains("(no terminal); set TWOFOLD_EXPORT_PASSWORD"),
        "{error}"
    );
    assert!(!out.exists());
    let error = cli
        .command(&[
            "export",
            "--format",
            "aegis",
            "--encrypt",
            "--insecure-plaintext",
            "--out",
            s(&out),
        ])
        .output()
        .unwrap();
    assert!(!error.status.success());
    assert!(String::from_utf8_lossy(&error.stderr).contains("cannot be used with"));
    assert!(!out.exists());
}

#[test]
fn export_help_shows_the_aegis_examples() {
    let cli = Cli::new();
    let help = cli.ok(&["export", "--help"]);
    for text in [
        "twofold export --format aegis --encrypt --out",
        "TWOFOLD_EXPORT_PASSWORD",
        "--format <FORMAT>",
        "0600",
    ] {
        assert!(help.contains(text), "{text} missing from:\n{help}");
    }
}
