//! Issue 13 item 21: no time argument may panic the CLI. The real binary gets hostile
//! `--since`/`--until` values and must answer one clear `error:` line and exit with a failure
//! status that is not a panic's (101). The time is checked before any request, so no server
//! is needed: the URL points at a closed port.

use std::process::Command;

const HOSTILE: [&str; 8] = [
    "5é",
    "é",
    "999999999999999999999d",
    "99999999999999w",
    "",
    "-5m",
    "5 m",
    "5\u{301}",
];

#[test]
fn item21_hostile_time_arguments_get_one_line_error_not_a_panic() {
    let dir = twofold_testkit::temp_dir("cli-time").unwrap();
    for (command, flag) in [("audit", "--since"), ("audit", "--until")]
        .into_iter()
        .chain([("report", "--since"), ("report", "--until")])
    {
        for value in HOSTILE {
            let mut cli = Command::new(env!("CARGO_BIN_EXE_twofold-server"));
            if command == "report" {
                cli.args(["report", "usage"]);
            } else {
                cli.arg(command);
            }
            let output = cli
                .arg(format!("{flag}={value}"))
                .args(["--server", "http://127.0.0.1:1", "--token", "t"])
                .env("TWOFOLD_DATA_DIR", dir.path())
                .env_remove("TWOFOLD_SERVER_URL")
                .env_remove("TWOFOLD_ADMIN_TOKEN")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let code = output.status.code();
            assert!(
                code.is_some() && code != Some(0) && code != Some(101),
                "{command} {flag}={value:?}: exit {code:?}, stderr {stderr}"
            );
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{command} {flag}={value:?}: {stderr}");
            assert!(
                lines[0].starts_with("error: ") && !lines[0].contains("panicked"),
                "{command} {flag}={value:?}: {stderr}"
            );
            assert!(
                !lines[0].contains("cannot reach"),
                "{command} {flag}={value:?} was sent: {stderr}"
            );
        }
    }
}
