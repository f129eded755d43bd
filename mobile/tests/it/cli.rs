//! The real `twofold` binary, in a temporary directory, with tiny Argon2 parameters.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use twofold_testkit::{oathtool_args, oathtool_hotp};

const URI: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const HOTP: &str = "otpauth://hotp/Bank:carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=5";
const AEGIS_ENCRYPTED: &[u8] = include_bytes!("../fixtures/aegis/encrypted.json");

pub(super) struct Cli {
    _dir: tempfile::TempDir,
    pub(super) root: PathBuf,
    vault: PathBuf,
}

impl Cli {
    pub(super) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        Self {
            vault: root.join("vault.twofold"),
            root,
            _dir: dir,
        }
    }

    pub(super) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_twofold"));
        cmd.args(args)
            .current_dir(&self.root)
            .env("TWOFOLD_VAULT", &self.vault)
            .env("TWOFOLD_VAULT_PASSWORD", "pw")
            .env("TWOFOLD_KDF", "8,1,1")
            .env_remove("TWOFOLD_IMPORT_PASSWORD")
            .env("XDG_DATA_HOME", self.root.join("xdg"))
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Runs a command with one more environment variable; it must succeed.
    pub(super) fn ok_with(&self, args: &[&str], key: &str, value: &str) -> String {
        succeeded(args, self.command(args).env(key, value).output().unwrap())
    }

    pub(super) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub(super) fn ok(&self, args: &[&str]) -> String {
        succeeded(args, self.run(args))
    }

    /// Runs a command that must fail; returns its stderr, checked to be one clean line.
    pub(super) fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "twofold {args:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("twofold: "), "{err}");
        assert!(
            !err.contains("panicked") && !err.contains("Error {"),
            "{err}"
        );
        err
    }

    pub(super) fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub(super) fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

fn succeeded(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "twofold {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(super) fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn code_agrees_with_oathtool() {
    let cli = Cli::new();
    let cases = [
        ("JBSWY3DPEHPK3PXP", "SHA1", 6, 30, 59u64),
        (
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "SHA256",
            8,
            60,
            1_700_000_000,
        ),
        (
            "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
            "SHA512",
            7,
            15,
            2_000_000_000,
        ),
    ];
    for (secret, algorithm, digits, period, at) in cases {
        let uri = format!(
            "otpauth://totp/X:y?secret={secret}&algorithm={algorithm}&digits={digits}&period={period}"
        );
        let ours = cli.ok(&["code", &uri, "--at", &at.to_string()]);
        let theirs = oathtool_args(&[
            &format!("--totp={algorithm}"),
            "--base32",
            &format!("--digits={digits}"),
            &format!("--time-step-size={period}s"),
            &format!("--now=@{at}"),
            secret,
        ])
        .unwrap();
        assert_eq!(ours.trim(), theirs, "{uri} at {at}");
    }
    // HOTP from the URI's counter.
    let ours = cli.ok(&["code", HOTP]);
    let theirs = oathtool_hotp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 5).unwrap();
    assert_eq!(ours.trim(), theirs);
}

#[test]
fn init_add_list_codes_remove() {
    let cli = Cli::new();
    assert!(cli.ok(&["init"]).contains("created"));
    assert!(cli.fails(&["init"]).contains("already exists"));
    let added = cli.ok(&["add", URI]);
    assert!(
        added.contains("ACME (alice)") && added.contains("1 added"),
        "{added}"
    );
    assert!(cli.ok(&["add", URI]).contains("already in the vault"));
    cli.ok(&["add", HOTP]);

    let list = cli.ok(&["list"]);
    assert!(list.starts_with("ID"), "{list}");
    assert!(list.contains("ACME") && list.contains("Bank"), "{list}");
    assert!(!list.contains("JBSWY3DPEHPK3PXP"));
    let listed = cli.json(&["list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed[0].get("code").is_none());

    let codes = cli.json(&["codes", "--at", "59", "--json"]);
    let acme = codes
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["issuer"] == "ACME")
        .unwrap();
    let expected = twofold_core::OtpAccount::from_uri(URI)
        .unwrap()
        .code(59)
        .unwrap();
    assert_eq!(acme["code"], expected.as_str());
    assert_eq!(acme["seconds_left"], 1);
    let table = cli.ok(&["codes", "--at", "59"]);
    assert!(table.contains(&expected), "{table}");

    // HOTP: `next` moves the counter and it stays moved.
    let bank_id = codes
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["issuer"] == "Bank")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = cli.ok(&["next", &bank_id]);
    let after = cli.json(&["codes", "--json"]);
    let bank = after
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == bank_id.as_str())
        .unwrap();
    assert_eq!(bank["counter"], 6);
    assert_eq!(bank["code"], next.trim());

    // remove asks unless --yes; without a terminal it refuses.
    assert!(cli.fails(&["remove", "ACME"]).contains("--yes"));
    assert!(cli
        .ok(&["remove", "acme:alice", "--yes"])
        .contains("removed ACME (alice)"));
    assert!(cli
        .fails(&["remove", "ACME", "--yes"])
        .contains("no account matches"));
    assert_eq!(cli.json(&["list", "--json"]).as_array().unwrap().len(), 1);
}

