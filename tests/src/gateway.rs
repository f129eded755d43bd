//! [`TestGateway`]: a real HTTP gateway for text-message and voice codes, the
//! `test-gateway` binary of this kit, on 127.0.0.1 and a free port, in its own process
//! group, stopped when dropped. Tests point `[sms]`/`[voice] gateway_url` at
//! [`TestGateway::url`], read what the server sent from [`TestGateway::received`] (the code
//! with [`TestGateway::last_code`]) and make it fail or hang with [`TestGateway::set_mode`].

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use serde::Deserialize;

use crate::binary::kit_binary;
use crate::error::Error;
use crate::Result;

/// One request the gateway received.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// The query string, as sent (percent-encoded).
    pub query: String,
    /// Header names in lower case.
    pub headers: std::collections::BTreeMap<String, String>,
    pub body: String,
}

impl Received {
    /// The first run of `digits` digits in the body (or, for a GET, the query): the code.
    pub fn code(&self, digits: usize) -> Option<String> {
        let text = if self.body.is_empty() {
            &self.query
        } else {
            &self.body
        };
        text.as_bytes()
            .split(|b| !b.is_ascii_digit())
            .find(|run| run.len() == digits)
            .map(|run| String::from_utf8_lossy(run).into_owned())
    }
}

/// How the gateway answers gateway requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200 with a small JSON body.
    Ok,
    /// 500.
    Fail,
    /// No answer (until the client gives up).
    Hang,
}

pub struct TestGateway {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    http: reqwest::Client,
}

impl TestGateway {
    /// Starts a gateway (building the binary first when needed).
    pub fn start() -> Result<Self> {
        let mut child = Command::new(kit_binary("test-gateway")?)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::new(format!("cannot start test-gateway: {e}")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::new("test-gateway has no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(base) = line.trim().strip_prefix("listening on ").map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::new(format!(
                "test-gateway printed {line:?} instead of its address"
            )));
        };
        Ok(Self {
            child,
            base,
            http: reqwest::Client::new(),
        })
    }

    /// The URL to configure as `gateway_url`: `http://127.0.0.1:PORT/send`.
    pub fn url(&self) -> String {
        format!("{}/send", self.base)
    }

    /// Every gateway request received so far, oldest first.
    pub async fn received(&self) -> Result<Vec<Received>> {
        let response = self
            .http
            .get(format!("{}/_test/received", self.base))
            .send()
            .await?;
        Ok(response.json().await?)
    }

    /// The code (`digits` digits) in the last request received.
    pub async fn last_code(&self, digits: usize) -> Result<String> {
        let received = self.received().await?;
        let last = received
            .last()
            .ok_or_else(|| Error::new("the gateway received nothing"))?;
        last.code(digits)
            .ok_or_else(|| Error::new(format!("no {digits}-digit code in {last:?}")))
    }

    pub async fn set_mode(&self, mode: Mode) -> Result<()> {
        let text = match mode {
            Mode::Ok => "ok",
            Mode::Fail => "fail",
            Mode::Hang => "hang",
        };
        let response = self
            .http
            .put(format!("{}/_test/mode", self.base))
            .body(text)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(Error::new(format!(
                "test-gateway refused mode {text}: {}",
                response.status()
            )));
        }
        Ok(())
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        // Its own process group: nothing it started survives it.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
