#!/usr/bin/env bash
# Tests the Debian package for real: builds it, runs lintian, installs it with dpkg,
# runs the installed server the way its systemd unit does, puts real nginx with the
# installed site and basic auth in front, and checks uploads, identities, websockets,
# a guest review link used without any password (and what it must not open), the same
# through the single sign-on example, an upgrade that keeps everything, then remove and
# purge.
#
# Runs as root on a Debian 12 machine (CI: fresh, no systemd running). Leaves the
# machine as it found it. Environment:
#   DAILIES_DEB_OLD=FILE.deb  install this (older) package first instead of one built
#                             from this tree, to test an upgrade across migrations
#   DAILIES_DEB_SKIP_BUILD=1  reuse the cargo/client build already there
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
START=$(date +%s)
# wait_for_http, wait_until: every server started in the background is waited for.
source scripts/lib/wait.sh

PASSED=0
FAILED=0
FAILURES=()
ok() { PASSED=$((PASSED + 1)); echo "  ok    $1"; }
bad() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); echo "  FAIL  $1"; }
# check NAME COMMAND...: one test.
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
say() { echo "== $*"; }
die() {
  echo "test-deb: error: $*" >&2
  FAILED=$((FAILED + 1))
  FAILURES+=("setup: $*")
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root (it installs and removes a package)"
[[ $(uname -m) == x86_64 ]] || die "amd64 only"
# Never touch a real installation or its data.
if dpkg-query -W -f='${Status}' dailies 2>/dev/null | grep -qv "not-installed"; then
  die "the dailies package is installed here: refusing to test over it"
fi
for d in /var/lib/dailies /etc/dailies; do
  [[ ! -e $d ]] || die "$d exists: refusing to test over a real installation's files"
done
USER_EXISTED=0
getent passwd dailies >/dev/null && USER_EXISTED=1

WORK=$(mktemp -d /tmp/dailies-deb-test.XXXXXX)
chmod 0755 "$WORK"
SERVER_PID=
FAKE_SSO_PID=
SITE_LINK=/etc/nginx/sites-enabled/dailies

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  # As systemd does: SIGTERM, then wait (TimeoutStopSec), then SIGKILL.
  kill -TERM "$SERVER_PID" 2>/dev/null
  for _ in $(seq 1 150); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

stop_nginx() { # DIR of a test nginx started by start_nginx
  if [[ -f $1/nginx.pid ]]; then
    local pid
    pid=$(cat "$1/nginx.pid")
    kill -QUIT "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$1/nginx.pid"
  fi
}

cleanup() {
  local rc=$?
  stop_server
  stop_nginx "$WORK/nginx"
  stop_nginx "$WORK/nginx-sso"
  [[ -n $FAKE_SSO_PID ]] && kill "$FAKE_SSO_PID" 2>/dev/null
  if dpkg-query -W -f='${Status}' dailies 2>/dev/null | grep -qv "not-installed"; then
    dpkg -P dailies >/dev/null 2>&1 || echo "test-deb: cleanup: dpkg -P dailies failed" >&2
  fi
  [[ -L $SITE_LINK && $(readlink "$SITE_LINK") == */sites-available/dailies ]] && rm -f "$SITE_LINK"
  rm -rf /var/lib/dailies /etc/dailies
  if (( ! USER_EXISTED )) && getent passwd dailies >/dev/null; then
    userdel dailies 2>/dev/null
  fi
  if (( ! USER_EXISTED )) && getent group dailies >/dev/null; then
    groupdel dailies 2>/dev/null
  fi
  if (( FAILED )) && [[ -d $WORK ]]; then
    for f in "$WORK"/server-*.log "$WORK"/nginx*/error.log; do
      [[ -s $f ]] && { echo "--- last lines of $f"; tail -n 15 "$f"; }
    done
  fi
  rm -rf "$WORK"
  echo "test-deb: took $(( $(date +%s) - START )) s"
  if (( FAILED )); then
    printf 'test-deb: failed: %s\n' "${FAILURES[@]}"
  fi
  echo "deb: ${PASSED} passed, ${FAILED} failed"
  if (( FAILED )); then exit 1; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ tools
say "system packages"
NEED=(dpkg-dev nginx lintian openssl curl ffmpeg mediainfo sqlite3 ssl-cert adduser python3)
missing=()
for p in "${NEED[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  echo "installing ${missing[*]}"
  # One apt-get at a time; an archive that vanished between update and install gets
  # one more try after a fresh update.
  apt_ok=0
  for attempt in 1 2; do
    if apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}"; then
      apt_ok=1
      break
    fi
    echo "apt-get failed (attempt $attempt)"
    sleep 3
  done
  (( apt_ok )) || die "apt-get install ${missing[*]} failed"
fi
[[ -f /etc/ssl/certs/ssl-cert-snakeoil.pem ]] || make-ssl-cert generate-default-snakeoil ||
  die "no snakeoil certificate"

# ------------------------------------------------------------------ build
say "build"
OUT=$WORK/debs
DAILIES_DEB_OUT=$OUT bash scripts/build-deb.sh 2>&1 | tee "$WORK/build.log"
(( PIPESTATUS[0] == 0 )) || die "build-deb.sh failed"
NEW_BASE=$(sed -n 's/^build-deb: version \([^ ]*\) .*/\1/p' "$WORK/build.log")
[[ -n $NEW_BASE ]] || die "could not read the version from build-deb.sh"
DEB1=$OUT/dailies_${NEW_BASE}_amd64.deb
[[ -f $DEB1 ]] || die "build-deb.sh made no $DEB1"
# The "newer" package: same build, higher version (reusing the binaries).
V2="${NEW_BASE}+upgradetest1"
DAILIES_DEB_SKIP_BUILD=1 DAILIES_DEB_VERSION=$V2 DAILIES_DEB_OUT=$OUT bash scripts/build-deb.sh >/dev/null ||
  die "build-deb.sh (version $V2) failed"
DEB2=$OUT/dailies_${V2}_amd64.deb
if [[ -n ${DAILIES_DEB_OLD:-} ]]; then
  DEB1=$DAILIES_DEB_OLD
  echo "upgrading from $DEB1"
  DEB2=$OUT/dailies_${NEW_BASE}_amd64.deb
fi
V1=$(dpkg-deb -f "$DEB1" Version)
V2=$(dpkg-deb -f "$DEB2" Version)
check "newer package sorts after the older ($V1 < $V2)" dpkg --compare-versions "$V1" lt "$V2"

# ------------------------------------------------------------------ package contents
say "package contents and lintian"
dpkg-deb -c "$DEB2" | awk '{print $6}' >"$WORK/contents.txt"
deb_has() { grep -qx "./$1" "$WORK/contents.txt"; }
for f in usr/bin/dailies-server usr/sbin/dailies-user etc/dailies/server.toml \
  etc/nginx/sites-available/dailies lib/systemd/system/dailies.service \
  usr/share/dailies/web/index.html usr/share/doc/dailies/copyright \
  usr/share/doc/dailies/changelog.Debian.gz usr/share/doc/dailies/sysadmin-guide.md.gz; do
  check "package ships /$f" deb_has "$f"
done
if [[ -f organizer-sdk/Cargo.toml ]]; then
  check "package ships the organizer plugin" deb_has usr/lib/dailies/basic-folders
else
  echo "  (no organizer-sdk/ in this tree: no plugin expected)"
fi
if [[ -f client-svelte/package.json ]]; then
  check "package ships the built web client" grep -q '^./usr/share/dailies/web/assets/.' "$WORK/contents.txt"
else
  echo "  (no client-svelte/ in this tree: placeholder page expected)"
fi
check "conffiles list the configuration and the nginx site" bash -c \
  "dpkg-deb -I '$DEB2' conffiles | sort | tr '\n' ' ' | grep -qx '/etc/dailies/server.toml /etc/nginx/sites-available/dailies '"
check "control depends on ffmpeg, mediainfo and libc6" bash -c \
  "dpkg-deb -f '$DEB2' Depends | grep -q 'ffmpeg' && dpkg-deb -f '$DEB2' Depends | grep -q mediainfo && dpkg-deb -f '$DEB2' Depends | grep -q libc6"

# lintian refuses nothing as root but says so; its verdict is what counts.
lintian --fail-on error --display-level '>=warning' --info "$DEB2" >"$WORK/lintian.txt" 2>&1
lintian_rc=$?
sed 's/^/    /' "$WORK/lintian.txt" | grep -E '^    [EW]:' || true
check "lintian reports no errors" test "$lintian_rc" -eq 0

# ------------------------------------------------------------------ install
say "install $V1"
install_deb() {
  if ! dpkg -i "$1" </dev/null >"$WORK/dpkg.log" 2>&1; then
    # Missing dependencies: let apt bring them, which finishes the configuration.
    DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q </dev/null >>"$WORK/dpkg.log" 2>&1 || {
      cat "$WORK/dpkg.log"
      return 1
    }
  fi
}
install_deb "$DEB1" || die "installing $DEB1 failed"
check "dpkg reports $V1 installed" test "$(dpkg-query -W -f='${Status} ${Version}' dailies)" = "install ok installed $V1"
check "postinst made the system user dailies" bash -c \
  "getent passwd dailies | awk -F: '{exit !(\$3 < 1000 && \$6 == \"/var/lib/dailies\" && \$7 == \"/usr/sbin/nologin\")}'"
check "postinst made /var/lib/dailies owned by dailies, mode 750" \
  test "$(stat -c '%U:%G %a' /var/lib/dailies)" = "dailies:dailies 750"
check "postinst made an empty htpasswd, root:www-data 640" \
  test "$(stat -c '%U:%G %a %s' /etc/dailies/htpasswd)" = "root:www-data 640 0"
check "dailies-server --help runs" bash -c "/usr/bin/dailies-server --help | grep -q -- --data-dir"
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify accepts the unit" systemd-analyze verify --man=no dailies.service
fi

# Edit the configuration as an administrator would: a port of our own (it must survive
# the upgrade), and the nginx site's upstream to match.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SPORT=$(free_port)
sed -i "s/^listen = .*/listen = \"127.0.0.1:$SPORT\"  # edited by test-deb/" /etc/dailies/server.toml
grep -q "edited by test-deb" /etc/dailies/server.toml || die "could not edit server.toml"
# The organizer plugin, when the package has one: switched on as the comment says.
PLUGIN=0
if [[ -x /usr/lib/dailies/basic-folders ]] && grep -q '^# organizer_cmd = ' /etc/dailies/server.toml; then
  sed -i 's/^# organizer_cmd = /organizer_cmd = /' /etc/dailies/server.toml
  PLUGIN=1
fi

# ------------------------------------------------------------------ server as the unit runs it
UNIT=/lib/systemd/system/dailies.service
unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
start_server() {
  local log=$1 user group umask_ exec envs=()
  user=$(unit_value User)
  group=$(unit_value Group)
  umask_=$(unit_value UMask)
  exec=$(unit_value ExecStart)
  while IFS= read -r e; do envs+=("$e"); done < <(sed -n 's/^Environment=//p' "$UNIT")
  [[ -n $user && -n $exec ]] || die "cannot read User/ExecStart from $UNIT"
  # systemd's environment for a system service with User=, then Environment= lines;
  # NoNewPrivileges=yes and an empty capability set as in the unit.
  (
    umask "${umask_:-0022}"
    cd /
    # shellcheck disable=SC2086 # ExecStart is split into words, as systemd does
    exec setpriv --reuid="$user" --regid="${group:-$user}" --init-groups --no-new-privs \
      --inh-caps=-all --bounding-set=-all -- \
      env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      HOME=/var/lib/dailies USER="$user" LOGNAME="$user" SHELL=/usr/sbin/nologin "${envs[@]}" \
      $exec
  ) >"$log" 2>&1 &
  SERVER_PID=$!
  wait_for_http -t 30 -p "$SERVER_PID" -s 200 "the installed server" "http://127.0.0.1:$SPORT/api/health" &&
    return 0
  cat "$log"
  return 1
}
say "start the installed server as the unit does"
start_server "$WORK/server-1.log" || die "the installed server did not start"
if (( PLUGIN )); then
  wait_until -t 10 "the organizer plugin" pgrep -u dailies -f /usr/lib/dailies/basic-folders >/dev/null
  check "the server runs the organizer plugin, as user dailies" pgrep -u dailies -f /usr/lib/dailies/basic-folders
fi
check "server runs as user dailies" test "$(ps -o user= -p "$(pgrep -P "$SERVER_PID" -x dailies-server || echo "$SERVER_PID")" | tr -d ' ')" = dailies

# ------------------------------------------------------------------ users
say "users with dailies-user"
printf 'alice-password-1\n' | dailies-user add alice >/dev/null || die "dailies-user add alice failed"
printf 'bob-password-22\n' | dailies-user add bob >/dev/null || die "dailies-user add bob failed"
check "dailies-user list shows alice and bob" test "$(dailies-user list | tr '\n' ' ')" = "alice bob "
check "htpasswd is root:www-data, mode 640" test "$(stat -c '%U:%G %a' /etc/dailies/htpasswd)" = "root:www-data 640"
printf 'carol-password\n' | dailies-user add carol >/dev/null
dailies-user remove carol >/dev/null
check "dailies-user remove drops a user" test "$(dailies-user list | tr '\n' ' ')" = "alice bob "
check "dailies-user refuses a duplicate" bash -c "! printf 'xxxxxxxxxx\n' | dailies-user add alice 2>/dev/null"

# ------------------------------------------------------------------ nginx
say "nginx with the installed site"
# The public location (guest links, health) repeats the server block's headers by hand,
# with the identity cleared: the two lists must agree, and nothing else may be public.
PUBLIC_LOCATION='~ ^/(?:r/|api/guest/|api/health$)'
check "the site's public location clears the identity and repeats every other header" \
  python3 packaging/tests/site_check.py /etc/nginx/sites-available/dailies --public "$PUBLIC_LOCATION"
# start_nginx DIR SITE HTTPS_PORT [sed expressions...]: real nginx (master root, workers
# www-data as Debian's) with a site file moved to our ports; IPv6 listeners dropped, as
# CI may lack ::1. Every substitution must have happened.
start_nginx() {
  local dir=$1 site=$2 port=$3
  shift 3
  mkdir -p "$dir/tmp"
  chown www-data "$dir/tmp"
  sed -e "s/listen 443 ssl/listen $port ssl/" -e "s/listen 80;/listen $(free_port);/" -e '/listen \[::\]/d' \
    -e "s/server 127.0.0.1:8095;/server 127.0.0.1:$SPORT;/" "$@" "$site" >"$dir/site.conf"
  if ! grep -q "listen $port ssl" "$dir/site.conf" || ! grep -q "127.0.0.1:$SPORT;" "$dir/site.conf"; then
    die "could not move $site to the test ports"
  fi
  cat >"$dir/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/site.conf;
}
EOF
  nginx -t -q -c "$dir/nginx.conf" -p "$dir" || die "nginx -t rejects $site"
  nginx -c "$dir/nginx.conf" -p "$dir" || die "nginx did not start with $site"
  # nginx has bound its ports when the command returns; its workers (and the server
  # behind them) must answer too before a test talks to them.
  wait_for_http -t 20 -k -s 200 "nginx with $site" "https://127.0.0.1:$port/api/health" ||
    die "nginx with $site did not answer: $(tail -n 5 "$dir/error.log" 2>/dev/null)"
}
NPORT=$(free_port)
start_nginx "$WORK/nginx" /etc/nginx/sites-available/dailies "$NPORT"
NPORT80=$(sed -n 's/^ *listen \([0-9]*\);$/\1/p' "$WORK/nginx/site.conf" | head -1)
# As the guide says to enable it: the real nginx configuration must accept it too.
ln -sf ../sites-available/dailies "$SITE_LINK"
check "nginx -t accepts the site enabled in /etc/nginx" nginx -t -q
BASE=https://127.0.0.1:$NPORT

