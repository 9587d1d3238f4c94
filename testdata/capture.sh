#!/usr/bin/env bash
# Capture a fixture /proc tree from live sockets.
#
#   testdata/capture.sh OUTDIR
#
# Runs as root. Creates a private network namespace, starts a small Python
# process in it that opens a known set of sockets (TCP listeners on 127.0.0.1,
# ::1, 0.0.0.0 and [::], an IPv4-mapped connection, UDP, a raw ICMP socket, an
# established loopback pair and a forked child sharing the listener), then copies
# what openports reads into OUTDIR:
#   OUTDIR/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}   (the namespace's tables)
#   OUTDIR/self -> PID                                           (relative link)
#   OUTDIR/PID/{comm,status,cmdline,stat}, PID/exe, PID/ns/net, PID/fd/N (socket links only)
#   OUTDIR/ss.txt                                                (ss -tuwanpe, for review)
#   OUTDIR/KERNEL, OUTDIR/BYTE-ORDER                             (uname -srm; little or big)
# Links are copied as dangling symlinks with the same target text.
set -euo pipefail
out=${1:?usage: capture.sh OUTDIR}
ns=opcap$$
[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root (ip netns)" >&2; exit 2; }
cleanup() { [ -n "${pids:-}" ] && kill $pids 2>/dev/null; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ready=$(mktemp)
ip netns exec "$ns" python3 - "$ready" <<'PY' &
import os, socket, sys, time
ready = sys.argv[1]
keep = []
def tcp(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6 and addr == "::":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((addr, port)); s.listen(16); keep.append(s); return s
l1 = tcp(socket.AF_INET, "127.0.0.1", 8080)
tcp(socket.AF_INET6, "::1", 8081)
tcp(socket.AF_INET, "0.0.0.0", 22)
tcp(socket.AF_INET6, "::", 443)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 68)); keep.append(u)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 5353)); keep.append(u6)
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); keep.append(r)
# An established pair over IPv4 and one over IPv4-mapped IPv6.
c = socket.create_connection(("127.0.0.1", 8080)); a, _ = l1.accept(); keep += [c, a]
m = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); m.connect(("::ffff:127.0.0.1", 8080))
b, _ = l1.accept(); keep += [m, b]
# The same listener on a second fd (dup) and in a forked child.
keep.append(os.dup(l1.fileno()))
if os.fork() == 0:
    time.sleep(120); os._exit(0)
open(ready, "w").write("ok")
time.sleep(120)
PY
pids=$!
for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.1; done
[ -s "$ready" ] || { echo "capture.sh: population did not start" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out/net"
pyp=$(ip netns pids "$ns" | sort -n)
first=$(echo "$pyp" | head -1)
for t in tcp tcp6 udp udp6 udplite udplite6 raw raw6; do
  [ -e "/proc/$first/net/$t" ] && cat "/proc/$first/net/$t" > "$out/net/$t"
done
ln -s "$first" "$out/self"
for p in $pyp; do
  mkdir -p "$out/$p/fd" "$out/$p/ns"
  for f in comm status cmdline stat; do cat "/proc/$p/$f" > "$out/$p/$f"; done
  ln -s "$(readlink /proc/$p/exe)" "$out/$p/exe"
  ln -s "$(readlink /proc/$p/ns/net)" "$out/$p/ns/net"
  for fd in /proc/$p/fd/*; do
    t=$(readlink "$fd" || true)
    case "$t" in socket:*) ln -s "$t" "$out/$p/fd/${fd##*/}";; esac
  done
done
ip netns exec "$ns" ss -tuwanpe > "$out/ss.txt"
uname -srm > "$out/KERNEL"
case "$(printf '\001\000' | od -An -tx2 | tr -d ' ')" in 0001) echo little;; *) echo big;; esac > "$out/BYTE-ORDER"
echo "captured namespace $ns (pids $(echo $pyp)) into $out"
