#!/usr/bin/env bash
# Capture the address files openports reads, from namespaces built here.
#
#   testdata/capture-addrs.sh OUTDIR
#
# Runs as root. Builds namespaces with known addresses, copies each one's
#   net/{if_inet6,fib_trie,route,dev,ip_tables_names,ip6_tables_names}
# and its sys/net/ipv6/bindv6only (read inside it: net sysctls answer for the
# reader's namespace) into OUTDIR/CASE/, with `ip -br addr` and `ip route` as
# ip.txt for review. The host's own files go to OUTDIR/host/. Cases:
#   server    veth to a peer: 10.77.0.1/24 (private), fd77::1/64 (ULA),
#             fe80::77:1/64 (link-local), 198.18.0.1/15 (benchmarking, reserved),
#             a second IPv4 address on the same veth, a /32 on lo, a second
#             veth with an address and no connected route (noprefixroute)
#   lo-only   `ip netns add` and lo up: nothing but 127.0.0.1 and ::1
#   lo-down   `ip netns add` alone: lo down, no address at all
#   no-ipv6   veth with 10.78.0.1/24 and IPv6 disabled by sysctl (if_inet6 empty)
#   v6only    lo up and net.ipv6.bindv6only=1
set -euo pipefail
out=${1:?usage: capture-addrs.sh OUTDIR}
[ "$(id -u)" = 0 ] || { echo "capture-addrs.sh: needs root (ip netns)" >&2; exit 2; }
p=opaddr$$
names="$p-server $p-peer $p-lo $p-down $p-noipv6 $p-noipv6peer $p-v6only"
cleanup() { for n in $names; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
for n in $names; do ip netns add "$n"; done
for n in $p-server $p-peer $p-lo $p-noipv6 $p-noipv6peer $p-v6only; do ip -n "$n" link set lo up; done
# server <-> peer
ip link add "${p}a" netns "$p-server" type veth peer name "${p}b" netns "$p-peer"
ip -n "$p-server" link set "${p}a" name eth0
ip -n "$p-peer" link set "${p}b" name eth0
ip -n "$p-server" addr add 10.77.0.1/24 dev eth0
ip -n "$p-server" addr add 10.77.0.9/24 dev eth0
ip -n "$p-server" addr add 198.18.0.1/15 dev eth0
ip -n "$p-server" addr add fd77::1/64 dev eth0 nodad
ip -n "$p-server" addr add fe80::77:1/64 dev eth0 nodad
ip -n "$p-server" addr add 10.255.0.1/32 dev lo
ip link add "${p}e" netns "$p-server" type veth peer name "${p}f" netns "$p-peer"
ip -n "$p-server" link set "${p}e" name eth1
ip -n "$p-server" addr add 10.79.0.1/24 dev eth1 noprefixroute
ip -n "$p-server" link set eth1 up
ip -n "$p-server" link set eth0 up
ip -n "$p-peer" link set eth0 up
# no-ipv6
ip netns exec "$p-noipv6" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1
ip link add "${p}c" netns "$p-noipv6" type veth peer name "${p}d" netns "$p-noipv6peer"
ip -n "$p-noipv6" link set "${p}c" name eth0
ip -n "$p-noipv6" addr add 10.78.0.1/24 dev eth0
ip -n "$p-noipv6" link set eth0 up
ip -n "$p-noipv6peer" link set "${p}d" up
ip netns exec "$p-v6only" sysctl -qw net.ipv6.bindv6only=1
sleep 0.5
rm -rf "$out"; mkdir -p "$out"
copy() { # DIR CMDPREFIX...
  local d=$1; shift
  mkdir -p "$d/net" "$d/sys/net/ipv6"
  for f in if_inet6 fib_trie route dev ip_tables_names ip6_tables_names; do
    "$@" sh -c "[ -e /proc/net/$f ] && cat /proc/net/$f" > "$d/net/$f" || rm -f "$d/net/$f"
  done
  "$@" cat /proc/sys/net/ipv6/bindv6only > "$d/sys/net/ipv6/bindv6only" 2>/dev/null || rm -f "$d/sys/net/ipv6/bindv6only"
  { "$@" ip -br addr; echo; "$@" ip route; echo; "$@" ip route show table local; } > "$d/ip.txt" 2>&1 || true
}
copy "$out/host" env
copy "$out/server" ip netns exec "$p-server"
copy "$out/lo-only" ip netns exec "$p-lo"
copy "$out/lo-down" ip netns exec "$p-down"
copy "$out/no-ipv6" ip netns exec "$p-noipv6"
copy "$out/v6only" ip netns exec "$p-v6only"
uname -sr > "$out/KERNEL"
echo "captured into $out"