# curl through nginx: code for USER (name:password or "") and extra args.
code() {
  local auth=$1
  shift
  curl -ks -o "$WORK/body" -w '%{http_code}' ${auth:+-u "$auth"} "$@"
}
ALICE=alice:alice-password-1
BOB=bob:bob-password-22

say "through nginx"
check "health answers without a password" test "$(code "" "$BASE/api/health")" = 200
check "no password: 401 from nginx" test "$(code "" "$BASE/api/media")" = 401
check "wrong password: 401" test "$(code alice:wrong-password "$BASE/api/media")" = 401
check "plain http redirects to https" test "$(code "" "http://127.0.0.1:$NPORT80/api/media")" = 301
check "web client index through nginx" bash -c \
  "[[ \$(curl -ks -u '$ALICE' -o '$WORK/index.html' -w '%{http_code} %{content_type}' '$BASE/') == '200 text/html'* ]] && grep -qi '<html' '$WORK/index.html'"
check "the page carries the server's Content-Security-Policy" bash -c \
  "curl -ks -u '$ALICE' -D - -o /dev/null '$BASE/' | grep -qi '^content-security-policy:'"
ASSET=$(grep -m1 '^./usr/share/dailies/web/assets/.*\.js$' "$WORK/contents.txt" | sed 's#^./usr/share/dailies/web##')
if [[ -n $ASSET ]]; then
  check "client asset $ASSET from nginx, cached for good" bash -c \
    "curl -ks -u '$ALICE' -D - -o /dev/null '$BASE$ASSET' | tr -d '\r' | grep -qi '^cache-control: public, immutable'"
