#!/usr/bin/env bash
# Imports the real exports of other authenticator apps (Aegis, 2FAS, Bitwarden, Ente; kept
# outside the repository in ../shared/interop/aegis-suite with EXPECTED.json) through the
# authenticator library and compares every account with EXPECTED.json. Fails when the folder
# is missing (set TWOFOLD_INTEROP_DIR to point elsewhere, or TWOFOLD_REQUIRE_INTEROP=0 to skip).
# Then reads the real PSKC seed files in ../shared/interop/pskc (RFC 6030 figures, vendor and
# broken files) through the server's token importer (TWOFOLD_PSKC_INTEROP_DIR points elsewhere).
#
#   scripts/check-interop.sh
#
# --workspace with a filter, not -p: cargo then resolves features as the whole test run does
# and reuses its builds instead of compiling the dependencies again.
set -euo pipefail
cd "$(dirname "$0")/.."
export TWOFOLD_REQUIRE_INTEROP="${TWOFOLD_REQUIRE_INTEROP:-1}"
cargo nextest run --workspace --locked --no-fail-fast \
  -E 'package(twofold-authenticator) & test(interop)'
exec cargo nextest run --workspace --locked --no-fail-fast \
  -E 'package(twofold-server) & binary(it) & test(interop)'
