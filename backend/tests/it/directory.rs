//! Issue 15, "Directory": sync and password checks against a real OpenLDAP slapd started by
//! the test kit, on both engines (the directory is the same slapd). Users are added with
//! their mapped attributes, changes follow, users gone or out of the group are disabled
//! (never deleted) and come back; a dry run changes nothing; local users are never touched;
//! filter injection finds nobody; the password check binds as the user, refuses an empty
//! password before any bind, and locks out after repeated failures; the periodic sync runs
//! on one node per round; TLS certificates are verified.

use serde_json::{json, Value};
use twofold_server::directory::config::BindPassword;
use twofold_server::directory::periodic::{self, Tick};
use twofold_server::directory::{Directory, DirectoryConfig, PasswordVerdict};
use twofold_testkit::slapd::{self, Slapd};
use twofold_testkit::{engines, Engine, InProcessServer};

/// The `[directory]` section for `slapd`, plain LDAP to loopback.
fn directory_config(slapd: &Slapd) -> DirectoryConfig {
    DirectoryConfig {
        url: slapd.url.clone(),
        starttls: false,
        allow_insecure: true,
        bind_dn: slapd::SERVICE_DN.into(),
        bind_password: BindPassword::new(slapd::SERVICE_PASSWORD.into()),
        base_dn: slapd::BASE_DN.into(),
        ..DirectoryConfig::default()
    }
}

async fn server(
    engine: Engine,
    slapd: &Slapd,
    tweak: impl FnOnce(&mut DirectoryConfig),
) -> InProcessServer {
    let mut directory = directory_config(slapd);
    tweak(&mut directory);
    InProcessServer::start(engine, move |c| c.directory = directory)
        .await
        .unwrap()
}

fn directory(server: &InProcessServer) -> &Directory {
    server.state.directory.as_deref().unwrap()
}

async fn sync(server: &InProcessServer, dry_run: bool) -> Value {
    server
        .admin_call(
            "POST",
            "/v1/admin/directory/sync",
            Some(json!({ "dry_run": dry_run })),
        )
        .await
        .unwrap()
}

async fn user(server: &InProcessServer, username: &str) -> Value {
    server
        .admin_call("GET", &format!("/v1/admin/users/{username}"), None)
        .await
        .unwrap()
}

fn names(report: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = report[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {report}"))
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

async fn audit(server: &InProcessServer, query: &str) -> Vec<Value> {
    let body = server
        .admin_call("GET", &format!("/v1/admin/audit?{query}"), None)
        .await
        .unwrap();
    body.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("not a list: {body}"))
}

#[tokio::test]
async fn sync_adds_users_with_mapped_attributes_and_follows_a_changed_mail() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        slapd
            .add_user("alice", "Alice", "Ng", "alice@example.test", "pw-a")
            .unwrap();
        slapd
            .add_user("Bob", "Bob", "Li", "bob@example.test", "pw-b")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;

        let report = sync(&server, false).await;
        assert_eq!(names(&report, "added"), ["alice", "bob"], "{engine:?}");
        assert_eq!(report["unchanged"], 0);
        let alice = user(&server, "alice").await;
        assert_eq!(alice["user"]["first_name"], "Alice", "{alice}");
        assert_eq!(alice["user"]["last_name"], "Ng");
        assert_eq!(alice["user"]["email"], "alice@example.test");
        assert_eq!(alice["user"]["phone"], "+1 555 0100");
        assert_eq!(alice["user"]["blocked"], false);

        slapd
            .modify(&format!(
                "dn: uid=alice,{}\nchangetype: modify\nreplace: mail\nmail: alice.ng@example.test\n",
                slapd::PEOPLE_DN
            ))
            .unwrap();
        let report = sync(&server, false).await;
        assert_eq!(
            report["updated"],
            json!([{"username": "alice", "fields": ["email"]}]),
            "{report}"
        );
        assert_eq!(report["unchanged"], 1);
        assert_eq!(
            user(&server, "alice").await["user"]["email"],
            "alice.ng@example.test"
        );

        let again = sync(&server, false).await;
        assert_eq!(again["unchanged"], 2, "{again}");
        let records = audit(&server, "event=directory_sync").await;
        assert_eq!(records.len(), 3, "{records:?}");
        assert!(
            records
                .iter()
                .any(|r| r["detail"].as_str().unwrap_or_default().contains("added=2")),
            "{records:?}"
        );
    }
}

