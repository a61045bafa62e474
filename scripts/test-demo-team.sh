#!/usr/bin/env bash
# Tests `make demo-team` in well under a minute, with what the earlier test steps built
# (the debug server, the client in client-svelte/dist): scripts/demo-team.sh starts on
# free ports with a data directory of its own and prints the passwords; alice signs in
# through nginx, bob cannot see alice's media until she shares it, a guest opens a link
# with no password; then a Ctrl-C stops nginx and the server, and the script exits 0.
#
#   DAILIES_TEAM_SERVER_BIN  the server to run (default target/debug/dailies-server)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# wait_for_http, wait_until: nothing is used before it answers.
source scripts/lib/wait.sh

BIN=${DAILIES_TEAM_SERVER_BIN:-$PWD/target/debug/dailies-server}
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "  ok    $1"; }
bad() { FAILED=$((FAILED + 1)); echo "  FAIL  $1"; }
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
die() {
  echo "test-demo-team: error: $*" >&2
  FAILED=$((FAILED + 1))
  exit 1
}

WORK=$(mktemp -d /tmp/dailies-demo-team-test.XXXXXX)
DATA=$WORK/data
LOG=$WORK/demo.log
DEMO_PID=
cleanup() {
  local rc=$?
  # Whatever a failed test left running: the demo's group, then its two servers by the
  # ids they recorded.
  if [[ -n $DEMO_PID ]] && kill -0 "$DEMO_PID" 2>/dev/null; then
    kill -KILL -- "-$DEMO_PID" 2>/dev/null
  fi
  for f in "$DATA/server.pid" "$DATA/nginx/nginx.pid"; do
    [[ -s $f ]] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  if (( FAILED )); then
    for f in "$LOG" "$DATA/server.log" "$DATA/nginx/error.log"; do
      [[ -s $f ]] && { echo "--- last lines of $f"; tail -n 15 "$f"; }
    done
  fi
  rm -rf "$WORK"
  echo "demo-team: ${PASSED} passed, ${FAILED} failed"
  (( FAILED )) && exit 1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -x $BIN ]] || die "no server at $BIN (cargo build -p dailies-server)"
[[ -f client-svelte/dist/index.html ]] || die "no web client build (bash scripts/client-build.sh)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
SPORT=$(free_port)
BASE=http://127.0.0.1:$PORT

echo "== make demo-team (scripts/demo-team.sh) on $BASE"
# setsid: the demo leads a process group of its own, which is what a Ctrl-C reaches. A
# job started with & ignores SIGINT (and a shell cannot trap what it inherits ignored):
# env gives it back the default, as in a terminal.
DAILIES_TEAM_SKIP_BUILD=1 DAILIES_TEAM_SERVER_BIN=$BIN DAILIES_TEAM_PORT=$PORT \
  DAILIES_TEAM_SERVER_PORT=$SPORT DAILIES_TEAM_DATA=$DATA \
  setsid env --default-signal=INT bash scripts/demo-team.sh >"$LOG" 2>&1 &
DEMO_PID=$!
wait_until -t 90 -p "$DEMO_PID" "the demo to say it is ready" grep -q "open $BASE" "$LOG" ||
  die "the demo did not start"
pw() { awk -v u="$1" '$1 == u && NF == 2 {print $2}' "$LOG"; }
ALICE=alice:$(pw alice)
BOB=bob:$(pw bob)
check "the demo prints a password for alice, bob and carol" \
  test -n "$(pw alice)" -a -n "$(pw bob)" -a -n "$(pw carol)" -a "$(pw alice)" != "$(pw bob)"
check "its server and nginx are running" bash -c \
  "kill -0 \$(cat '$DATA/server.pid') && kill -0 \$(cat '$DATA/nginx/nginx.pid')"

# code USER ARGS...: the status of a request through nginx (USER "" for none).
code() {
  local auth=$1
  shift
  curl -s -o "$WORK/body" -w '%{http_code}' ${auth:+-u "$auth"} "$@"
}
jget() {
  python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$WORK/body" "$1" 2>/dev/null
}
JSON=(-H "Content-Type: application/json" -H "Origin: $BASE")

