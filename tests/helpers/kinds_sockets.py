"""Sockets of the other kinds, opened for tests/kinds.rs (run inside the test's
own network namespace). Prints one line "ready" when every socket is open, then
waits until killed.

  kinds_sockets.py packet IFACE     packet sockets: ETH_P_ALL on every interface,
                                    ip (dgram) on IFACE, LLDP on lo, 0x1234, and
                                    one with protocol 0 (takes no frames)
  kinds_sockets.py unix DIR         unix sockets: DIR/world.sock (0666), DIR/owner.sock
                                    (0600), a seqpacket DIR/seq sock, a bound dgram
                                    DIR/dgram.sock, an abstract name with a NUL byte,
                                    an abstract name whose newline forges a row,
                                    and a connected pair
"""
import os
import socket
import signal
import sys

keep = []
mode = sys.argv[1]
if mode == "packet":
    iface = sys.argv[2]
    a = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    b = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    b.bind((iface, 0x0800))
    c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88CC))
    c.bind(("lo", 0x88CC))
    d = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x1234))
    e = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    keep += [a, b, c, d, e]
elif mode == "unix":
    d = sys.argv[2]
    w = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    w.bind(d + "/world.sock")
    os.chmod(d + "/world.sock", 0o666)
    w.listen(8)
    o = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    o.bind(d + "/owner.sock")
    os.chmod(d + "/owner.sock", 0o600)
    o.listen(8)
    q = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    q.bind(d + "/seq sock")
    q.listen(1)
    g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    g.bind(d + "/dgram.sock")
    n = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    n.bind(b"\0optest-abs\0nul")
    n.listen(1)
    f = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    f.bind(b"\0optest-evil\n0000000000000000: 00000002 00000000 00010000 0001 01 99999 /run/forged.sock")
    f.listen(1)
    p1, p2 = socket.socketpair()
    keep += [w, o, q, g, n, f, p1, p2]
else:
    sys.exit("unknown mode " + mode)
print("ready", flush=True)
signal.pause()
