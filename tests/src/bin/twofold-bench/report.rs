//! The benchmark's answer: the absolute figures of each run, then issue 17's goal table with
//! this run's figure beside "today" (the issue's) and the goal. Rows this benchmark cannot
//! measure say where they are measured, or that nothing measures them yet.

use twofold_testkit::Engine;

use crate::wrk::Run;

/// One wrk run and the CPU time the measured process spent during it.
pub struct Phase {
    pub run: Run,
    pub cpu_micros: u64,
}

impl Phase {
    fn cpu_per_request(&self) -> f64 {
        if self.run.requests == 0 {
            return 0.0;
        }
        self.cpu_micros as f64 / self.run.requests as f64
    }
}

/// Everything measured on one engine.
pub struct Measured {
    pub engine: Engine,
    pub ceiling: Phase,
    pub wrong: Phase,
    pub valid: Phase,
    pub rss_idle_kib: u64,
    pub rss_after_kib: u64,
    pub rss_peak_kib: u64,
}

impl Measured {
    fn share(&self, phase: &Phase) -> f64 {
        if self.ceiling.run.per_second <= 0.0 {
            return 0.0;
        }
        100.0 * phase.run.per_second / self.ceiling.run.per_second
    }
}

fn row(cells: &[&str]) {
    println!("| {} |", cells.join(" | "));
}

fn met(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "no"
    }
}

pub fn print(load: &str, all: &[Measured]) {
    println!("\n## Runs ({load})\n");
    row(&[
        "engine",
        "server",
        "req/s",
        "p50",
        "p99",
        "CPU/req",
        "answers as expected",
    ]);
    row(&["---"; 7]);
    for m in all {
        for (name, phase) in [
            ("ceiling (trivial handler)", &m.ceiling),
            ("/v1/auth wrong code", &m.wrong),
            ("/v1/auth valid codes", &m.valid),
        ] {
            let r = &phase.run;
            row(&[
                &m.engine.to_string(),
                name,
                &format!("{:.0}", r.per_second),
                &format!("{:.2} ms", r.p50_ms),
                &format!("{:.2} ms", r.p99_ms),
                &format!("{:.0} µs", phase.cpu_per_request()),
                &format!("{} of {} ({} other)", r.expected, r.requests, r.other),
            ]);
        }
    }
    for m in all {
        if m.wrong.run.other + m.valid.run.other > 0 {
            println!(
                "\nWARNING ({}): unexpected answers, first: {} {}",
                m.engine, m.wrong.run.first_other, m.valid.run.first_other
            );
        }
    }

    println!("\n## Issue 17 goals (this run)\n");
    row(&["measure", "today (issue 17)", "goal", "this run", "met"]);
    row(&["---"; 5]);
    for m in all {
        let (wrong, valid) = (m.share(&m.wrong), m.share(&m.valid));
        let (today_w, today_v, goal) = match m.engine {
            Engine::Sqlite => ("3%", "~2%", 25.0),
            Engine::Postgres => ("~3%", "~3%", 20.0),
        };
        let goal_w = if m.engine == Engine::Sqlite {
            40.0
        } else {
            goal
        };
        row(&[
            &format!(
                "/v1/auth wrong code, c=64, {}: share of the ceiling",
                m.engine
            ),
            today_w,
            &format!(">= {goal_w:.0}%"),
            &format!(
                "{wrong:.1}% ({:.0} of {:.0} req/s)",
                m.wrong.run.per_second, m.ceiling.run.per_second
            ),
            met(wrong >= goal_w),
        ]);
        row(&[
            &format!("/v1/auth valid code (audit committed), {}", m.engine),
            today_v,
            &format!(">= {goal:.0}%"),
            &format!("{valid:.1}% ({:.0} req/s)", m.valid.run.per_second),
            met(valid >= goal),
        ]);
        for (name, phase) in [("wrong", &m.wrong), ("valid", &m.valid)] {
            let cpu = phase.cpu_per_request();
            row(&[
                &format!("server CPU per /v1/auth ({name} code, {})", m.engine),
                "~1,250 µs",
                "<= 100 µs",
                &format!(
                    "{cpu:.0} µs (ceiling {:.0} µs)",
                    m.ceiling.cpu_per_request()
                ),
                met(cpu <= 100.0),
            ]);
        }
        for (name, phase) in [("wrong", &m.wrong), ("valid", &m.valid)] {
            let p99 = phase.run.p99_ms;
            row(&[
                &format!("/v1/auth p99 at c=64 ({name} code, {})", m.engine),
                "123 ms",
                "< 10 ms",
                &format!("{p99:.1} ms (ceiling {:.1} ms)", m.ceiling.run.p99_ms),
                met(p99 < 10.0),
            ]);
        }
        row(&[
            &format!("server RSS idle / under this load ({})", m.engine),
            "19 MB / ?",
            "< 30 MB / < 100 MB",
            &format!(
                "{:.1} MB / {:.1} MB (peak {:.1} MB)",
                mib(m.rss_idle_kib),
                mib(m.rss_after_kib),
                mib(m.rss_peak_kib)
            ),
            met(mib(m.rss_idle_kib) < 30.0 && mib(m.rss_peak_kib) < 100.0),
        ]);
    }
    let elsewhere = [
        (
            "push round trip, 1,000 devices, 200/s: p50 / p99",
            "79 / 145 ms (at 388/s)",
            "< 2 / < 10 ms",
            "cargo bench -p twofold-server --bench push_roundtrip (printed by scripts/bench.sh)",
        ),
        (
            "push round trips per second, saturated",
            "388",
            ">= 5,000",
            "cargo bench -p twofold-server --bench push_roundtrip (printed by scripts/bench.sh)",
        ),
        (
            "devices connected to one node (push to a random one, p99 < 20 ms)",
            "1,000 tried",
            "19,000",
            "not measured by this benchmark yet",
        ),
        (
            "server RSS per idle connected device",
            "21 KiB",
            "<= 10 KiB",
            "not measured by this benchmark yet",
        ),
        (
            "cross-node push (device on B, RP on A, one PostgreSQL), p99",
            "not measured",
            "< 20 ms",
            "not measured by this benchmark yet",
        ),
        (
            "app: 1,000 accounts' codes over IPC",
            "59-76 ms",
            "< 5 ms",
            "not measured by this benchmark (app)",
        ),
    ];
    for (measure, today, goal, how) in elsewhere {
        row(&[measure, today, goal, how, "-"]);
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
