#!/usr/bin/env bash
# Imports the real exports of other authenticator apps (Aegis, 2FAS, Bitwarden, Ente; kept
# outside the repository in ../shared/interop/aegis-suite with EXPECTED.json) through the
# authenticator library and compares every account with EXPECTED.json. Fails when the folder
# is missing (set TWOFOLD_INTEROP_DIR to point elsewhere, or TWOFOLD_REQUIRE_INTEROP=0 to skip).
#
#   scripts/check-interop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export TWOFOLD_REQUIRE_INTEROP="${TWOFOLD_REQUIRE_INTEROP:-1}"
exec cargo nextest run -p twofold-authenticator --locked --no-fail-fast -E 'test(interop)'
