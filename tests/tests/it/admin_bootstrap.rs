//! Issue 13 item 14: two nodes starting at the same moment on one empty PostgreSQL database
//! create exactly one first admin token between them. The kit's `ServerProcess` waits for a
//! first-start token from every first node, which the losing node never prints, so the two
//! `serve` processes are the kit's binary started here side by side; they share one master
//! key, as the nodes of a cluster do.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;
use twofold_testkit::binary::server_binary;
use twofold_testkit::{fresh_postgres_database, postgres_url, temp_dir};

const ROUNDS: usize = 6;

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(dir: &Path, url: &str, name: &str) -> Node {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("master.key"),
        format!("twofold-master-key-v1 {}\n", "ab".repeat(32)),
    )
    .unwrap();
    let mut command = Command::new(server_binary().unwrap());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TWOFOLD_") {
            command.env_remove(key);
        }
    }
    let child = command
        .arg("serve")
        .current_dir(dir)
        .env("TWOFOLD_LISTEN", "127.0.0.1:0")
        .env("TWOFOLD_DATA_DIR", &data)
        .env("TWOFOLD_DATABASE_URL", url)
        .env("TWOFOLD_SERVER_NAME", name)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("out")).unwrap())
        .stderr(std::fs::File::create(dir.join("log")).unwrap())
        .spawn()
        .unwrap();
    Node(child)
}

/// Waits until the node listens; its standard output.
fn wait_listening(node: &mut Node, dir: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = std::fs::read_to_string(dir.join("out")).unwrap_or_default();
        if out.contains(" listening on ") {
            return out;
        }
        if let Some(status) = node.0.try_wait().unwrap() {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            panic!("node exited ({status}) before listening: {out}{log}");
        }
        assert!(Instant::now() < deadline, "node did not start: {out}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item14_two_nodes_starting_together_create_one_admin_token() {
    if postgres_url().unwrap().is_none() {
        eprintln!("no TWOFOLD_TEST_POSTGRES_URL: PostgreSQL not tested");
        return;
    }
    server_binary().unwrap();
    for round in 0..ROUNDS {
        let url = fresh_postgres_database().await.unwrap();
        let (a, b) = (temp_dir("boot-a").unwrap(), temp_dir("boot-b").unwrap());
        let mut node_a = spawn(a.path(), &url, "node-a");
        let mut node_b = spawn(b.path(), &url, "node-b");
        let printed = [
            wait_listening(&mut node_a, a.path()),
            wait_listening(&mut node_b, b.path()),
        ]
        .iter()
        .filter(|out| out.contains("  admin token"))
        .count();
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_credentials")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        assert_eq!(tokens, 1, "round {round}: {tokens} admin tokens");
        assert_eq!(printed, 1, "round {round}: {printed} nodes printed a token");
    }
}
