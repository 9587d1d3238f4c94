#!/usr/bin/env bash
# Benchmark openports against ss, netstat, lsof, ... on a socket population
# that this script builds itself (see bench/README.md).
#
#   BIN=target/x86_64-unknown-linux-musl/release/openports bench/run.sh
#
# Environment:
#   BIN            openports binary (default: the musl release build)
#   BENCH_SCALE    small | medium | large                     (default small)
#   BENCH_NETNS    K extra network namespaces obench-0..K-1   (default 0)
#   BENCH_RUNS     timed runs per command, after 1 warm-up    (default 7)
#   BENCH_PROCS, BENCH_LISTENERS, BENCH_CONNS, BENCH_UDP, BENCH_FDS
#                  override the scale's counts (FDS = extra fds per process)
#   BENCH_TIMEOUT  seconds allowed for building the population
#   BENCH_UNIX     listening unix sockets for the -x rows (default 3000; half
#                  on paths, half abstract; needs python3)
#   BENCH_ONLY     time only these command ids (space-separated, e.g.
#                  "true ss_tulnpH op_H"; the ids are the first word after
#                  `add` below); default: every command
#   BASE_BIN       a second openports binary (say, the build before a change),
#                  timed as `openports-base` in the same session, interleaved
#                  with BIN on the same population
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD="$HERE/.build"
NS_PREFIX=obench-

BIN=${BIN:-target/x86_64-unknown-linux-musl/release/openports}
SCALE=${BENCH_SCALE:-small}
RUNS=${BENCH_RUNS:-7}
NETNS=${BENCH_NETNS:-0}

say() { printf '%s\n' "$*"; }
warn() { printf 'run.sh: %s\n' "$*" >&2; }

