#!/usr/bin/env python3
"""make test-vm, host side: fetch a Debian kernel and busybox-static, build an
initramfs (busybox, openports, ophelper, vm/init.sh as /init), boot it under
qemu-system (TCG), then check openports' answers inside that kernel against
what ophelper says it opened and against busybox `netstat -tuwan`.

  vm/vm.py --suite bookworm --arch armhf --bin OPENPORTS --helper OPHELPER \
           [--cache target/vm] [--out target/vm-results] [--capture DIR]

Exit 0 when every check passed, 1 when one failed, 2 when the VM could not be
prepared (the message says why), 3 when the mirror has no such kernel (bullseye
is LTS-only for amd64, arm64, armhf; trixie has no mipsel): skipped. The console log and each section
are kept under --out/SUITE-ARCH/; the kernel's captured fixture tree under
--out/SUITE-ARCH/capture (copied to DIR/linux-X.Y-MACHINE with --capture).
Standard library only.
"""
import argparse
import base64
import gzip
import io
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Debian architecture -> kernel meta-package, qemu command, console.
MACHINES = {
    # no_timer_check: on a loaded host TCG is too slow for the kernel's
    # IO-APIC timer check ("IO-APIC + timer doesn't work!" panic).
    "amd64": ("linux-image-amd64", ["qemu-system-x86_64", "-cpu", "max"], "ttyS0 no_timer_check"),
    "arm64": (
        "linux-image-arm64",
        ["qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a57"],
        "ttyAMA0",
    ),
    "armhf": (
        "linux-image-armmp",
        ["qemu-system-arm", "-machine", "virt,highmem=off", "-cpu", "cortex-a15"],
        "ttyAMA0",
    ),
    "s390x": (
        "linux-image-s390x",
        ["qemu-system-s390x", "-machine", "s390-ccw-virtio"],
        "ttysclp0",
    ),
    "mipsel": ("linux-image-4kc-malta", ["qemu-system-mipsel", "-machine", "malta"], "ttyS0"),
}


def die(msg, code=2):
    print(f"error: test-vm: {msg}", file=sys.stderr)
    sys.exit(code)


def fetch(cache, suite, arch):
    """Kernel image and busybox for SUITE/ARCH, downloaded once."""
    meta = MACHINES[arch][0]
    d = os.path.join(cache, f"{suite}-{arch}")
    stamp = os.path.join(d, ".complete")
    if not os.path.exists(stamp):
        shutil.rmtree(d, ignore_errors=True)
        # A backports suite (bookworm-backports: the next release's kernel
        # built for this one) has the kernel; busybox comes from its release.
        base = suite.split("-")[0]
        for sub, pkg, where in (("kernel", "dep:" + meta, suite), ("busybox", "busybox-static", base)):
            r = subprocess.run(
                [os.path.join(HERE, "apt-fetch.sh"), os.path.join(cache, "apt"), where, arch,
                 os.path.join(d, sub), pkg]
            )
            if r.returncode == 3:
                print(f"SKIPPED: {suite}/{arch}: the Debian mirror does not carry {where} for {arch}")
                sys.exit(3)
            if r.returncode != 0:
                die(f"could not fetch {pkg} for {suite}/{arch} (see above)")
        keep_modules(os.path.join(d, "kernel"), os.path.join(d, "modules"))
        # Only the image and the SCTP modules are used.
        shutil.rmtree(os.path.join(d, "kernel", "lib"), ignore_errors=True)
        shutil.rmtree(os.path.join(d, "kernel", "usr"), ignore_errors=True)
        open(stamp, "w").close()
    boot = os.path.join(d, "kernel", "boot")
    images = sorted(f for f in os.listdir(boot) if f.startswith(("vmlinuz-", "vmlinux-")))
    if not images:
        die(f"no kernel image in {boot}")
    # /bin/busybox up to bookworm, /usr/bin/busybox from trixie (merged /usr).
    bb = os.path.join(d, "busybox", "bin", "busybox")
    if not os.path.exists(bb):
        bb = os.path.join(d, "busybox", "usr", "bin", "busybox")
    if not os.path.exists(bb):
        die(f"{bb} missing after unpacking busybox-static")
    mods = os.path.join(d, "modules")
    mods = sorted(os.path.join(mods, m) for m in os.listdir(mods)) if os.path.isdir(mods) else []
    return os.path.join(boot, images[-1]), bb, mods