fi

# A clip over nginx's default 1 MiB body limit, in a codec that needs a transcode.
ffmpeg -v error -f lavfi -i "testsrc2=size=640x360:rate=25" -f lavfi -i "sine=frequency=440" \
  -t 3 -c:v mjpeg -q:v 2 -c:a pcm_s16le -y "$WORK/clip.mov" || die "ffmpeg could not make a clip"
check "test clip is larger than 1 MiB ($(stat -c %s "$WORK/clip.mov") bytes)" test "$(stat -c %s "$WORK/clip.mov")" -gt 1048576

# With the Origin a browser on this site sends: the server compares it with the host.
UP=$(code "$ALICE" -X POST -H "X-File-Name: clip.mov" -H "Content-Type: application/octet-stream" \
  -H "Origin: $BASE" --data-binary "@$WORK/clip.mov" "$BASE/api/upload")
MEDIA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/body" 2>/dev/null)
check "upload through nginx as alice: 201 with an id" test "$UP" = 201 -a -n "$MEDIA"
[[ -n $MEDIA ]] || die "no media id from the upload: $(cat "$WORK/body")"
# Everyone signed in who has the link may open new media (default_link_access): alice
# keeps this one to herself, so that what bob may not see below is hers alone.
check "alice turns the clip's link access off: 200" test "$(code "$ALICE" -X PUT \
  -H "Content-Type: application/json" -H "Origin: $BASE" -d '{"link_access": "off", "users": []}' \
  "$BASE/api/media/$MEDIA/sharing")" = 200

