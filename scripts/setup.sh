#!/usr/bin/env bash
# Installs what Twofold needs and is missing, and nothing else. Safe to run again: when
# everything is present it only checks and returns in about a second.
#
#   scripts/setup.sh            # what building and running the server needs (no desktop libraries)
#   scripts/setup.sh app        # plus what building the authenticator app needs
#   scripts/setup.sh test       # plus everything the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
want_app=false
[ "${1:-}" = "test" ] && want_tests=true && want_app=true
[ "${1:-}" = "app" ] && want_app=true

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Debian packages, installed only when missing.
apt_packages=(build-essential pkg-config)
# The authenticator app (src-tauri/): WebKitGTK and friends, for Tauri v2 on Linux. The
# server needs none of them.
if $want_app; then
  apt_packages+=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev
    libayatana-appindicator3-dev libssl-dev libdbus-1-dev libxcb1-dev libxcb-randr0-dev)
fi
if $want_tests; then
  apt_packages+=(oathtool postgresql sqlite3)
  # The app's end-to-end test: a virtual screen, the WebDriver for WebKitGTK, screenshots
  # and an image viewer that shows a QR code on the virtual screen.
  apt_packages+=(xvfb webkit2gtk-driver imagemagick)
  apt_packages+=(freeradius freeradius-utils)  # RADIUS tests: radclient, and FreeRADIUS as the upstream primary
  apt_packages+=(haproxy)  # the cluster tests: three nodes behind a real load balancer
  apt_packages+=(wrk linux-perf)  # scripts/bench.sh: HTTP load (wrk) and the server's CPU profile (perf)
  apt_packages+=(chromium chromium-driver)  # the web pages' browser tests (headless Chromium over WebDriver)
  apt_packages+=(xclip xdotool)  # the app's e2e: read the system clipboard back, drive the save dialog
  apt_packages+=(slapd ldap-utils)  # the directory tests: a real OpenLDAP server the kit starts on loopback
  apt_packages+=(python3-venv)  # schemathesis (below) runs from a venv of its own
fi

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 update -qq
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The freeradius package starts a system service on 1812; the tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled --quiet freeradius 2>/dev/null; then $sudo_cmd systemctl disable --now freeradius || true; fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again"
  exit 1
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done
if $want_tests && ! command -v cargo-nextest >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
if $want_tests && ! command -v tauri-driver >/dev/null 2>&1; then
  log "installing tauri-driver"
  # Pinned to 2.x: the registry's newest tauri-driver is a 3.0 alpha.
  cargo install tauri-driver --version '^2' --locked
fi
# The app's screens need npm; the server does not.
if $want_app; then
  if ! command -v npm >/dev/null 2>&1; then
    log "npm is missing: the app's screens need Node.js 20 or newer; install it, then run this again"
    exit 1
  # The app's screens (ui/): install exactly what package-lock.json names, when it changed.
  elif [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    log "installing the UI's npm packages (npm ci in ui/)"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
# Schema-driven fuzzing of the HTTP API (tests/tests/it/schema_fuzz.rs): schemathesis and
# everything it pulls in at the versions of scripts/schemathesis-requirements.txt, in a venv
# of its own (TWOFOLD_SCHEMATHESIS_VENV; default /var/cache/twofold/venv-schemathesis, or
# under $XDG_CACHE_HOME when /var/cache/twofold is not writable). Reinstalled only when the
# pins changed: the venv keeps a copy of the file it was made from.
if $want_tests; then
  venv=${TWOFOLD_SCHEMATHESIS_VENV:-}
  if [ -z "$venv" ]; then
    if mkdir -p /var/cache/twofold 2>/dev/null && [ -w /var/cache/twofold ]; then
      venv=/var/cache/twofold/venv-schemathesis
    else
      venv=${XDG_CACHE_HOME:-$HOME/.cache}/twofold/venv-schemathesis
    fi
  fi
  pins=scripts/schemathesis-requirements.txt
  if ! cmp -s "$pins" "$venv/twofold-requirements.txt" || [ ! -x "$venv/bin/schemathesis" ]; then
    log "installing schemathesis into $venv"
    { [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"; } &&
      "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$pins" &&
      cp "$pins" "$venv/twofold-requirements.txt" || { log "schemathesis could not be installed"; exit 1; }
  fi
fi
log "all dependencies present"