# ---- the binary under test ------------------------------------------------
cd "$ROOT"
if [[ $BIN != */* ]] && command -v "$BIN" >/dev/null 2>&1; then
    BIN=$(command -v "$BIN")
fi
if [[ ! -f $BIN || ! -x $BIN ]]; then
    say "openports binary not found at '$BIN'."
    say "Build it first with:  make build"
    say "(or point BIN at a binary: BIN=path/to/openports bench/run.sh)"
    exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ---- scale ----------------------------------------------------------------
case $SCALE in
small)  P=100  L=1000  E=2000   U=100  T=120 ;;
medium) P=1000 L=10000 E=20000  U=1000 T=600 ;;
large)  P=2000 L=10000 E=100000 U=1000 T=1800 ;;
*) warn "BENCH_SCALE must be small, medium or large (got '$SCALE')"; exit 2 ;;
esac
P=${BENCH_PROCS:-$P} L=${BENCH_LISTENERS:-$L} E=${BENCH_CONNS:-$E} U=${BENCH_UDP:-$U}
F=${BENCH_FDS:-20} T=${BENCH_TIMEOUT:-$T} X=${BENCH_UNIX:-3000}
for v in P L E U F T X RUNS NETNS; do
    if [[ ! ${!v} =~ ^[0-9]+$ ]]; then warn "$v must be a non-negative integer (got '${!v}')"; exit 2; fi
done
((RUNS >= 1)) || { warn "BENCH_RUNS must be >= 1"; exit 2; }
# 5% of each kind on IPv6 ([::1]), the rest on 127.x.y.z
L6=$((L / 20)) E6=$((E / 20)) U6=$((U / 20))
L4=$((L - L6)) E4=$((E - E6)) U4=$((U - U6))
if [[ $(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null || echo 1) != 0 ]]; then
    warn "IPv6 is disabled on lo: building IPv4 sockets only"
    L4=$L E4=$E U4=$U L6=0 E6=0 U6=0
fi

IS_ROOT=0
[[ $(id -u) == 0 ]] && IS_ROOT=1
if ((!IS_ROOT)); then
    say "note: not running as root: network namespaces are skipped, and ss -p / netstat -p / lsof"
    say "      (and openports) only see the processes of $(id -un)."
    NETNS=0
fi
if ((NETNS > 0)) && ! command -v ip >/dev/null 2>&1; then
    say "note: 'ip' (iproute2) not found: network namespaces are skipped"
    NETNS=0
fi

# ---- cleanup (also of a previous run that crashed) --------------------------
POP_PID= TIMEIT_PID= UNIX_PID=
PIDFILE="$BUILD/population.pid"

kill_population() { # $1 = pid of a population parent (= its process group)
    local pid=$1 i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do # up to 10 s for the group to go away
        kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

delete_netns() {
    command -v ip >/dev/null 2>&1 || return 0
    ((IS_ROOT)) || return 0
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true); do
        ip netns delete "$ns" 2>/dev/null || warn "could not delete netns $ns"
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $TIMEIT_PID ]]; then
        kill -TERM "$TIMEIT_PID" 2>/dev/null || true
        wait "$TIMEIT_PID" 2>/dev/null || true
    fi
    if [[ -n $UNIX_PID ]]; then
        kill -TERM "$UNIX_PID" 2>/dev/null || true
        wait "$UNIX_PID" 2>/dev/null || true
        rm -rf "$BUILD/unix"
    fi
    if [[ -n $POP_PID ]]; then
        kill_population "$POP_PID"
        wait "$POP_PID" 2>/dev/null || true
        rm -f "$PIDFILE"
    fi
    delete_netns
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$BUILD"
# A population left over by a crashed run (the pid file names it, and its
# /proc/PID/exe must be our population binary).
if [[ -f $PIDFILE ]]; then
    old=$(cat "$PIDFILE" 2>/dev/null || true)
    if [[ $old =~ ^[0-9]+$ ]]; then
        exe=$(readlink "/proc/$old/exe" 2>/dev/null || true)
        if [[ ${exe% (deleted)} == "$BUILD/population" ]]; then
            say "killing the population left over by a previous run (pid $old)"
            kill_population "$old"
        fi
    fi
    rm -f "$PIDFILE"
fi
delete_netns

# ---- build the helpers ----------------------------------------------------
if ! command -v gcc >/dev/null 2>&1; then
    warn "gcc is needed to build bench/population.c"
    exit 1
fi
for prog in population minimal runner; do
    gcc -O2 -Wall -o "$BUILD/$prog.tmp" "$HERE/$prog.c"
    mv -f "$BUILD/$prog.tmp" "$BUILD/$prog"
done
# the runner measures peak RSS: static keeps its own footprint (the floor) small
gcc -O2 -Wall -static -o "$BUILD/runner.tmp" "$HERE/runner.c" 2>/dev/null &&
    mv -f "$BUILD/runner.tmp" "$BUILD/runner" || rm -f "$BUILD/runner.tmp"

# ---- the population ---------------------------------------------------------
need_fds=$((P * (F + 3) + L + 2 * E + U + 100 * NETNS))
file_max=$(cat /proc/sys/fs/file-max 2>/dev/null || echo 0)
if ((file_max > 0 && need_fds > file_max)); then
    warn "the population needs ~$need_fds file descriptors but fs.file-max is $file_max"
fi
if [[ -r /proc/sys/net/netfilter/nf_conntrack_max ]]; then
    ct_max=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
    if ((E > ct_max)); then
        warn "note: nf_conntrack_max is $ct_max < $E connections; if conntrack tracks loopback, connects may time out"
    fi
fi

for ((k = 0; k < NETNS; k++)); do
    ip netns add "$NS_PREFIX$k"
    ip -n "$NS_PREFIX$k" link set lo up
done

READY="$BUILD/population.ready"
rm -f "$READY" "$READY.tmp"
say "building population (scale=$SCALE): $P processes x $F extra fds, $L TCP listeners ($L6 on [::1]),"
say "  $E established loopback TCP connections ($E6 over [::1]), $U UDP sockets ($U6 on [::1]), $NETNS extra netns"
t0=$(date +%s.%N)
"$BUILD/population" -p "$P" -f "$F" -l "$L4" -L "$L6" -e "$E4" -E "$E6" -u "$U4" -U "$U6" \
    -n "$NETNS" -N "$NS_PREFIX" -t "$T" -r "$READY" >/dev/null &
POP_PID=$!
echo "$POP_PID" >"$PIDFILE"
limit=$((T + 30))
while [[ ! -f $READY ]]; do
    if ! kill -0 "$POP_PID" 2>/dev/null; then
        rc=0
        wait "$POP_PID" || rc=$?
        POP_PID=
        warn "building the population failed (exit $rc); see the messages above"
        exit 1
    fi
    if (($(date +%s) - ${t0%.*} > limit)); then
        warn "population not ready after $limit s"
        exit 1
    fi
    sleep 0.1
done
ready_line=$(cat "$READY")
say "population ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"

listen_rows=$(awk 'NR>1 && $4=="0A"' /proc/net/tcp /proc/net/tcp6 | wc -l)
estab_rows=$(awk 'NR>1 && $4=="01"' /proc/net/tcp /proc/net/tcp6 | wc -l)
if ((listen_rows < L || estab_rows < 2 * E)); then
    warn "expected >= $L listening and >= $((2 * E)) established TCP rows, found $listen_rows and $estab_rows"
fi

# ---- unix sockets for the -x rows ---------------------------------------------
if ((X > 0)) && command -v python3 >/dev/null 2>&1; then
    rm -rf "$BUILD/unix"
    mkdir -p "$BUILD/unix"
    python3 - "$BUILD/unix" "$X" >"$BUILD/unix.ready" <<'PY' &
import os, resource, signal, socket, sys
d, n = sys.argv[1], int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)), hard))
keep = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("%s/s%d.sock" % (d, i) if i % 2 == 0 else "\0openports-bench-%d-%d" % (os.getpid(), i))
    s.listen(4)
    keep.append(s)
print("ready", flush=True)
signal.pause()
PY
    UNIX_PID=$!
    for ((i = 0; i < 600; i++)); do
        [[ -s $BUILD/unix.ready ]] && break
        kill -0 "$UNIX_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -s $BUILD/unix.ready ]]; then
        say "$X listening unix sockets ready ($((X - X / 2)) on paths, $((X / 2)) abstract)"
    else
        warn "the unix sockets for the -x rows could not be created"
        X=0
    fi
else
    X=0
fi

# ---- the commands -------------------------------------------------------------
SPEC="$BUILD/spec.tsv"
: >"$SPEC"
note() { printf 'note\t%s\n' "$*" >>"$SPEC"; }
# add ID KIND COMMAND: time COMMAND if one probe run succeeds: exit 0, or a
# non-zero exit that still printed something (lsof exits 1 when one of its
# selections matched nothing)
add() {
    local id=$1 kind=$2 cmd=$3 first rc=0 nout probe="$BUILD/probe.out"
    if [[ -n ${BENCH_ONLY:-} && " $BENCH_ONLY " != *" $id "* ]]; then
        return 0
    fi
    if [[ $kind == argv ]]; then
        read -r first _ <<<"$cmd"
        if ! command -v "$first" >/dev/null 2>&1; then
            note "skipped \`$cmd\`: $first is not installed"
            return 0
        fi
        # shellcheck disable=SC2086  # argv commands are plain words
        timeout 300 $cmd >"$probe" 2>"$probe.err" || rc=$?
    else
        timeout 300 /bin/sh -c "$cmd" >"$probe" 2>"$probe.err" || rc=$?
    fi
    nout=$(wc -l <"$probe")
    if ((rc != 0 && (nout == 0 || rc >= 124))); then
        note "skipped \`$cmd\`: exits $rc ($(head -n1 "$probe.err"))"
        return 0
    fi
    local ok=0
    if ((rc != 0)); then
        ok="0,$rc"
        note "\`$cmd\` exits $rc although it prints its results; that exit code is accepted"
    fi
    printf 'cmd\t%s\t%s\t%s\t%s\n' "$id" "$kind" "$ok" "$cmd" >>"$SPEC"
}
pair() { local IFS=$'\t'; printf 'pair\t%s\n' "$*" >>"$SPEC"; }

add true argv "true"
add cat argv "cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6"
add minimal argv "$BUILD/minimal"
add ss_tulnH argv "ss -tulnH"
add ss_tulnpH argv "ss -tulnpH"
add ss_tuanpH argv "ss -tuanpH"
add netstat_tulnp argv "netstat -tulnp"
add netstat_tuanp argv "netstat -tuanp"
add busybox_netstat argv "busybox netstat -tulnp"
add toybox_netstat argv "toybox netstat -tulnp"
add lsof argv "lsof -nP -iTCP -sTCP:LISTEN -iUDP"
add op_H argv "$BIN -H"
add op_nop argv "$BIN -H --no-processes"
add op_aH argv "$BIN -aH"
add op_exposed argv "$BIN -H --exposed"
BASE_BIN=${BASE_BIN:-}
if [[ -n $BASE_BIN ]]; then
    BASE_BIN=$(cd "$(dirname "$BASE_BIN")" && pwd)/$(basename "$BASE_BIN")
    add base_H argv "$BASE_BIN -H"
    add base_exposed argv "$BASE_BIN -H --exposed"
    add base_nop argv "$BASE_BIN -H --no-processes"
    add base_aH argv "$BASE_BIN -aH"
fi
if ((X > 0)); then
    add op_x argv "$BIN -xH"
    add op_x_nop argv "$BIN -xH --no-processes"
    add ss_xlpH argv "ss -xlpH"
    add ss_xlH argv "ss -xlH"
fi
if ((NETNS > 0)); then
    add ns_loop sh "ss -tulnpH; for ns in \$(ip netns list | awk '{print \$1}'); do ip netns exec \$ns ss -tulnpH; done"
fi
pair op_H ss_tulnpH netstat_tulnp minimal busybox_netstat toybox_netstat lsof
pair op_nop ss_tulnH cat
pair op_aH ss_tuanpH netstat_tuanp
[[ -n $BASE_BIN ]] && pair op_H base_H && pair op_exposed base_exposed &&
    pair op_nop base_nop && pair op_aH base_aH
((NETNS > 0)) && pair op_H ns_loop
((X > 0)) && pair op_x ss_xlpH && pair op_x_nop ss_xlH

RESULTS="$HERE/results-$SCALE.md"
say ""
rm -f "$BUILD/probe.out" "$BUILD/probe.out.err"
# in the background + wait, so that a TERM/INT to this script is handled at once
python3 "$HERE/timeit.py" --spec "$SPEC" --runner "$BUILD/runner" --runs "$RUNS" --md "$RESULTS" \
    --netns-prefix "$NS_PREFIX" --alias "$BIN=openports" ${BASE_BIN:+--alias "$BASE_BIN=openports-base"} --alias "$BUILD/minimal=bench/minimal" \
    --title "openports benchmark: scale $SCALE, $NETNS extra network namespaces" \
    --population-info "built by bench/population.c: ${ready_line#READY }" &
TIMEIT_PID=$!
rc=0
wait "$TIMEIT_PID" || rc=$?
TIMEIT_PID=
exit "$rc"