check "no password: nginx's 401" test "$(code "" "$BASE/api/media")" = 401
check "a wrong password: 401" test "$(code alice:wrong "$BASE/api/media")" = 401
check "alice signs in: her media list" test "$(code "$ALICE" "$BASE/api/media")" = 200
check "alice gets the web client" bash -c \
  "[[ \$(curl -s -u '$ALICE' -o /dev/null -w '%{http_code} %{content_type}' '$BASE/') == '200 text/html'* ]]"
check "the server knows her as alice, from nginx's header" bash -c \
  "[[ \$(curl -s -u '$ALICE' '$BASE/api/quota') == *'\"user_id\":\"alice\"'* ]]"

# Who may see it is decided before any processing: bytes that are no video will do.
head -c 65536 /dev/urandom >"$WORK/clip.mp4"
check "alice uploads a clip: 201" test "$(code "$ALICE" -X POST -H "X-File-Name: cut.mp4" \
  -H "Origin: $BASE" --data-binary "@$WORK/clip.mp4" "$BASE/api/upload")" = 201
MEDIA=$(jget id)
[[ -n $MEDIA ]] || die "no media id from the upload"
check "alice keeps it to herself (link access off): 200" test "$(code "$ALICE" -X PUT "${JSON[@]}" \
  -d '{"link_access": "off", "users": []}' "$BASE/api/media/$MEDIA/sharing")" = 200
check "bob cannot open alice's unshared media: 404" test "$(code "$BOB" "$BASE/api/media/$MEDIA")" = 404
check "bob's list does not show it" bash -c "[[ \$(curl -s -u '$BOB' '$BASE/api/media') != *'$MEDIA'* ]]"
check "bob sending X-Remote-User-Id: alice still gets 404" \
  test "$(code "$BOB" -H 'X-Remote-User-Id: alice' "$BASE/api/media/$MEDIA")" = 404
check "alice shares it with bob as a commenter: 200" test "$(code "$ALICE" -X PUT "${JSON[@]}" \
  -d '{"link_access": "off", "users": [{"user_id": "bob", "role": "commenter"}]}' \
  "$BASE/api/media/$MEDIA/sharing")" = 200
check "bob opens it now: 200" test "$(code "$BOB" "$BASE/api/media/$MEDIA")" = 200
check "bob finds it under shared with me" bash -c \
  "[[ \$(curl -s -u '$BOB' '$BASE/api/media?shared=1') == *'$MEDIA'* ]]"

check "alice makes a guest link: 201" test "$(code "$ALICE" -X POST "${JSON[@]}" \
  -d '{"can_comment": true, "can_download": false}' "$BASE/api/media/$MEDIA/guest-links")" = 201
TOKEN=$(jget token)
check "a guest opens /r/<token> with no password: the page" \
  test "$(code "" "$BASE/r/$TOKEN")" = 200
check "the guest gets a session with no password: 200" test "$(code "" -X POST "${JSON[@]}" \
  -d "{\"token\": \"$TOKEN\", \"name\": \"Gus\"}" "$BASE/api/guest/session")" = 200

echo "== Ctrl-C"
SERVER_PID=$(cat "$DATA/server.pid")
NGINX_PID=$(cat "$DATA/nginx/nginx.pid")
kill -INT -- "-$DEMO_PID"
rc=0
if wait_until -t 45 "the demo to stop" bash -c "! kill -0 $DEMO_PID 2>/dev/null"; then
  wait "$DEMO_PID" 2>/dev/null || rc=$?
else
  kill -KILL -- "-$DEMO_PID" 2>/dev/null
  rc=timeout
fi
DEMO_PID=
check "the demo exits 0 after Ctrl-C (status $rc)" test "$rc" = 0
check "it says it stopped" grep -q "demo-team: stopped" "$LOG"
check "the server is gone" bash -c "! kill -0 $SERVER_PID 2>/dev/null"
check "nginx is gone" bash -c "! kill -0 $NGINX_PID 2>/dev/null"
check "nobody listens on the two ports any more" bash -c \
  "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$SPORT) 2>/dev/null"
check "the server folded its WAL into the database on the way out" \
  test ! -s "$DATA/dailies/dailies.sqlite-wal"
