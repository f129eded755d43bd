//! Issue 18: a `twofold` command that did nothing of what it was asked exits 1 with the reason
//! on standard error, so a script cannot take "0 added" for success; one that did part of it,
//! or found everything already there, succeeds.

use super::cli::Cli;

const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

/// The vault's accounts, as `twofold list --json` shows them.
fn accounts(cli: &Cli) -> usize {
    cli.json(&["list", "--json"]).as_array().unwrap().len()
}

#[test]
fn add_of_a_migration_link_without_data_exits_1_with_the_reason() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let err = cli.fails(&["add", "otpauth-migration://offline"]);
    assert!(
        err.contains("nothing added") && err.contains("no data parameter"),
        "{err}"
    );
    assert_eq!(accounts(&cli), 0);
}

#[test]
fn add_of_a_corrupt_migration_link_exits_1_with_the_reason() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    for (link, reason) in [
        (
            "otpauth-migration://offline?data=%%%21not-base64",
            "not valid base64",
        ),
        // Valid base64, but the bytes are not a migration payload (a truncated field).
        ("otpauth-migration://offline?data=CgoKBQ%3D%3D", "corrupt"),
    ] {
        let err = cli.fails(&["add", link]);
        assert!(
            err.contains("nothing added") && err.contains(reason),
            "{link}: {err}"
        );
    }
    assert_eq!(accounts(&cli), 0);
}

#[test]
fn add_of_the_same_account_again_succeeds_because_it_is_there() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    cli.ok(&["add", URI]);
    let again = cli.ok(&["add", URI]);
    assert!(again.contains("0 added, 1 skipped"), "{again}");
    assert_eq!(accounts(&cli), 1);
}

#[test]
fn import_of_a_file_with_nothing_importable_exits_1_naming_each_entry() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let file = cli.write(
        "list.txt",
        b"# two broken lines\nnot a uri\notpauth://totp/X:y?secret=\n",
    );
    let err = cli.fails(&["import", "--from", "uris", file.to_str().unwrap()]);
    assert!(
        err.contains("nothing added") && err.contains("line 2") && err.contains("line 3"),
        "{err}"
    );
    assert_eq!(accounts(&cli), 0);

    let empty = cli.write("empty.txt", b"# nothing here\n");
    let err = cli.fails(&["import", "--from", "uris", empty.to_str().unwrap()]);
    assert!(err.contains("holds no accounts"), "{err}");
}

#[test]
fn import_that_adds_some_and_skips_others_succeeds() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let file = cli.write("list.txt", format!("{URI}\nnot a uri\n").as_bytes());
    let report = cli.ok(&["import", "--from", "uris", file.to_str().unwrap()]);
    assert!(report.contains("1 added, 1 skipped"), "{report}");
}
