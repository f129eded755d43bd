//! The machinery of an end-to-end run that is the app's own: build the screens and the app,
//! start a virtual screen and tauri-driver on free ports, open a WebDriver session on the app,
//! save screenshots. Servers, devices and oathtool come from `twofold-testkit`.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub const WAIT: Duration = Duration::from_secs(20);

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The target directory this test binary was built into (`<target>/debug/deps/it-*`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

pub fn screens_dir() -> PathBuf {
    let dir = target_dir().join("e2e-screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn newest(path: &Path) -> SystemTime {
    let meta = std::fs::metadata(path).unwrap();
    if meta.is_dir() {
        std::fs::read_dir(path)
            .unwrap()
            .map(|e| newest(&e.unwrap().path()))
            .max()
            .unwrap_or(SystemTime::UNIX_EPOCH)
    } else {
        meta.modified().unwrap()
    }
}

fn run(command: &mut Command) {
    let status = command.status().unwrap();
    assert!(status.success(), "{command:?} failed: {status}");
}

/// The app binary cargo built for these tests, after checking that the screens it embeds
/// (`ui/dist`, built by `npm run build`, which `scripts/test.sh` runs first) are current.
pub fn app_binary() -> PathBuf {
    let ui = workspace().join("ui");
    let dist = ui.join("dist");
    let built = dist.join("assets").exists() && {
        let output = newest(&dist);
        [
            "src",
            "index.html",
            "public",
            "package-lock.json",
            "vite.config.ts",
        ]
        .iter()
        .all(|p| newest(&ui.join(p)) <= output)
    };
    assert!(
        built,
        "ui/dist is missing or older than ui/src: run `npm --prefix ui run build`, then the \
         tests again (the app embeds ui/dist when it is compiled; scripts/test.sh does this)"
    );
    PathBuf::from(env!("CARGO_BIN_EXE_twofold-app"))
}

pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // WebKitWebDriver's default port: never hand it to anyone.
        if port != 4445 {
            return port;
        }
    }
}

/// SIGTERM, then wait. (SIGKILL would leave tauri-driver's WebKitWebDriver running.)
fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A virtual screen (Xvfb) on the first free display number.
pub struct Screen {
    child: Child,
    pub display: String,
}

