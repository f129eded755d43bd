#!/usr/bin/env bash
# Installs what is missing, builds the server and starts it on the embedded SQLite default:
# http://127.0.0.1:8080, data in ./twofold-data. Prints where it listens and, on first start,
# the admin token and how to activate a first user. Stop it with Ctrl-C.
#
#   scripts/serve.sh                       # defaults
#   scripts/serve.sh --config twofold.toml # any twofold-server option
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "[serve] building twofold-server (release; the first build takes a few minutes)" >&2
exec cargo run --quiet --release --locked -p twofold-server -- "$@" serve
