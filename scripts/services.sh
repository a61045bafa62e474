#!/usr/bin/env bash
# Starts (up) or stops (down) the servers a larger Dailies site runs beside it, on loopback,
# for tests and for trying it out: a private PostgreSQL cluster (Debian's postgresql) and a
# single-node Garage (S3-compatible object store), with a database, a bucket and a key.
#
#   eval "$(scripts/services.sh up)"     prints export lines for DAILIES_DATABASE_URL,
#                                        DAILIES_STORAGE_URL, AWS_ACCESS_KEY_ID and
#                                        AWS_SECRET_ACCESS_KEY; progress goes to stderr
#   scripts/services.sh down             stops both
#
# State (data, logs, ports, the key) lives in ${DAILIES_SERVICES_DIR:-/tmp/dailies-services};
# `up` again reuses it and starts only what is not running. Garage comes from
# `cargo install garage --locked` when it is not on PATH (a long build: ~/.cargo/bin is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/wait.sh
source scripts/lib/wait.sh

STATE=${DAILIES_SERVICES_DIR:-/tmp/dailies-services}
BUCKET=dailies
KEY_NAME=dailies
say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }

# The PostgreSQL server refuses to run as root: the cluster belongs to this user then.
PG_USER=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  PG_USER=postgres
  id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
fi
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $d ]] || die "PostgreSQL is not installed: apt-get install postgresql (scripts/install-deps.sh --services)"
  echo "$d"
}