media_field() { # USER ID FIELD
  code "$1" "$BASE/api/media/$2" >/dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$WORK/body" "$3" 2>/dev/null
}
status=
for _ in $(seq 1 300); do
  status=$(media_field "$ALICE" "$MEDIA" status)
  [[ $status == ready || $status == failed ]] && break
  sleep 0.5
done
check "the clip is transcoded by the installed server (status $status)" test "$status" = ready
check "GET /api/media as alice lists it" bash -c \
  "[[ \$(curl -ks -u '$ALICE' '$BASE/api/media') == *'\"$MEDIA\"'* ]]"
check "the server saw alice as its owner" test "$(media_field "$ALICE" "$MEDIA" owner_id)" = alice
PLAY=$(media_field "$ALICE" "$MEDIA" playback_url)
check "playback file with Range through nginx: 206" test "$(code "$ALICE" -H 'Range: bytes=0-99' "$BASE$PLAY")" = 206

check "bob cannot see alice's media: 404" test "$(code "$BOB" "$BASE/api/media/$MEDIA")" = 404
check "bob's media list does not show it" bash -c "[[ \$(curl -ks -u '$BOB' '$BASE/api/media') != *'$MEDIA'* ]]"
check "bob sending X-Remote-User-Id: alice still gets 404" \
  test "$(code "$BOB" -H 'X-Remote-User-Id: alice' -H 'X-Remote-User-Name: alice' "$BASE/api/media/$MEDIA")" = 404
check "bob sending x-remote-user-id: alice (lower case) still gets 404" \
  test "$(code "$BOB" -H 'x-remote-user-id: alice' "$BASE/api/media/$MEDIA")" = 404
check "bob sending X-Remote-User-Id: alice cannot fetch the file" \
  test "$(code "$BOB" -H 'X-Remote-User-Id: alice' "$BASE$PLAY")" = 404
check "bob sending X-Remote-User-Admin: true gets no admin rights" \
  test "$(code "$BOB" -H 'X-Remote-User-Admin: true' "$BASE/api/media/$MEDIA")" = 404

# ws PORT ARGS...: the websocket client; its report goes to ws.log, shown on failure.
ws() {
  local port=$1
  shift
  python3 packaging/tests/ws_check.py --port "$port" "$@" >>"$WORK/ws.log" 2>&1 ||
    { echo "        $(tail -n 1 "$WORK/ws.log")"; return 1; }
}
check "websocket through nginx as alice: 101, welcome as alice, comment stored" \
  ws "$NPORT" --user "$ALICE" --expect-user alice --media "$MEDIA" --add-comment "deb test comment"
check "websocket as bob with X-Remote-User-Id: alice is bob" \
  ws "$NPORT" --user "$BOB" --header "X-Remote-User-Id: alice" --expect-user bob
check "websocket without a password is refused by nginx (401)" \
  ws "$NPORT" --user nobody:nothing --expect-user nobody --expect-status 401
check "websocket from another site's page is refused (403)" \
  ws "$NPORT" --user "$ALICE" --expect-user alice --origin https://elsewhere.example --expect-status 403

# ------------------------------------------------------------------ guest review links
# docs/sharing.md: a guest with no password for nginx reviews one media through a link,
# authenticated by the server's cookie, never by identity headers.
say "guest review link through nginx, without a password"
# jget KEY.KEY...: a field of the last answer's JSON body, empty when it has none.
jget() {
  python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$WORK/body" "$1" 2>/dev/null
}
# gcode ARGS...: a request without credentials, with (and keeping) the guest's cookies.
GJAR=$WORK/guest.jar
gcode() { code "" -b "$GJAR" -c "$GJAR" "$@"; }
JSON=(-H "Content-Type: application/json" -H "Origin: $BASE")
guest_cookie() { awk '$6 == "dailies_guest" {print $7}' "$GJAR" 2>/dev/null | tail -1; }

