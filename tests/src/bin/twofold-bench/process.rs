//! What a process spent: CPU time from `/proc/PID/stat` (all its threads; contention from
//! other processes on the machine changes it far less than it changes wall-clock rates),
//! resident memory from `/proc/PID/status`, and an optional `perf record` of that process
//! alone while a load runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use twofold_testkit::Error;

/// Linux reports `utime`/`stime` in USER_HZ ticks, which is 100 on every architecture
/// (`sysconf(_SC_CLK_TCK)`; the kernel's own HZ is not exported through these fields).
const TICKS_PER_SECOND: u64 = 100;

/// CPU time a process has used so far, in microseconds (user + system, all threads).
pub fn cpu_micros(pid: u32) -> Result<u64, Error> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count from the
    // last ')'. utime and stime are fields 14 and 15, so 12th and 13th after it.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| Error::new(format!("/proc/{pid}/stat: no command name")))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| -> Result<u64, Error> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| Error::new(format!("/proc/{pid}/stat: field {} unreadable", i + 3)))
    };
    let ticks = field(11)? + field(12)?;
    Ok(ticks * 1_000_000 / TICKS_PER_SECOND)
}

/// (current RSS, peak RSS) in KiB: `VmRSS` and `VmHWM`.
pub fn rss_kib(pid: u32) -> Result<(u64, u64), Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let value = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Error::new(format!("/proc/{pid}/status has no {key}")))
    };
    Ok((value("VmRSS:")?, value("VmHWM:")?))
}

/// A `perf record -g` of one process, written to `<dir>/<name>.data`; its report is made
/// when it stops.
pub struct Profile {
    child: Child,
    data: PathBuf,
    report: PathBuf,
}

impl Profile {
    pub fn start(pid: u32, dir: &Path, name: &str) -> Result<Self, Error> {
        std::fs::create_dir_all(dir)?;
        let data = dir.join(format!("{name}.data"));
        let child = Command::new("perf")
            .args(["record", "-g", "-q", "-o"])
            .arg(&data)
            .args(["-p", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::new(format!("cannot run perf (linux-perf): {e}")))?;
        Ok(Self {
            child,
            data,
            report: dir.join(format!("{name}.txt")),
        })
    }

    /// Stops recording (SIGINT, as Ctrl-C would: perf then writes its file) and writes the
    /// flat report, `perf report --no-children --percent-limit 2`. Returns its path.
    pub fn finish(mut self) -> Result<PathBuf, Error> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            return Err(Error::new("cannot stop perf record"));
        }
        self.child.wait()?;
        let output = Command::new("perf")
            .args([
                "report",
                "--no-children",
                "--percent-limit",
                "2",
                "--stdio",
                "-i",
            ])
            .arg(&self.data)
            .stderr(Stdio::null())
            .output()?;
        std::fs::write(&self.report, &output.stdout)?;
        Ok(self.report)
    }
}