#[tokio::test]
async fn users_gone_or_out_of_the_group_are_disabled_keeping_history_and_enabled_when_back() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        let alice = slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "pw")
            .unwrap();
        let bob = slapd
            .add_user("bob", "Bob", "Li", "b@example.test", "pw")
            .unwrap();
        slapd
            .add_user("carol", "Carol", "Wu", "c@example.test", "pw")
            .unwrap();
        let group = slapd.add_group("mfa", &[&alice, &bob]).unwrap();
        let server = server(engine, &slapd, |d| d.group_dn = group.clone()).await;

        let report = sync(&server, false).await;
        assert_eq!(
            names(&report, "added"),
            ["alice", "bob"],
            "{engine:?} {report}"
        );
        // History: an activation for alice, and its audit record.
        server.activation("alice").await.unwrap();
        let history = audit(&server, "username=alice").await.len();
        assert!(history >= 1);

        slapd
            .modify(&format!(
                "dn: {group}\nchangetype: modify\ndelete: member\nmember: {alice}\n"
            ))
            .unwrap();
        slapd.delete(&bob).unwrap();
        let report = sync(&server, false).await;
        assert_eq!(names(&report, "disabled"), ["alice", "bob"], "{report}");
        for name in ["alice", "bob"] {
            assert_eq!(user(&server, name).await["user"]["blocked"], true);
        }
        assert!(audit(&server, "username=alice").await.len() >= history);
        assert_eq!(sync(&server, false).await["disabled"], json!([]));

        slapd
            .modify(&format!(
                "dn: {group}\nchangetype: modify\nadd: member\nmember: {alice}\n"
            ))
            .unwrap();
        let report = sync(&server, false).await;
        assert_eq!(names(&report, "enabled"), ["alice"], "{report}");
        assert_eq!(user(&server, "alice").await["user"]["blocked"], false);
        assert_eq!(user(&server, "bob").await["user"]["blocked"], true);
    }
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "pw")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;
        let report = sync(&server, true).await;
        assert_eq!(report["dry_run"], true);
        assert_eq!(names(&report, "added"), ["alice"], "{engine:?}");
        let (status, _) = server
            .as_admin("GET", "/v1/admin/users/alice", None)
            .await
            .unwrap();
        assert_eq!(status, 404);
        assert!(audit(&server, "event=directory_sync").await.is_empty());
    }
}

#[tokio::test]
async fn local_users_are_never_changed_or_disabled_by_a_sync() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        slapd
            .add_user("dave", "Dave", "Ko", "dave@example.test", "pw")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;
        for name in ["dave", "erin"] {
            server
                .admin_call("POST", "/v1/admin/users", Some(json!({ "username": name })))
                .await
                .unwrap();
        }
        let report = sync(&server, false).await;
        assert_eq!(report["added"], json!([]), "{engine:?} {report}");
        assert_eq!(report["disabled"], json!([]));
        assert_eq!(
            report["skipped"][0]["reason"],
            "a local user has this username"
        );
        let dave = user(&server, "dave").await;
        assert_eq!(dave["user"]["email"], Value::Null);
        assert_eq!(user(&server, "erin").await["user"]["blocked"], false);
    }
}

#[tokio::test]
async fn a_paged_search_syncs_more_entries_than_the_size_limit() {
    // The test slapd answers at most 500 entries per search (sizelimit 500): only RFC 2696
    // paging gets all 1,200.
    let slapd = Slapd::start().unwrap();
    let mut ldif = String::new();
    for i in 0..1200 {
        ldif.push_str(&format!(
            "dn: uid=user{i:04},{people}\nobjectClass: inetOrgPerson\nuid: user{i:04}\ncn: User {i}\nsn: {i}\n\n",
            people = slapd::PEOPLE_DN
        ));
    }
    slapd.add(&ldif).unwrap();
    for engine in engines().unwrap() {
        let server = server(engine, &slapd, |d| d.page_size = 200).await;
        let report = sync(&server, false).await;
        assert_eq!(report["entries"], 1200, "{engine:?}");
        assert_eq!(report["added"].as_array().unwrap().len(), 1200);
        let users = server
            .admin_call("GET", "/v1/admin/users", None)
            .await
            .unwrap();
        assert_eq!(users.as_array().unwrap().len(), 1200);
    }
}