def keep_modules(kernel, dest):
    """sctp.ko and what it needs, in load order, as DEST/NN-name.ko
    (decompressed); crc32c_generic first: libcrc32c asks the crypto API for
    crc32c, which would need modprobe and modules.dep."""
    files = {}
    # /lib/modules up to bookworm, /usr/lib/modules from trixie (merged /usr).
    walk = [os.walk(os.path.join(kernel, p, "modules")) for p in ("lib", "usr/lib")]
    for top, _, names in (t for w in walk for t in w):
        for n in names:
            m = re.match(r"^(.*)\.ko(\.xz|\.zst|\.gz)?$", n)
            if m:
                files[m.group(1).replace("-", "_")] = os.path.join(top, n)
    if "sctp" not in files:
        return

    def load(name):
        p = files[name]
        with open(p, "rb") as f:
            data = f.read()
        if p.endswith(".xz"):
            import lzma
            data = lzma.decompress(data)
        elif p.endswith(".gz"):
            data = gzip.decompress(data)
        elif p.endswith(".zst"):
            return None  # no zstd in Python's standard library
        return data

    order, seen = [], set()

    def visit(name):
        if name in seen or name not in files:
            return
        seen.add(name)
        data = load(name)
        if data is None:
            return
        m = re.search(rb"depends=([A-Za-z0-9_,-]*)\0", data)
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            visit(dep.replace("-", "_"))
        order.append((name, data))

    visit("crc32c_generic")
    visit("sctp")
    os.makedirs(dest, exist_ok=True)
    for i, (name, data) in enumerate(order):
        with open(os.path.join(dest, f"{i:02d}-{name}.ko"), "wb") as f:
            f.write(data)


def cpio_newc(entries):
    """entries: (name, mode, data bytes or None, rdev major, minor)."""
    out = io.BytesIO()
    ino = 1
    for name, mode, data, major, minor in entries + [("TRAILER!!!", 0, None, 0, 0)]:
        data = data or b""
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join(
            f"{v:08x}"
            for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(nb), 0)
        )
        out.write(hdr.encode() + nb)
        out.write(b"\0" * ((4 - (110 + len(nb)) % 4) % 4))
        out.write(data)
        out.write(b"\0" * ((4 - len(data) % 4) % 4))
        ino += 1
    return out.getvalue()


def initramfs(path, busybox, openports, helper, modules):
    def rd(p):
        with open(p, "rb") as f:
            return f.read()

    d, x, c = 0o040755, 0o100755, 0o020600
    dirs = ("bin", "dev", "proc", "sys", "run", "tmp", "etc", "lib", "lib/modules")
    entries = [(n, 0o041777 if n == "tmp" else d, None, 0, 0) for n in dirs]
    entries += [("lib/modules/" + os.path.basename(m), 0o100644, rd(m), 0, 0) for m in modules]
    entries += [
        ("dev/console", c, None, 5, 1),
        ("dev/null", 0o020666, None, 1, 3),
        ("bin/busybox", x, rd(busybox), 0, 0),
        ("bin/sh", 0o120777, b"busybox", 0, 0),
        ("bin/openports", x, rd(openports), 0, 0),
        ("bin/ophelper", x, rd(helper), 0, 0),
        ("init", x, rd(os.path.join(HERE, "init.sh")), 0, 0),
    ]
    with open(path, "wb") as f:
        f.write(gzip.compress(cpio_newc(entries), 6))


