#!/usr/bin/env bash
# Sets up everything the tests need and runs all of them: formatting, lints, unit,
# integration and end-to-end tests. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test

# A one-off build gains nothing from incremental caches, which would double the size of
# target/ on disk.
export CARGO_INCREMENTAL=0
mkdir -p target

# PostgreSQL and Garage for the suite's second pass. Building Garage (when it is not installed)
# takes a long while: it starts now, at low priority, and the first pass goes on meanwhile.
# Outside the checkout: PostgreSQL runs as its own user, who may not enter a private clone.
export DAILIES_SERVICES_DIR=${DAILIES_SERVICES_DIR:-$(mktemp -d /tmp/dailies-services.XXXXXX)}
bash scripts/services.sh down >/dev/null 2>&1 || true
bash scripts/services.sh up >target/services.env 2>target/services.log &
services_pid=$!
trap 'bash scripts/services.sh down >/dev/null 2>&1 || true' EXIT

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace --no-fail-fast 2>&1 | tee target/cargo-test.log
grep -q "test result:" target/cargo-test.log
passed=$(grep -oE "test result: [a-zA-Z]+\. [0-9]+ passed" target/cargo-test.log | awk '{s+=$4} END {print s+0}')
failed=$(grep -oE "[0-9]+ failed;" target/cargo-test.log | awk '{s+=$1} END {print s+0}')
echo "cargo: ${passed} passed, ${failed} failed"

echo "== web client: unit, build and end-to-end tests"
bash scripts/client-test.sh 2>&1 | tee target/client-test.log
client_line=$(grep -E "^client: [0-9]+ passed, [0-9]+ failed" target/client-test.log | tail -1)
c_pass=$(echo "$client_line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")
c_fail=$(echo "$client_line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")

# A few seconds, with the debug server and the client the step above built.
echo "== make demo-team: starts behind real nginx, alice signs in, bob sees only what is shared, Ctrl-C stops it"
bash scripts/test-demo-team.sh 2>&1 | tee target/demo-team-test.log
team_line=$(grep -E "^demo-team: [0-9]+ passed, [0-9]+ failed" target/demo-team-test.log | tail -1)
t_pass=$(echo "$team_line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")
t_fail=$(echo "$team_line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")

# The same integration suite again, on PostgreSQL and an S3 bucket (Garage): every test
# server gets a database and a bucket prefix of its own (server/tests/suite/common/backends.rs).
echo "== cargo test of the server's suite on PostgreSQL and S3 (scripts/services.sh)"
if wait "$services_pid"; then
  eval "$(cat target/services.env)"
  # The suite's own binaries (crash tests and the like) keep their SQLite defaults: only
  # the in-process test servers take the backends.
  DAILIES_TEST_DATABASE_URL=$DAILIES_DATABASE_URL DAILIES_TEST_STORAGE_URL=$DAILIES_STORAGE_URL \
    env -u DAILIES_DATABASE_URL -u DAILIES_STORAGE_URL cargo test -p dailies-server --test suite --no-fail-fast 2>&1 | tee target/cargo-test-services.log
  unset DAILIES_DATABASE_URL DAILIES_STORAGE_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  s_pass=$(grep -oE "test result: [a-zA-Z]+\. [0-9]+ passed" target/cargo-test-services.log | awk '{s+=$4} END {print s+0}')
  s_fail=$(grep -oE "[0-9]+ failed;" target/cargo-test-services.log | awk '{s+=$1} END {print s+0}')
  grep -q "test result:" target/cargo-test-services.log || s_fail=$((s_fail + 1))
else
  echo "services did not start:"; cat target/services.log
  s_pass=0 s_fail=1
fi
echo "postgres+s3: ${s_pass} passed, ${s_fail} failed"
bash scripts/services.sh down || true

# The package is a release build beside the debug one; on a small disk, make room first.
avail_kb=$(df -Pk target | awk 'NR==2 {print $4}')
if (( avail_kb < 8 * 1024 * 1024 )); then
  echo "== only $((avail_kb / 1024)) MiB free: removing the debug build before the release build"
  rm -rf target/debug
fi

echo "== Debian package: build, lintian, dpkg install, nginx in front, upgrade, remove, purge"
bash scripts/test-deb.sh 2>&1 | tee target/deb-test.log
deb_line=$(grep -E "^deb: [0-9]+ passed, [0-9]+ failed" target/deb-test.log | tail -1)
d_pass=$(echo "$deb_line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")
d_fail=$(echo "$deb_line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")

echo "summary: $((passed + s_pass + c_pass + t_pass + d_pass)) passed, $((failed + s_fail + c_fail + t_fail + d_fail)) failed"
if (( failed + s_fail + c_fail + t_fail + d_fail > 0 )); then
  exit 1
fi
