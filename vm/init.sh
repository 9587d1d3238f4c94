#!/bin/busybox sh
# /init of the make test-vm initramfs (vm/vm.py builds it): busybox-static,
# openports and ophelper (vm/helper). Opens known sockets with ophelper, runs
# openports every way the host checks, prints everything between @@@ markers
# on the console, captures this kernel's tables as a fixture tree, powers off.
# Nothing here decides pass or fail: vm/vm.py does, on the host.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /etc /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin NO_COLOR=1 HOME=/
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /run
echo 1 > /proc/sys/kernel/printk
cd /

sec() { read -r up _ < /proc/uptime; echo "@@@ time $1 $up"; }
# run NAME CMD...: stdout, stderr and exit status of one command.
run() {
  n=$1; shift
  "$@" > /tmp/out 2> /tmp/err; rc=$?
  echo "@@@ begin $n"; cat /tmp/out; echo "@@@ stderr $n"; cat /tmp/err; echo "@@@ end $n $rc"
}
# helper TAG ARGS...: start ophelper in the background and wait until it says
# `ready` (it has opened everything) or exits. Event-based: its stdout is a
# FIFO read line by line here, so the wait takes as long as the helper does
# and no longer; a helper that dies ends the read with EOF at once (reported
# with its exit status and stderr); HELPER_WAIT seconds is only the bound for
# one that hangs (TCG on a loaded host can be 20x slower than the hardware).
HELPER_WAIT=300
helper() {
  t=$1; shift
  mkfifo "/run/h-$t.fifo"
  /bin/ophelper --tag "$t" "$@" > "/run/h-$t.fifo" 2> "/run/h-$t.err" &
  hp=$!
  : > "/run/h-$t"
  ready=no
  while read -r -t $HELPER_WAIT line; do
    echo "$line" >> "/run/h-$t"
    case "$line" in ready*) ready=yes; break;; esac
  done < "/run/h-$t.fifo"
  rm -f "/run/h-$t.fifo"
  [ $ready = yes ] && return 0
  if kill -0 $hp 2>/dev/null; then
    echo "@@@ fail helper $t did not report ready within $HELPER_WAIT s: $(cat /run/h-$t.err)"
  else
    wait $hp; echo "@@@ fail helper $t exited with status $? before it was ready: $(cat /run/h-$t.err)"
  fi
}

sec start
echo "@@@ uname $(uname -srm)"
# This kernel's byte order, as the CPU stores a 16-bit 1.
case "$(printf '\001\000' | od -An -tx2 | tr -d ' ')" in
  0001) order=little;; 0100) order=big;; *) order=unknown;;
esac
echo "@@@ byte-order $order"

# SCTP is a module in Debian's kernels: vm/vm.py puts it and what it needs
# into /lib/modules in load order.
sctp=no
for m in /lib/modules/*.ko; do
  [ -e "$m" ] || continue
  insmod "$m" 2>/tmp/err || echo "@@@ note insmod $m: $(cat /tmp/err)"
done
[ -e /proc/net/sctp ] && sctp=yes
echo "@@@ sctp $sctp"

ip link set lo up
ip addr add 10.88.0.1/32 dev lo
ip -6 addr add fd88::1/128 dev lo
sleep 1

root_specs="tcp-listen:0.0.0.0 tcp-listen::: tcp-listen:127.0.0.1 tcp-listen:::1 tcp-listen:10.88.0.1 tcp-listen:fd88::1
udp-bind:0.0.0.0 udp-bind::: udp-bind:127.0.0.1 udp-bind:::1 udp-bind:10.88.0.1 udp-bind:fd88::1
tcp-pair:127.0.0.1 tcp-pair:::1 tcp-pair:10.88.0.1 udp-connect:127.0.0.1 udp-connect:::1 raw-icmp:4 raw-icmp:6
unix-listen:/run/op.sock unix-listen:@op-abstract unix-pair:- packet-raw:- packet-dgram:lo"
[ $sctp = yes ] && root_specs="$root_specs sctp-listen:0.0.0.0 sctp-listen:::1 sctp-listen:10.88.0.1"
helper root $root_specs
helper user --uid 1000 tcp-listen:0.0.0.0 udp-bind:::1 tcp-pair:127.0.0.1 udp-connect:127.0.0.1 unix-listen:/tmp/user.sock
helper blue --unshare-net --name-ns /run/netns/blue tcp-listen:0.0.0.0 udp-bind:127.0.0.1 tcp-pair:::1 unix-listen:@blue
helper anon --unshare-net tcp-listen::: raw-icmp:4 udp-bind:0.0.0.0 packet-raw:-
sec helpers
echo "@@@ begin opened"; cat /run/h-root /run/h-user /run/h-blue /run/h-anon; echo "@@@ end opened 0"

run table openports -A all
run json openports -A all -a -j
run extended openports -A all -a -e
run blue openports -N blue -A all -a -j
run netstat netstat -tuwan
run baseline openports baseline
cp /tmp/out /tmp/policy
run check-same openports check /tmp/policy
sec openports
run nobody-json ophelper --uid 1000 --exec openports -A all -a -j
run nobody-table ophelper --uid 1000 --exec openports -A all -a
helper late tcp-listen:0.0.0.0 udp-bind:::
echo "@@@ begin late"; cat /run/h-late; echo "@@@ end late 0"
run check-new openports check /tmp/policy
printf 'root:x:0:0:root:/:/bin/sh\nop:x:1000:1000:op:/:/bin/sh\n' > /etc/passwd
run passwd-json openports -A all -a -j
rm /etc/passwd
sec checks

# The fixture tree: this namespace's tables and the host-namespace helpers'
# process files (the layout of testdata/capture.sh), as a base64 tar.
c=/tmp/cap
mkdir -p $c/net
for t in tcp tcp6 udp udp6 udplite udplite6 raw raw6 packet unix igmp igmp6 dev_mcast if_inet6 sctp/eps sctp/assocs; do
  [ -e /proc/net/$t ] || continue
  mkdir -p $(dirname $c/net/$t); cat /proc/net/$t > $c/net/$t
done
for t in root user late; do
  p=$(sed -n 's/^ready //p' /run/h-$t)
  mkdir -p $c/$p/fd $c/$p/ns
  for f in comm status cmdline stat; do cat /proc/$p/$f > $c/$p/$f; done
  ln -s "$(readlink /proc/$p/exe)" $c/$p/exe
  ln -s "$(readlink /proc/$p/ns/net)" $c/$p/ns/net
  for fd in /proc/$p/fd/*; do
    l=$(readlink $fd)
    case "$l" in socket:*) ln -s "$l" $c/$p/fd/${fd##*/};; esac
  done
  [ $t = root ] && ln -s $p $c/self
done
cat /run/h-root /run/h-user /run/h-late > $c/opened.txt
netstat -tuwan > $c/netstat.txt
uname -srm > $c/KERNEL
echo $order > $c/BYTE-ORDER
echo "@@@ begin capture"
# base64 (busybox 1.30, bullseye's, has only uuencode -m: the same encoding
# between a "begin-base64" line and "====").
if command -v base64 >/dev/null; then
  (cd $c && tar cf - .) | gzip -9 | base64
else
  (cd $c && tar cf - .) | gzip -9 | uuencode -m - | sed '1d;$d'
fi
echo "@@@ end capture 0"
sec done
echo "@@@ poweroff"
poweroff -f