#[tokio::test]
async fn verify_password_binds_as_the_user_and_refuses_an_empty_password_without_a_bind() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        let dn = slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "correct horse")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;
        let dir = directory(&server);
        let state = &server.state;
        assert_eq!(
            dir.verify_password(state, "alice", b"correct horse")
                .await
                .unwrap(),
            PasswordVerdict::Valid
        );
        assert_eq!(
            dir.verify_password(state, "ALICE", b"correct horse")
                .await
                .unwrap(),
            PasswordVerdict::Valid,
            "names compare without case, as the directory does"
        );
        assert_eq!(
            dir.verify_password(state, "alice", b"wrong").await.unwrap(),
            PasswordVerdict::Invalid
        );
        assert_eq!(
            dir.verify_password(state, "nobody", b"correct horse")
                .await
                .unwrap(),
            PasswordVerdict::UnknownUser
        );

        // This slapd accepts a DN with an empty password as an anonymous bind ...
        assert!(slapd.bind_succeeds(&dn, "").unwrap());
        let binds = |log: &str| log.matches(&format!("BIND dn=\"{dn}\"")).count();
        let before = binds(&slapd.log().unwrap());
        assert!(before >= 3, "slapd logs binds: {before}");
        // ... and Twofold never asks it.
        assert_eq!(
            dir.verify_password(state, "alice", b"").await.unwrap(),
            PasswordVerdict::Invalid
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(
            binds(&slapd.log().unwrap()),
            before,
            "an empty password reached slapd"
        );

        let records = audit(&server, "event=directory_password").await;
        let reasons: Vec<&str> = records
            .iter()
            .filter_map(|r| r["reason"].as_str())
            .collect();
        for reason in [
            "password_valid",
            "invalid_password",
            "unknown_user",
            "empty_password",
        ] {
            assert!(reasons.contains(&reason), "{engine:?}: {reasons:?}");
        }
        let log = serde_json::to_string(&records).unwrap();
        assert!(
            !log.contains("correct horse"),
            "a password in the audit log"
        );
    }
}

#[tokio::test]
async fn a_filter_injection_in_the_username_finds_nobody() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "pw")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;
        let dir = directory(&server);
        for name in ["*)(uid=*", "*", "alice)(|(uid=*", "al*"] {
            assert_eq!(
                dir.verify_password(&server.state, name, b"pw")
                    .await
                    .unwrap(),
                PasswordVerdict::UnknownUser,
                "{engine:?} {name}"
            );
        }
        let (status, body) = server
            .as_admin("GET", "/v1/admin/directory/users/%2A%29%28uid%3D%2A", None)
            .await
            .unwrap();
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "directory.user_not_found");
    }
}

#[tokio::test]
async fn wrong_passwords_lock_the_directory_password_until_the_window_ends() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "right")
            .unwrap();
        let server = server(engine, &slapd, |d| {
            d.lockout_threshold = 3;
            d.lockout_window_seconds = 600;
        })
        .await;
        let dir = directory(&server);
        let state = &server.state;
        for _ in 0..3 {
            assert_eq!(
                dir.verify_password(state, "alice", b"wrong").await.unwrap(),
                PasswordVerdict::Invalid
            );
        }
        let locked = dir.verify_password(state, "alice", b"right").await.unwrap();
        let PasswordVerdict::LockedOut { retry_after } = locked else {
            panic!("{engine:?}: {locked:?}");
        };
        assert!(retry_after > 0 && retry_after <= 600);
        // Unknown names are counted the same way (no way to tell them apart by lockout).
        for _ in 0..3 {
            dir.verify_password(state, "nobody", b"x").await.unwrap();
        }
        assert!(matches!(
            dir.verify_password(state, "nobody", b"x").await.unwrap(),
            PasswordVerdict::LockedOut { .. }
        ));
        server.clock.advance(retry_after);
        assert_eq!(
            dir.verify_password(state, "alice", b"right").await.unwrap(),
            PasswordVerdict::Valid
        );
        let records = audit(&server, "event=directory_password&result=failure").await;
        assert!(
            records.iter().any(|r| r["reason"] == "locked_out"),
            "{records:?}"
        );
    }
}