impl Screen {
    pub fn start(width: u32, height: u32) -> Self {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt install xvfb; scripts/setup.sh test)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let display = format!(":{}", line.trim());
        assert!(display.len() > 1, "Xvfb did not say its display");
        Self { child, display }
    }

    /// A picture of the whole virtual screen (what a person would see).
    pub fn capture(&self, name: &str) -> PathBuf {
        let path = screens_dir().join(format!("{name}.png"));
        run(Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(&path));
        path
    }

    /// Shows an image in a window of its own at (x, y), like a web page showing a QR code.
    pub fn show_image(&self, image: &Path, x: u32, y: u32) -> Shown {
        let child = Command::new("display")
            .args(["-display", &self.display, "-geometry"])
            .arg(format!("+{x}+{y}"))
            .arg(image)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("display (apt install imagemagick)");
        // Give the viewer time to map its window.
        std::thread::sleep(Duration::from_millis(1500));
        Shown(child)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

pub struct Shown(Child);

impl Drop for Shown {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// tauri-driver (with WebKitWebDriver behind it) on free ports, on `screen`.
pub struct Driver {
    child: Child,
    pub port: u16,
    display: String,
    /// HOME and XDG directories of the app (its web storage lives there).
    _home: tempfile::TempDir,
}

impl Driver {
    pub fn start(screen: &Screen, dark: bool) -> Self {
        let port = free_port();
        let mut native = free_port();
        while native == port {
            native = free_port();
        }
        let home = tempfile::tempdir().unwrap();
        let binary = which("tauri-driver")
            .or_else(|| dirs_cargo_bin("tauri-driver"))
            .expect("tauri-driver (cargo install tauri-driver --version '^2' --locked)");
        let mut command = Command::new(binary);
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", &screen.display)
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_SESSION_TYPE", "x11")
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            // Cheap Argon2id for vaults the test creates through the window.
            .env("TWOFOLD_KDF", "8,1,1")
            .env_remove("TWOFOLD_VAULT")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if dark {
            command.env("GTK_THEME", "Adwaita:dark");
        }
        let child = command.spawn().unwrap();
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            display: screen.display.clone(),
            _home: home,
        }
    }

    /// Starts the app with `args` and opens a session on its window.
    pub async fn launch(&self, app: &Path, args: &[&str]) -> Ui {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("wry"));
        capabilities.insert(
            "tauri:options".into(),
            json!({"application": app, "args": args}),
        );
        // tauri-driver listens before WebKitWebDriver behind it does: the first session
        // request can be cut short. Try again for a while.
        let deadline = Instant::now() + WAIT;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("new session: {e}; trying again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("no WebDriver session: {e}"),
            }
        };
        Ui {
            client,
            display: self.display.clone(),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn dirs_cargo_bin(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("bin").join(name)).filter(|p| p.is_file())
}

/// A render replaced the element between finding and using it.
fn stale(error: &fantoccini::error::CmdError) -> bool {
    matches!(error, fantoccini::error::CmdError::Standard(e)
        if e.error == fantoccini::error::ErrorStatus::StaleElementReference)
        // WebKitWebDriver can report it while creating the handle of an element it just found.
        || error.to_string().to_ascii_lowercase().contains("stale element")
}

/// The app's window, over WebDriver.
pub struct Ui {
    pub client: Client,
    display: String,
}

impl Ui {
    /// Waits for `css`. A render that replaces the element while the driver is looking it up
    /// ("stale element") is not a failure: look again.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            match self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(element) => return element,
                Err(e) if stale(&e) && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("{css} did not appear: {e}"),
            }
        }
    }

    /// Clicks `css`, finding it again if a render replaced it in between.
    pub async fn click(&self, css: &str) {
        for _ in 0..20 {
            match self.find(css).await.click().await {
                Ok(_) => return,
                Err(e) if stale(&e) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("click {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced");
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.unwrap();
        // Clearing fires no input event: an empty value is typed as a space and a backspace.
        let keys = if text.is_empty() { " \u{E003}" } else { text };
        element.send_keys(keys).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        for _ in 0..20 {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if stale(&e) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("text of {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced");
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// Waits until `css` matches exactly `n` elements.
    pub async fn wait_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self.count(css).await;
            if found == n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css}: {found} elements, not {n}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the text of `css` contains `part`; returns the text.
    pub async fn wait_text(&self, css: &str, part: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if text.contains(part) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{css} says {text:?}, not {part:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A screenshot of the app's window in `target/e2e-screens/NAME.png`.
    pub async fn shot(&self, name: &str) {
        // Let transitions and the toast's entrance finish.
        tokio::time::sleep(Duration::from_millis(350)).await;
        // The X server's picture of the window, not WebDriver's: WebKitWebDriver's screenshot
        // waits for a presentation update, which a page that is not changing may not make.
        let (x, y, width, height) = self.client.get_window_rect().await.unwrap();
        run(Command::new("import")
            .args(["-display", &self.display, "-window", "root", "-crop"])
            .arg(format!("{width}x{height}+{x}+{y}"))
            .arg("+repage")
            .arg(screens_dir().join(format!("{name}.png"))));
    }

    /// Resizes the window and moves it to the screen's corner, so all of it is on the
    /// (1280×800) screen and in the screenshots.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_rect(0, 0, width, height)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A PNG of a QR code holding `text`, scaled up like a web page would show it.
pub fn qr_png(text: &str, path: &Path) {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let image = code
        .render::<image::Luma<u8>>()
        .min_dimensions(300, 300)
        .build();
    image.save(path).unwrap();
}

/// The app in a real window on a new vault: a virtual screen, tauri-driver on it, and a
/// temporary directory holding `vault.twofold` (and whatever else the test writes there).
/// Destructure it and drop `driver` before `screen`.
pub struct Fresh {
    pub screen: Screen,
    pub driver: Driver,
    pub dir: tempfile::TempDir,
    pub vault: PathBuf,
    pub ui: Ui,
}

/// Launches the app on a vault that does not exist yet (the first-run screen). `dark` picks
/// the theme of this run's screenshots.
pub async fn launch_fresh(dark: bool) -> Fresh {
    let app = app_binary();
    let screen = Screen::start(1280, 800);
    let driver = Driver::start(&screen, dark);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.twofold");
    let ui = driver
        .launch(&app, &["--vault", vault.to_str().unwrap()])
        .await;
    Fresh {
        screen,
        driver,
        dir,
        vault,
        ui,
    }
}
