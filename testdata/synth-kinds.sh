#!/usr/bin/env bash
# (Re)create testdata/synth-kinds: packet, unix and SCTP sockets, in the host
# namespace and a container's. Deterministic: run it after changing it and
# commit the result. Row formats follow the kernel's printf formats (cited in
# src/parse/kinds.rs); unix socket files cannot live in git, so
# tests/kinds.rs copies this tree and binds them below the holders' roots.
set -euo pipefail
cd "$(dirname "$0")"

. ./fixture-lib.sh

PACKET_H='sk               RefCnt Type Proto  Iface R Rmem   User   Inode'
UNIX_H='Num       RefCount Protocol Flags    Type St Inode Path'
EPS_H=' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS'
ASSOCS_H=' ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS HBINT INS OUTS MAXRT T1X T2X RTXC wmema wmemq sndbuf rcvbuf'

t=synth-kinds
rm -rf "$t"; mkdir -p "$t"
echo little > $t/BYTE-ORDER  # the byte order of the kernel these tables imitate
proc $t 1 systemd 0 /usr/lib/systemd/systemd 4026531840
fd $t 1 10 2001; fd $t 1 11 2020; fd $t 1 12 2021
mkdir -p $t/1/net
proc $t 110 systemd-journal 0 /usr/lib/systemd/systemd-journald 4026531840
fd $t 110 3 2002
proc $t 120 dockerd 0 /usr/bin/dockerd 4026531840
fd $t 120 4 2003
proc $t 130 containerd-shim 0 /usr/bin/containerd-shim-runc-v2 4026531840
fd $t 130 5 2004
proc $t 140 dhclient 0 /usr/sbin/dhclient 4026531840
fd $t 140 6 3001
proc $t 150 tcpdump 0 /usr/bin/tcpdump 4026531840
fd $t 150 3 3002; fd $t 150 4 3006
proc $t 160 haldrund 0 '/dev/shm/kdmtmpflush (deleted)' 4026531840
fd $t 160 3 3003
proc $t 170 lldpd 0 /usr/sbin/lldpd 4026531840
fd $t 170 7 3004; fd $t 170 8 3005; fd $t 170 9 3007
proc $t 180 diameterd 998 /usr/sbin/diameterd 4026531840
fd $t 180 3 4001; fd $t 180 5 4002
proc $t 190 m3ua 998 /usr/sbin/m3ua 4026531840
fd $t 190 3 4003
proc $t 195 sctp-test 1000 /usr/bin/sctp_test 4026531840
fd $t 195 3 4004
PROC_COMM_FORMAT='%b\n'
proc $t 600 'evil\033[31m' 1000 /tmp/evil 4026531840
PROC_COMM_FORMAT='%s\n'
fd $t 600 3 2005; fd $t 600 4 2010; fd $t 600 5 2011
proc $t 300 app 1000 /app/server 4026532500
printf '0::/system.slice/docker-3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c.scope\n' > $t/300/cgroup
fd $t 300 3 5001; fd $t 300 4 5002
mkdir -p $t/300/net
ln -sfn 1 $t/self
ln -sfn self/net $t/net
printf 'root:x:0:0:root:/root:/bin/bash\nsigtran:x:998:998::/var/lib/sigtran:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n' > $t/passwd
printf 'root:x:0:\ndocker:x:999:alice\nsigtran:x:998:\nalice:x:1000:\n' > $t/group

# The default listing reads only these.
{
  echo "$TCP_H"
  echo '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0'
} > $t/1/net/tcp
echo "$UDP_H" > $t/1/net/udp

# Interface names: igmp and dev_mcast (no header) as on Linux 6.18; ifindex 9
# is in neither, so it stays unnamed.
printf 'Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n2\teth0      :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n' > $t/1/net/igmp
printf '2    eth0            1     0     333300000001\n' > $t/1/net/dev_mcast