#[test]
fn import_reports_per_entry_and_export_round_trips() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let aegis = cli.write("aegis.json", AEGIS_ENCRYPTED);
    assert!(cli
        .fails(&["import", "--from", "aegis", s(&aegis)])
        .contains("--password"));
    assert!(cli
        .fails(&["import", "--from", "aegis", s(&aegis), "--password", "nope"])
        .contains("wrong password"));
    let import = [
        "import",
        "--from",
        "aegis",
        s(&aegis),
        "--password",
        "correct horse",
    ];
    let report = cli.ok(&import);
    assert!(report.contains("4 added, 1 skipped"), "{report}");
    assert!(report.contains("skipped  Yandex (eve)"), "{report}");
    let again = cli.json(&[&import[..], &["--json"]].concat());
    assert_eq!(again["added"].as_array().unwrap().len(), 0);
    assert_eq!(again["skipped"].as_array().unwrap().len(), 5);

    // Encrypted backup, then back into a fresh vault.
    let backup = cli.root.join("backup.twofold");
    cli.ok_with(
        &["export", "--out", s(&backup)],
        "TWOFOLD_EXPORT_PASSWORD",
        "bk",
    );
    assert!(!std::fs::read(&backup)
        .unwrap()
        .windows(16)
        .any(|w| w == b"JBSWY3DPEHPK3PXP"));
    let other = Cli::new();
    other.ok(&["init"]);
    let copied = other.write("backup.twofold", &std::fs::read(&backup).unwrap());
    assert!(other
        .ok(&[
            "import",
            "--from",
            "twofold",
            s(&copied),
            "--password",
            "bk"
        ])
        .contains("4 added, 0 skipped"));
    // Same accounts, same codes (ids and creation times are the new vault's own).
    let summary = |c: &Cli| {
        let mut v: Vec<String> = c
            .json(&["codes", "--at", "9", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{} {} {} {}",
                    a["issuer"], a["name"], a["code"], a["next_code"]
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(summary(&cli), summary(&other));
    assert_eq!(summary(&cli).len(), 4);

    // Plain export only with the flag, and with a warning on stderr.
    let out = cli
        .command(&["export", "--out", "-", "--insecure-plaintext"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNENCRYPTED"));
    let uris = String::from_utf8(out.stdout).unwrap();
    assert_eq!(uris.lines().count(), 4);
    assert!(uris.lines().all(|l| l.starts_with("otpauth://")));
}

#[test]
fn passwd_changes_the_password() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    cli.ok(&["add", URI]);
    cli.ok_with(&["passwd"], "TWOFOLD_NEW_VAULT_PASSWORD", "new-pw");
    assert!(cli.fails(&["list"]).contains("wrong password"));
    assert!(cli
        .ok_with(&["list"], "TWOFOLD_VAULT_PASSWORD", "new-pw")
        .contains("ACME"));
}

#[test]
fn bad_input_gives_one_line_that_says_what_to_do() {
    let cli = Cli::new();
    assert!(cli.fails(&["list"]).contains("twofold init"));
    cli.ok(&["init"]);
    assert!(cli
        .fails(&["code", "https://example.com"])
        .contains("not an otpauth:// URI"));
    assert!(cli
        .fails(&["code", "otpauth://totp/x?secret=0189"])
        .contains("base32"));
    assert!(cli
        .fails(&["add", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12"])
        .contains("digits"));
    assert!(cli.fails(&["add"]).contains("--image"));
    let not_png = cli.write("photo.png", b"not really a png");
    assert!(cli
        .fails(&["add", "--image", s(&not_png)])
        .contains("PNG or JPEG"));
    assert!(cli
        .fails(&["add", "--image", "missing.png"])
        .contains("cannot read"));
    let twofas = cli.write("x.2fas", br#"{"schemaVersion": 4, "services": []}"#);
    assert!(cli
        .fails(&["import", "--from", "aegis", s(&twofas)])
        .contains("--from 2fas"));
    let cut = cli.write("cut.json", &AEGIS_ENCRYPTED[..200]);
    assert!(cli
        .fails(&["import", "--from", "aegis", s(&cut)])
        .contains("truncated"));
    assert!(cli.fails(&["next", "nobody"]).contains("twofold list"));
    // A damaged vault names itself and the way out.
    let mut bytes = std::fs::read(&cli.vault).unwrap();
    let last = bytes.len() - 40;
    bytes[last] ^= 1;
    std::fs::write(&cli.vault, bytes).unwrap();
    let err = cli.fails(&["list"]);
    assert!(
        err.contains("vault file is damaged or was modified"),
        "{err}"
    );
    assert!(err.contains("backup"), "{err}");
    // Unknown flags and formats: clap's usage error, exit code 2, no panic.
    let out = cli.run(&["import", "--from", "lastpass", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn every_command_has_help_with_an_example() {
    let cli = Cli::new();
    for command in [
        "code", "init", "add", "list", "codes", "remove", "import", "export", "passwd", "next",
    ] {
        let help = cli.ok(&[command, "--help"]);
        assert!(help.contains("Example"), "{command}: {help}");
    }
}
