#!/usr/bin/env bash
# Background load for `make test-stress` (mk/stress.mk): what a busy real host
# has around a test run.
#
#   mk/stress-load.sh PARENT_PID SECONDS [READY_FILE]
#
# - short-lived processes forking and exiting (a shell loop, and forks of a
#   process that holds a socket, which inherit it for a moment);
# - sockets opening and closing on loopback (TCP connections, UDP);
# - a process with a raw socket, a forked child, and a thread with an fd table
#   of its own (unshare(CLONE_FILES)) holding a listener: ss sees no owner for
#   it, openports does (tests/helpers/sock_holder.rs), in the host namespace
#   and inside a leftover `ip netns` namespace;
# - a leftover `ip netns` namespace without processes (root only);
# - namespaces created and deleted in a loop (root only).
#
# READY_FILE is created once all of it runs. It stops by itself after SECONDS
# or as soon as PARENT_PID is gone, and on SIGTERM/SIGINT; every process it
# started and every namespace it made is removed when it stops. Names end in
# this script's pid (optstress-WHAT-PID); a later run removes those of a load
# that was killed outright.
set -u
parent=${1:?usage: stress-load.sh PARENT_PID SECONDS}
seconds=${2:-600}
ready=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
me=$$
work=$(mktemp -d "${TMPDIR:-/tmp}/openports-stress.XXXXXX")
namespaces=()
pids=()

churn=
cleanup() {
  trap - EXIT TERM INT
  exec 2>/dev/null # no "Killed" job notices
  # The namespace churn loop finishes its round (it may be creating one).
  touch "$work/stop"
  [ -n "$churn" ] && wait "$churn" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
  for ns in "${namespaces[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

root=0
[ "$(id -u)" = 0 ] && command -v ip >/dev/null && root=1

# Namespaces left by a load that was killed before it could clean up.
if [ "$root" = 1 ]; then
  for n in /run/netns/optstress-*; do
    [ -e "$n" ] || continue
    owner=${n##*-}
    [ -d "/proc/$owner" ] || ip netns del "${n##*/}" 2>/dev/null
  done
fi

holder=$work/sock_holder
rustc --edition 2021 -C opt-level=1 -o "$holder" "$here/tests/helpers/sock_holder.rs" \
  || { echo "stress-load: cannot compile tests/helpers/sock_holder.rs" >&2; exit 1; }

alive() { kill -0 "$parent" 2>/dev/null && [ "$SECONDS" -lt "$seconds" ]; }

start() { # run "$@" in the background in a process group of its own
  setsid "$@" >/dev/null 2>&1 </dev/null &
  pids+=("$!")
}

# A holder with a raw socket and a thread-only fd table, in the host namespace,
# and loopback churn with forks that inherit a socket.
start "$holder"
start env HOLDER_CHURN=1 "$holder"

if [ "$root" = 1 ]; then
  full=optstress-full-$me
  empty=optstress-empty-$me
  ip netns add "$full" && namespaces+=("$full") && ip -n "$full" link set lo up
  ip netns add "$empty" && namespaces+=("$empty")
  start ip netns exec "$full" "$holder"
  # Namespaces appearing and vanishing.
  (
    n=0
    while [ ! -e "$work/stop" ] && kill -0 "$me" 2>/dev/null; do
      ns=optstress-churn$n-$me
      ip netns add "$ns" && sleep 0.2
      ip netns del "$ns"
      n=$((n + 1))
      sleep 0.1
    done
  ) >/dev/null 2>&1 &
  churn=$!
fi
[ -n "$ready" ] && touch "$ready"

# Short-lived processes.
while alive; do
  for _ in 1 2 3 4; do
    sh -c ':' &
  done
  wait "${!}" 2>/dev/null
  sleep 0.1
done
