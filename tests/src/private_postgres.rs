//! A PostgreSQL of one test's own: `initdb` in a temporary directory, loopback only, a free
//! port, and stop/start on that same port. The cluster tests restart it under load, which
//! the test command's shared PostgreSQL (`TWOFOLD_TEST_POSTGRES_URL`) must never see.
//! Stopped (immediately) when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::error::Error;
use crate::temp::temp_dir;
use crate::Result;

pub struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// The cluster's `postgres` database (the test creates its own in it if it likes).
    pub url: String,
    running: bool,
    dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// `initdb` and start. An error naming what failed (PostgreSQL comes with
    /// `scripts/setup.sh test`).
    pub fn start() -> Result<Self> {
        let bin = newest_bin()?;
        let dir = temp_dir("pg")?;
        let data = dir.path().join("data");
        if is_root() {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            run(Command::new("chown").arg("postgres").arg(dir.path()))?;
        }
        run(as_pg(&bin.join("initdb")).arg("-D").arg(&data).args([
            "-U",
            "twofold",
            "--auth=trust",
            "-E",
            "UTF8",
        ]))?;
        let port = crate::haproxy::free_port()?;
        let mut pg = Self {
            bin,
            data,
            port,
            url: format!("postgres://twofold@127.0.0.1:{port}/postgres"),
            running: false,
            dir,
        };
        pg.start_again()?;
        Ok(pg)
    }

    /// Starts the stopped server on the same port and waits until it accepts connections.
    pub fn start_again(&mut self) -> Result<()> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c max_connections=200 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        run(as_pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-w", "-o", &options, "start"]))?;
        self.running = true;
        Ok(())
    }

    /// Stops the server: `fast` disconnects every client and shuts down cleanly (what a
    /// restart for maintenance does); in-flight transactions are rolled back.
    pub fn stop(&mut self) -> Result<()> {
        self.pg_ctl_stop("fast")
    }

    fn pg_ctl_stop(&mut self, mode: &str) -> Result<()> {
        run(as_pg(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", mode, "-w", "stop"]))?;
        self.running = false;
        Ok(())
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self.pg_ctl_stop("immediate");
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn as_pg(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<Output> {
    let output = command
        .output()
        .map_err(|e| Error::new(format!("cannot run {command:?}: {e}")))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "{command:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(output)
}

/// `/usr/lib/postgresql/<newest>/bin`.
fn newest_bin() -> Result<PathBuf> {
    let mut bins: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| {
            Error::new(format!(
                "PostgreSQL is not installed (/usr/lib/postgresql: {e}); scripts/setup.sh test installs it"
            ))
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, p)| p.join("pg_ctl").is_file())
        .collect();
    bins.sort();
    bins.pop()
        .map(|(_, p)| p)
        .ok_or_else(|| Error::new("no PostgreSQL under /usr/lib/postgresql"))
}
