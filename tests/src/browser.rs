//! A real headless Chromium, driven over WebDriver (`chromedriver` from Debian's
//! `chromium-driver`), for the tests of the web pages: phone and desktop sizes, light and dark
//! colour schemes, screenshots to `target/web-screens/`, and axe-core accessibility checks.
//!
//! Phone pages are 390 px wide: headless Chromium's window has a minimum width (about
//! 500 px), so [`Chromedriver::page`] emulates the phone's metrics over DevTools
//! (`Emulation.setDeviceMetricsOverride`) and the screenshots come out 390 px wide.
//!
//! [`Chromedriver::start`] runs `chromedriver` on a free loopback port in its own process
//! group; dropping it ends that group (chromedriver and every Chromium it started), also
//! after a failed test. Each [`Page`] is one browser session with its own profile directory.
//!
//! axe-core comes from npm (`ui/` devDependencies, installed by `scripts/setup.sh test`) and
//! is injected with WebDriver's execute-script, which a page's Content-Security-Policy does
//! not govern; only `serious` and `critical` violations are reported.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::error::Error;
use crate::temp::temp_dir;
use crate::Result;

const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The window sizes the pages are checked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewport {
    /// 390x844, a current phone.
    Phone,
    /// 1280x800.
    Desktop,
}

impl Viewport {
    pub const ALL: [Viewport; 2] = [Viewport::Phone, Viewport::Desktop];

    fn size(self) -> (u32, u32) {
        match self {
            Viewport::Phone => (390, 844),
            Viewport::Desktop => (1280, 800),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Viewport::Phone => "phone",
            Viewport::Desktop => "desktop",
        }
    }
}

/// `prefers-color-scheme` as the page sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Light,
    Dark,
}

impl Scheme {
    pub const ALL: [Scheme; 2] = [Scheme::Light, Scheme::Dark];

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Light => "light",
            Scheme::Dark => "dark",
        }
    }
}

/// A running chromedriver.
pub struct Chromedriver {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Chromedriver {
    /// Starts `chromedriver` (on `PATH`, or `$TWOFOLD_CHROMEDRIVER`) on 127.0.0.1 and a free
    /// port, and waits until it answers.
    pub fn start() -> Result<Self> {
        let program =
            std::env::var("TWOFOLD_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let dir = temp_dir("chromedriver")?;
        let port = free_port()?;
        let log = std::fs::File::create(dir.path().join("chromedriver.log"))?;
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|e| {
                Error::new(format!(
                    "cannot start {program} ({e}): install chromium and chromium-driver (scripts/setup.sh test)"
                ))
            })?;
        let driver = Self { child, port, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "chromedriver did not listen on port {port} within {START_TIMEOUT:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// A new browser session at `viewport` in `scheme`, JavaScript on (WebDriver needs it to
    /// run axe; the pages themselves have none).
    pub async fn page(&self, viewport: Viewport, scheme: Scheme) -> Result<Page> {
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(self.dir.path())?;
        let (w, h) = viewport.size();
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={w},{h}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if scheme == Scheme::Dark {
            // Blink's PreferredColorScheme: 0 is dark, 1 light.
            args.push("--blink-settings=preferredColorScheme=0".to_owned());
            args.push("--force-dark-mode".to_owned());
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"args": args, "binary": chromium_binary()}),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| Error::new(format!("no WebDriver session: {e}")))?;
        if viewport == Viewport::Phone {
            // Headless Chromium keeps its window at least ~500 px wide whatever
            // --window-size says, so a phone's width is emulated through DevTools instead.
            client
                .issue_cmd(Cdp {
                    cmd: "Emulation.setDeviceMetricsOverride",
                    params: json!({"width": w, "height": h, "deviceScaleFactor": 1, "mobile": true}),
                })
                .await
                .map_err(cmd)?;
        }
        let page = Page {
            client,
            viewport,
            scheme,
            _profile: profile,
        };
        Ok(page)
    }
}

/// A Chrome DevTools Protocol command through chromedriver's passthrough
/// (`POST /session/{id}/goog/cdp/execute`, a chromedriver extension command).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// The width in pixels of a PNG image (its IHDR chunk, PNG spec §11.2.2), if it is one.
pub fn png_width(png: &[u8]) -> Option<u32> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if png.len() < 24 || &png[..8] != SIGNATURE || &png[12..16] != b"IHDR" {
        return None;
    }
    Some(u32::from_be_bytes([png[16], png[17], png[18], png[19]]))
}

fn chromium_binary() -> String {
    std::env::var("TWOFOLD_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and the browsers it started.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

/// One browser session.
pub struct Page {
    pub client: Client,
    pub viewport: Viewport,
    pub scheme: Scheme,
    _profile: tempfile::TempDir,
}

/// Where screenshots go: `<target dir>/web-screens/`.
pub fn screens_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("web-screens")
}

fn axe_source() -> Result<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).map_err(|e| {
        Error::new(format!(
            "cannot read {} ({e}): run scripts/setup.sh test (npm ci in ui/)",
            path.display()
        ))
    })
}

fn cmd(e: fantoccini::error::CmdError) -> Error {
    Error::new(format!("WebDriver: {e}"))
}

impl Page {
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client.goto(url).await.map_err(cmd)
    }

    /// What the page's media queries see, to check the session is in the scheme it was
    /// asked for.
    pub async fn prefers_dark(&self) -> Result<bool> {
        let v = self
            .client
            .execute(
                "return window.matchMedia('(prefers-color-scheme: dark)').matches",
                vec![],
            )
            .await
            .map_err(cmd)?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// Saves the viewport as `target/web-screens/<name>-<scheme>-<viewport>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await.map_err(cmd)?;
        let dir = screens_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!(
            "{name}-{}-{}.png",
            self.scheme.name(),
            self.viewport.name()
        ));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Runs axe-core on the current page; the `serious` and `critical` violations, one line
    /// each (rule, impact, the first offending element).
    pub async fn axe(&self) -> Result<Vec<String>> {
        let source = axe_source()?;
        self.client
            .execute(&format!("{source}\n;return typeof axe;"), vec![])
            .await
            .map_err(cmd)?;
        let answer = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {resultTypes: ['violations']})\
                   .then(r => done(JSON.stringify(r.violations)))\
                   .catch(e => done(JSON.stringify({error: String(e)})));",
                vec![],
            )
            .await
            .map_err(cmd)?;
        let text = answer.as_str().unwrap_or("[]");
        let parsed: Value = serde_json::from_str(text)?;
        if let Some(error) = parsed.get("error") {
            return Err(Error::new(format!("axe failed: {error}")));
        }
        let mut found = Vec::new();
        for v in parsed.as_array().cloned().unwrap_or_default() {
            let impact = v["impact"].as_str().unwrap_or("");
            if impact == "serious" || impact == "critical" {
                found.push(format!(
                    "{} ({impact}): {} at {}",
                    v["id"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or(""),
                    v["nodes"][0]["target"]
                ));
            }
        }
        Ok(found)
    }

    pub async fn close(self) -> Result<()> {
        self.client.close().await.map_err(cmd)
    }
}

pub mod console;