# Another media, of bob: a clip that browsers play as is, ready at once.
ffmpeg -v error -f lavfi -i "testsrc2=size=320x180:rate=25" -t 1 -c:v libx264 -pix_fmt yuv420p \
  -movflags +faststart -an -y "$WORK/other.mp4" || die "ffmpeg could not make the second clip"
check "upload through nginx as bob: 201" test "$(code "$BOB" -X POST -H "X-File-Name: other.mp4" \
  -H "Origin: $BASE" --data-binary "@$WORK/other.mp4" "$BASE/api/upload")" = 201
OTHER=$(jget id)
OTHER_PLAY=
wait_until -t 60 "bob's clip to be ready" bash -c \
  "[[ \$(curl -ks -u '$BOB' '$BASE/api/media/$OTHER') == *'\"status\":\"ready\"'* ]]" || true
OTHER_PLAY=$(media_field "$BOB" "$OTHER" playback_url)
check "bob's clip has a playback file ($OTHER_PLAY)" test -n "$OTHER_PLAY" -a "$OTHER_PLAY" != None

GL=$(code "$ALICE" -X POST "${JSON[@]}" \
  -d '{"label": "client", "password": "guest-pass-1", "can_comment": true, "can_download": false}' \
  "$BASE/api/media/$MEDIA/guest-links")
TOKEN=$(jget token)
LINK=$(jget id)
check "alice makes a guest link with a password: 201 with /r/<token>" \
  test "$GL" = 201 -a -n "$TOKEN" -a "$(jget url)" = "/r/$TOKEN"
[[ -n $TOKEN ]] || die "no guest link: $(cat "$WORK/body")"

check "guest: /r/<token> without a password is the web client's page" bash -c \
  "[[ \$(curl -ks -o '$WORK/guest.html' -w '%{http_code} %{content_type}' '$BASE/r/$TOKEN') == '200 text/html'* ]] && grep -qi '<html' '$WORK/guest.html'"
check "guest: the page carries the server's Content-Security-Policy" bash -c \
  "curl -ks -D - -o /dev/null '$BASE/r/$TOKEN' | grep -qi '^content-security-policy:'"
if [[ -n $ASSET ]]; then
  check "guest: the client's script $ASSET loads without a password" test "$(code "" "$BASE$ASSET")" = 200
  check "guest: a missing asset is 404, not a password prompt" test "$(code "" "$BASE/assets/nothing-here.js")" = 404
fi
check "guest: the rest of the client still asks for the password (401)" test "$(code "" "$BASE/")" = 401

check "guest session without the link's password: 401" test "$(gcode -X POST "${JSON[@]}" \
  -d "{\"token\": \"$TOKEN\", \"name\": \"Gus\"}" "$BASE/api/guest/session")" = 401
check "guest session with a wrong password: 401" test "$(gcode -X POST "${JSON[@]}" \
  -d "{\"token\": \"$TOKEN\", \"name\": \"Gus\", \"password\": \"nope\"}" "$BASE/api/guest/session")" = 401
check "guest session for an unknown token: 404" test "$(gcode -X POST "${JSON[@]}" \
  -d '{"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "name": "Gus"}' "$BASE/api/guest/session")" = 404
GS=$(gcode -D "$WORK/guest.headers" -X POST "${JSON[@]}" \
  -d "{\"token\": \"$TOKEN\", \"name\": \"Gus\", \"password\": \"guest-pass-1\"}" "$BASE/api/guest/session")
check "guest session with the password, no nginx password: 200 and the link's media" \
  test "$GS" = 200 -a "$(jget media.id)" = "$MEDIA"
COOKIE=$(guest_cookie)
check "guest: the server set the dailies_guest cookie" test -n "$COOKIE"
# Secure proves X-Forwarded-Proto reached the server in the public location.
check "guest: the cookie is HttpOnly, SameSite=Strict, Path=/api/guest and Secure" bash -c \
  "grep -i '^set-cookie: dailies_guest=' '$WORK/guest.headers' | tr -d '\r' | tr 'A-Z' 'a-z' | tr -d ' ' |
   awk -F';' '{for (i = 2; i <= NF; i++) a[\$i] = 1} END {exit !(a[\"httponly\"] && a[\"samesite=strict\"] && a[\"path=/api/guest\"] && a[\"secure\"])}'"

check "guest: GET /api/guest/media with the cookie: 200" test "$(gcode "$BASE/api/guest/media")" = 200
GPLAY=$(jget media.playback_url)
check "guest: the media's URLs point under /api/guest/files/ ($GPLAY)" \
  test "${GPLAY#/api/guest/files/$MEDIA/}" != "$GPLAY"
check "guest: the link's name and permissions come back" \
  test "$(jget guest.name) $(jget guest.can_comment) $(jget guest.can_download)" = "Gus True False"
check "guest: without the cookie, /api/guest/media is 401" test "$(code "" "$BASE/api/guest/media")" = 401
check "guest: the playback file with Range: 206" test "$(gcode -H 'Range: bytes=0-99' "$BASE$GPLAY")" = 206
check "guest: the original without can_download is refused" bash -c \
  "[[ \$(curl -ks -o /dev/null -w '%{http_code}' -b '$GJAR' '$BASE/api/guest/files/$MEDIA/original.mov') == 40[34] ]]"
