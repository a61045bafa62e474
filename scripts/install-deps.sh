#!/usr/bin/env bash
# Installs the system packages Dailies needs to build, run and test.
# Safe to run again; uses sudo only when not already root.
set -euo pipefail

PKGS=(ffmpeg mediainfo sqlite3 curl ca-certificates pkg-config)
if [[ "${1:-}" == "--test" ]]; then
  PKGS+=(protobuf-compiler)
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} )); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # Archives occasionally vanish between update and install: retry a few times.
  for attempt in 1 2 3; do
    if $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then break; fi
    if (( attempt == 3 )); then echo "install-deps: apt-get install failed" >&2; exit 1; fi
    sleep 5; $SUDO apt-get update -q
  done
fi

if [[ "${1:-}" == "--test" ]]; then
  # Real tus client for the resumable-upload test.
  python3 -c "import tusclient" 2>/dev/null || python3 -m pip install -q --root-user-action=ignore tuspy
fi
