#!/usr/bin/env bash
# Twofold's whole test suite: installs what is missing, then runs formatting, lints and every
# test (Rust unit, integration and end-to-end, on SQLite and on a private PostgreSQL; the
# app's screens: TypeScript lint, Vitest, and the real window under Xvfb over WebDriver).
# Ends with one line: "tests: N passed, N failed".
#
#   scripts/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh test || { echo "setup failed"; exit 1; }

# Compiled dependencies live outside the clone, so a fresh clone (as CI makes) rebuilds only
# the workspace's own crates instead of every dependency.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  if [ -w /var/cache ]; then
    CARGO_TARGET_DIR=/var/cache/twofold/target
  else
    CARGO_TARGET_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/twofold/target
  fi
fi
export CARGO_TARGET_DIR
echo "build directory: $CARGO_TARGET_DIR"

logdir=$(mktemp -d /tmp/twofold-test.XXXXXX)
failed_steps=()
passed=0
failed=0

# step NAME COMMAND...: runs a step, keeps its output in $logdir/NAME.log.
step() {
  local name=$1; shift
  printf '\n\033[1m== %s\033[0m\n' "$name"
  if "$@" 2>&1 | tee "$logdir/$name.log"; then
    return 0
  fi
  failed_steps+=("$name")
  return 1
}

# Adds the counts of a nextest log to the totals: its summary line, "Summary [ 1.2s] 35 tests
# run: 33 passed, 2 failed, 0 skipped" (a failed test's captured output also holds libtest's
# own "test result:" line, which must not count twice).
count() {
  local log=$1
  passed=$((passed + $(grep -oE 'tests? run: [0-9]+ passed' "$log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')))
  failed=$((failed + $(grep -E 'tests? run:' "$log" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')))
}

# Adds the counts of a libtest log (the doc tests): "test result: ok. 4 passed; 0 failed;".
count_libtest() {
  local log=$1
  passed=$((passed + $(grep -oE 'test result: .*' "$log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')))
  failed=$((failed + $(grep -oE 'test result: .*' "$log" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')))
}

# Adds the counts of a Vitest log ("Tests  2 failed | 29 passed (31)").
count_vitest() {
  local line
  line=$(grep -E '^ *Tests +[0-9]' "$1" | tail -1)
  passed=$((passed + $(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)))
  failed=$((failed + $(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)))
}

step fmt cargo fmt --all --check
# The app's screens: strict TypeScript, then a build (src-tauri embeds ui/dist).
step ui-lint npm --prefix ui run --silent lint
step ui-build npm --prefix ui run --silent build
step clippy cargo clippy --workspace --all-targets --locked -- -D warnings
# Everything the tests run, built once: the libraries, the binaries the test kit starts
# (twofold-server with the kit's test clock hook, test-gateway) and every test. --workspace
# --tests resolves features exactly as the test steps below do, so they compile nothing again
# (a `-p twofold-server` build would pick other features and rebuild most dependencies), and
# TWOFOLD_KIT_PREBUILT tells the kit (tests/src/binary.rs) not to build its binaries itself.
step build cargo build --workspace --locked --lib --bins --tests
export TWOFOLD_KIT_PREBUILT=1

pgdir=$(mktemp -d /tmp/twofold-pg.XXXXXX)
if TWOFOLD_TEST_POSTGRES_URL=$(scripts/postgres.sh "$pgdir"); then
  export TWOFOLD_TEST_POSTGRES_URL
  echo "private PostgreSQL for the tests: $TWOFOLD_TEST_POSTGRES_URL"
else
  failed_steps+=("postgres")
fi
trap 'scripts/postgres.sh stop "$pgdir"' EXIT
# Tests that need PostgreSQL fail, rather than skip, when it is missing here.
export TWOFOLD_REQUIRE_POSTGRES=1

# The app's end-to-end tests (each a real window under Xvfb) run on their own afterwards.
app_e2e='package(twofold-app) & test(/^e2e/)'
step rust-tests cargo nextest run --workspace --locked --no-fail-fast --failure-output final \
  -E "all() - ($app_e2e)"
count "$logdir/rust-tests.log"
step ui-tests env NO_COLOR=1 npm --prefix ui run --silent test
count_vitest "$logdir/ui-tests.log"
# One window at a time: two WebKit processes and a compiler on two cores make timeouts flaky.
# --workspace like the step above, so cargo builds with the same features and rebuilds nothing.
step app-e2e cargo nextest run --workspace --locked --no-fail-fast --failure-output final \
  --test-threads 1 -E "$app_e2e"
count "$logdir/app-e2e.log"
# The other apps' real exports must import exactly (fails when their folder is missing).
step interop scripts/check-interop.sh
step doc-tests cargo test --workspace --locked --doc
count_libtest "$logdir/doc-tests.log"

echo
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]} (logs in $logdir)"
  [ "$failed" -eq 0 ] && failed=1
  echo "tests: $passed passed, $failed failed"
  exit 1
fi
echo "tests: $passed passed, $failed failed"
