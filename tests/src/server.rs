//! A real `twofold-server serve` process on `127.0.0.1:0`, and its admin CLI; with
//! PostgreSQL, more nodes of the same cluster ([`ServerProcess::start_node`]).

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use twofold_core::proto::admin::ApplicationCredentials;
use twofold_core::proto::admin::IssuedActivation;

use crate::binary::server_binary;
use crate::engine::{fresh_postgres_database, Database, Engine};
use crate::error::Error;
use crate::http::AdminClient;
use crate::temp::temp_dir;
use crate::Result;

/// How long a server may take to print where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to stop after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// What a node of a cluster needs from the data directory of the first one: the master key
/// (it seals the OTP secrets and the server's P-256 signing key, which live in the shared
/// database) and the local CLI's copy of the admin token. Not the SQLite file: nodes share
/// PostgreSQL.
const NODE_FILES: [&str; 2] = ["master.key", "admin.token"];

pub struct ServerProcess {
    child: Option<Child>,
    pub engine: Engine,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The first admin token, as printed on first start.
    pub admin_token: String,
    pub database: Database,
    /// The server's data directory (keys, SQLite file, admin token copy).
    pub data_dir: PathBuf,
    /// Standard error of the server: its log.
    pub log_path: PathBuf,
    /// Standard output of the server: the start-up banner.
    pub stdout_path: PathBuf,
    /// The environment the server was started with (besides the inherited one).
    pub env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

/// What a CLI command printed.
#[derive(Debug)]
pub struct CliOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// Stdout parsed as JSON, or an error quoting both streams.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        if !self.status.success() {
            return Err(Error::new(format!(
                "command failed ({}): {}{}",
                self.status, self.stdout, self.stderr
            )));
        }
        serde_json::from_str(&self.stdout).map_err(|e| {
            Error::new(format!(
                "CLI output is not the JSON expected ({e}): {}",
                self.stdout
            ))
        })
    }
}

impl ServerProcess {
    /// A server with the default configuration.
    pub async fn start(engine: Engine) -> Result<Self> {
        Self::start_with(engine, &[]).await
    }

