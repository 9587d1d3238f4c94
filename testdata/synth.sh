#!/usr/bin/env bash
# (Re)create the synthesized fixture trees in testdata/. Deterministic: run it
# after changing it and commit the result. Captured trees come from capture.sh.
set -euo pipefail
cd "$(dirname "$0")"

. ./fixture-lib.sh
PROC_COMM_FORMAT='%b\n'
PROC_ARGV=(-D)

fib() { # FILE: a fib_trie with one /32 host LOCAL leaf per further argument
  local f=$1; shift
  { echo 'Main:'; echo '  +-- 0.0.0.0/0 3 0 5'
    for a in "$@"; do printf '     |-- %s\n        /32 host LOCAL\n' "$a"; done
    echo 'Local:'; echo '  +-- 0.0.0.0/0 3 0 5'
    for a in "$@"; do printf '     |-- %s\n        /32 host LOCAL\n' "$a"; done; } > "$f"
}
ROUTE_H='Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT'
DEV_H='Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed'
devs() { echo "$DEV_H"; for d in "$@"; do printf '%6s: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n' "$d"; done; }

# --- synth-multi-ns: host, a Docker container, an `ip netns` namespace, a
# thread with its own fd table, a deleted executable, a hostile comm, a kernel
# socket, forked workers sharing a listener.
t=synth-multi-ns
rm -rf "$t"; mkdir -p "$t"
echo little > $t/BYTE-ORDER  # the byte order of the kernel these tables imitate
proc $t 1 systemd 0 /usr/lib/systemd/systemd 4026531840
mkdir -p $t/1/net
proc $t 100 sshd 0 /usr/sbin/sshd 4026531840
proc $t 101 sshd 0 /usr/sbin/sshd 4026531840
fd $t 100 3 1001; fd $t 101 3 1001; fd $t 101 4 1003; fd $t 100 5 1004
proc $t 200 cupsd 0 '/usr/sbin/cupsd (deleted)' 4026531840
fd $t 200 7 1002
proc $t 210 dhclient 0 /usr/sbin/dhclient 4026531840
fd $t 210 6 1005
proc $t 300 nginx 33 /usr/sbin/nginx 4026532500
printf '0::/system.slice/docker-3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c.scope\n' > $t/300/cgroup
fd $t 300 6 3001
mkdir -p $t/300/net
proc $t 400 redis-server 999 /usr/bin/redis-server 4026532600
fd $t 400 6 4001; fd $t 400 7 4002
mkdir -p $t/400/net
proc $t 500 worker 1000 /opt/worker 4026531840
mkdir -p $t/500/task/500/fd $t/500/task/501/fd
ln -sfn /dev/null $t/500/fd/0; ln -sfn /dev/null $t/500/task/500/fd/0
ln -sfn /dev/null $t/500/task/501/fd/0; ln -sfn "socket:[1007]" $t/500/task/501/fd/7
proc $t 600 'evil\033[31m\n)"x' 1000 /tmp/evil 4026531840
fd $t 600 3 1008
ln -sfn pipe:[77] $t/600/fd/4; ln -sfn /tmp/fifo $t/600/fd/5
ln -sfn 100 $t/self
ln -sfn self/net $t/net
ln -sfn ../1/net $t/100/net
printf '22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n585 29 0:4 net:[4026532600] /run/netns/blue rw shared:281 - nsfs nsfs rw\n' > $t/100/mountinfo
printf 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nredis:x:999:999::/var/lib/redis:/usr/sbin/nologin\n' > $t/passwd
{
  echo "$TCP_H"
  echo '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0'
  echo '   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0'
  echo '   2: 00000000:2328 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 1007 1 0000000000000000 100 0 0 10 0'
  echo '   3: 0501A8C0:0016 0A01A8C0:D431 01 00000024:00000000 01:00000014 00000000     0        0 1003 4 0000000000000000 20 4 31 10 -1'
  echo '   4: 0501A8C0:0016 0A01A8C0:D3F2 06 00000000:00000000 03:0000157C 00000000     0        0 0 3 0000000000000000'
} > $t/1/net/tcp
{
  echo "$TCP6_H"
  echo '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0'
} > $t/1/net/tcp6
{
  echo "$UDP_H"
  echo '  68: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1005 2 0000000000000000 0'
  echo ' 801: 00000000:0801 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1006 2 0000000000000000 0'
  echo ' 904: 00000000:1388 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 1008 2 0000000000000000 0'
} > $t/1/net/udp
echo "$UDP6_H" > $t/1/net/udp6
{
  echo "$TCP_H"
  echo '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3001 1 0000000000000000 100 0 0 10 0'
} > $t/300/net/tcp
{
  echo "$TCP_H"
  echo '   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4001 1 0000000000000000 100 0 0 10 0'
} > $t/400/net/tcp
{
  echo "$TCP6_H"
  echo '   0: 0000000000000000FFFF00000500000A:18EC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4002 1 0000000000000000 100 0 0 10 0'
} > $t/400/net/tcp6
# Addresses: the host's eth0 192.168.1.5/24 (and a link-local IPv6), the
# container's eth0 172.17.0.2/16, blue's veth0 10.0.0.5/24.
devs lo eth0 > $t/1/net/dev
fib $t/1/net/fib_trie 127.0.0.1 192.168.1.5
{ echo "$ROUTE_H"; printf 'eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n'; } > $t/1/net/route
{ echo 'fe800000000000000000000000000005 02 40 20 80     eth0'
  echo '00000000000000000000000000000001 01 80 10 80       lo'; } > $t/1/net/if_inet6
