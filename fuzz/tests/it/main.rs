//! Replays every fuzz input kept in the repository (`fuzz/corpus/<target>/`: the seeds and
//! what the fuzzer found worth keeping; `fuzz/regressions/<target>/`: every crash found, kept
//! after its fix) through the same entry points the libFuzzer binaries call. No fuzzer is
//! needed: this is the normal test run's guard that a fixed crash stays fixed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use twofold_fuzz::TARGETS;

mod radius_seeds;
mod web_seeds;

/// Longer than this for one input is a hang worth a look (the fuzz run's limit is 10 s).
const SLOW: Duration = Duration::from_secs(5);

/// The files of `fuzz/<kind>/<target>/`, sorted (none when the folder does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_runs_through_its_target() {
    let mut total = 0;
    for (target, run) in TARGETS {
        let corpus = inputs("corpus", target);
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{target}/ has no seed input"
        );
        let regressions = inputs("regressions", target);
        for file in corpus.iter().chain(&regressions) {
            let data = std::fs::read(file).unwrap();
            let started = Instant::now();
            run(&data);
            assert!(
                started.elapsed() < SLOW,
                "{target}: {} took {:?}",
                file.display(),
                started.elapsed()
            );
            total += 1;
        }
        eprintln!(
            "{target}: {} corpus and {} regression inputs",
            corpus.len(),
            regressions.len()
        );
    }
    assert!(total >= TARGETS.len());
}

/// Every target has a libFuzzer binary, declared in `targets/Cargo.toml`, that calls it.
#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("targets/Cargo.toml")).unwrap();
    for (target, _) in TARGETS {
        let source = root.join(format!("targets/fuzz_targets/{target}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        let call = format!("twofold_fuzz::{}(", entry_name(target));
        assert!(text.contains(&call), "{target}: {call}");
        let bin = format!("name = \"{target}\"");
        assert!(manifest.contains(&bin), "{target}: {bin}");
    }
}

/// The function a target's binary calls (`import_2fas` calls `import_twofas`).
fn entry_name(target: &str) -> &str {
    match target {
        "import_2fas" => "import_twofas",
        other => other,
    }
}
