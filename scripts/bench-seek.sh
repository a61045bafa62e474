#!/usr/bin/env bash
# Builds what scripts/bench-seek.mjs needs (the release server, playwright-core) and runs it,
# printing the machine's load before and after: the figures mean little without it.
#   bash scripts/bench-seek.sh [bench-seek.mjs options, e.g. --rounds 3 --json seek.json]
set -euo pipefail
cd "$(dirname "$0")/.."
# With the loadgen too, as the other benchmarks build it: the same features, no rebuild.
nice -n 10 cargo build --release -p dailies-server -p dailies-loadgen
[ -d client-svelte/node_modules/playwright-core ] || (cd client-svelte && npm ci --no-audit --no-fund)
echo "# before: $(uptime)"
node scripts/bench-seek.mjs "$@"
echo "# after: $(uptime)"
