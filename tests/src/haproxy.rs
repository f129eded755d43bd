//! A real HAProxy (Debian `haproxy`) in front of a cluster's nodes: a generated
//! configuration in a temporary directory, one frontend on a free loopback port, round
//! robin over the nodes with `/health` checks. Killed (with its process group) when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::temp::temp_dir;
use crate::Result;

/// How long HAProxy may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct HaProxy {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`: what devices and relying parties talk to.
    pub url: String,
    pub config_path: PathBuf,
    pub log_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// A free TCP port on 127.0.0.1 (bound and released: the caller binds it next).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl HaProxy {
    /// Starts HAProxy in front of `nodes` (`host:port` each).
    pub fn start(nodes: &[String]) -> Result<Self> {
        let dir = temp_dir("haproxy")?;
        let port = free_port()?;
        let config_path = dir.path().join("haproxy.cfg");
        std::fs::write(&config_path, config(port, nodes))?;
        let log_path = dir.path().join("haproxy.log");
        let log = std::fs::File::create(&log_path)?;
        let mut command = Command::new("haproxy");
        // -db: stay in the foreground, no daemon.
        command
            .arg("-db")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().map_err(|e| {
            Error::new(format!(
                "cannot run haproxy ({e}); scripts/setup.sh test installs it"
            ))
        })?;
        let mut proxy = Self {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            config_path,
            log_path,
            _dir: dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(child) = proxy.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    proxy.child = None;
                    return Err(Error::new(format!(
                        "haproxy exited ({status}): {}",
                        proxy.log()
                    )));
                }
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "haproxy did not listen within {START_TIMEOUT:?}: {}",
                    proxy.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(proxy)
    }

    /// What HAProxy logged (start-up warnings, servers going up and down).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole process group: nothing is left listening after a failed test.
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The configuration: the same shape as the production example in the README, with health
/// checks fast enough for tests.
///
/// Retries: `retry-on conn-failure` with `option redispatch` retries a request on another
/// node only when the connection to the first one could not be established, so the request
/// never reached it. That is safe for a POST. Retrying on anything later (an empty response,
/// a timeout, a reset after sending) could run a sign-in twice: the first node may have
/// decided and audited it before it died, and the client would be acknowledged for the
/// second decision while the first stands in the audit (a code accepted by a node the client
/// never heard back from). Such a request fails with 502 and the client decides (a relying
/// party asks the user again). Long polls (`GET /v1/auth/{txid}`) are safe to repeat; the
/// client repeats them itself.
fn config(port: u16, nodes: &[String]) -> String {
    let mut out = format!(
        "global
    maxconn 2000
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option redispatch
    retries 3
    retry-on conn-failure
    timeout connect 1s
    # The longest answer a node takes: a synchronous push waits up to 30 s.
    timeout server 40s
    timeout client 40s
    # An upgraded WebSocket (the device channel) is a tunnel: it stays open while the
    # device and the node exchange pings.
    timeout tunnel 1h
    timeout client-fin 1s
    timeout server-fin 1s

frontend twofold
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server inter 200ms fastinter 100ms downinter 200ms fall 1 rise 1
"
    );
    for (i, node) in nodes.iter().enumerate() {
        out.push_str(&format!("    server node{i} {node} check\n"));
    }
    out
}