#[tokio::test]
async fn directory_check_shows_the_mapped_attributes() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        let dn = slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "pw")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;
        let entry = server
            .admin_call("GET", "/v1/admin/directory/users/alice", None)
            .await
            .unwrap();
        assert_eq!(entry["dn"], dn.as_str(), "{engine:?} {entry}");
        assert_eq!(entry["first_name"], "Alice");
        assert_eq!(entry["email"], "a@example.test");
        assert_eq!(entry["twofold_source"], Value::Null);
        assert_eq!(entry["id"].as_str().unwrap().len(), 36, "an entryUUID");
        sync(&server, false).await;
        let entry = server
            .admin_call("GET", "/v1/admin/directory/users/alice", None)
            .await
            .unwrap();
        assert_eq!(entry["twofold_source"], "directory");
    }
}

#[tokio::test]
async fn the_periodic_sync_runs_on_one_node_per_round() {
    for engine in engines().unwrap() {
        let slapd = Slapd::start().unwrap();
        slapd
            .add_user("alice", "Alice", "Ng", "a@example.test", "pw")
            .unwrap();
        let server = server(engine, &slapd, |_| {}).await;
        // Two nodes: two Directory instances (each its own lease holder) on one database.
        let config = DirectoryConfig {
            sync_interval_seconds: 300,
            ..server.state.config.directory.clone()
        };
        let node_a = Directory::from_config(&config).unwrap();
        let node_b = Directory::from_config(&config).unwrap();
        let state = &server.state;
        let first = periodic::tick(state, &node_a).await.unwrap();
        assert!(matches!(first, Tick::Ran(_)), "{engine:?} {first:?}");
        assert!(matches!(
            periodic::tick(state, &node_b).await.unwrap(),
            Tick::Skipped { .. }
        ));
        server.clock.advance(300);
        assert!(matches!(
            periodic::tick(state, &node_b).await.unwrap(),
            Tick::Ran(_)
        ));
        assert!(matches!(
            periodic::tick(state, &node_a).await.unwrap(),
            Tick::Skipped { .. }
        ));
        let records = audit(&server, "event=directory_sync").await;
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(records.iter().all(|r| r["admin_id"].is_null()));
    }
}

#[tokio::test]
async fn tls_certificates_are_verified_for_ldaps_and_starttls() {
    let slapd = Slapd::start_with_tls().unwrap();
    slapd
        .add_user("alice", "Alice", "Ng", "a@example.test", "pw")
        .unwrap();
    let tls = slapd.tls.as_ref().unwrap();
    let trusted = |url: &str, ca: &std::path::Path| DirectoryConfig {
        url: url.into(),
        starttls: true,
        allow_insecure: false,
        ca_file: ca.into(),
        ..directory_config(&slapd)
    };
    let ldaps = slapd.ldaps_url.clone().unwrap();
    let starttls = slapd.starttls_url.clone().unwrap();
    for (url, ca, ok) in [
        (&ldaps, &tls.ca_file, true),
        (&starttls, &tls.ca_file, true),
        (&ldaps, &tls.other_ca_file, false),
        (&starttls, &tls.other_ca_file, false),
    ] {
        let dir = Directory::from_config(&trusted(url, ca)).unwrap();
        match (ok, dir.check("alice").await) {
            (true, Ok(user)) => assert_eq!(user.username, "alice"),
            (false, Err(e)) => assert_eq!(e.code(), "directory.unavailable", "{url}: {e}"),
            (ok, other) => panic!("{url} with {ca:?} (trusted: {ok}): {other:?}"),
        }
    }
    // Without ca_file the system's trust store is used, which does not know the test CA.
    let system = DirectoryConfig {
        ca_file: std::path::PathBuf::new(),
        ..trusted(&ldaps, &tls.ca_file)
    };
    let err = Directory::from_config(&system)
        .unwrap()
        .check("alice")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "directory.unavailable", "{err}");
}
