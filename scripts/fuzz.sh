#!/usr/bin/env bash
# Runs every fuzz target for a set time (default 60 s each), then shrinks each corpus
# with `cargo fuzz cmin`. Not part of CI: crashes it finds become plain #[test]s that are.
# Usage: scripts/fuzz.sh [seconds per target] [target ...]
#
# The tree holds only small hand-named seeds (fuzz/seeds/<target>/) and the inputs of past
# crashes (fuzz/regressions/<target>-*). Each run copies them into a corpus outside the
# tree, which grows from run to run:
#   FUZZ_CORPUS_DIR  (default ${XDG_CACHE_HOME:-~/.cache}/dailies-fuzz)/<target>
#   FUZZ_TARGET_DIR  the fuzz crate's own build (default fuzz/target)
#   FUZZ_SANITIZER   none (default) or address
# cargo-fuzz needs nightly features; on a stable toolchain RUSTC_BOOTSTRAP=1 unlocks them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1
# The fuzz crate has its own target dir so it never rebuilds the workspace's.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"
corpus_root="${FUZZ_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dailies-fuzz}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
# Safe Rust does not need AddressSanitizer; without it builds and runs are much faster.
sanitizer="${FUZZ_SANITIZER:-none}"
cargo fuzz build -s "$sanitizer"
count() { find "$1" -maxdepth 1 -type f | wc -l; }
status=0
for t in "${targets[@]}"; do
    corpus="$corpus_root/$t"
    mkdir -p "$corpus"
    # Seeds and regression inputs keep their names, so a rerun refreshes them in place.
    [ -d "seeds/$t" ] && cp -f "seeds/$t"/* "$corpus/"
    compgen -G "regressions/$t-*" >/dev/null && cp -f "regressions/$t"-* "$corpus/"
    [ "$(count "$corpus")" -gt 0 ] || echo "!! $t has no seeds: add some to fuzz/seeds/$t/"
    echo "== fuzz $t for ${secs}s (corpus $corpus: $(count "$corpus") inputs)"
    log="${TMPDIR:-/tmp}/fuzz-$t.log"
    set +e
    cargo fuzz run -s "$sanitizer" "$t" "$corpus" -- -max_total_time="$secs" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    code=$?
    set -e
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
    if [ $code -ne 0 ]; then
        echo "!! $t failed (exit $code): see $log and fuzz/artifacts/$t/;" \
            "keep the input as fuzz/regressions/$t-<what>.<ext> with a test in" \
            "server/tests/suite/security_fuzz_regressions.rs"
        status=1
    fi
    if cargo fuzz cmin -s "$sanitizer" "$t" "$corpus" >"$log.cmin" 2>&1; then
        echo "   corpus after cmin: $(count "$corpus") inputs"
    else
        echo "!! cmin of $t failed: see $log.cmin (the corpus is left as it was)"
    fi
done
exit $status