# free_port NAME: the port kept in the state directory, or a new free loopback port.
free_port() {
  local f="$STATE/$1.port"
  if [[ ! -s $f ]]; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$f"
  fi
  cat "$f"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

postgres_up() {
  local bin port data=$STATE/pg
  bin=$(pg_bin)
  port=$(free_port postgres)
  mkdir -p "$STATE/pg-run"
  chown "$PG_USER" "$STATE/pg-run" 2>/dev/null || true
  if [[ ! -s $data/PG_VERSION ]]; then
    say "creating a PostgreSQL cluster in $data"
    mkdir -p "$data"
    chown "$PG_USER" "$data" 2>/dev/null || true
    # Trust on loopback only: the server listens on 127.0.0.1 and a private socket dir.
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 \
      || die "initdb failed: see $STATE/initdb.log"
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL already running on 127.0.0.1:$port"
  else
    say "starting PostgreSQL on 127.0.0.1:$port"
    as_pg "$bin/pg_ctl" -D "$data" -l "$STATE/pg-run/postgres.log" \
      -o "-p $port -c listen_addresses=127.0.0.1 -c max_connections=500 -k $STATE/pg-run" start >/dev/null \
      || die "PostgreSQL did not start: see $STATE/pg-run/postgres.log"
  fi
  wait_until -t 60 "PostgreSQL" "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || die "see $STATE/pg-run/postgres.log"
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'dailies'" \
    | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres dailies
  fi
  PG_URL="postgres://postgres@127.0.0.1:$port/dailies"
}

postgres_down() {
  local bin
  bin=$(pg_bin)
  if [[ -s $STATE/pg/PG_VERSION ]] && as_pg "$bin/pg_ctl" -D "$STATE/pg" status >/dev/null 2>&1; then
    say "stopping PostgreSQL"
    as_pg "$bin/pg_ctl" -D "$STATE/pg" -m fast -w stop >/dev/null
  fi
}

garage_binary() {
  if type -P garage >/dev/null 2>&1; then type -P garage; return; fi
  if [[ -x $HOME/.cargo/bin/garage ]]; then echo "$HOME/.cargo/bin/garage"; return; fi
  say "installing Garage with cargo install garage --locked (a long build; log in $STATE/garage-install.log)"
  # Only what a single node on loopback uses (the SQLite metadata engine), optimized lightly:
  # about a third less to compile than the default features at full optimization.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_INCREMENTAL=0 \
    nice -n 15 cargo install garage --locked --no-default-features --features bundled-libs,sqlite \
    >"$STATE/garage-install.log" 2>&1 \
    || die "cargo install garage failed: see $STATE/garage-install.log"
  echo "$HOME/.cargo/bin/garage"
}

gctl() { "$GARAGE" -c "$STATE/garage.toml" "$@"; }

garage_up() {
  GARAGE=$(garage_binary)
  local s3 rpc admin pid
  s3=$(free_port garage-s3)
  rpc=$(free_port garage-rpc)
  admin=$(free_port garage-admin)
  if [[ ! -s $STATE/garage.toml ]]; then
    mkdir -p "$STATE/garage-meta" "$STATE/garage-data"
    cat >"$STATE/garage.toml" <<EOF
metadata_dir = "$STATE/garage-meta"
data_dir = "$STATE/garage-data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$s3"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$admin"
EOF
  fi
  pid=$(cat "$STATE/garage.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && port_open "$s3"; then
    say "Garage already running on 127.0.0.1:$s3"
  else
    say "starting Garage on 127.0.0.1:$s3"
    setsid "$GARAGE" -c "$STATE/garage.toml" server >>"$STATE/garage.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$STATE/garage.pid"
    wait_for_port -t 60 -p "$pid" "Garage S3 API" 127.0.0.1 "$s3" || die "see $STATE/garage.log"
  fi
  wait_until -t 60 "Garage RPC" gctl status >/dev/null 2>&1 || die "garage status fails: see $STATE/garage.log"
  if [[ ! -e $STATE/garage-layout.done ]]; then
    local node
    node=$(gctl node id -q 2>/dev/null | cut -d@ -f1)
    [[ -n $node ]] || die "cannot read Garage's node id"
    gctl layout assign -z dc1 -c 1G "$node" >&2
    local version
    version=$(gctl layout show 2>/dev/null | sed -n 's/.*[Cc]urrent cluster layout version: *\([0-9]*\).*/\1/p' | head -1)
    gctl layout apply --version $((${version:-0} + 1)) >&2
    touch "$STATE/garage-layout.done"
  fi
  # Until the layout is in use the bucket commands answer that no node holds data.
  if ! gctl bucket info "$BUCKET" >/dev/null 2>&1; then
    wait_until -t 60 "Garage bucket create" gctl bucket create "$BUCKET" >/dev/null 2>&1 \
      || die "cannot create the bucket $BUCKET"
  fi
  if [[ ! -s $STATE/garage-key ]]; then
    gctl key info "$KEY_NAME" >/dev/null 2>&1 || gctl key create "$KEY_NAME" >/dev/null
    gctl key info "$KEY_NAME" --show-secret >"$STATE/garage-key.txt"
    KEY_ID=$(sed -n 's/^[[:space:]]*Key ID:[[:space:]]*\(GK[0-9a-f]*\).*/\1/p' "$STATE/garage-key.txt" | head -1)
    SECRET=$(sed -n 's/^[[:space:]]*Secret key:[[:space:]]*\([0-9a-f]*\).*/\1/p' "$STATE/garage-key.txt" | head -1)
    [[ -n $KEY_ID && -n $SECRET ]] || die "cannot read the key from gctl key info (see $STATE/garage-key.txt)"
    gctl bucket allow --read --write --owner "$BUCKET" --key "$KEY_NAME" >/dev/null
    printf '%s %s\n' "$KEY_ID" "$SECRET" >"$STATE/garage-key"
    chmod 600 "$STATE/garage-key" "$STATE/garage-key.txt"
  fi
  read -r KEY_ID SECRET <"$STATE/garage-key"
  S3_URL="s3://$BUCKET?endpoint=http://127.0.0.1:$s3&region=garage&path_style=true"
}

garage_down() {
  local pid
  pid=$(cat "$STATE/garage.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    say "stopping Garage"
    kill "$pid"
    wait_until -t 30 "Garage to stop" bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/garage.pid"
}

case "${1:-}" in
  up)
    mkdir -p "$STATE"
    chmod 755 "$STATE"
    postgres_up
    garage_up
    echo "export DAILIES_DATABASE_URL=$PG_URL"
    echo "export DAILIES_STORAGE_URL='$S3_URL'"
    echo "export AWS_ACCESS_KEY_ID=$KEY_ID"
    echo "export AWS_SECRET_ACCESS_KEY=$SECRET"
    ;;
  down)
    garage_down
    postgres_down
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
