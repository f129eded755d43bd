#!/usr/bin/env bash
# The benchmark of issue 17 in one command: builds the release binaries, runs twofold-bench
# (wrk against /v1/auth with wrong and valid codes, next to a trivial ceiling handler measured
# in the same run; SQLite, then PostgreSQL from scripts/postgres.sh), then the push round-trip
# benchmark. Prints the issue's goal table with this run's figures beside today's.
#
#   scripts/bench.sh                 # both engines, 20,000 users, wrk -t1 -c64 -d10s
#   scripts/bench.sh --profile DIR   # also a perf record of the server during each run
#   BENCH_SKIP_PUSH=1 scripts/bench.sh --users 5000
#
# Everything runs on 127.0.0.1. Arguments are passed to twofold-bench (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh test >/dev/null || { echo "setup failed" >&2; exit 1; }
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  if [ -w /var/cache ]; then
    CARGO_TARGET_DIR=/var/cache/twofold/target
  else
    CARGO_TARGET_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/twofold/target
  fi
fi
export CARGO_TARGET_DIR

cargo build --release --quiet -p twofold-server -p twofold-testkit \
  --bin twofold-server --bin twofold-bench --bin twofold-ceiling
export TWOFOLD_SERVER_BIN="$CARGO_TARGET_DIR/release/twofold-server"

pg_dir=$(mktemp -d /tmp/twofold-bench-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
TWOFOLD_TEST_POSTGRES_URL=$(scripts/postgres.sh "$pg_dir")
export TWOFOLD_TEST_POSTGRES_URL TWOFOLD_REQUIRE_POSTGRES=1

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$CARGO_TARGET_DIR/release/twofold-bench" --engine sqlite --engine postgres "$@"

if [ -z "${BENCH_SKIP_PUSH:-}" ]; then
  echo
  echo "== push round trip (cargo bench -p twofold-server --bench push_roundtrip)"
  cargo bench --quiet -p twofold-server --bench push_roundtrip
fi
echo "machine load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
