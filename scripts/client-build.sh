#!/usr/bin/env bash
# Builds the web client into client-svelte/dist/ (installs its npm packages first if needed).
set -euo pipefail
cd "$(dirname "$0")/../client-svelte"
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund
fi
npm run build