devs lo eth0 > $t/300/net/dev
fib $t/300/net/fib_trie 127.0.0.1 172.17.0.2
{ echo "$ROUTE_H"; printf 'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n'; } > $t/300/net/route
echo '00000000000000000000000000000001 01 80 10 80       lo' > $t/300/net/if_inet6
devs lo veth0 > $t/400/net/dev
fib $t/400/net/fib_trie 10.0.0.5 127.0.0.1
{ echo "$ROUTE_H"; printf 'veth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n'; } > $t/400/net/route
echo '00000000000000000000000000000001 01 80 10 80       lo' > $t/400/net/if_inet6

# --- synth-reach: addresses and reach. The host has a public, a private and a
# Docker bridge address, iptables tables and a docker-proxy pair publishing a
# container's port 80 as 8080; the container namespace has 172.17.0.2; `iso`
# (an `ip netns` namespace) has nothing but lo; `dark` has no address files.
t=synth-reach
rm -rf "$t"; mkdir -p "$t"
proc $t 1 systemd 0 /usr/lib/systemd/systemd 4026531840
mkdir -p $t/1/net $t/sys/net/ipv6
proc $t 100 sshd 0 /usr/sbin/sshd 4026531840
fd $t 100 3 1001; fd $t 100 4 1004
proc $t 200 cupsd 0 /usr/sbin/cupsd 4026531840
fd $t 200 7 1002
proc $t 220 postgres 0 /usr/lib/postgresql/bin/postgres 4026531840
fd $t 220 5 1010
proc $t 230 keepalived-app 0 /opt/vip/app 4026531840
fd $t 230 3 1011
proc $t 240 node_exporter 65534 /usr/bin/node_exporter 4026531840
fd $t 240 3 1012; fd $t 240 4 1013
proc $t 250 dnsmasq 0 /usr/sbin/dnsmasq 4026531840
fd $t 250 4 1030
PROC_ARGV=(-proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80)
proc $t 700 docker-proxy 0 /usr/bin/docker-proxy 4026531840
PROC_ARGV=(-proto tcp -host-ip :: -host-port 8080 -container-ip 172.17.0.2 -container-port 80)
proc $t 701 docker-proxy 0 /usr/bin/docker-proxy 4026531840
PROC_ARGV=(-D)
fd $t 700 4 1020; fd $t 701 4 1021
proc $t 800 nginx 33 /usr/sbin/nginx 4026532500
printf '0::/system.slice/docker-3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c.scope\n' > $t/800/cgroup
fd $t 800 6 3001; fd $t 800 7 3002
mkdir -p $t/800/net
proc $t 900 rpcbind 0 /usr/sbin/rpcbind 4026532700
fd $t 900 4 5001; fd $t 900 5 5002; fd $t 900 6 5003
mkdir -p $t/900/net
proc $t 950 legacy 0 /opt/legacy 4026532800
fd $t 950 3 6001
mkdir -p $t/950/net
ln -sfn 100 $t/self
ln -sfn self/net $t/net
ln -sfn ../1/net $t/100/net
printf '22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n586 29 0:4 net:[4026532700] /run/netns/iso rw shared:282 - nsfs nsfs rw\n' > $t/100/mountinfo
printf 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n' > $t/passwd
echo 0 > $t/sys/net/ipv6/bindv6only
# host addresses
devs lo eth0 eth1 docker0 > $t/1/net/dev
fib $t/1/net/fib_trie 10.0.0.4 127.0.0.1 172.17.0.1 93.184.216.34
{ echo "$ROUTE_H"
  printf 'eth0\t00000000\t01D8B85D\t0003\t0\t0\t0\t00000000\t0\t0\t0\n'
  printf 'eth0\t00D8B85D\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n'
  printf 'eth1\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n'
  printf 'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n'; } > $t/1/net/route
{ echo '2a0014504001081c0000000000000010 02 40 00 80     eth0'
  echo 'fe800000000000000000000000000001 02 40 20 80     eth0'
  echo '00000000000000000000000000000001 01 80 10 80       lo'; } > $t/1/net/if_inet6
