#!/usr/bin/env bash
# (Re)create the synthesized fixture trees in testdata/. Deterministic: run it
# after changing it and commit the result. Captured trees come from capture.sh.
set -euo pipefail
cd "$(dirname "$0")"

. ./fixture-lib.sh
PROC_COMM_FORMAT='%b\n'
PROC_ARGV=(-D)

# --- synth-multi-ns: host, a Docker container, an `ip netns` namespace, a
# thread with its own fd table, a deleted executable, a hostile comm, a kernel
# socket, forked workers sharing a listener.
t=synth-multi-ns
rm -rf "$t"; mkdir -p "$t"
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

# --- synth-old-kernel: Linux 2.6-era rows (32-bit pointers, no drops column).
t=synth-old-kernel
rm -rf "$t"; mkdir -p "$t/net"
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
echo "$TCP_H" > $t/net/tcp; echo "$TCP6_H" > $t/net/tcp6
echo "$UDP_H" > $t/net/udp; echo "$UDP6_H" > $t/net/udp6
echo "synthesized trees written"
