//! Issue 13, item 13, with the real binary and its CLI: the first admin token stays out of
//! standard output when that is not a terminal (a service's journal), tokens are rotated
//! with `admin token create/list/revoke`, the CLI never sends a token over plain HTTP to
//! another host, and audit records name the address a connection really arrived on.

use std::net::{IpAddr, TcpListener, UdpSocket};
use std::process::{Command, Stdio};
use std::time::Duration;

use twofold_core::proto::admin::{AdminToken, AuditRecord, IssuedAdminToken};
use twofold_testkit::binary::server_binary;
use twofold_testkit::{CliOutput, Engine, ServerProcess};

on_each_engine!(
    item13_first_admin_token_is_only_in_the_private_file_when_stdout_is_not_a_terminal,
    item13_admin_tokens_rotate_with_the_cli_and_the_last_one_stays,
    item13_audit_names_the_local_address_a_connection_arrived_on
);

/// The CLI with `args`, against `server` (a URL), with `token`; no TWOFOLD_* from the
/// environment of the test.
fn cli(server: &str, token: &str, args: &[&str]) -> CliOutput {
    let mut command = Command::new(server_binary().unwrap());
    command
        .args(args)
        .args(["--server", server, "--token", token])
        .stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TWOFOLD_") {
            command.env_remove(key);
        }
    }
    let output = command.output().unwrap();
    CliOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn item13_first_admin_token_is_only_in_the_private_file_when_stdout_is_not_a_terminal(
    engine: Engine,
) {
    let server = ServerProcess::start(engine).await.unwrap();
    let banner = server.banner().unwrap();
    let path = server.data_dir.join("admin.token");
    // Before the fix the banner (a journal, for a service) carried the token itself.
    assert!(!banner.contains(&server.admin_token), "{banner}");
    assert!(
        banner.contains(&format!("admin token: written to {}", path.display())),
        "{banner}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().trim(),
        server.admin_token
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let logs = server.logs().unwrap();
    assert!(logs.contains(&path.display().to_string()), "{logs}");
    assert!(!logs.contains(&server.admin_token));
    // The token from the file works.
    let users = server.cli(&["user", "list", "--json"]).unwrap();
    assert!(users.status.success(), "{users:?}");
}

async fn item13_admin_tokens_rotate_with_the_cli_and_the_last_one_stays(engine: Engine) {
    let server = ServerProcess::start(engine).await.unwrap();
    let first_id = server.admin_token.split_once('.').unwrap().0.to_owned();
    let issued: IssuedAdminToken = server
        .cli_json(&["admin", "token", "create", "--name", "ops laptop", "--json"])
        .unwrap();
    assert!(issued.token.starts_with(&format!("{}.", issued.id)));
    let listed: Vec<AdminToken> = server
        .cli_json(&["admin", "token", "list", "--json"])
        .unwrap();
    assert_eq!(listed.len(), 2);
    let table = server.cli(&["admin", "token", "list"]).unwrap();
    assert!(table.stdout.contains("ops laptop"), "{table:?}");
    assert!(!table
        .stdout
        .contains(issued.token.split_once('.').unwrap().1));

    // The new token revokes the first; the first stops working at once.
    let revoked = cli(
        &server.url,
        &issued.token,
        &["admin", "token", "revoke", &first_id],
    );
    assert!(revoked.status.success(), "{revoked:?}");
    let refused = server.cli(&["user", "list"]).unwrap();
    assert!(!refused.status.success());
    assert!(
        refused.stderr.contains("check the admin token"),
        "{refused:?}"
    );

    // The last working token is kept, with a message that says what to do.
    let last = cli(
        &server.url,
        &issued.token,
        &["admin", "token", "revoke", &issued.id],
    );
    assert!(!last.status.success());
    assert!(
        last.stderr.contains("is the last admin token that works")
            && last.stderr.contains("admin.last_token"),
        "{last:?}"
    );

    // The audit log names the token behind each change, and filters by it.
    let audit = cli(
        &server.url,
        &issued.token,
        &["audit", "--admin", &issued.id, "--json"],
    );
    let records: Vec<AuditRecord> = audit.json().unwrap();
    let reasons: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r.reason.as_deref().unwrap(), r.result.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("admin_token_revoked", "failure"),
            ("admin_token_revoked", "success")
        ]
    );
    let csv = cli(&server.url, &issued.token, &["audit", "--csv"]);
    assert!(csv
        .stdout
        .lines()
        .next()
        .unwrap()
        .ends_with(",admin_id,detail"));
}

/// An address of this machine that is not loopback, if it has one (the address a packet
/// to a documentation address would leave from; no packet is sent).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn item13_cli_refuses_to_send_the_admin_token_over_plain_http_to_another_host() {
    let Some(ip) = non_loopback_address() else {
        eprintln!("no non-loopback address on this machine: only the userinfo trick tested");
        let out = cli(
            "http://localhost:1@evil.example",
            "adm_x.secret",
            &["user", "list"],
        );
        assert!(
            out.stderr.contains("refusing to send the admin token"),
            "{out:?}"
        );
        return;
    };
    // A listener on this machine's own network address stands in for another host: before
    // the fix the CLI connected and sent `Authorization: Bearer adm_...` in clear text.
    let listener = TcpListener::bind((ip, 0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    for url in [
        format!("http://{host}:{port}"),
        format!("http://localhost:1@{host}:{port}"),
        format!("http://127.0.0.1@{host}:{port}"),
    ] {
        let out = cli(&url, "adm_x.secret", &["user", "list"]);
        assert!(!out.status.success());
        assert!(
            out.stderr.contains("refusing to send the admin token")
                && out.stderr.contains("use https://"),
            "{url}: {out:?}"
        );
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        listener.accept().is_err(),
        "the CLI connected to a non-loopback http:// server"
    );
}

async fn item13_audit_names_the_local_address_a_connection_arrived_on(engine: Engine) {
    let port = TcpListener::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("0.0.0.0:{port}");
    let public = format!("http://127.0.0.1:{port}");
    let server = ServerProcess::start_with(
        engine,
        &[
            ("TWOFOLD_LISTEN", listen.as_str()),
            ("TWOFOLD_PUBLIC_URL", public.as_str()),
            // Plain HTTP on every address: only for this test of the audit field.
            ("TWOFOLD_ALLOW_INSECURE_LISTEN", "true"),
        ],
    )
    .await
    .unwrap();
    server.add_user("alice", &[]).unwrap();
    let mut expected = vec![("alice", "127.0.0.1".to_owned())];
    if let Some(ip) = non_loopback_address().filter(IpAddr::is_ipv4) {
        // Through the machine's network address: that address, not the bind address (the
        // kit's clients talk only to 127.0.0.1, so a bare HTTP client).
        let response = reqwest::Client::new()
            .post(format!("http://{ip}:{port}/v1/admin/users"))
            .bearer_auth(&server.admin_token)
            .json(&serde_json::json!({"username": "bob"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        expected.push(("bob", ip.to_string()));
    }
    let records: Vec<AuditRecord> = server
        .cli_json(&["audit", "--event", "admin", "--json"])
        .unwrap();
    for (username, ip) in expected {
        let record = records
            .iter()
            .find(|r| {
                r.username.as_deref() == Some(username) && r.reason.as_deref() == Some("user_added")
            })
            .unwrap();
        // Before the fix: "0.0.0.0", the bind address.
        assert_eq!(record.server_ip.as_deref(), Some(ip.as_str()), "{record:?}");
    }
}
