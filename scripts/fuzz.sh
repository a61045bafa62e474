#!/usr/bin/env bash
# Runs every fuzz target for a set time (default 60 s each), then shrinks each corpus
# with `cargo fuzz cmin`. Not part of CI: crashes it finds become plain #[test]s that are.
# Usage: scripts/fuzz.sh [seconds per target] [target ...]
# cargo-fuzz needs nightly features; on a stable toolchain RUSTC_BOOTSTRAP=1 unlocks them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1
# The fuzz crate has its own target dir so it never rebuilds the workspace's.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
# Safe Rust does not need AddressSanitizer; without it builds and runs are much faster.
sanitizer="${FUZZ_SANITIZER:-none}"
cargo fuzz build -s "$sanitizer"
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    echo "== fuzz $t for ${secs}s"
    log="${TMPDIR:-/tmp}/fuzz-$t.log"
    set +e
    cargo fuzz run -s "$sanitizer" "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    code=$?
    set -e
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
    if [ $code -ne 0 ]; then
        echo "!! $t failed (exit $code): see $log and fuzz/artifacts/$t/; make the input a regression test"
        status=1
    fi
    cargo fuzz cmin -s "$sanitizer" "$t" "corpus/$t" >/dev/null 2>&1 || true
    echo "   corpus: $(ls "corpus/$t" | wc -l) inputs"
done
exit $status
