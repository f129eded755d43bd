//! Issue 18: a `twofold-server` admin command that did nothing of what it was asked exits 1
//! with the reason on standard error; one that did part of it succeeds and reports the rest.
//! The real binary against a real server process, on every engine.

use twofold_testkit::{engines, temp_dir, ServerProcess};

#[tokio::test]
async fn user_import_that_adds_nobody_exits_1() {
    for engine in engines().unwrap() {
        let server = ServerProcess::start(engine).await.unwrap();
        server.add_user("alice", &[]).unwrap();
        let dir = temp_dir("cli-exit").unwrap();

        let refused = dir.path().join("refused.csv");
        std::fs::write(
            &refused,
            "username,mfa_state\nalice,enabled\nbob,sometimes\n",
        )
        .unwrap();
        let out = server
            .cli(&["user", "import", refused.to_str().unwrap()])
            .unwrap();
        assert!(!out.status.success(), "{engine}: {}", out.stdout);
        assert!(
            out.stderr
                .contains("nothing imported: all 2 rows were refused"),
            "{engine}: {}",
            out.stderr
        );
        // The reasons are still printed, row by row.
        assert!(out.stdout.contains("refused 2"), "{engine}: {}", out.stdout);
        let json = server
            .cli(&["user", "import", refused.to_str().unwrap(), "--json"])
            .unwrap();
        assert!(!json.status.success(), "{engine}: {}", json.stdout);

        let header_only = dir.path().join("header.csv");
        std::fs::write(&header_only, "username,mfa_state\n\n").unwrap();
        let out = server
            .cli(&["user", "import", header_only.to_str().unwrap()])
            .unwrap();
        assert!(!out.status.success(), "{engine}: {}", out.stdout);
        assert!(
            out.stderr.contains("has a header line but no rows"),
            "{engine}: {}",
            out.stderr
        );

        let partly = dir.path().join("partly.csv");
        std::fs::write(
            &partly,
            "username,mfa_state\nalice,enabled\ncarol,enabled\n",
        )
        .unwrap();
        let out = server
            .cli(&["user", "import", partly.to_str().unwrap()])
            .unwrap();
        assert!(out.status.success(), "{engine}: {}", out.stderr);
        assert!(
            out.stdout.contains("Added 1 users, refused 1"),
            "{engine}: {}",
            out.stdout
        );
    }
}

#[tokio::test]
async fn token_import_of_a_file_with_no_tokens_exits_1() {
    for engine in engines().unwrap() {
        let server = ServerProcess::start(engine).await.unwrap();
        let dir = temp_dir("cli-exit").unwrap();
        let junk = dir.path().join("junk.csv");
        std::fs::write(&junk, "this is not, a token file\n").unwrap();
        let out = server
            .cli(&["token", "import", junk.to_str().unwrap()])
            .unwrap();
        assert!(!out.status.success(), "{engine}: {}", out.stdout);
        assert!(
            out.stderr.starts_with("error: "),
            "{engine}: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{engine}: {}", out.stderr);
    }
}
