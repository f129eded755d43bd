#!/usr/bin/env bash
# Switches src-tauri's library crate types between desktop and mobile builds.
#
#   scripts/mobile-crate-type.sh mobile    # before `tauri android build` / `tauri ios build`
#   scripts/mobile-crate-type.sh desktop   # back to the desktop setting (what is committed)
#   scripts/mobile-crate-type.sh status    # prints the current setting
#
# Android loads the app as a shared library ("cdylib") and iOS links a static one
# ("staticlib"); Tauri's mobile templates expect both beside "rlib". Cargo has no feature or
# profile that changes [lib] crate-type, and on desktop the two extra types add ~800 MB to
# every build (a ~600 MB .a and a ~170 MB .so), so the committed Cargo.toml says rlib only and
# this script switches the one line, instead of a hand edit. It changes nothing else.
set -euo pipefail

manifest="$(cd "$(dirname "$0")/.." && pwd)/src-tauri/Cargo.toml"
desktop='crate-type = ["rlib"]'
mobile='crate-type = ["staticlib", "cdylib", "rlib"]'

current() {
  if grep -qxF "$mobile" "$manifest"; then echo mobile
  elif grep -qxF "$desktop" "$manifest"; then echo desktop
  else echo "unknown: no crate-type line this script knows in $manifest" >&2; exit 1
  fi
}

switch() {
  local from="$1" to="$2"
  local tmp
  tmp="$(mktemp "${manifest}.XXXXXX")"
  awk -v from="$from" -v to="$to" '$0 == from { print to; next } { print }' "$manifest" > "$tmp"
  mv "$tmp" "$manifest"
}

case "${1:-}" in
  mobile)
    [ "$(current)" = mobile ] || switch "$desktop" "$mobile"
    echo "src-tauri: crate-type is staticlib, cdylib, rlib (mobile builds)";;
  desktop)
    [ "$(current)" = desktop ] || switch "$mobile" "$desktop"
    echo "src-tauri: crate-type is rlib (desktop builds)";;
  status)
    current;;
  *)
    echo "usage: $0 mobile|desktop|status" >&2; exit 2;;
esac
