//! twofold-app's integration tests: the real app window under Xvfb, driven over WebDriver
//! (tauri-driver + WebKitWebDriver), with screenshots in `target/e2e-screens/`; and the
//! app's benchmark (ignored by default: `cargo test -p twofold-app --test it -- --ignored
//! --nocapture bench`).
//!
//! Needs what `scripts/setup.sh test` installs: Xvfb, WebKitWebDriver, tauri-driver,
//! ImageMagick, oathtool, and the screens built (`npm --prefix ui run build`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod bench;
mod e2e;
mod e2e_export;
mod e2e_icons;
mod e2e_privacy;
mod e2e_push;
mod e2e_refresh;
mod harness;
mod mobile_config;
