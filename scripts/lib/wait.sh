# shellcheck shell=bash
# Readiness checks for servers a script starts in the background. Source this file, start
# the server, then wait for it to answer before using it: never a fixed sleep. Each check
# polls with a deadline and, on failure, says which server did not come up and why (it
# exited, or did not answer in time) on stderr and returns 1; the caller decides to die.
#
#   wait_for_port [-t SECONDS] [-p PID] NAME HOST PORT
#       until a TCP connection to HOST:PORT is accepted
#   wait_for_http [-t SECONDS] [-p PID] [-s STATUS] [-k] NAME URL
#       until URL answers with an HTTP status matching the extended regex STATUS
#       (default: any status, i.e. the server speaks HTTP); -k: accept any TLS certificate
#   wait_until [-t SECONDS] [-p PID] NAME COMMAND [ARG...]
#       until COMMAND succeeds
#
# -t: the deadline, 30 s unless WAIT_TIMEOUT says otherwise. -p: the server's process; when
# it exits first the wait fails at once with its exit status instead of running into the
# deadline.

# _wait_poll SECONDS PID NAME COMMAND...: the loop behind the three checks. A check may
# set _w_last to what it saw last, for the message on timeout.
_wait_poll() {
  local secs=$1 pid=$2 name=$3
  shift 3
  local deadline=$((SECONDS + secs))
  _w_last=''
  while :; do
    if "$@"; then
      return 0
    fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      # Our own child: wait reports how it ended (a process we did not start: 127).
      local rc=0
      wait "$pid" 2>/dev/null || rc=$?
      echo "wait: $name exited (status $rc) before it was ready" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "wait: $name was not ready within ${secs}s${_w_last:+ (last: $_w_last)}" >&2
      return 1
    fi
    # The poll interval, not a synchronisation: the loop ends on the check above.
    sleep 0.1
  done
}

# _wait_opts "$@": parses -t, -p, -s, -k into _w_secs, _w_pid, _w_status, _w_insecure and
# sets _w_shift to the number of words they took.
_wait_opts() {
  _w_secs=${WAIT_TIMEOUT:-30} _w_pid='' _w_status='' _w_insecure=0 _w_shift=0
  local OPTIND=1 opt
  while getopts "t:p:s:k" opt; do
    case $opt in
      t) _w_secs=$OPTARG ;;
      p) _w_pid=$OPTARG ;;
      s) _w_status=$OPTARG ;;
      k) _w_insecure=1 ;;
      *) return 2 ;;
    esac
  done
  _w_shift=$((OPTIND - 1))
}

_wait_port_open() { # HOST PORT
  # bash's /dev/tcp: a connect, closed at once, with no tool beyond bash.
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_wait_http_answers() { # INSECURE STATUS URL
  local code args=(-s -o /dev/null -w '%{http_code}' --max-time 5)
  (($1)) && args+=(-k)
  code=$(curl "${args[@]}" "$3" 2>/dev/null) || true
  [[ $code == 000 ]] || _w_last="HTTP $code"
  [[ $code =~ ^[1-5][0-9][0-9]$ ]] || return 1
  [[ -z $2 || $code =~ ^($2)$ ]]
}

wait_for_port() {
  _wait_opts "$@" || return 2
  shift "$_w_shift"
  (($# == 3)) || { echo "usage: wait_for_port [-t SECONDS] [-p PID] NAME HOST PORT" >&2; return 2; }
  _wait_poll "$_w_secs" "$_w_pid" "$1 (port $2:$3)" _wait_port_open "$2" "$3"
}

wait_for_http() {
  _wait_opts "$@" || return 2
  shift "$_w_shift"
  (($# == 2)) || { echo "usage: wait_for_http [-t SECONDS] [-p PID] [-s STATUS] [-k] NAME URL" >&2; return 2; }
  _wait_poll "$_w_secs" "$_w_pid" "$1 ($2${_w_status:+ answering $_w_status})" \
    _wait_http_answers "$_w_insecure" "$_w_status" "$2"
}

wait_until() {
  _wait_opts "$@" || return 2
  shift "$_w_shift"
  (($# >= 2)) || { echo "usage: wait_until [-t SECONDS] [-p PID] NAME COMMAND [ARG...]" >&2; return 2; }
  local name=$1
  shift
  _wait_poll "$_w_secs" "$_w_pid" "$name" "$@"
}