printf 'nat\nfilter\n' > $t/1/net/ip_tables_names
: > $t/1/net/ip6_tables_names
{
  echo "$TCP_H"
  echo '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0'
  echo '   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0'
  echo '   2: 0400000A:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1010 1 0000000000000000 100 0 0 10 0'
  echo '   3: 6300000A:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1011 1 0000000000000000 100 0 0 10 0'
  echo '   4: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1020 1 0000000000000000 100 0 0 10 0'
} > $t/1/net/tcp
{
  echo "$TCP6_H"
  echo '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0'
  echo '   1: 00000000000000000000000000000000:238C 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 1012 1 0000000000000000 100 0 0 10 0'
  echo '   2: 000080FE000000000000000001000000:22B8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 1013 1 0000000000000000 100 0 0 10 0'
  echo '   3: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1021 1 0000000000000000 100 0 0 10 0'
} > $t/1/net/tcp6
{
  echo "$UDP_H"
  echo '  53: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1030 2 0000000000000000 0'
} > $t/1/net/udp
echo "$UDP6_H" > $t/1/net/udp6
# the container: 172.17.0.2 on its eth0
devs lo eth0 > $t/800/net/dev
fib $t/800/net/fib_trie 127.0.0.1 172.17.0.2
{ echo "$ROUTE_H"; printf 'eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n'; } > $t/800/net/route
{ echo 'fe800000000000000042acfffe110002 05 40 20 80     eth0'
  echo '00000000000000000000000000000001 01 80 10 80       lo'; } > $t/800/net/if_inet6
{
  echo "$TCP_H"
  echo '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3001 1 0000000000000000 100 0 0 10 0'
  echo '   1: 0100007F:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3002 1 0000000000000000 100 0 0 10 0'
} > $t/800/net/tcp
# iso: lo only (captured form: testdata/addrs-linux-6.18/lo-only)
cp addrs-linux-6.18/lo-only/net/{dev,fib_trie,route,if_inet6} $t/900/net/
{
  echo "$TCP_H"
  echo '   0: 00000000:006F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0'
} > $t/900/net/tcp
{
  echo "$TCP6_H"
  echo '   0: 00000000000000000000000000000000:006F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0'
} > $t/900/net/tcp6
{
  echo "$UDP_H"
  echo ' 111: 00000000:006F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5003 2 0000000000000000 0'
} > $t/900/net/udp
# dark: tables but no address files (reach unknown)
{
  echo "$TCP_H"
  echo '   0: 00000000:1B58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6001 1 0000000000000000 100 0 0 10 0'
} > $t/950/net/tcp

