//! twofold-bench: the benchmark of issue 17. It measures `POST /v1/auth` of the real server
//! (wrong codes for one user; valid codes, each request another user's current code) with
//! `wrk`, next to `twofold-ceiling` (a trivial handler for the same JSON) measured in the same
//! run, and prints every figure as a share of that ceiling, with the server's CPU time per
//! request (from `/proc/PID/stat`) and its memory. It talks to 127.0.0.1 only.

mod process;
mod report;
mod setup;
mod wrk;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};

use clap::{Parser, ValueEnum};
use twofold_testkit::{now, Engine, Error, ServerProcess};

use self::report::{Measured, Phase};

#[derive(Debug, Parser)]
#[command(
    name = "twofold-bench",
    about = "Benchmark of /v1/auth against a trivial ceiling handler measured in the same run (issue 17).",
    long_about = "Starts twofold-ceiling and the real server (its own temporary data directory, or a fresh \
database on TWOFOLD_TEST_POSTGRES_URL), imports USERS users with one TOTP token each, then runs \
`wrk -t1 -cCONNECTIONS -dSECONDS` three times: the ceiling, the server with a wrong code for one user, \
and the server with each user's current code once. Prints requests/s, p50/p99 latency, the server's \
CPU time per request and its RSS, and the issue's goal table with each figure as a share of the \
ceiling. The lockout is raised for the run (a wrong code is measured, not a lockout).",
    after_help = "Examples:\n  twofold-bench\n  twofold-bench --engine sqlite --engine postgres --users 30000\n  \
twofold-bench --profile /tmp/profiles    # perf record of the server during each run\n\n\
scripts/bench.sh builds the release binaries and runs this on both engines."
)]
struct Args {
    /// Storage of the server (repeat for both; postgres needs TWOFOLD_TEST_POSTGRES_URL).
    #[arg(long, value_enum, default_values_t = [EngineArg::Sqlite])]
    engine: Vec<EngineArg>,
    /// Users with a token each: at most this many valid-code requests per engine.
    #[arg(long, default_value_t = 20_000)]
    users: usize,
    /// Seconds per wrk run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// wrk connections (requests in flight).
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Record a CPU profile of the server (`perf record -g -p PID`) per run into this
    /// directory, with `perf report --no-children --percent-limit 2` beside it.
    #[arg(long)]
    profile: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    Sqlite,
    Postgres,
}

fn main() -> ExitCode {
    twofold_testkit::tool_main::run(run(Args::parse()))
}

async fn run(args: Args) -> Result<(), Error> {
    let work = twofold_testkit::temp_dir("bench")?;
    let ceiling = Ceiling::start()?;
    let mut measured = Vec::new();
    for engine in &args.engine {
        let engine = match engine {
            EngineArg::Sqlite => Engine::Sqlite,
            EngineArg::Postgres => Engine::Postgres,
        };
        measured.push(bench_engine(&args, engine, &ceiling, work.path()).await?);
    }
    report::print(&args_line(&args), &measured);
    Ok(())
}

fn args_line(args: &Args) -> String {
    format!(
        "wrk -t1 -c{} -d{}s, {} users",
        args.connections, args.seconds, args.users
    )
}

/// The three runs for one engine.
async fn bench_engine(
    args: &Args,
    engine: Engine,
    ceiling: &Ceiling,
    work: &std::path::Path,
) -> Result<Measured, Error> {
    let mut server = ServerProcess::start_with(
        engine,
        &[
            ("TWOFOLD_POLICY_LOCKOUT_THRESHOLD", "1000000000"),
            ("TWOFOLD_POLICY_LOCKOUT_PERMANENT_AFTER", "0"),
            ("RUST_LOG", "warn"),
        ],
    )
    .await?;
    let pid = server
        .pid()
        .ok_or_else(|| Error::new("the server has no process id"))?;
    let (rss_idle, _) = process::rss_kib(pid)?;
    let admin = server.admin()?;
    let (app_id, secret) = setup::application(&admin).await?;
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{app_id}:{secret}"),
    );
    let started = std::time::Instant::now();
    let wrong_user = setup::users(&admin, "bench-wrong", 1).await?;
    let users = setup::users(&admin, "bench", args.users).await?;
    eprintln!(
        "{engine}: {} users with tokens imported in {:.1} s",
        users.len(),
        started.elapsed().as_secs_f64()
    );
    let wrong = wrong_user
        .first()
        .ok_or_else(|| Error::new("no wrong-code user"))?;
    let wrong_script =
        wrk::wrong_code_script(&basic, &wrong.username, &wrong.wrong_code(now(), 3)?);

    let load = |url| wrk::Load {
        url,
        connections: args.connections,
        seconds: args.seconds,
    };
    let ceiling_run = measure(
        args,
        ceiling.pid(),
        &format!("{engine}-ceiling"),
        &load(&ceiling.url),
        &wrong_script,
        work,
    )?;
    let wrong_run = measure(
        args,
        pid,
        &format!("{engine}-wrong-code"),
        &load(&server.url),
        &wrong_script,
        work,
    )?;
    let at = now();
    let codes = users
        .iter()
        .map(|u| Ok((u.username.clone(), u.code(at)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let valid_run = measure(
        args,
        pid,
        &format!("{engine}-valid-code"),
        &load(&server.url),
        &wrk::valid_codes_script(&basic, &codes),
        work,
    )?;
    let (rss_after, rss_peak) = process::rss_kib(pid)?;
    server.stop()?;
    Ok(Measured {
        engine,
        ceiling: ceiling_run,
        wrong: wrong_run,
        valid: valid_run,
        rss_idle_kib: rss_idle,
        rss_after_kib: rss_after,
        rss_peak_kib: rss_peak,
    })
}

/// One wrk run against the process `pid`, with its CPU time and (when asked) its profile.
fn measure(
    args: &Args,
    pid: u32,
    name: &str,
    load: &wrk::Load<'_>,
    script: &str,
    work: &std::path::Path,
) -> Result<Phase, Error> {
    let profile = match &args.profile {
        Some(dir) => Some(process::Profile::start(pid, dir, name)?),
        None => None,
    };
    let cpu_before = process::cpu_micros(pid)?;
    let run = wrk::run(load, script, &work.join(format!("{name}.lua")))?;
    let cpu = process::cpu_micros(pid)?.saturating_sub(cpu_before);
    if let Some(profile) = profile {
        eprintln!("{name}: profile in {}", profile.finish()?.display());
    }
    eprintln!(
        "{name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} expected answers, {} others {}",
        run.per_second, run.p50_ms, run.p99_ms, run.expected, run.other, run.first_other
    );
    Ok(Phase {
        run,
        cpu_micros: cpu,
    })
}

/// `twofold-ceiling`, started from beside this executable and stopped on drop.
struct Ceiling {
    child: Child,
    url: String,
}

impl Ceiling {
    fn start() -> Result<Self, Error> {
        let exe = std::env::current_exe()?;
        let binary = exe.with_file_name("twofold-ceiling");
        let mut child = Command::new(&binary)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::new(format!("cannot start {}: {e}", binary.display())))?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout).read_line(&mut line)?;
        }
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_owned)
            .ok_or_else(|| Error::new(format!("twofold-ceiling said {line:?}")));
        match url {
            Ok(url) => Ok(Self { child, url }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
