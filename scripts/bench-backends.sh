#!/usr/bin/env bash
# The figures of "Growing past one disk" (docs/benchmarks.md): the same benchmarks against a
# server on SQLite and local files, then on PostgreSQL and Garage (scripts/services.sh),
# one after the other for each benchmark so both see the same machine.
#
#   bash scripts/bench-backends.sh [--skip-build] [BENCH…]
#
# BENCH is one of upload, ready-fast, playable-hevc, rooms, soak (default: all).
# DAILIES_BENCH_SERVER=PATH runs another server binary (a build before a change, to compare).
# Each server on PostgreSQL gets a database of its own and each on Garage a bucket prefix of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == --skip-build ]]; then
  shift
else
  cargo build --release -p dailies-server -p dailies-loadgen
fi
benches=("$@")
[[ ${#benches[@]} -gt 0 ]] || benches=(upload ready-fast playable-hevc rooms soak)

BENCH=target/release/dailies-bench
eval "$(bash scripts/services.sh up)"
PG_BASE=$DAILIES_DATABASE_URL
S3_BASE=$DAILIES_STORAGE_URL
unset DAILIES_DATABASE_URL DAILIES_STORAGE_URL

args_of() {
  case $1 in
    upload) echo "upload --mib 2048" ;;
    ready-fast) echo "ready-fast" ;;
    playable-hevc) echo "playable --hevc --rounds 3" ;;
    rooms) echo "rooms --rooms 50 --clients 20 --secs 10" ;;
    soak) echo "soak --secs 60" ;;
    *) echo "unknown benchmark $1" >&2; exit 2 ;;
  esac
}

n=0
for bench in "${benches[@]}"; do
  read -r -a args <<<"$(args_of "$bench")"
  for backend in sqlite+local postgres+garage; do
    n=$((n + 1))
    if [[ $backend == postgres+garage ]]; then
      db="bench_$$_$n"
      psql "$PG_BASE" -qc "CREATE DATABASE $db"
      export DAILIES_DATABASE_URL="${PG_BASE%/*}/$db"
      DAILIES_STORAGE_URL=$(python3 -c 'import sys; b, q = sys.argv[1].split("?", 1); print(f"{b}/{sys.argv[2]}?{q}")' \
        "$S3_BASE" "bench-$$-$n")
      export DAILIES_STORAGE_URL
    fi
    echo "== $bench on $backend: dailies-bench ${args[*]}"
    "$BENCH" ${DAILIES_BENCH_SERVER:+--server "$DAILIES_BENCH_SERVER"} "${args[@]}"
    unset DAILIES_DATABASE_URL DAILIES_STORAGE_URL
  done
done
