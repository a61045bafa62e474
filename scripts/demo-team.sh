#!/usr/bin/env bash
# The team demo (make demo-team): Dailies behind real nginx with basic auth on 127.0.0.1,
# three users (alice, bob, carol; nobody is an admin) with random passwords, and guest
# review links through /r/. nginx uses the packaged site (packaging/nginx/dailies) moved to
# plain HTTP on loopback, with its own configuration, pid, logs and temporary files under
# the data directory; Dailies takes the user from nginx's headers, as on a real server.
# Ctrl-C stops both.
#
# Environment:
#   DAILIES_TEAM_PORT         nginx's port, the one to open (default 8090)
#   DAILIES_TEAM_SERVER_PORT  Dailies' own port behind it (default 8091)
#   DAILIES_TEAM_DATA         data directory (default ./data-team)
#   DAILIES_TEAM_SKIP_BUILD   1 = use the server binary and client build already there
#   DAILIES_TEAM_SERVER_BIN   the server binary (default target/release/dailies-server)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# wait_for_http: nothing is used before it answers.
source scripts/lib/wait.sh

PORT=${DAILIES_TEAM_PORT:-8090}
SPORT=${DAILIES_TEAM_SERVER_PORT:-8091}
DATA=${DAILIES_TEAM_DATA:-$ROOT/data-team}
BIN=${DAILIES_TEAM_SERVER_BIN:-$ROOT/target/release/dailies-server}
USERS=(alice bob carol)

die() { echo "demo-team: $*" >&2; exit 1; }

# ---------------------------------------------------------------- what it needs
if [[ ${DAILIES_TEAM_SKIP_BUILD:-} != 1 ]]; then
  bash scripts/install-deps.sh
