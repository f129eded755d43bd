//! Codes from the independent OATH Toolkit, and the clock the tests share with the server.

use std::process::Command;

use crate::error::Error;
use crate::Result;

/// Unix seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The 6-digit TOTP code (SHA1, 30 s: what the server issues to devices) that `oathtool`
/// computes for `secret_b32` at `now`.
pub fn oathtool(secret_b32: &str, now: u64) -> Result<String> {
    let output = Command::new("oathtool")
        .args(["--totp", "--base32", &format!("--now=@{now}")])
        .arg(secret_b32)
        .output()
        .map_err(|e| {
            Error::new(format!(
                "cannot run oathtool ({e}); scripts/setup.sh test installs it (apt package oathtool)"
            ))
        })?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "oathtool failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let code = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!("oathtool printed {code:?}")));
    }
    Ok(code)
}