def boot(arch, kernel, initrd, log, timeout):
    _, cmd, console = MACHINES[arch]
    cmd = cmd + [
        "-m", "512", "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
        "-append", f"console={console} quiet loglevel=1 panic=-1 rdinit=/init",
    ]
    if shutil.which(cmd[0]) is None:
        die(f"{cmd[0]} not found (make test-vm installs Debian's qemu-system packages)")
    t0 = time.monotonic()
    with open(log, "wb") as f:
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                           timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace").replace("\r", "")
    return text, time.monotonic() - t0, " ".join(cmd)


def sections(text):
    """@@@ begin NAME ... @@@ stderr NAME ... @@@ end NAME RC -> {NAME: (out, err, rc)}."""
    res, meta = {}, {}
    cur, buf, out = None, [], None
    for line in text.split("\n"):
        if line.startswith("@@@ "):
            w = line.split(" ")
            if w[1] == "begin":
                cur, buf, out = w[2], [], None
                continue
            if w[1] == "stderr" and cur:
                out, buf = buf, []
                continue
            if w[1] == "end" and cur:
                if out is None:
                    out, buf = buf, []
                res[cur] = ("\n".join(out), "\n".join(buf), int(w[3]))
                cur = None
                continue
            meta.setdefault(w[1], []).append(" ".join(w[2:]))
            continue
        if cur:
            buf.append(line)
    return res, meta


def opened(text):
    socks = []
    for line in text.split("\n"):
        w = line.split()
        if len(w) == 14 and w[0] == "sock":
            socks.append(dict(
                tag=w[1], proto=w[2], family=w[3], laddr=w[4], lport=int(w[5]), raddr=w[6],
                rport=int(w[7]), state=w[8], uid=int(w[9]), pid=int(w[10]), fd=int(w[11]),
                inode=int(w[12]), netns=int(w[13]),
            ))
    return socks


def exposure(a):
    ip = ipaddress.ip_address(a)
    if ip.is_unspecified:
        return "wildcard"
    if ip.is_loopback:
        return "loopback"
    return "private"  # the only other addresses opened: 10.88.0.1, fd88::1


def ndjson(text, errs, what):
    rows = []
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as e:
            errs.append(f"{what}: line {i + 1} is not JSON ({e}): {line[:120]}")
    return rows


class Checks:
    def __init__(self):
        self.failed, self.passed = [], 0

    def ok(self, cond, msg):
        if cond:
            self.passed += 1
        else:
            self.failed.append(msg)
        return cond


def fmt(a, p):
    return f"[{a}]:{p}" if ":" in a else f"{a}:{p}"


def check_row(c, what, s, r, owners=True, user=None):
    k = f"{what}: {s['tag']} {s['proto']} {fmt(s['laddr'], s['lport'])} inode {s['inode']}"
    exp = {"proto": s["proto"], "family": s["family"], "state": s["state"], "netns": s["netns"]}
    if s["proto"] == "unix":
        exp["exposure"] = "local"
        exp["sock_type"] = "stream"  # every unix socket ophelper opens
        if s["laddr"] != "-":
            exp["name"] = s["laddr"]
            exp["abstract"] = s["laddr"].startswith("@")
    elif s["proto"] == "packet":
        et, ifx = s["laddr"].split(":")
        exp.update(ethertype=int(et, 16), ifindex=int(ifx), uid=s["uid"],
                   sock_type="raw" if ifx == "0" else "dgram",
                   exposure={"0": "wildcard", "1": "loopback"}.get(ifx, "interface"))
    else:
        exp.update(local_addr=s["laddr"], local_port=s["lport"], uid=s["uid"],
                   exposure=exposure(s["laddr"]))
        if s["state"] == "ESTAB":
            exp["remote_addr"], exp["remote_port"] = s["raddr"], s["rport"]
    for f, v in exp.items():
        c.ok(r.get(f) == v, f"{k}: {f} is {r.get(f)!r}, opened as {v!r}")
    c.ok(r.get("host_netns") == (s["tag"] in ("root", "user", "late")),
         f"{k}: host_netns is {r.get('host_netns')!r}")
    c.ok(r.get("netns_name") == ("blue" if s["tag"] == "blue" else r.get("netns_name")),
         f"{k}: netns_name is {r.get('netns_name')!r}, want 'blue'")
    procs = r.get("processes") or []
    mine = [p for p in procs if p.get("pid") == s["pid"] and p.get("fd") == s["fd"]]
    if owners:
        if c.ok(len(mine) == 1, f"{k}: owner pid={s['pid']} fd={s['fd']} not in {procs}"):
            p = mine[0]
            c.ok(p.get("comm") == "ophelper", f"{k}: comm {p.get('comm')!r}")
            c.ok(p.get("uid") == s["uid"], f"{k}: process uid {p.get('uid')!r}, want {s['uid']}")
            c.ok(p.get("exe") == "/bin/ophelper", f"{k}: exe {p.get('exe')!r}")
            c.ok(p.get("user") == user, f"{k}: user {p.get('user')!r}, want {user!r}")
        c.ok(len(procs) == 1, f"{k}: {len(procs)} owners, want 1: {procs}")
    else:
        c.ok(not procs, f"{k}: owners {procs} visible to uid 1000")