fi
# nginx and htpasswd (apache2-utils), as install-deps.sh installs the rest. Debian's
# package also starts its own nginx service (port 80, where systemd runs); the demo
# neither uses nor touches it. nginx lives in /usr/sbin, which a user's PATH may lack.
export PATH=$PATH:/usr/sbin
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v htpasswd >/dev/null || need+=(apache2-utils)
if (( ${#need[@]} )); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  echo "demo-team: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  for attempt in 1 2 3; do
    if $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"; then break; fi
    (( attempt < 3 )) || die "apt-get install ${need[*]} failed"
    sleep 5
    $SUDO apt-get update -q
  done
fi
NGINX=$(command -v nginx) || die "nginx is not installed"

if [[ ${DAILIES_TEAM_SKIP_BUILD:-} != 1 ]]; then
  cargo build --release -p dailies-server
  bash scripts/client-build.sh
fi
[[ -x $BIN ]] || die "no server binary at $BIN (build it, or set DAILIES_TEAM_SERVER_BIN)"
WEB=$ROOT/client-svelte/dist
[[ -f $WEB/index.html ]] || die "no web client in $WEB (bash scripts/client-build.sh)"

for p in "$PORT" "$SPORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p is in use (choose others with DAILIES_TEAM_PORT and DAILIES_TEAM_SERVER_PORT)"
  fi
done

# ---------------------------------------------------------------- configuration
mkdir -p "$DATA/dailies" "$DATA/nginx/tmp"
DATA=$(cd "$DATA" && pwd)
N=$DATA/nginx

# New passwords on every start; nginx reads the file on every request.
: >"$N/htpasswd.new"
declare -A PASSWORD
for u in "${USERS[@]}"; do
  PASSWORD[$u]=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-12)
  printf '%s\n' "${PASSWORD[$u]}" | htpasswd -iB "$N/htpasswd.new" "$u" 2>/dev/null ||
    die "htpasswd could not add $u"
done
chmod 600 "$N/htpasswd.new"
mv "$N/htpasswd.new" "$N/htpasswd"

# The packaged site, moved to plain HTTP on loopback: the HTTPS server loses its
# certificate lines and listens on $PORT, the port-80 server (a redirect to HTTPS) goes.
# Exact strings, not patterns, so paths with any characters survive; each must be found.
awk -v port="$PORT" -v sport="$SPORT" -v htpasswd="$N/htpasswd" -v web="$WEB" '
  BEGIN { print "# Written by scripts/demo-team.sh on every start: packaging/nginx/dailies on plain HTTP." }
  function swap(from, to,   i) {
    i = index($0, from)
    if (i) { $0 = substr($0, 1, i - 1) to substr($0, i + length(from)); done[from] = 1 }
  }
  # A top-level server block is held until its end, and dropped if it is the port-80 one.
  /^server[ \t]*\{/ { held = $0 "\n"; holding = 1; plain = 0; next }
  holding {
    if ($0 ~ /^[ \t]*listen 80;/) plain = 1
    swap("listen 443 ssl http2;", "listen 127.0.0.1:" port ";")
    swap("/etc/dailies/htpasswd", "\"" htpasswd "\"")
    swap("root /usr/share/dailies/web;", "root \"" web "\";")
    if ($0 ~ /^[ \t]*(ssl_|listen \[::\])/) next
    held = held $0 "\n"
    if ($0 ~ /^\}/) { holding = 0; if (!plain) printf "%s", held; else done["port 80"] = 1 }
    next
  }
  { swap("server 127.0.0.1:8095;", "server 127.0.0.1:" sport ";"); print }
  END {
    n = split("listen 443 ssl http2;|/etc/dailies/htpasswd|root /usr/share/dailies/web;|server 127.0.0.1:8095;|port 80", want, "|")
    for (i = 1; i <= n; i++) if (!(want[i] in done)) { print "missing: " want[i] > "/dev/stderr"; bad = 1 }
    exit bad
  }' packaging/nginx/dailies >"$N/site.conf" ||
  die "packaging/nginx/dailies changed: could not move it to http://127.0.0.1:$PORT"
! grep -Eq '^[^#]*ssl' "$N/site.conf" || die "the site in $N/site.conf still has TLS lines"

# nginx's workers run as whoever runs the demo, like the server: they must read the
# checkout's web client and write the temporary directory.
RUN_AS=
[[ $(id -u) -eq 0 ]] && RUN_AS="user $(id -un) $(id -gn);"
cat >"$N/nginx.conf" <<EOF
# Written by scripts/demo-team.sh on every start.
$RUN_AS
daemon off;
worker_processes 1;
pid "$N/nginx.pid";
error_log "$N/error.log" warn;
events { worker_connections 512; }
# Ctrl-C: open websockets do not keep nginx waiting for long.
worker_shutdown_timeout 5s;
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log "$N/access.log";
    client_body_temp_path "$N/tmp/body";
    proxy_temp_path "$N/tmp/proxy";
    fastcgi_temp_path "$N/tmp/fastcgi";
    uwsgi_temp_path "$N/tmp/uwsgi";
    scgi_temp_path "$N/tmp/scgi";
    include "$N/site.conf";
}
EOF
# No /etc/dailies/server.toml of an installed package: the demo's own, empty settings.
printf '# The team demo passes its settings on the command line.\n' >"$DATA/server.toml"
"$NGINX" -t -q -c "$N/nginx.conf" -p "$N" -e "$N/error.log" || die "nginx rejects $N/nginx.conf"

# ---------------------------------------------------------------- run
SERVER_PID=
NGINX_PID=
# stop_pid PID SIGNAL SECONDS: ask a child to stop, and kill it when it takes too long.
stop_pid() {
  [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 0
  kill "-$2" "$1" 2>/dev/null
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1 # polls the exit; the loop ends when the process is gone
  done
  echo "demo-team: process $1 did not stop within $3 s: killing it" >&2
  kill -KILL "$1" 2>/dev/null
}
cleanup() {
  local rc=$?
  set +e
  # Whatever else a Ctrl-C ended (a `| tee` reading our output) must not end the clean-up
  # halfway: a failed echo is only a failed echo.
  trap '' INT TERM PIPE
  [[ -n $SERVER_PID$NGINX_PID ]] || exit "$rc"
  echo
  echo "demo-team: stopping"
  # The server first: it closes every websocket (code 1001), which frees nginx's
  # connections, finishes requests in flight and folds its WAL into the database.
  stop_pid "$SERVER_PID" TERM 30
  stop_pid "$NGINX_PID" QUIT 10
  wait 2>/dev/null
  rm -f "$DATA/server.pid"
  echo "demo-team: stopped (data kept in $DATA)"
  exit "$rc"
}
trap cleanup EXIT
# Ctrl-C is how the demo ends: a clean stop, status 0.
trap 'exit 0' INT TERM

# Each in its own session: a Ctrl-C reaches this script only, which stops them in order.
setsid "$BIN" --config "$DATA/server.toml" --listen "127.0.0.1:$SPORT" --data-dir "$DATA/dailies" \
  --web-root "$WEB" "$@" >>"$DATA/server.log" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" >"$DATA/server.pid"
wait_for_http -t 60 -p "$SERVER_PID" -s 200 "dailies-server" "http://127.0.0.1:$SPORT/api/health" || {
  tail -n 20 "$DATA/server.log" >&2
  exit 1
}
setsid "$NGINX" -c "$N/nginx.conf" -p "$N" -e "$N/error.log" &
NGINX_PID=$!
wait_for_http -t 30 -p "$NGINX_PID" -s 200 "nginx" "http://127.0.0.1:$PORT/api/health" || {
  tail -n 20 "$N/error.log" >&2
  exit 1
}

cat <<EOF

Dailies team demo: open http://127.0.0.1:$PORT

  user    password
  alice   ${PASSWORD[alice]}
  bob     ${PASSWORD[bob]}
  carol   ${PASSWORD[carol]}

Nobody is an admin: what bob sees of alice's media is what she shared with him.
A browser signs in as one user at a time: use a second browser or a private window
for a second user. A guest link (Share, as the media's owner) opens in a private
window without any password. New passwords on every start.
Data and logs: $DATA (server.log, nginx/error.log). Ctrl-C to stop.
EOF

# Until Ctrl-C, or until one of them ends on its own (then the other is stopped too).
set +e
wait -n "$SERVER_PID" "$NGINX_PID"
rc=$?
if kill -0 "$SERVER_PID" 2>/dev/null; then who=nginx; else who=dailies-server; fi
echo "demo-team: $who exited on its own (status $rc); see $DATA/server.log and $N/error.log" >&2
exit 1
