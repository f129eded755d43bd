#!/usr/bin/env bash
# Installs what Twofold needs and is missing, and nothing else. Safe to run again: when
# everything is present it only checks and returns in about a second.
#
#   scripts/setup.sh            # what building and running the server needs
#   scripts/setup.sh test       # plus everything the test suite needs
set -euo pipefail

want_tests=false
[ "${1:-}" = "test" ] && want_tests=true

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Debian packages, installed only when missing.
apt_packages=(build-essential pkg-config)
if $want_tests; then
  apt_packages+=(oathtool postgresql sqlite3)
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
log "all dependencies present"