# net/packet (packet_seq_show): dhclient's dgram ip socket on eth0, tcpdump's
# ETH_P_ALL on every interface, a BPFDoor-style sniffer run from a deleted
# file, lldpd on eth0 and on lo, a socket that takes no protocol yet, one on
# an interface no file names, and a malformed row.
{
  echo "$PACKET_H"
  echo '0000000000000000 3      2    0800   2     1 0      0      3001  '
  echo '0000000000000000 3      3    0003   0     1 0      0      3002  '
  echo '0000000000000000 3      3    0003   0     1 2304   0      3003  '
  echo '0000000000000000 3      3    88cc   2     1 0      0      3004  '
  echo '0000000000000000 3      3    88cc   1     1 0      0      3005  '
  echo '0000000000000000 2      3    0000   0     0 0      0      3006  '
  echo '0000000000000000 3      2    86dd   9     1 0      0      3007  '
  echo '0000000000000000 3      3    zz03   0     1 0      0      3008  '
} > $t/1/net/packet

# net/unix (unix_seq_show): systemd's private socket, journald's dev-log
# (dgram), docker's socket bound through the /var/run symlink, a containerd
# shim's abstract socket, an abstract name with a newline forging a row for a
# socket that does not exist, a name with an escape sequence, a relative
# path, a connected pair (only with -a), a malformed row, a repeated row and
# a row that claims another's inode.
{
  echo "$UNIX_H"
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  2001 /run/systemd/private'
  echo '0000000000000000: 00000002 00000000 00000000 0002 01  2002 /run/systemd/journal/dev-log'
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  2003 /var/run/docker.sock'
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  2004 @/containerd-shim/3f2a9c0d.sock@'
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  2005 @evil'
  echo '0000000000000000: 00000002 00000000 00010000 0001 01 9999 /run/forged.sock'
  printf '0000000000000000: 00000002 00000000 00010000 0001 01  2010 /tmp/\033[31mred.sock\n'
  echo '0000000000000000: 00000002 00000000 00010000 0005 01  2011 relative.sock'
  echo '0000000000000000: 00000003 00000000 00000000 0001 03  2020'
  echo '0000000000000000: 00000003 00000000 00000000 0001 03  2021'
  echo '0000000000000000: 00000002 00000000 00010000 0001 0G  2030 /run/bad.sock'
  # A row repeated whole by a non-atomic read (dropped), and one that claims
  # docker's inode with another name (warned about).
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  2001 /run/systemd/private'
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  2003 /run/docker-forged.sock'
} > $t/1/net/unix

# net/sctp (sctp_eps_seq_show, sctp_assocs_seq_show): a multi-homed Diameter
# endpoint with one association, an M3UA endpoint on the IPv6 wildcard, one on
# loopback, and a malformed row.
mkdir -p $t/1/net/sctp
{
  echo "$EPS_H"
  echo '0000000000000000 0000000000000000 2   10  31   3868     998  4001 10.0.0.5 192.168.7.5 '
  echo '0000000000000000 0000000000000000 0   10  12   2905     998  4003 0000:0000:0000:0000:0000:0000:0000:0000 '
  echo '0000000000000000 0000000000000000 2   10  40   9999    1000  4004 127.0.0.1 '
  echo '0000000000000000 0000000000000000 2   10  41   9998    1000  4005 '
} > $t/1/net/sctp/eps
{
  echo "$ASSOCS_H"
  printf '0000000000000000 0000000000000000 2   1   3  0       1        0        0     998  4002 3868  40000  *10.0.0.5 192.168.7.5 <-> *10.0.0.9 192.168.7.9 \t    1000    10    10   10    0    0        0        1        0   212992   212992\n'
} > $t/1/net/sctp/assocs

# The container: its own unix table (unix sockets are per network namespace).
{
  echo "$UNIX_H"
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  5001 /run/app.sock'
  echo '0000000000000000: 00000002 00000000 00010000 0001 01  5002 @app-debug'
} > $t/300/net/unix
echo "$PACKET_H" > $t/300/net/packet
