//! Runs `wrk` with a Lua script and reads its answer. The scripts count every response
//! whose body does not carry the expected `reason` (a load that measured errors is no
//! measure), and the valid-code script sends each user's code once, then stops.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use twofold_testkit::Error;

/// One wrk run's figures.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub requests: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses with the expected reason, and the others (with the first one's text).
    pub expected: u64,
    pub other: u64,
    pub first_other: String,
}

/// How wrk loads the server.
pub struct Load<'a> {
    pub url: &'a str,
    pub connections: u32,
    pub seconds: u64,
}

/// The part every script shares: headers, counting answers, the summary line.
fn common(basic: &str, expect: &str) -> String {
    format!(
        r#"wrk.method = "POST"
wrk.path = "/v1/auth"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic {basic}"
expected, other, first_other = 0, 0, ""
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status == 200 and string.find(body, '"reason":"{expect}"', 1, true) then
    expected = expected + 1
  else
    other = other + 1
    if first_other == "" then first_other = status .. " " .. string.sub(body, 1, 200) end
  end
end
function done(summary, latency, requests)
  local e, o, f = 0, 0, ""
  for _, t in ipairs(threads) do
    e = e + t:get("expected")
    o = o + t:get("other")
    if f == "" then f = t:get("first_other") end
  end
  io.write(string.format("twofold-bench: expected=%d other=%d first_other=%s\n", e, o, f))
end
"#
    )
}

fn lua_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let _ = write!(out, "\\{}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

fn body(username: &str, code: &str) -> String {
    serde_json::json!({"username": username, "factor": "passcode", "passcode": code}).to_string()
}

/// The same wrong code for one user, every request (answered `invalid_code`).
pub fn wrong_code_script(basic: &str, username: &str, code: &str) -> String {
    let mut lua = common(basic, "invalid_code");
    let _ = writeln!(lua, "wrk.body = {}", lua_string(&body(username, code)));
    lua
}

/// Each request another user's current code (answered `verified`); once every code was
/// sent the thread stops, so no request is a replay.
pub fn valid_codes_script(basic: &str, codes: &[(String, String)]) -> String {
    let mut lua = common(basic, "verified");
    lua.push_str("local bodies = {\n");
    for (username, code) in codes {
        let _ = writeln!(lua, "  {},", lua_string(&body(username, code)));
    }
    lua.push_str(
        r#"}
local next_body = 0
function request()
  next_body = next_body + 1
  if next_body >= #bodies then wrk.thread:stop() end
  return wrk.format(nil, nil, nil, bodies[math.min(next_body, #bodies)])
end
"#,
    );
    lua
}

/// Runs wrk with `script` (written to `path`).
pub fn run(load: &Load<'_>, script: &str, path: &Path) -> Result<Run, Error> {
    std::fs::write(path, script)?;
    let output = Command::new("wrk")
        .args(["-t1", "--latency", "--timeout", "10s"])
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds))
        .arg("-s")
        .arg(path)
        .arg(format!("{}/v1/auth", load.url))
        .output()
        .map_err(|e| Error::new(format!("cannot run wrk: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(Error::new(format!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    parse(&text).ok_or_else(|| Error::new(format!("cannot read wrk's output:\n{text}")))
}

/// `1.23ms`, `456.00us`, `1.20s` in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (text.strip_suffix('s')?, 1000.0)
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

fn parse(text: &str) -> Option<Run> {
    let mut run = Run::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => run.p50_ms = millis(value)?,
            ["99%", value] => run.p99_ms = millis(value)?,
            [count, "requests", "in", duration, ..] => {
                run.requests = count.parse().ok()?;
                run.seconds = millis(duration.trim_end_matches(','))? / 1000.0;
            }
            ["Requests/sec:", value] => run.per_second = value.parse().ok()?,
            _ => {}
        }
        if let Some(rest) = line.strip_prefix("twofold-bench: ") {
            let mut parts = rest.splitn(3, ' ');
            let number = |p: Option<&str>, key: &str| {
                p.and_then(|p| p.strip_prefix(key))
                    .and_then(|v| v.parse::<u64>().ok())
            };
            run.expected = number(parts.next(), "expected=")?;
            run.other = number(parts.next(), "other=")?;
            run.first_other = parts
                .next()
                .and_then(|p| p.strip_prefix("first_other="))
                .unwrap_or_default()
                .to_owned();
        }
    }
    (run.requests > 0).then_some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 10s test @ http://127.0.0.1:1/v1/auth\n  1 threads and 64 connections\n\
  Latency Distribution\n     50%  840.00us\n     75%    1.20ms\n     90%    2.00ms\n     99%    5.10ms\n\
  476301 requests in 10.00s, 61.32MB read\nRequests/sec:  47630.10\nTransfer/sec:      6.13MB\n\
twofold-bench: expected=476300 other=1 first_other=401 nope\n";
        let run = parse(text).unwrap_or_default();
        assert_eq!(run.requests, 476_301);
        assert!((run.p50_ms - 0.84).abs() < 1e-9);
        assert!((run.p99_ms - 5.1).abs() < 1e-9);
        assert!((run.per_second - 47_630.1).abs() < 1e-9);
        assert_eq!((run.expected, run.other), (476_300, 1));
        assert_eq!(run.first_other, "401 nope");
    }
}