def check_json(c, what, rows, socks, owners=True, users=None):
    by_inode = {}
    for r in rows:
        by_inode.setdefault(r.get("inode"), []).append(r)
    for s in socks:
        got = by_inode.get(s["inode"], [])
        if c.ok(len(got) == 1, f"{what}: {s['tag']} {s['proto']} {fmt(s['laddr'], s['lport'])} "
                f"inode {s['inode']} reported {len(got)} times"):
            own = owners if isinstance(owners, bool) else owners(s)
            check_row(c, what, s, got[0], own, (users or {}).get(s["uid"]))
    want = {s["inode"] for s in socks}
    extra = [r for r in rows if r.get("inode") not in want]
    c.ok(not extra, f"{what}: sockets nobody opened: {extra[:3]}")


def netstat_rows(text):
    rows = []
    for line in text.split("\n"):
        w = line.split()
        if len(w) < 5 or not re.match(r"^(tcp|udp|raw)6?$", w[0]):
            continue

        def split(ap):
            a, _, p = ap.rpartition(":")
            # busybox 1.35 prints garbage scope ids after raw6 addresses
            # ("::%6001648"): the address is what is compared.
            return str(ipaddress.ip_address(a.split("%")[0])), 0 if p == "*" else int(p)

        la, lp = split(w[3])
        ra, rp = split(w[4])
        rows.append((w[0].rstrip("6"), la, lp, ra, rp))
    return sorted(rows)


