#!/usr/bin/env bash
# Starts (up), stops (down) or shows (status) a small Dailies cluster on loopback, for tests
# and for trying several nodes out: PostgreSQL and Garage (scripts/services.sh), two server
# nodes on one database and one bucket, one processing worker, and nginx balancing HTTP and
# websockets across the nodes round-robin, without stickiness.
#
#   eval "$(scripts/cluster.sh up)"     prints export lines for DAILIES_URL (the balancer),
#                                       DAILIES_NODE_A and DAILIES_NODE_B (each node's own
#                                       address) and the database, storage and key lines of
#                                       services.sh; progress goes to stderr
#   scripts/cluster.sh status           each part, up or down, with its address and pid
#   scripts/cluster.sh down             stops nginx, the nodes, the worker and the services
#                                       when `up` started them
#
# When DAILIES_DATABASE_URL and DAILIES_STORAGE_URL are set (with the AWS_* key), the
# cluster uses them; otherwise `up` runs scripts/services.sh with its state under the
# cluster's. nginx passes the identity headers through unchanged, as a balancer standing
# behind a trusted, authenticating proxy does: send X-Remote-User-Id/-Name yourself. Each
# answer through the balancer names the node that gave it in X-Dailies-Upstream.
#
# State (pids, ports, data directories, logs) lives in ${DAILIES_CLUSTER_DIR:-/tmp/dailies-cluster}
# (under /tmp: the postgres user must enter the services' directory). `up` again starts only
# what is not running and prints the same lines.
#   DAILIES_SERVER_BIN        the server binary [target/debug/dailies-server]
#   DAILIES_NODE_TRANSCODE    --transcode-workers of the nodes [0: the worker processes]
#   DAILIES_WORKER_TRANSCODE  --transcode-workers of the worker [1]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/wait.sh
source scripts/lib/wait.sh

STATE=${DAILIES_CLUSTER_DIR:-/tmp/dailies-cluster}
SERVER_BIN=${DAILIES_SERVER_BIN:-$PWD/target/debug/dailies-server}
NODE_TRANSCODE=${DAILIES_NODE_TRANSCODE:-0}
WORKER_TRANSCODE=${DAILIES_WORKER_TRANSCODE:-1}
NODES=(node-a node-b)
WORKERS=(worker-1)
say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

# free_port NAME: the port kept in the state directory, or a new free loopback port.
free_port() {
  local f="$STATE/$1.port"
  if [[ ! -s $f ]]; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$f"
  fi
  cat "$f"
}

