//! Where the real `twofold-server` binary is, and making sure it is built from this source.
//!
//! Cargo offers `CARGO_BIN_EXE_<name>` only for binaries of the crate under test, and
//! artifact dependencies are unstable, so the harness finds the binary itself:
//!
//! 1. `TWOFOLD_SERVER_BIN`, when set, names the binary to run (nothing is built).
//! 2. Otherwise the binary cargo builds next to the running executable
//!    (`<target>/<profile>/twofold-server`; tests run from `<target>/<profile>/deps/`). Before
//!    first use, the harness runs `cargo build -p twofold-server --bin twofold-server` for
//!    that target directory and profile, so `cargo nextest run -p twofold-testkit` never runs a
//!    stale server. A stamp file keyed by this executable's path and modification time makes
//!    that happen once per build of the tests rather than once per test process (nextest
//!    runs each test in its own process); since this crate depends on the server library,
//!    any change in `backend/` rebuilds this executable and so invalidates the stamp.
//! 3. With `TWOFOLD_KIT_PREBUILT=1` the binaries next to the running executable are taken as
//!    built by the caller: `scripts/test.sh` builds the whole workspace first, with the
//!    features the test run resolves. The kit's own `cargo build -p ...` would resolve other
//!    features for the dependencies and compile most of them a second time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::error::Error;
use crate::Result;

const NAME: &str = "twofold-server";
/// Set to `1` by a caller that built the kit's binaries itself (see the module's item 3).
const PREBUILT: &str = "TWOFOLD_KIT_PREBUILT";

/// The server binary, built if needed. Cached for the life of the process.
pub fn server_binary() -> Result<PathBuf> {
    static BINARY: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BINARY
        .get_or_init(|| locate(NAME, NAME).map_err(|e| e.0))
        .clone()
        .map_err(Error)
}

/// A binary of this kit (`src/bin/<name>.rs`, e.g. the test SMS gateway), found and built
/// the same way as the server. Cached for the life of the process.
pub fn kit_binary(name: &'static str) -> Result<PathBuf> {
    static BINARIES: std::sync::Mutex<Vec<(&'static str, PathBuf)>> =
        std::sync::Mutex::new(Vec::new());
    let mut built = BINARIES
        .lock()
        .map_err(|_| Error::new("the kit binaries lock is poisoned"))?;
    if let Some((_, path)) = built.iter().find(|(n, _)| *n == name) {
        return Ok(path.clone());
    }
    let path = locate("twofold-testkit", name)?;
    built.push((name, path.clone()));
    Ok(path)
}

fn locate(package: &str, name: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("TWOFOLD_SERVER_BIN").filter(|_| name == NAME) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::new(format!(
                "TWOFOLD_SERVER_BIN={} is not a file",
                path.display()
            )))
        };
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe
        .parent()
        .ok_or_else(|| Error::new("the test executable has no directory"))?
        .to_owned();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    // dir is <target>/<profile> (or <target>/<triple>/<profile>).
    let profile_dir = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::new(format!("cannot tell the profile of {}", dir.display())))?
        .to_owned();
    let target_dir = dir
        .parent()
        .ok_or_else(|| Error::new("no target directory"))?
        .to_owned();
    let binary = dir.join(name);
    let prebuilt = std::env::var_os(PREBUILT).is_some_and(|v| v == "1");
    if !prebuilt {
        build_once(&exe, &target_dir, &profile_dir, package, name)?;
    }
    if binary.is_file() {
        Ok(binary)
    } else if prebuilt {
        Err(Error::new(format!(
            "{} is missing: {PREBUILT}=1 says it was built, but it was not \
             (cargo build --workspace --bins --tests)",
            binary.display()
        )))
    } else {
        Err(Error::new(format!(
            "{} is missing after building it",
            binary.display()
        )))
    }
}

fn build_once(
    exe: &Path,
    target_dir: &Path,
    profile_dir: &str,
    package: &str,
    name: &str,
) -> Result<()> {
    let modified = std::fs::metadata(exe)?
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let stamp_key = format!("{}\n{modified}\n", exe.display());
    let stamp = target_dir.join(profile_dir).join(format!(
        "{name}.built-for-{}",
        exe.file_name().and_then(|n| n.to_str()).unwrap_or("tests")
    ));
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == stamp_key) {
        return Ok(());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            "--bin",
            name,
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir);
    if package == NAME {
        // The test clock hook (TWOFOLD_TEST_CLOCK_OFFSET_SECONDS): cluster tests run nodes
        // whose clocks disagree. Never in a release build.
        command.args(["--features", "twofold-server/test-clock"]);
    }
    match profile_dir {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    let output = command
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo to build {name}: {e}")))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "cargo build -p {package} --bin {name} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    std::fs::write(&stamp, stamp_key)?;
    Ok(())
}