def check(text, arch):
    c = Checks()
    sec, meta = sections(text)
    for f in meta.get("fail", []):
        c.ok(False, f"guest: {f}")
    need = ["opened", "table", "json", "extended", "blue", "netstat", "baseline", "check-same",
            "nobody-json", "nobody-table", "late", "check-new", "passwd-json", "capture"]
    missing = [n for n in need if n not in sec]
    if not c.ok(not missing, f"sections missing from the console: {missing}"):
        return c, sec, meta
    socks = opened(sec["opened"][0])
    tags = {s["tag"] for s in socks}
    late = opened(sec["late"][0])
    c.ok(tags == {"root", "user", "blue", "anon"}, f"helpers that reported: {sorted(tags)}")
    c.ok(len(socks) >= 40, f"only {len(socks)} sockets opened")
    order = meta.get("byte-order", ["?"])[0]
    want_order = "big" if arch == "s390x" else "little"
    c.ok(order == want_order, f"guest byte order {order}, want {want_order}")

    for n in ("table", "json", "extended", "blue", "netstat", "baseline", "check-same",
              "nobody-json", "nobody-table", "passwd-json"):
        c.ok(sec[n][2] == 0, f"{n}: exit status {sec[n][2]}: {sec[n][1][:300]}")

    # -a -j: every socket, exactly once, with its owner; nothing else; no
    # /etc/passwd, so no user names.
    rows = ndjson(sec["json"][0], c.failed, "json")
    check_json(c, "-a -j", rows, socks)
    c.ok(sec["json"][1].strip() == "", f"-a -j: stderr {sec['json'][1][:300]!r}")

    # Default table: the listeners (LISTEN, UNCONN), each with pid and fd, and
    # no established socket.
    table = sec["table"][0].split("\n")
    for s in socks:
        pat = f"{fmt(s['laddr'], s['lport'])} "
        if s["proto"] == "packet":
            pat = " p_"
        elif s["proto"] == "unix":
            pat = f"{s['laddr']} {s['inode']} " if s["laddr"] != "-" else f" {s['inode']} "
        hit = [ln for ln in table if pat in ln and f"pid={s['pid']},fd={s['fd']})" in ln]
        if s["state"] == "ESTAB":
            c.ok(not hit, f"table: established {pat}shown without -a")
        else:
            c.ok(len(hit) == 1, f"table: {s['tag']} {s['proto']} {pat}(pid {s['pid']} fd {s['fd']}) "
                 f"found {len(hit)} times")
    c.ok(not any(" ESTAB " in ln for ln in table), "table: an ESTAB row without -a")

    # -a -e: one line per socket carrying its inode and uid.
    ext = sec["extended"][0].split("\n")
    for s in socks:
        uid = r"-" if s["proto"] == "unix" else s["uid"]
        hit = [ln for ln in ext if re.search(rf"\s{uid}\s+{s['inode']}\s", ln)]
        c.ok(len(hit) == 1, f"-a -e: {s['tag']} inode {s['inode']} uid {s['uid']} found {len(hit)} times")

    # -N blue: exactly the named namespace's sockets.
    blue = [s for s in socks if s["tag"] == "blue"]
    check_json(c, "-N blue", ndjson(sec["blue"][0], c.failed, "-N blue"), blue)

    # busybox netstat -tuwan (this namespace only) against openports.
    host = [r for r in rows if r.get("host_netns") and r["proto"] in ("tcp", "udp", "raw")]
    mine = sorted(
        (r["proto"], r["local_addr"], r["local_port"], r["remote_addr"], r["remote_port"])
        for r in host
    )
    theirs = netstat_rows(sec["netstat"][0])
    c.ok(mine == theirs, f"netstat -tuwan disagrees:\n  openports {mine}\n  netstat   {theirs}")

    # baseline allows every non-loopback TCP/UDP listener; check passes on the
    # same sockets and fails, naming them, once new ones appear.
    base = sec["baseline"][0]
    for s in socks:
        if s["proto"] in ("tcp", "udp") and s["state"] != "ESTAB" and exposure(s["laddr"]) != "loopback":
            c.ok(re.search(rf"^allow {s['proto']} {s['lport']}\s", base, re.M) is not None,
                 f"baseline: no rule for {s['tag']} {s['proto']} {fmt(s['laddr'], s['lport'])}")
    c.ok(sec["check-same"][2] == 0 and sec["check-same"][0].strip() == "",
         f"check on an unchanged system: exit {sec['check-same'][2]}, {sec['check-same'][0][:300]!r}")
    c.ok(len(late) == 2, f"late helper opened {len(late)} sockets")
    c.ok(sec["check-new"][2] == 1, f"check after new listeners: exit {sec['check-new'][2]}, want 1")
    for s in late:
        c.ok(f":{s['lport']}" in sec["check-new"][0],
             f"check: new {s['proto']} listener on port {s['lport']} not reported: {sec['check-new'][0][:300]!r}")

    # As uid 1000: every socket of this namespace, owners only for uid 1000's
    # own processes, and a notice about the hidden ones.
    nob = ndjson(sec["nobody-json"][0], c.failed, "nobody")
    vis = [s for s in socks if s["tag"] in ("root", "user")]
    others = {s["inode"] for s in socks if s["tag"] not in ("root", "user")}
    check_json(c, "as uid 1000", [r for r in nob if r.get("inode") not in others], vis,
               owners=lambda s: s["uid"] == 1000)
    c.ok(sec["nobody-json"][1].strip() != "", "as uid 1000: no notice about hidden owners")

    # With /etc/passwd: user names.
    check_json(c, "with /etc/passwd", ndjson(sec["passwd-json"][0], c.failed, "passwd"), socks + late,
               users={0: "root", 1000: "op"})
    return c, sec, meta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True)
    ap.add_argument("--arch", required=True, choices=sorted(MACHINES))
    ap.add_argument("--bin", required=True)
    ap.add_argument("--helper", required=True)
    ap.add_argument("--cache", default="target/vm")
    ap.add_argument("--out", default="target/vm-results")
    ap.add_argument("--capture")
    ap.add_argument("--timeout", type=int, default=600)
    a = ap.parse_args()
    for p in (a.bin, a.helper):
        if not os.path.exists(p):
            die(f"{p} not built")
    t0 = time.monotonic()
    kernel, bb, mods = fetch(a.cache, a.suite, a.arch)
    out = os.path.join(a.out, f"{a.suite}-{a.arch}")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    initrd = os.path.join(out, "initramfs.gz")
    initramfs(initrd, bb, a.bin, a.helper, mods)
    t1 = time.monotonic()
    text, secs, cmd = boot(a.arch, kernel, initrd, os.path.join(out, "console.log"), a.timeout)
    name = f"{a.suite}/{a.arch} ({os.path.basename(kernel)})"
    if "@@@ time start" not in text:
        # The kernel died before /init ran (a TCG timing failure on a busy
        # host): one more boot, said out loud.
        print(f"notice: {name}: the kernel did not reach /init; booting once more", file=sys.stderr)
        os.replace(os.path.join(out, "console.log"), os.path.join(out, "console-first-boot.log"))
        text, secs, cmd = boot(a.arch, kernel, initrd, os.path.join(out, "console.log"), a.timeout)
    if "@@@ poweroff" not in text:
        tail = "\n".join(text.strip().split("\n")[-15:])
        print(f"FAIL {name}: the guest did not finish in {secs:.0f} s; console tail:\n{tail}\n"
              f"command: {cmd}", file=sys.stderr)
        return 1
    c, sec, meta = check(text, a.arch)
    times = dict(m.split(" ", 1) for m in meta.get("time", []))
    for n, (o, e, rc) in sec.items():
        if n != "capture":
            with open(os.path.join(out, n), "w") as f:
                f.write(f"{o}\n--- stderr ---\n{e}\n--- exit {rc} ---\n")
    cap = os.path.join(out, "capture")
    try:
        data = base64.b64decode("".join(sec.get("capture", ("", "", 0))[0].split()), validate=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
            t.extractall(cap, filter="fully_trusted")
    except Exception as e:  # noqa: BLE001 (any damage to the capture is one failure)
        c.ok(False, f"capture: not a base64 tar.gz ({e}): {sec.get('capture', ('', ''))[1][:200]!r}")
    else:
        if a.capture:
            with open(os.path.join(cap, "KERNEL")) as f:
                rel = f.read().split()
            ver = ".".join(rel[1].split(".")[:2])
            dest = os.path.join(a.capture, f"linux-{ver}-{rel[2]}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(cap, dest, symlinks=True)
            print(f"captured {dest}")
    uname = meta.get("uname", ["?"])[0]
    guest = float(times.get("done", "0")) if times else 0
    summary = (f"{'PASS' if not c.failed else 'FAIL'} {name}: {uname}, "
               f"byte order {meta.get('byte-order', ['?'])[0]}, {c.passed} checks passed, "
               f"{len(c.failed)} failed; boot+test {secs:.1f} s (guest uptime at the end "
               f"{guest:.1f} s), prepare {t1 - t0:.1f} s")
    with open(os.path.join(out, "summary"), "w") as f:
        f.write(summary + "\n" + "\n".join(c.failed) + "\n")
    for m in c.failed[:40]:
        print(f"  {name}: {m}", file=sys.stderr)
    if len(c.failed) > 40:
        print(f"  ... {len(c.failed) - 40} more in {out}/summary", file=sys.stderr)
    print(summary)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
