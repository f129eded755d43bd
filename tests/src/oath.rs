//! Codes from the independent OATH Toolkit (`oathtool`), and the clock the tests share with
//! the server. Every crate's cross-checks go through [`oathtool_args`], so a missing or failing
//! `oathtool` reads the same everywhere.

use std::process::Command;

use crate::error::Error;
use crate::Result;

/// Unix seconds now: the test kit's one reading of the wall clock.
#[allow(clippy::disallowed_methods)]
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// What `oathtool ARGS` prints, trimmed; an error when it cannot run or fails.
pub fn oathtool_args<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Result<String> {
    let output = Command::new("oathtool").args(args).output().map_err(|e| {
        Error::new(format!(
            "cannot run oathtool ({e}); scripts/setup.sh test installs it (apt package oathtool)"
        ))
    })?;
    if !output.status.success() {
        let args: Vec<_> = args.iter().map(AsRef::as_ref).collect();
        return Err(Error::new(format!(
            "oathtool {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The 6-digit TOTP code (SHA1, 30 s: what the server issues to devices) that `oathtool`
/// computes for `secret_b32` at `now`.
pub fn oathtool(secret_b32: &str, now: u64) -> Result<String> {
    let code = oathtool_args(&["--totp", "--base32", &format!("--now=@{now}"), secret_b32])?;
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!("oathtool printed {code:?}")));
    }
    Ok(code)
}

/// The 6-digit HOTP code (SHA1) that `oathtool` computes for `secret_b32` at `counter`.
pub fn oathtool_hotp(secret_b32: &str, counter: u64) -> Result<String> {
    oathtool_args(&[
        "--hotp",
        "--base32",
        &format!("--counter={counter}"),
        secret_b32,
    ])
}
