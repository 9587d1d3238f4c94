#!/usr/bin/env python3
"""Write a synthetic /proc tree with ROWS TCP sockets (default 20,000) for
instruction-count measurements (README, "Size": valgrind --tool=callgrind
openports --proc-root DIR -A all -a -e). 10% listeners on 0.0.0.0 and
127.10.x.y, the rest established pairs on 127.20.x.y; 100 processes hold
every socket (one fd each). Deterministic: the same tree every run.

usage: bench/synth-tcp-tree.py DIR [ROWS]
"""
import os
import shutil
import sys

root = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
procs = 100
if os.path.exists(root):
    shutil.rmtree(root)
os.makedirs(os.path.join(root, "net"))
with open(os.path.join(root, "BYTE-ORDER"), "w") as f:
    f.write("little\n")


def hexaddr(a, b, c, d):
    return "%02X%02X%02X%02X" % (d, c, b, a)


head = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
        "retrnsmt   uid  timeout inode\n")
lines = [head]
for i in range(rows):
    inode = 100000 + i
    if i % 10 == 0:
        local = hexaddr(0, 0, 0, 0) if i % 100 == 0 else hexaddr(127, 10, (i >> 8) & 255, i & 255)
        lport, rem, rport, st = 1024 + i // 10, "00000000", 0, "0A"
    else:
        local = hexaddr(127, 20, (i >> 8) & 255, i & 255)
        lport, rem, rport, st = 30000 + (i % 20000), hexaddr(127, 10, 1, 1), 1024 + (i % 997), "01"
    lines.append("%6d: %s:%04X %s:%04X %s 00000000:00000000 00:00000000 00000000 %5d        0 %d 1 0000000000000000 100 0 0 10 0\n"
                 % (i, local, lport, rem, rport, st, 1000 + i % 7, inode))
with open(os.path.join(root, "net", "tcp"), "w") as f:
    f.writelines(lines)
for name in ("tcp6", "udp", "udp6"):
    with open(os.path.join(root, "net", name), "w") as f:
        f.write(head)
for p in range(procs):
    pid = 1000 + p
    d = os.path.join(root, str(pid))
    os.makedirs(os.path.join(d, "fd"))
    os.makedirs(os.path.join(d, "ns"))
    os.symlink("net:[4026531840]", os.path.join(d, "ns", "net"))
    os.symlink("/usr/bin/server%d" % (p % 10), os.path.join(d, "exe"))
    with open(os.path.join(d, "comm"), "w") as f:
        f.write("server%d\n" % (p % 10))
    with open(os.path.join(d, "cmdline"), "w") as f:
        f.write("/usr/bin/server%d\0--port\0%d\0" % (p % 10, p))
    with open(os.path.join(d, "status"), "w") as f:
        f.write("Name:\tserver%d\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nPid:\t%d\nPPid:\t1\n"
                "Uid:\t%d\t%d\t%d\t%d\nGid:\t0\t0\t0\t0\n" % (p % 10, pid, pid, 1000 + p % 7, 1000 + p % 7, 1000 + p % 7, 1000 + p % 7))
    for i in range(p, rows, procs):
        os.symlink("socket:[%d]" % (100000 + i), os.path.join(d, "fd", str(3 + i // procs)))
os.symlink("1000", os.path.join(root, "self"))