# running NAME: the part's recorded process is alive.
running() {
  local pid
  pid=$(cat "$STATE/$1.pid" 2>/dev/null || true)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

healthy() { # PORT
  curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$1/api/health"
}

# stop NAME SIGNAL SECONDS: signal the part's process, wait for it to end, then kill it.
stop() {
  local name=$1 sig=$2 secs=$3 pid
  pid=$(cat "$STATE/$name.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    say "stopping $name (pid $pid)"
    kill -"$sig" "$pid" 2>/dev/null || true
    wait_until -t "$secs" "$name to stop" bash -c "! kill -0 $pid 2>/dev/null" || {
      say "$name did not stop in ${secs}s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    }
  fi
  rm -f "$STATE/$name.pid"
}

# The database and the store: the caller's, or services.sh's (its lines kept for `up` again).
services_up() {
  if [[ -e $STATE/services.started ]] \
    || [[ ! -s $STATE/services.env && -z ${DAILIES_DATABASE_URL:-}${DAILIES_STORAGE_URL:-} ]]; then
    touch "$STATE/services.started"
    DAILIES_SERVICES_DIR=$STATE/services bash scripts/services.sh up >"$STATE/services.env.new" \
      || die "scripts/services.sh up failed"
    mv "$STATE/services.env.new" "$STATE/services.env"
  elif [[ -n ${DAILIES_DATABASE_URL:-} || -n ${DAILIES_STORAGE_URL:-} ]]; then
    [[ -n ${DAILIES_DATABASE_URL:-} && -n ${DAILIES_STORAGE_URL:-} ]] \
      || die "set both DAILIES_DATABASE_URL and DAILIES_STORAGE_URL, or neither"
    {
      echo "export DAILIES_DATABASE_URL='$DAILIES_DATABASE_URL'"
      echo "export DAILIES_STORAGE_URL='$DAILIES_STORAGE_URL'"
      if [[ -n ${AWS_ACCESS_KEY_ID:-} ]]; then echo "export AWS_ACCESS_KEY_ID='$AWS_ACCESS_KEY_ID'"; fi
      if [[ -n ${AWS_SECRET_ACCESS_KEY:-} ]]; then echo "export AWS_SECRET_ACCESS_KEY='$AWS_SECRET_ACCESS_KEY'"; fi
    } >"$STATE/services.env"
  fi
  # Otherwise: the caller's services of the first `up`, kept in services.env.
  chmod 600 "$STATE/services.env"
  # shellcheck source=/dev/null
  source "$STATE/services.env"
}

# start_server NAME PORT [SUBCOMMAND]: one dailies-server process with the cluster's settings.
start_server() {
  local name=$1 port=$2 sub=${3:-} workers=$NODE_TRANSCODE pid
  [[ -n $sub ]] && workers=$WORKER_TRANSCODE
  mkdir -p "$STATE/$name"
  if running "$name" && { [[ -n $sub ]] || healthy "$port"; }; then
    say "$name already running (pid $(cat "$STATE/$name.pid"))"
    return
  fi
  stop "$name" TERM 30
  if [[ -n $sub ]]; then say "starting $name ($sub)"; else say "starting $name on 127.0.0.1:$port"; fi
  # An empty file of settings: an installed /etc/dailies/server.toml is not the cluster's.
  setsid "$SERVER_BIN" --config "$STATE/server.toml" --listen "127.0.0.1:$port" \
    --data-dir "$STATE/$name" --database-url "$DAILIES_DATABASE_URL" \
    --storage-url "$DAILIES_STORAGE_URL" --node-name "$name" --transcode-workers "$workers" \
    ${sub:+"$sub"} >>"$STATE/$name.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$STATE/$name.pid"
  if [[ -z $sub ]]; then
    wait_for_http -t 60 -p "$pid" -s 200 "$name" "http://127.0.0.1:$port/api/health" \
      || die "$name did not start: see $STATE/$name.log"
  fi
}

nginx_config() {
  local port=$1 n=$STATE/nginx run_as=
  mkdir -p "$n/tmp"
  # nginx's workers run as whoever runs the cluster, like the servers.
  [[ $(id -u) -eq 0 ]] && run_as="user $(id -un) $(id -gn);"
  cat >"$n/nginx.conf" <<EOF
# Written by scripts/cluster.sh on every start.
$run_as
daemon off;
worker_processes 1;
pid "$n/nginx.pid";
error_log "$n/error.log" warn;
events { worker_connections 1024; }
# Stopping: open websockets do not keep nginx waiting for long.
worker_shutdown_timeout 5s;
http {
    access_log "$n/access.log";
    client_body_temp_path "$n/tmp/body";
    proxy_temp_path "$n/tmp/proxy";
    fastcgi_temp_path "$n/tmp/fastcgi";
    uwsgi_temp_path "$n/tmp/uwsgi";
    scgi_temp_path "$n/tmp/scgi";

    map \$http_upgrade \$dailies_connection {
        default upgrade;
        ''      '';
    }

    # Round-robin with no stickiness: any request, any websocket, may reach either node.
    upstream dailies_nodes {
$(for node in "${NODES[@]}"; do echo "        server 127.0.0.1:$(free_port "$node");"; done)
        keepalive 16;
    }

    server {
        listen 127.0.0.1:$port;
        # The identity headers (X-Remote-User-*) go through unchanged: the balancer
        # stands behind the proxy that authenticates, as on a site of several machines.
        proxy_set_header Host              \$http_host;
        proxy_set_header X-Forwarded-For   \$proxy_add_x_forwarded_for;
        proxy_set_header Upgrade           \$http_upgrade;
        proxy_set_header Connection        \$dailies_connection;
        proxy_http_version 1.1;
        # Websockets stay open for a whole review; the server pings every few seconds.
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        # Uploads stream to the node as they arrive, of any size; answers (Range, media)
        # stream back the same way.
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_buffering off;
        add_header X-Dailies-Upstream \$upstream_addr always;
        location / {
            proxy_pass http://dailies_nodes;
        }
    }
}
EOF
}

nginx_up() {
  local port nginx pid
  port=$(free_port nginx)
  if running nginx && healthy "$port"; then
    say "nginx already running on 127.0.0.1:$port"
    return
  fi
  stop nginx TERM 10
  nginx=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx) \
    || die "nginx is not installed: apt-get install nginx (scripts/install-deps.sh --test)"
  nginx_config "$port"
  "$nginx" -t -q -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -e "$STATE/nginx/error.log" \
    || die "nginx rejects $STATE/nginx/nginx.conf"
  say "starting nginx on 127.0.0.1:$port"
  setsid "$nginx" -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" -e "$STATE/nginx/error.log" \
    >>"$STATE/nginx.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$STATE/nginx.pid"
  wait_for_http -t 30 -p "$pid" -s 200 "nginx" "http://127.0.0.1:$port/api/health" \
    || die "nginx did not start: see $STATE/nginx/error.log"
}

print_exports() {
  cat "$STATE/services.env"
  echo "export DAILIES_URL=http://127.0.0.1:$(free_port nginx)"
  echo "export DAILIES_NODE_A=http://127.0.0.1:$(free_port node-a)"
  echo "export DAILIES_NODE_B=http://127.0.0.1:$(free_port node-b)"
}

status_line() { # NAME PORT|-
  local name=$1 port=$2 state=down pid addr=-
  pid=$(cat "$STATE/$name.pid" 2>/dev/null || true)
  [[ $port == - ]] || addr=http://127.0.0.1:$port
  if running "$name" && { [[ $port == - ]] || healthy "$port"; }; then state=up; fi
  printf '%-9s %-4s %-22s %s\n' "$name" "$state" "$addr" "${pid:+pid $pid}"
  [[ $state == up ]]
}

case "${1:-}" in
  up)
    mkdir -p "$STATE"
    chmod 755 "$STATE"
    [[ -x $SERVER_BIN ]] || die "no server binary at $SERVER_BIN: cargo build -p dailies-server"
    [[ -e $STATE/server.toml ]] || printf '# scripts/cluster.sh passes its settings on the command line.\n' >"$STATE/server.toml"
    services_up
    for node in "${NODES[@]}"; do start_server "$node" "$(free_port "$node")"; done
    for worker in "${WORKERS[@]}"; do start_server "$worker" "$(free_port "$worker")" worker; done
    nginx_up
    print_exports
    ;;
  status)
    [[ -d $STATE ]] || { say "no cluster in $STATE"; exit 1; }
    all=0
    status_line nginx "$(free_port nginx)" || all=1
    for node in "${NODES[@]}"; do status_line "$node" "$(free_port "$node")" || all=1; done
    for worker in "${WORKERS[@]}"; do status_line "$worker" - || all=1; done
    exit "$all"
    ;;
  down)
    [[ -d $STATE ]] || exit 0
    # The balancer first, so no new request reaches a node that is stopping.
    stop nginx TERM 10
    for node in "${NODES[@]}"; do stop "$node" TERM 30; done
    # SIGTERM hands the worker's jobs back to the queue.
    for worker in "${WORKERS[@]}"; do stop "$worker" TERM 60; done
    if [[ -e $STATE/services.started ]]; then
      DAILIES_SERVICES_DIR=$STATE/services bash scripts/services.sh down
      rm -f "$STATE/services.started"
    fi
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
