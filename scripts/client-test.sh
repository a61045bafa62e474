#!/usr/bin/env bash
# Installs what the web client's tests need on a fresh Debian machine and runs them all:
# unit tests (vitest), the production build, and the end-to-end suite (real server
# binary, real ffmpeg, Debian's Chromium through playwright-core). Exits non-zero on any
# failure. Screenshots land in test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# apt: one apt-get at a time; an install that fails (e.g. an archive that vanished
# between update and install) is retried once after a fresh update.
PKGS=(chromium ffmpeg fonts-dejavu-core ca-certificates)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "== apt-get install ${missing[*]}"
  $SUDO apt-get update -q
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    sleep 3
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

echo "== cargo build -p dailies-server"
cargo build -p dailies-server
# The organizer plugin the end-to-end suite runs the server with (e2e/organizer.test.mjs).
echo "== cargo build -p organizer-sdk --example basic_folders"
cargo build -p organizer-sdk --example basic_folders

cd "$ROOT/client-svelte"
echo "== npm ci"
npm ci --no-audit --no-fund

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
export NO_COLOR=1 FORCE_COLOR=0

echo "== vitest"
npx vitest run 2>&1 | tee "$LOGS/vitest.log"

echo "== svelte-check"
npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings

echo "== build"
npm run build

echo "== end-to-end"
mkdir -p "$ROOT/test-artifacts"
DAILIES_SERVER_BIN="$ROOT/target/debug/dailies-server" \
DAILIES_ORGANIZER_BIN="$ROOT/target/debug/examples/basic_folders" timeout 600 \
  node --test --test-concurrency=1 --test-reporter=spec e2e/ 2>&1 | tee "$LOGS/e2e.log"

# One closing line for both runners: "N passed, N failed".
unit_pass=$(grep -oE 'Tests +([0-9]+ failed \| )?[0-9]+ passed' "$LOGS/vitest.log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
e2e_pass=$(grep -oE '^ℹ pass [0-9]+' "$LOGS/e2e.log" | grep -oE '[0-9]+' || echo 0)
e2e_fail=$(grep -oE '^ℹ fail [0-9]+' "$LOGS/e2e.log" | grep -oE '[0-9]+' || echo 0)
echo "client: $((unit_pass + e2e_pass)) passed, ${e2e_fail} failed"