    /// A server with extra `TWOFOLD_*` (or `RUST_LOG`) settings.
    pub async fn start_with(engine: Engine, env: &[(&str, &str)]) -> Result<Self> {
        let database = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(fresh_postgres_database().await?),
        };
        Self::start_on(database, env)
    }

    /// A server on the PostgreSQL database at `postgres_url` (None: SQLite in its data
    /// directory), with extra settings as in [`start_with`](Self::start_with).
    pub fn start_on(postgres_url: Option<String>, env: &[(&str, &str)]) -> Result<Self> {
        let dir = temp_dir("e2e")?;
        let data_dir = dir.path().join("data");
        let (engine, database) = match postgres_url {
            None => (
                Engine::Sqlite,
                Database::Sqlite(data_dir.join("twofold.db")),
            ),
            Some(url) => (Engine::Postgres, Database::Postgres(url)),
        };
        let mut settings: Vec<(String, String)> = vec![
            ("TWOFOLD_LISTEN".into(), "127.0.0.1:0".into()),
            ("TWOFOLD_DATA_DIR".into(), data_dir.display().to_string()),
            ("TWOFOLD_SERVER_NAME".into(), "e2e-node".into()),
            ("RUST_LOG".into(), "info,sqlx=warn".into()),
        ];
        if let Database::Postgres(url) = &database {
            settings.push(("TWOFOLD_DATABASE_URL".into(), url.clone()));
        }
        for (key, value) in env {
            settings.retain(|(k, _)| k != key);
            settings.push(((*key).to_owned(), (*value).to_owned()));
        }
        let mut server = Self {
            child: None,
            engine,
            url: String::new(),
            admin_token: String::new(),
            database,
            log_path: dir.path().join("server.log"),
            stdout_path: dir.path().join("server.out"),
            data_dir,
            env: settings,
            dir,
        };
        server.spawn()?;
        Ok(server)
    }

    /// Starts another node of this server's cluster: the same PostgreSQL database
    /// (`TWOFOLD_DATABASE_URL`) and the same settings, but its own temporary and data
    /// directories (holding copies of [`NODE_FILES`], so it opens the same sealed keys), its
    /// own port on 127.0.0.1, and `server_name` as `TWOFOLD_SERVER_NAME` (audit records say
    /// which node wrote them).
    ///
    /// The database already has an admin, so the new node prints no admin token: it gets this
    /// node's. An error for SQLite, whose database cannot be shared between processes.
    pub fn start_node(&self, server_name: &str) -> Result<Self> {
        if !matches!(self.database, Database::Postgres(_)) {
            return Err(Error::new(format!(
                "a second node needs a shared database: this server runs on {}, not PostgreSQL",
                self.engine
            )));
        }
        let dir = temp_dir("e2e")?;
        let data_dir = dir.path().join("data");
        std::fs::create_dir(&data_dir)?;
        for name in NODE_FILES {
            let from = self.data_dir.join(name);
            std::fs::copy(&from, data_dir.join(name)).map_err(|e| {
                Error::new(format!("cannot copy {} to a new node: {e}", from.display()))
            })?;
        }
        let mut env = self.env.clone();
        for (key, value) in [
            ("TWOFOLD_DATA_DIR", data_dir.display().to_string()),
            ("TWOFOLD_SERVER_NAME", server_name.to_owned()),
        ] {
            env.retain(|(k, _)| k != key);
            env.push((key.to_owned(), value));
        }
        let mut node = Self {
            child: None,
            engine: self.engine,
            url: String::new(),
            // Not empty: `spawn` then does not wait for a first-start token.
            admin_token: self.admin_token.clone(),
            database: self.database.clone(),
            log_path: dir.path().join("server.log"),
            stdout_path: dir.path().join("server.out"),
            data_dir,
            env,
            dir,
        };
        node.spawn()?;
        Ok(node)
    }

    /// Starts (or restarts, after [`stop`](Self::stop)) the process on a new port. Logs are
    /// appended to the same files.
    pub fn spawn(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)?;
        let out = std::fs::File::create(&self.stdout_path)?;
        let mut command = Command::new(server_binary()?);
        command
            .arg("serve")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(log);
        clean_env(&mut command);
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let child = command.spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let banner = std::fs::read_to_string(&self.stdout_path)?;
            if let Some(url) = banner_value(&banner, " listening on ") {
                // The token is printed before "listening" is logged, but only on first start.
                let first_start = self.admin_token.is_empty();
                // Standard output is a file here, not a terminal: the server prints only
                // where the token is (the 0600 file), so the kit reads it from there.
                let token = match banner
                    .lines()
                    .find(|l| l.trim_start().starts_with("admin token"))
                {
                    Some(l) if l.contains("written to ") => Some(
                        std::fs::read_to_string(self.data_dir.join("admin.token"))?
                            .trim()
                            .to_owned(),
                    ),
                    Some(l) => l.rsplit_once(": ").map(|(_, t)| t.trim().to_owned()),
                    None => None,
                };
                if !first_start || token.is_some() {
                    if !url.starts_with("http://127.0.0.1:") {
                        return Err(Error::new(format!("server listens on {url}, not loopback")));
                    }
                    self.url = url;
                    if let Some(token) = token {
                        self.admin_token = token;
                    }
                    return Ok(());
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    return Err(Error::new(format!(
                        "the server exited ({status}) before listening:\n{}\n{}",
                        banner,
                        self.logs().unwrap_or_default()
                    )));
                }
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "the server did not start within {START_TIMEOUT:?}:\n{banner}"
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends SIGTERM and waits for the exit. An error when it does not stop in time or
    /// exits unsuccessfully.
    pub fn stop(&mut self) -> Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err(Error::new("the server is not running"));
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        if !status.success() {
            return Err(Error::new(format!("kill -TERM {} failed", child.id())));
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait()? {
                return if status.success() {
                    Ok(status)
                } else {
                    Err(Error::new(format!("the server exited with {status}")))
                };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::new("the server did not stop within 20 s of SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: the process dies at once, mid-request, with nothing flushed or closed.
    pub fn kill(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Err(Error::new("the server is not running"));
        };
        child.kill()?;
        child.wait()?;
        Ok(())
    }

    /// Starts the process again on the port it listened on before (after
    /// [`kill`](Self::kill) or [`stop`](Self::stop)): what a supervisor restarting a node
    /// behind a load balancer does.
    pub fn restart_same_port(&mut self) -> Result<()> {
        let address = self
            .url
            .strip_prefix("http://")
            .ok_or_else(|| Error::new(format!("{} is not http://", self.url)))?
            .to_owned();
        self.env.retain(|(k, _)| k != "TWOFOLD_LISTEN");
        self.env.push(("TWOFOLD_LISTEN".into(), address));
        self.spawn()
    }

    /// Everything the server wrote to standard error (its log) so far.
    pub fn logs(&self) -> Result<String> {
        Ok(std::fs::read_to_string(&self.log_path)?)
    }

    /// What the server printed on standard output (the start-up banner, with the admin token).
    pub fn banner(&self) -> Result<String> {
        Ok(std::fs::read_to_string(&self.stdout_path)?)
    }

    /// A dump of the server's database.
    pub fn dump_database(&self) -> Result<String> {
        self.database.dump()
    }

    pub fn admin(&self) -> Result<AdminClient> {
        AdminClient::new(&self.url, &self.admin_token)
    }

    /// Runs the admin CLI (`twofold-server ARGS --server URL --token TOKEN`).
    pub fn cli(&self, args: &[&str]) -> Result<CliOutput> {
        let mut command = Command::new(server_binary()?);
        command
            .args(args)
            .args(["--server", &self.url, "--token", &self.admin_token])
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        clean_env(&mut command);
        let output = command.output()?;
        Ok(CliOutput {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// Runs a CLI command that must succeed and print JSON.
    pub fn cli_json<T: DeserializeOwned>(&self, args: &[&str]) -> Result<T> {
        self.cli(args)?.json()
    }

    /// `twofold-server user add USERNAME --json` with extra options.
    pub fn add_user(
        &self,
        username: &str,
        options: &[&str],
    ) -> Result<twofold_core::proto::admin::User> {
        let mut args = vec!["user", "add", username, "--json"];
        args.extend_from_slice(options);
        self.cli_json(&args)
    }

    /// `twofold-server activation create USERNAME --json`.
    pub fn create_activation(&self, username: &str) -> Result<IssuedActivation> {
        self.cli_json(&["activation", "create", username, "--json"])
    }

    /// `twofold-server app add NAME --json`.
    pub fn add_application(&self, name: &str) -> Result<ApplicationCredentials> {
        self.cli_json(&["app", "add", name, "--json"])
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The rest of the first line containing `marker`, after it.
fn banner_value(banner: &str, marker: &str) -> Option<String> {
    banner.lines().find_map(|line| {
        line.split_once(marker)
            .map(|(_, rest)| rest.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Children see no `TWOFOLD_*` setting of the developer's shell: only what the test sets.
fn clean_env(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TWOFOLD_") {
            command.env_remove(key);
        }
    }
}
