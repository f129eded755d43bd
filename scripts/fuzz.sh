#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input (fuzz/src/lib.rs lists the
# targets): each target runs under libFuzzer for SECONDS (default 600), starting from the
# seeds in fuzz/corpus/<target>/; what it finds on the way stays in a scratch folder under
# /tmp (the repository keeps a small corpus). A crash stops its target; the input
# is copied to fuzz/regressions/<target>/, where the normal test run replays it
# (fuzz/tests/it). Not part of scripts/test.sh: it takes SECONDS x 19.
#
#   scripts/fuzz.sh                 # every target, 10 minutes each
#   scripts/fuzz.sh 60 token_pskc   # one target, one minute
#
# Needs cargo-fuzz (installed here when missing). cargo-fuzz passes nightly-only flags to
# rustc; RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked || exit 1
fi
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/targets/Cargo.toml | grep -v '^twofold-fuzz-targets$')
fi

# Optimised, with debug assertions (an integer overflow is a crash too), without a sanitizer:
# the code is safe Rust, and the shared machines are small.
flags=(--fuzz-dir fuzz/targets --debug-assertions --sanitizer none)
cargo fuzz build "${flags[@]}" || exit 1

status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
  artifacts=$(mktemp -d "/tmp/twofold-fuzz-$target.XXXXXX")
  mkdir -p "$artifacts/corpus"
  echo "[fuzz] $target for $seconds s" >&2
  log="$artifacts/libfuzzer.log"
  # New inputs go to the first folder (scratch); the seeds are read from the second.
  # -max_len: the largest seed is a few KiB; -rss_limit_mb: the KDF ceilings allow 1 GiB.
  cargo fuzz run "${flags[@]}" "$target" "$artifacts/corpus" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1
  result=$?
  grep -E '^(#[0-9]+: *DONE|Done [0-9]+ runs)' "$log" | tail -1 | sed "s/^/[fuzz] $target: /" >&2
  for crash in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -e "$crash" ] || continue
    cp "$crash" "fuzz/regressions/$target/"
    echo "[fuzz] $target: kept $(basename "$crash") in fuzz/regressions/$target/" >&2
    status=1
  done
  [ $result -ne 0 ] && { tail -40 "$log" >&2; status=1; }
done
exit $status
