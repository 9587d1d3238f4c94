#!/usr/bin/env bash
# (Re)create testdata/policy/proc, the fixture /proc tree of the check and
# baseline tests (tests/check.rs). Deterministic: run it after changing it and
# commit the result.
#
# A web server: sshd on 22 (IPv4 and IPv6), nginx on 80/443 held by a master and
# a worker, postgres on loopback, dhclient whose executable was replaced by an
# upgrade, a kernel UDP socket (VXLAN), an established connection (never
# checked), and a Docker container whose app ("my app": a comm with a blank)
# listens on 8080 in its own namespace.
set -euo pipefail
cd "$(dirname "$0")"

. ../fixture-lib.sh

t=proc
rm -rf "$t"; mkdir -p "$t/net" "$t/sys/kernel"
echo little > $t/BYTE-ORDER
echo fixture-host > $t/sys/kernel/hostname
proc $t 1 systemd 0 /usr/lib/systemd/systemd 4026531840
proc $t 1000 sshd 0 /usr/sbin/sshd 4026531840
fd $t 1000 3 1001; fd $t 1000 4 1006
proc $t 1100 nginx 0 /usr/sbin/nginx 4026531840
proc $t 1101 nginx 33 /usr/sbin/nginx 4026531840
fd $t 1100 6 1002; fd $t 1100 7 1003; fd $t 1101 6 1002; fd $t 1101 7 1003
proc $t 1200 postgres 105 /usr/lib/postgresql/15/bin/postgres 4026531840
fd $t 1200 5 1004
proc $t 1300 dhclient 0 '/usr/sbin/dhclient (deleted)' 4026531840
fd $t 1300 7 1007
proc $t 2000 'my app' 1000 /app/bin/server 4026532500
printf '0::/system.slice/docker-3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c.scope\n' > $t/2000/cgroup
fd $t 2000 3 2001
mkdir -p $t/2000/net
ln -sfn 1000 $t/self
printf 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\npostgres:x:105:110::/var/lib/postgresql:/bin/bash\napp:x:1000:1000::/app:/usr/sbin/nologin\n' > passwd
{
  echo "$TCP_H"
  echo '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0'
  echo '   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0'
  echo '   2: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 100 0 0 10 0'
  echo '   3: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 1004 1 0000000000000000 100 0 0 10 0'
  echo '   4: 0A01A8C0:0016 1401A8C0:C738 01 00000000:00000000 02:000A7B1C 00000000     0        0 1005 2 0000000000000000 22 4 29 10 -1'
} > $t/net/tcp
{
  echo "$TCP6_H"
  echo '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1006 1 0000000000000000 100 0 0 10 0'
} > $t/net/tcp6
{
  echo "$UDP_H"
  echo '   68: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1007 2 0000000000000000 0'
  echo '  181: 00000000:12B5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1008 2 0000000000000000 0'
} > $t/net/udp
echo "$UDP6_H" > $t/net/udp6
{
  echo "$TCP_H"
  echo '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2001 1 0000000000000000 100 0 0 10 0'
} > $t/2000/net/tcp
echo "policy fixture tree written"
