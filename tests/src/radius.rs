//! RADIUS from the test kit: the server's front end on a free UDP port of an
//! [`InProcessServer`] ([`start_radius`]), `radclient` from FreeRADIUS's utilities as the
//! RADIUS client ([`radclient`]), and a real FreeRADIUS as the upstream primary
//! ([`FreeRadius`]: a minimal configuration and a users file in a temporary directory, on a
//! free loopback port, stopped with its process group on drop).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::inprocess::InProcessServer;
use crate::temp::temp_dir;
use crate::Result;

/// Starts the front end configured in `server`'s `[radius]` (its `listen` should be
/// `127.0.0.1:0`); the address it listens on.
pub async fn start_radius(server: &InProcessServer) -> Result<SocketAddr> {
    twofold_server::radius::start(&server.state)
        .await
        .map_err(|e| Error::new(format!("cannot start RADIUS: {e}")))?
        .ok_or_else(|| Error::new("[radius] listen is not set"))
}

/// How radclient should try: `timeout` per attempt, `retries` attempts in all.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub timeout: Duration,
    pub retries: u32,
}

impl Patience {
    /// One attempt of one second: the answer is immediate or missing.
    pub const QUICK: Self = Self {
        timeout: Duration::from_secs(1),
        retries: 1,
    };
}

/// What radclient saw.
#[derive(Debug, Clone)]
pub struct Radclient {
    /// `Access-Accept`, `Access-Reject`, `Access-Challenge`, or None (no reply).
    pub code: Option<String>,
    /// `Name = value` lines of the reply, as radclient prints them.
    pub attributes: Vec<(String, String)>,
    /// How many times the request was sent (first send and retransmissions).
    pub sent: usize,
    pub output: String,
}

impl Radclient {
    /// The value of reply attribute `name` (quotes removed).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim_matches('"'))
    }

    pub fn accepted(&self) -> bool {
        self.code.as_deref() == Some("Access-Accept")
    }

    pub fn rejected(&self) -> bool {
        self.code.as_deref() == Some("Access-Reject")
    }
}

/// Runs `radclient -x` against `server` with `secret` and the request `attributes` (radclient
/// syntax, e.g. `User-Name = "alice", User-Password = "123456", Message-Authenticator = 0x00`:
/// the last one makes radclient compute a Message-Authenticator; leave it out for none).
pub async fn radclient(
    server: SocketAddr,
    secret: &str,
    attributes: &str,
    patience: Patience,
) -> Result<Radclient> {
    let (secret, attributes) = (secret.to_owned(), attributes.to_owned());
    tokio::task::spawn_blocking(move || run_radclient(server, &secret, &attributes, patience))
        .await
        .map_err(|e| Error::new(format!("radclient task: {e}")))?
}

fn run_radclient(
    server: SocketAddr,
    secret: &str,
    attributes: &str,
    patience: Patience,
) -> Result<Radclient> {
    use std::io::Write;
    let mut child = Command::new("radclient")
        .args([
            "-x",
            "-r",
            &patience.retries.to_string(),
            "-t",
            &format!("{:.1}", patience.timeout.as_secs_f64()),
            &server.to_string(),
            "auth",
            secret,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::new(format!(
                "cannot run radclient (install freeradius-utils): {e}"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(attributes.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut code = None;
    let mut attributes = Vec::new();
    let mut in_reply = false;
    let mut sent = 0;
    for line in output.lines() {
        if line.starts_with("Sent ") || line.starts_with("(0) Sent ") {
            sent += 1;
            in_reply = false;
        } else if let Some(rest) = line.strip_prefix("Received ") {
            code = rest.split_whitespace().next().map(str::to_owned);
            in_reply = true;
        } else if in_reply && line.starts_with('\t') {
            if let Some((name, value)) = line.trim().split_once(" = ") {
                attributes.push((name.to_owned(), value.to_owned()));
            }
        } else {
            in_reply = false;
        }
    }
    Ok(Radclient {
        code,
        attributes,
        sent,
        output,
    })
}

/// A FreeRADIUS server checking PAP passwords from a users file: the upstream primary.
pub struct FreeRadius {
    pub address: SocketAddr,
    pub secret: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl FreeRadius {
    /// Starts `freeradius -f` on a free loopback port with `users` (name, password),
    /// accepting requests from 127.0.0.1 with `secret` (Message-Authenticator required of
    /// them, and sent in every answer).
    pub fn start(users: &[(&str, &str)], secret: &str) -> Result<Self> {
        let dir = temp_dir("freeradius")?;
        let path = dir.path().to_path_buf();
        let port = std::net::UdpSocket::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut users_file = String::new();
        for (name, password) in users {
            users_file.push_str(&format!("{name} Cleartext-Password := \"{password}\"\n"));
        }
        std::fs::write(path.join("users"), users_file)?;
        std::fs::write(path.join("radiusd.conf"), config(&path, port, secret))?;
        let log = std::fs::File::create(path.join("log"))?;
        let mut command = Command::new("freeradius");
        command
            .args(["-f", "-l", "stdout", "-d"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command
            .spawn()
            .map_err(|e| Error::new(format!("cannot run freeradius (install freeradius): {e}")))?;
        let server = Self {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            secret: secret.to_owned(),
            child,
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&self) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if self.log()?.contains("Ready to process requests") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(Error::new(format!(
            "FreeRADIUS did not start within 15 s:\n{}",
            self.log()?
        )))
    }

    /// What FreeRADIUS logged so far.
    pub fn log(&self) -> Result<String> {
        Ok(std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default())
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for FreeRadius {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// radiusd.conf: one client (127.0.0.1), one listener, the `files` and `pap` modules, and a
/// Message-Authenticator added to every reply (FreeRADIUS before 3.2.5 sends none unless
/// asked).
fn config(dir: &std::path::Path, port: u16, secret: &str) -> String {
    let d = dir.display();
    format!(
        r#"prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = {d}
raddbdir = {d}
radacctdir = {d}
name = freeradius
confdir = {d}
modconfdir = {d}
run_dir = {d}
db_dir = {d}
libdir = /usr/lib/freeradius
dictdir = /usr/share/freeradius
pidfile = {d}/radiusd.pid
max_request_time = 10
cleanup_delay = 2
max_requests = 1024
hostname_lookups = no
log {{
  destination = stderr
  auth = yes
}}
security {{
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}}
thread pool {{
  start_servers = 2
  max_servers = 4
  min_spare_servers = 1
  max_spare_servers = 4
}}
client twofold {{
  ipaddr = 127.0.0.1
  secret = "{secret}"
  require_message_authenticator = yes
}}
modules {{
  pap {{
  }}
  files {{
    filename = {d}/users
  }}
}}
server default {{
  listen {{
    type = auth
    ipaddr = 127.0.0.1
    port = {port}
  }}
  authorize {{
    update reply {{
      Message-Authenticator := 0x00
    }}
    files
    pap
  }}
  authenticate {{
    Auth-Type PAP {{
      pap
    }}
  }}
  post-auth {{
    Post-Auth-Type REJECT {{
      update reply {{
        Message-Authenticator := 0x00
      }}
    }}
  }}
}}
"#
    )
}