check "guest: bob's clip through the guest files: 404" \
  test "$(gcode "$BASE/api/guest/files/$OTHER/${OTHER_PLAY##*/}")" = 404

check "guest: /api/media asks for nginx's password (401)" bash -c \
  "curl -ks -D - -o /dev/null -b '$GJAR' '$BASE/api/media' | tr -d '\r' | grep -qi '^www-authenticate: basic'"
check "guest: /files/ of the link's media asks for nginx's password (401)" \
  test "$(gcode "$BASE$PLAY")" = 401
check "guest: the users' websocket asks for nginx's password (401)" \
  ws "$NPORT" --header "Cookie: dailies_guest=$COOKIE" --expect-user none --expect-status 401

# Forged identities: cleared by nginx on the public paths, never read there by the server.
FORGE=(-H "X-Remote-User-Id: alice" -H "X-Remote-User-Name: alice" -H "X-Remote-User-Admin: true")
check "guest: X-Remote-User-Id: alice without the cookie is still 401 on /api/guest/media" \
  test "$(code "" "${FORGE[@]}" "$BASE/api/guest/media")" = 401
check "guest: alice's own password on /api/guest/media does not make a user of the guest" \
  test "$(code "$ALICE" "${FORGE[@]}" "$BASE/api/guest/media")" = 401
check "guest: with the cookie and forged headers, still the guest" bash -c \
  "[[ \$(curl -ks -b '$GJAR' -H 'X-Remote-User-Id: alice' -H 'X-Remote-User-Admin: true' '$BASE/api/guest/media') == *'\"name\":\"Gus\"'* ]]"
# A path nginx reads as /api/media (password) and one it reads as /api/guest/ (public):
# the server gets the raw path, but never an identity with the second.
check "guest: /api/guest/../media is nginx's 401" \
  test "$(code "" --path-as-is "${FORGE[@]}" "$BASE/api/guest/../media")" = 401
check "guest: /api/media/<id>/../../guest/media with forged headers gets nothing" bash -c \
  "[[ \$(curl -ks --path-as-is -o /dev/null -w '%{http_code}' -H 'X-Remote-User-Id: alice' '$BASE/api/media/$MEDIA/../../guest/media') != 2* ]]"

# gws ARGS...: the guest websocket client, through the basic-auth site unless a later
# --port says otherwise; its report goes to ws.log.
gws() {
  python3 packaging/tests/guest_ws_check.py --port "$NPORT" "$@" >>"$WORK/ws.log" 2>&1 ||
    { echo "        $(tail -n 1 "$WORK/ws.log")"; return 1; }
}
check "guest websocket: guest:<n>, joins the link's room, comments, not bob's room, lists one media" \
  gws --cookie="$COOKIE" --media "$MEDIA" --other-media "$OTHER" --add-comment "guest note"
check "guest websocket with X-Remote-User-Id: alice and alice's password is still the guest" \
  gws --cookie="$COOKIE" --media "$MEDIA" --header "X-Remote-User-Id: alice" \
  --header "X-Remote-User-Admin: true" --header "Authorization: Basic $(printf %s "$ALICE" | base64)"
check "alice sees the guest's comment in her room" \
  ws "$NPORT" --user "$ALICE" --expect-user alice --media "$MEDIA" --expect-comment "guest note"

# A view-only link without a password.
code "$ALICE" -X POST "${JSON[@]}" -d '{"can_comment": false, "can_download": false}' \
  "$BASE/api/media/$MEDIA/guest-links" >/dev/null
VTOKEN=$(jget token)
VJAR=$WORK/viewer.jar
check "view-only guest: a session without a password: 200" test "$(code "" -c "$VJAR" -X POST "${JSON[@]}" \
  -d "{\"token\": \"$VTOKEN\", \"name\": \"Vera\"}" "$BASE/api/guest/session")" = 200
check "view-only guest: watches, cannot comment" gws --cookie="$(awk '$6 == "dailies_guest" {print $7}' "$VJAR")" \
  --media "$MEDIA" --expect-refused-comment

check "revoking the link closes the guest's open websocket at once" \
  gws --cookie="$COOKIE" --media "$MEDIA" --revoke-url "$BASE/api/media/$MEDIA/guest-links/$LINK" \
  --revoke-auth "$ALICE"
check "revoked: /api/guest/media with the old cookie is 401" test "$(gcode "$BASE/api/guest/media")" = 401
check "revoked: the playback file is refused" bash -c \
  "[[ \$(curl -ks -o /dev/null -w '%{http_code}' -b '$GJAR' '$BASE$GPLAY') == 40[14] ]]"
check "revoked: a new session for the token is 404" test "$(code "" -X POST "${JSON[@]}" \
  -d "{\"token\": \"$TOKEN\", \"name\": \"Gus\", \"password\": \"guest-pass-1\"}" "$BASE/api/guest/session")" = 404

# ------------------------------------------------------------------ single sign-on example
say "single sign-on example (auth_request), with a stand-in for oauth2-proxy"
SSO_SITE=/usr/share/doc/dailies/examples/nginx-oauth2-proxy.conf
if [[ ! -f $SSO_SITE ]]; then
  # Minimal images may exclude /usr/share/doc from installs (dpkg path-exclude).
  echo "  ($SSO_SITE not installed here: testing the file from the source tree)"
  SSO_SITE=packaging/nginx/nginx-oauth2-proxy.conf
fi
check "sso: the public location clears the identity and repeats every other header" \
  python3 packaging/tests/site_check.py "$SSO_SITE" --public "$PUBLIC_LOCATION"
APORT=$(free_port)
python3 packaging/tests/fake_oauth2_proxy.py --port "$APORT" &
FAKE_SSO_PID=$!
# nginx's auth_request goes to it: it must listen before nginx is asked anything (CI
# once saw "connect() failed (111: Connection refused)" and a failed sign-in check). It
# answers 401 to a request without the cookie.
wait_for_http -t 20 -p "$FAKE_SSO_PID" -s 401 "the stand-in oauth2-proxy" "http://127.0.0.1:$APORT/oauth2/auth" ||
  die "the stand-in oauth2-proxy did not start"
SPORT_SSO=$(free_port)
start_nginx "$WORK/nginx-sso" "$SSO_SITE" "$SPORT_SSO" -e "s/127.0.0.1:4180/127.0.0.1:$APORT/" \
  -e "s#/etc/letsencrypt/live/dailies.example.com/fullchain.pem#/etc/ssl/certs/ssl-cert-snakeoil.pem#" \
  -e "s#/etc/letsencrypt/live/dailies.example.com/privkey.pem#/etc/ssl/private/ssl-cert-snakeoil.key#"
SSO=https://127.0.0.1:$SPORT_SSO
CAROL=(-H "Cookie: _oauth2_proxy=carol")
check "sso: not signed in, redirected to sign-in" bash -c \
  "[[ \$(curl -ks -o /dev/null -w '%{http_code} %{redirect_url}' '$SSO/api/media') == '302 '*'/oauth2/start?rd='* ]]"
check "sso: health without signing in" test "$(code "" "$SSO/api/health")" = 200
check "sso: signed in as carol, the server sees carol@example.com" \
  ws "$SPORT_SSO" --header "Cookie: _oauth2_proxy=carol" --expect-user carol@example.com
check "sso: carol sending X-Remote-User-Id: alice cannot see alice's media" \
  test "$(code "" "${CAROL[@]}" -H 'X-Remote-User-Id: alice' "$SSO/api/media/$MEDIA")" = 404
check "sso: upload as carol past the auth sub-request (over 1 MiB)" \
  test "$(code "" "${CAROL[@]}" -X POST -H "X-File-Name: clip.mov" --data-binary "@$WORK/clip.mov" "$SSO/api/upload")" = 201
CAROL_MEDIA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/body" 2>/dev/null)
# Let it finish processing, so the upgrade below compares settled files.
status=
for _ in $(seq 1 300); do
  code "" "${CAROL[@]}" "$SSO/api/media/$CAROL_MEDIA" >/dev/null
  status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status"))' "$WORK/body" 2>/dev/null)
  [[ $status == ready || $status == failed ]] && break
  sleep 0.5
done
check "sso: carol's upload is processed and hers (status $status)" test "$status" = ready
# A guest needs no account with the identity provider either.
code "$ALICE" -X POST "${JSON[@]}" -d '{"can_comment": true, "can_download": true}' \
  "$BASE/api/media/$MEDIA/guest-links" >/dev/null
STOKEN=$(jget token)
SJAR=$WORK/sso-guest.jar
check "sso: /r/<token> without signing in is the web client's page, not a redirect" bash -c \
  "[[ \$(curl -ks -o /dev/null -w '%{http_code} %{content_type}' '$SSO/r/$STOKEN') == '200 text/html'* ]]"
if [[ -n $ASSET ]]; then
  check "sso: the client's script loads without signing in" test "$(code "" "$SSO$ASSET")" = 200
fi
check "sso: guest session without signing in: 200" test "$(code "" -c "$SJAR" -X POST \
  -H "Content-Type: application/json" -H "Origin: $SSO" \
  -d "{\"token\": \"$STOKEN\", \"name\": \"Sam\"}" "$SSO/api/guest/session")" = 200
check "sso: the guest's media with the cookie: 200, with a download URL" bash -c \
  "[[ \$(curl -ks -b '$SJAR' -H 'X-Remote-User-Id: alice' '$SSO/api/guest/media') == *'\"download_url\":\"/api/guest/media/$MEDIA/download/original\"'* ]]"
check "sso: the guest downloads the original past the sign-in, as an attachment" bash -c \
  "curl -ks -b '$SJAR' -D - -o /dev/null '$SSO/api/guest/media/$MEDIA/download/original' | grep -qi '^content-disposition: attachment'"
check "sso: guest websocket: joins the link's room and comments" \
  gws --port "$SPORT_SSO" --media "$MEDIA" --add-comment "sso guest note" \
  --cookie="$(awk '$6 == "dailies_guest" {print $7}' "$SJAR")" --header "X-Remote-User-Id: carol@example.com"
check "sso: the guest's cookie opens nothing else (sign-in redirect)" \
  test "$(code "" -b "$SJAR" "$SSO/api/media")" = 302
stop_nginx "$WORK/nginx-sso"
kill "$FAKE_SSO_PID" 2>/dev/null
FAKE_SSO_PID=

# ------------------------------------------------------------------ upgrade
say "upgrade to $V2"
DB=/var/lib/dailies/dailies.sqlite
files_before=$(cd /var/lib/dailies/media && find . -type f -printf '%p %s\n' | sort)
count_backups() { find /var/lib/dailies -maxdepth 1 -name 'dailies.sqlite.backup-*' | wc -l; }
backups_before=$(count_backups)
# Read the live database as its owner: files sqlite creates beside it stay dailies'.
dbq() { runuser -u dailies -- sqlite3 -readonly "$@"; }
applied=$(dbq "$DB" "SELECT version FROM __diesel_schema_migrations" | sort)
# The migrations the new binary carries are this tree's; pending = not yet applied.
shipped=$(find migrations -mindepth 1 -maxdepth 1 -printf '%f\n' | sed -n 's/^\([0-9-]*\)_.*/\1/p' | tr -d '-' | sort)
pending=$(comm -13 <(echo "$applied") <(echo "$shipped") | grep -c . || true)
echo "  migrations pending for the new version: $pending"

install_deb "$DEB2" || die "upgrading to $DEB2 failed"
# What postinst's restart does under systemd: stop the old server, start the new one.
stop_server
check "dpkg reports $V2 installed" test "$(dpkg-query -W -f='${Status} ${Version}' dailies)" = "install ok installed $V2"
check "the configuration edit survived the upgrade" grep -q "edited by test-deb" /etc/dailies/server.toml
check "no .dpkg-new/.dpkg-dist left beside the configuration" \
  bash -c "! ls /etc/dailies/*.dpkg-* /etc/nginx/sites-available/dailies.dpkg-* 2>/dev/null | grep -q ."
start_server "$WORK/server-2.log" || die "the upgraded server did not start"
check "media files are all still there" \
  test "$(cd /var/lib/dailies/media && find . -type f -printf '%p %s\n' | sort)" = "$files_before"
check "alice's media is still listed and ready" test "$(media_field "$ALICE" "$MEDIA" status)" = ready
check "alice's comment survived the upgrade" \
  ws "$NPORT" --user "$ALICE" --expect-user alice --media "$MEDIA" --expect-comment "deb test comment"
backups_after=$(count_backups)
if (( pending > 0 )); then
  check "a database backup was written before migrating" test "$backups_after" -gt "$backups_before"
else
  check "no database backup without pending migrations" test "$backups_after" -eq "$backups_before"
fi
check "still no access for bob after the upgrade" test "$(code "$BOB" "$BASE/api/media/$MEDIA")" = 404

# ------------------------------------------------------------------ upgrade with a migration
# A database one schema version behind, as an older package would leave it: the newest
# migration's down.sql undone by hand, then a newer package installed over it.
NEWEST=$(find migrations -mindepth 1 -maxdepth 1 -type d | sort | tail -1)
NEWEST_VERSION=$(basename "$NEWEST" | sed -n 's/^\([0-9-]*\)_.*/\1/p' | tr -d '-')
V3="${V2}+migration1"
say "upgrade to $V3 over a database before $(basename "$NEWEST")"
DAILIES_DEB_SKIP_BUILD=1 DAILIES_DEB_VERSION=$V3 DAILIES_DEB_OUT=$OUT bash scripts/build-deb.sh >/dev/null ||
  die "build-deb.sh (version $V3) failed"
stop_server
runuser -u dailies -- sqlite3 "$DB" "BEGIN; $(cat "$NEWEST/down.sql")
  DELETE FROM __diesel_schema_migrations WHERE version = '$NEWEST_VERSION'; COMMIT;" ||
  die "could not undo $NEWEST"
backups_before=$(count_backups)
install_deb "$OUT/dailies_${V3}_amd64.deb" || die "upgrading to $V3 failed"
start_server "$WORK/server-3.log" || die "the server did not start after migrating"
check "dpkg reports $V3 installed" test "$(dpkg-query -W -f='${Version}' dailies)" = "$V3"
backup=$(find /var/lib/dailies -maxdepth 1 -name 'dailies.sqlite.backup-*' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-)
check "a database backup was written before migrating" \
  test "$(count_backups)" -eq $((backups_before + 1))
check "the backup is the database before the migration, with alice's media" bash -c \
  "[[ -n '$backup' ]] && [[ \$(runuser -u dailies -- sqlite3 -readonly '$backup' \"SELECT count(*) FROM __diesel_schema_migrations WHERE version = '$NEWEST_VERSION'; SELECT count(*) FROM media WHERE id = '$MEDIA'\" | tr '\n' ' ') == '0 1 ' ]]"
check "the migration ran" test "$(dbq "$DB" "SELECT count(*) FROM __diesel_schema_migrations WHERE version = '$NEWEST_VERSION'")" = 1
check "the backup belongs to dailies" test "$(stat -c %U "$backup")" = dailies
check "after migrating: alice's media is ready" test "$(media_field "$ALICE" "$MEDIA" status)" = ready
check "after migrating: alice's comment is there" \
  ws "$NPORT" --user "$ALICE" --expect-user alice --media "$MEDIA" --expect-comment "deb test comment"
check "after migrating: configuration kept" grep -q "edited by test-deb" /etc/dailies/server.toml

# ------------------------------------------------------------------ remove, purge
say "remove (keeps configuration and data)"
stop_server # prerm stops the service under systemd
dpkg -r dailies >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; die "dpkg -r failed"; }
check "remove: state is config-files" test "$(dpkg-query -W -f='${Status}' dailies)" = "deinstall ok config-files"
check "remove: the binary is gone" test ! -e /usr/bin/dailies-server
check "remove: server.toml (with the edit) is kept" grep -q "edited by test-deb" /etc/dailies/server.toml
check "remove: htpasswd is kept" test -s /etc/dailies/htpasswd
check "remove: the nginx site is kept" test -f /etc/nginx/sites-available/dailies
check "remove: the database and media are kept" test -s "$DB" -a -n "$(ls -A /var/lib/dailies/media)"

say "purge (removes configuration, keeps data)"
dpkg -P dailies >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; die "dpkg -P failed"; }
check "purge: the package is gone" bash -c "! dpkg-query -W -f='\${Status}' dailies 2>/dev/null | grep -q installed"
check "purge: /etc/dailies is gone" test ! -e /etc/dailies
check "purge: the nginx site is gone" test ! -e /etc/nginx/sites-available/dailies
check "purge: the dangling sites-enabled link is gone" test ! -L "$SITE_LINK"
check "purge: nginx -t still passes" nginx -t -q
check "purge: the data in /var/lib/dailies is kept (as documented)" test -s "$DB"
check "purge: the user dailies is kept (it owns the data)" bash -c "getent passwd dailies >/dev/null"
