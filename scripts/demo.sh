#!/usr/bin/env bash
# Sets up what Dailies needs and runs the single-user demo on http://127.0.0.1:8095.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release -p dailies-server
bash scripts/client-build.sh
mkdir -p data
echo "Dailies demo: http://127.0.0.1:8095  (data in ./data, Ctrl-C to stop)"
exec target/release/dailies-server --demo --listen "${DAILIES_LISTEN:-127.0.0.1:8095}" --data-dir ./data \
  --web-root client-svelte/dist "$@"