# --- synth-old-kernel: Linux 2.6-era rows (32-bit pointers, no drops column).
t=synth-old-kernel
rm -rf "$t"; mkdir -p "$t/net"
echo little > $t/BYTE-ORDER  # the byte order of the kernel these tables imitate
{
  echo '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
  echo '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4352 1 f6c8e1c0 3000 0 0 2 -1'
  echo '   1: 0100007F:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 f6c8e6c0 3000 0 0 2 -1'
  echo '   2: 0F02000A:0016 0102000A:C3B2 01 00000000:00000000 02:000A7B1C 00000000     0        0 5120 2 f5d2a0c0 22 4 29 3 -1'
} > $t/net/tcp
{
  echo '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
  echo '  7: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3021 2 f6d5c3c0'
  echo ' 111: 00000000:006F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3300 2 f6d5c6c0'
} > $t/net/udp

# --- synth-malformed: bad rows among good ones, a row repeated by a
# non-atomic read, a NUL byte, an over-long line, CRLF, a header-only udp.
t=synth-malformed
rm -rf "$t"; mkdir -p "$t/net"
echo little > $t/BYTE-ORDER  # the byte order of the kernel these tables imitate
{
  echo "$TCP_H"
  echo '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0'
  echo '   1: 0100007F0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1'
  echo '   2: 0100007F:0050 00000000:0000 0A 00000000:00000000'
  printf '   3: 0100007F:0051 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20\00003 1\n'
  printf '   4: %0*d\n' 5000 0
  echo '   5: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0'
  printf '   6: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2004 1 0000000000000000 100 0 0 10 0\r\n'
  echo '   7: 0100007F:0036 00000000:0000 0C 00000000:00000000 00:00000000 00000000     0        0 2005 1 0000000000000000 100 0 0 10 0'
  echo '   8: 0100007F:0037 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2006 1 0000000000000000 100 0 0 10 0'
  printf '   9: 0100007F:0038 00000000:0000 0A 0000'
} > $t/net/tcp
echo "$UDP_H" > $t/net/udp

# --- synth-big-endian: a big-endian router (MIPS/PowerPC) prints address words
# in its own order: 192.168.1.1 is C0A80101, ::1 is ...00000001.
t=synth-big-endian
rm -rf "$t"; mkdir -p "$t/net"
echo big > $t/BYTE-ORDER  # the byte order of the kernel these tables imitate
{
  echo "$TCP_H"
  echo '   0: C0A80101:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 81234567 300 0 0 2 -1'
  echo '   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1235 1 81234568 300 0 0 2 -1'
  echo '   2: C0A80101:0016 C0A8010A:D431 01 00000000:00000000 02:00000AFE 00000000     0        0 1236 2 81234569 24 4 30 10 -1'
} > $t/net/tcp
{
  echo "$TCP6_H"
  echo '   0: 00000000000000000000000000000001:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1237 1 8123456a 300 0 0 2 -1'
  echo '   1: FE800000000000000000000000000001:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1238 1 8123456b 300 0 0 2 -1'
} > $t/net/tcp6
{
  echo "$UDP_H"
  echo '  53: C0A80101:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1239 2 8123456c 0'
} > $t/net/udp

# --- synth-header-only: tables with headers and no rows (gVisor, WSL1).
t=synth-header-only
rm -rf "$t"; mkdir -p "$t/net"
echo little > $t/BYTE-ORDER  # the byte order of the kernel these tables imitate
echo "$TCP_H" > $t/net/tcp; echo "$TCP6_H" > $t/net/tcp6
echo "$UDP_H" > $t/net/udp; echo "$UDP6_H" > $t/net/udp6
echo "synthesized trees written"
