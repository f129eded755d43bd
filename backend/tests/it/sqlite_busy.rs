//! Overlapping admin writes on SQLite (issue 18). SQLite has one writer at a time; a
//! transaction opened with a plain `BEGIN` reads first and asks for the write lock at its
//! first write, and when another connection committed in between SQLite answers
//! `SQLITE_BUSY` ("database is locked") at once, without waiting in the busy handler
//! (sqlite.org/lang_transaction.html, "Read transactions versus write transactions";
//! sqlite.org/wal.html §"Sometimes Queries Return SQLITE_BUSY In WAL Mode"). Those
//! requests answered 500. Every admin write now either succeeds or is refused with a
//! documented 4xx; never a 5xx. Runs on both engines: PostgreSQL must hold the same.

use futures_util::future::join_all;
use serde_json::json;
use twofold_testkit::{engines, InProcessServer};

/// Writers started at once: more than the SQLite pool's 8 connections, so requests
/// overlap in every phase of their transactions.
const USERS: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_admin_writes_never_answer_a_server_error() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let server = &server;
        // Round 1: creates (and, for every third user, a second create of the same
        // name, which must be a 409, never a 500).
        let creates = (0..USERS).flat_map(|i| {
            let twice = if i % 3 == 0 { 2 } else { 1 };
            (0..twice).map(move |_| async move {
                let user = json!({ "username": format!("busy-{i}"), "email": format!("busy-{i}@example.org") });
                let (status, body) = server
                    .as_admin("POST", "/v1/admin/users", Some(user))
                    .await
                    .unwrap();
                (format!("create busy-{i}"), status.as_u16(), body)
            })
        });
        let mut answers = join_all(creates).await;
        // Round 2: for every user at once, a patch, an activation, a reset (which reads
        // the user's devices before it writes: the case a plain `BEGIN` failed), another
        // patch, another activation (it replaces the first) and an admin token.
        let mixed = (0..USERS).flat_map(|i| {
            (0..6).map(move |step| async move {
                let name = format!("busy-{i}");
                let (what, status, body) = match step {
                    0 | 3 => {
                        let patch = json!({ "first_name": format!("First {step}"), "phone": format!("+4930123{i:03}{step}") });
                        let path = format!("/v1/admin/users/{name}");
                        let (s, b) = server.as_admin("PATCH", &path, Some(patch)).await.unwrap();
                        ("patch", s, b)
                    }
                    1 | 4 => {
                        let path = format!("/v1/admin/users/{name}/activation");
                        let (s, b) = server.as_admin("POST", &path, None).await.unwrap();
                        ("activation", s, b)
                    }
                    2 => {
                        let path = format!("/v1/admin/users/{name}/reset");
                        let (s, b) = server.as_admin("POST", &path, None).await.unwrap();
                        ("reset", s, b)
                    }
                    _ => {
                        let token = json!({ "name": format!("busy-token-{i}") });
                        let (s, b) = server
                            .as_admin("POST", "/v1/admin/admin-tokens", Some(token))
                            .await
                            .unwrap();
                        ("token", s, b)
                    }
                };
                (format!("{what} {name} #{step}"), status.as_u16(), body)
            })
        });
        answers.extend(join_all(mixed).await);

        let mut failures = Vec::new();
        for (what, status, body) in &answers {
            let documented = match what.split(' ').next() {
                Some("create") => [201, 409].contains(status),
                Some("patch") => *status == 200,
                Some("activation" | "token") => *status == 201,
                Some("reset") => *status == 200,
                _ => false,
            };
            if !documented {
                failures.push(format!("{what}: {status} {body}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{engine}: {} of {} overlapping admin writes were not answered as documented:\n{}",
            failures.len(),
            answers.len(),
            failures.join("\n")
        );
        // Exactly one create of each doubled name won.
        let created = answers
            .iter()
            .filter(|(what, status, _)| what.starts_with("create") && *status == 201)
            .count();
        assert_eq!(created, USERS, "{engine}: users created");
        let listed = server
            .admin_call("GET", "/v1/admin/users", None)
            .await
            .unwrap();
        for i in 0..USERS {
            let name = format!("busy-{i}");
            assert!(
                listed
                    .as_array()
                    .is_some_and(|all| all.iter().any(|u| u["username"] == name.as_str())),
                "{engine}: {name} is not in the user list: {listed}"
            );
        }
    }
}
