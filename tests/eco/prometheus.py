"""Prometheus textfile output (make test-prometheus).

Every output is checked by the real `promtool check metrics` and parsed back
with prometheus_client's exposition-format parser; the parsed series are
compared with the JSON of the same run: one openports_listener series per
listener, same labels, escaped label values read back exactly.

    python tests/eco/prometheus.py BIN
"""
import json
import os
import subprocess
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

BIN = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TD = os.path.join(ROOT, "testdata")
POLICY = os.path.join(TD, "policy")
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
failures = []
checked = 0


def run(*args, ok=(0,)):
    p = subprocess.run([BIN, *args], capture_output=True, env=ENV)
    if p.returncode not in ok:
        raise AssertionError(f"openports {' '.join(args)}: exit {p.returncode}: {p.stderr.decode()}")
    return p


def promtool(text, what):
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
    if p.returncode != 0 or p.stdout.strip() or p.stderr.strip():
        raise AssertionError(f"promtool check metrics on {what}: exit {p.returncode}: {p.stdout.decode()}{p.stderr.decode()}")


def parse(text):
    fams = {f.name: f for f in text_string_to_metric_families(text.decode())}
    for f in fams.values():
        assert f.type == "gauge", (f.name, f.type)
        assert f.documentation, f.name
    return fams


def series(fams, name):
    return [s for s in fams[name].samples] if name in fams else []


def table_text(b):
    """The table's escaping (render::escape::terminal) of a string from JSON."""
    out = []
    for ch in b:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        elif 0x80 <= o < 0xA0 or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069:
            out.append("\\u{%04x}" % o)
        else:
            out.append(ch)
    return "".join(out)


def ns_label(o):
    if o["netns_name"] is not None:
        return o["netns_name"]
    if o["host_netns"]:
        return "host"
    if o["container"] is not None:
        return o["container"][:12]
    return str(o["netns"]) if o["netns"] is not None else "?"


def program(o):
    if o["owner"] == "process":
        p = min(o["processes"], key=lambda p: p["pid"])
        return table_text(p["comm"])
    return {"kernel": "[kernel]", "hidden": "[hidden]", "no_visible_holder": "[no visible holder]", "none": "[none]", None: ""}[o["owner"]]


def want_labels(o):
    return {
        "proto": o["proto"], "family": o["family"], "address": o["local_addr"],
        "port": str(o["local_port"]), "netns": table_text(ns_label(o)),
        "netns_inode": "" if o["netns"] is None else str(o["netns"]),
        "container": table_text(o["container"] or ""), "program": program(o),
        "exposure": o["exposure"], "reach": o.get("reach") or "",
    }


def key(labels):
    return tuple(sorted(labels.items()))


def compare(prom_args, json_args, what, policy=None):
    """Metrics of `prom_args` against the JSON of `json_args` (the same selection)."""
    global checked
    text = run(*prom_args, ok=(0, 1)).stdout
    promtool(text, what)
    fams = parse(text)
    objs = [json.loads(l) for l in run(*json_args, ok=(0, 1)).stdout.splitlines()]
    sockets = [o for o in objs if o.get("kind") in (None, "violation")]
    want = {}
    for o in sockets:
        k = key(want_labels(o))
        want[k] = want.get(k, 0) + 1
    got = {key(s.labels): s.value for s in series(fams, "openports_listener")}
    if policy is None:
        assert got == want, f"{what}: listener series differ from the JSON:\n got {sorted(got.items())}\nwant {sorted(want.items())}"
    else:
        # check: every checked listener (the JSON has only the violations).
        for k in want:
            assert k in got, f"{what}: violation {k} has no openports_listener series"
    # Counts by exposure and namespace add up to the listeners.
    by = series(fams, "openports_listeners")
    assert sum(s.value for s in by) == sum(got.values()), (what, by)
    for s in by:
        assert set(s.labels) == {"exposure", "reach", "netns"}, s
        n = sum(v for k, v in got.items() if all(dict(k)[x] == s.labels[x] for x in ("exposure", "reach", "netns")))
        assert n == s.value, (what, s)
    d = series(fams, "openports_scrape_duration_seconds")
    assert len(d) == 1 and 0 < d[0].value < 60, (what, d)
    assert series(fams, "openports_namespaces")[0].value >= 1
    checked += 1
    return fams, objs, text


def test_fixture_listing():
    for tree in ["synth-multi-ns", "linux-6.18-x86_64", "synth-old-kernel", "synth-reach"]:
        root = os.path.join(TD, tree)
        compare(["--proc-root", root, "--format", "prometheus"], ["--proc-root", root, "-j"], tree)
    # Every kind of socket (SCTP, packet, unix: no address, like their JSON).
    kinds = os.path.join(TD, "synth-kinds")
    fams, _, _ = compare(["--proc-root", kinds, "--format", "prometheus", "-A", "all"], ["--proc-root", kinds, "-j", "-A", "all"], "synth-kinds -A all")
    assert {"sctp", "packet", "unix"} <= {s.labels["proto"] for s in series(fams, "openports_listener")}
    root = os.path.join(TD, "synth-multi-ns")
    fams, _, _ = compare(["--proc-root", root, "--format", "prometheus", "-t", "-4"], ["--proc-root", root, "-j", "-t", "-4"], "multi -t -4")
    assert all(s.labels["proto"] == "tcp" for s in series(fams, "openports_listener"))
    # The hostile name of the fixture (ESC, newline, ')' and '"') reads back as the table shows it.
    fams, _, text = compare(["--proc-root", root, "--format", "prometheus"], ["--proc-root", root, "-j"], "multi")
    evil = [s for s in series(fams, "openports_listener") if s.labels["port"] == "5000"]
    assert len(evil) == 1 and evil[0].labels["program"] == 'evil\\x1b[31m\\n)"x', evil
    assert b"\x1b" not in text and text.decode().count("\n") == len(text.decode().splitlines())
    assert series(fams, "openports_deleted_exe_listeners")[0].value == 1
    # --no-processes: no program.
    fams, _, _ = compare(["--proc-root", root, "--format", "prometheus", "--no-processes"], ["--proc-root", root, "-j", "--no-processes"], "multi --no-processes")
    assert {s.labels["program"] for s in series(fams, "openports_listener")} == {""}


def test_fixture_check():
    root, pw = os.path.join(POLICY, "proc"), os.path.join(POLICY, "passwd")
    for pol, code in [("web.policy", 1), ("complete.policy", 0)]:
        path = os.path.join(POLICY, pol)
        base = ["check", path, "--proc-root", root, "--passwd", pw]
        p = run(*base, "--format", "prometheus", ok=(code,))
        fams, objs, _ = compare(base + ["--format", "prometheus"], base + ["-j"], pol, policy=path)
        summary = [o for o in objs if o.get("kind") == "summary"][0]
        v = series(fams, "openports_check_violations")
        assert [s.labels for s in v] == [{"policy": path}] and v[0].value == summary["violations"], (v, summary)
        assert series(fams, "openports_check_rules")[0].value == summary["rules"]
        assert series(fams, "openports_check_stale_rules")[0].value == summary["stale_rules"]
        listeners = sum(s.value for s in series(fams, "openports_listener"))
        assert listeners == summary["checked"], (listeners, summary)
        viol = {key({k: v for k, v in s.labels.items() if k != "policy"}) for s in series(fams, "openports_check_violation")}
        assert viol == {key(want_labels(o)) for o in objs if o.get("kind") == "violation"}, viol


def test_output_file_is_replaced_atomically():
    root = os.path.join(TD, "synth-multi-ns")
    with tempfile.TemporaryDirectory() as d:
        dest = os.path.join(d, "openports.prom")
        with open(dest, "w") as f:
            f.write("old\n")
        st = os.stat(dest)
        run("--proc-root", root, "--format", "prometheus", "-o", dest)
        new = open(dest, "rb").read()
        promtool(new, "-o FILE")
        assert os.stat(dest).st_ino != st.st_ino, "-o wrote in place instead of renaming a new file"
        assert os.listdir(d) == ["openports.prom"], os.listdir(d)
        stdout = run("--proc-root", root, "--format", "prometheus").stdout
        strip = lambda t: [l for l in t.splitlines() if not l.startswith(b"openports_scrape_duration_seconds ")]
        assert strip(new) == strip(stdout)
        # A failed run (bad policy) leaves the file as it was, and no temporary file.
        bad = os.path.join(POLICY, "syntax-error.policy")
        p = run("check", bad, "--proc-root", root, "--format", "prometheus", "-o", dest, ok=(2,))
        assert open(dest, "rb").read() == new and os.listdir(d) == ["openports.prom"], os.listdir(d)
        # A directory that does not exist: a clear error, exit 2.
        p = run("--proc-root", root, "--format", "prometheus", "-o", os.path.join(d, "no", "x.prom"), ok=(2,))
        assert b"cannot write" in p.stderr, p.stderr


def test_live():
    # This machine's listeners (whatever other tests hold): valid metrics.
    text = run("--format", "prometheus").stdout
    promtool(text, "live")
    parse(text)
    if os.geteuid() != 0:
        print("SKIPPED: live namespace metrics need root (ip netns add)")
        return
    ns = f"opprom{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        srv = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c",
                                "import socket,sys,time; s=socket.socket(); s.bind(('0.0.0.0', 7070)); s.listen(); print('ok', flush=True); time.sleep(60)"],
                               stdout=subprocess.PIPE)
        try:
            assert srv.stdout.readline() == b"ok\n"
            fams, objs, _ = compare(["--format", "prometheus", "-N", ns], ["-j", "-N", ns], "live -N")
            got = [s.labels for s in series(fams, "openports_listener")]
            assert len(got) == 1 and got[0]["netns"] == ns and got[0]["port"] == "7070" and got[0]["exposure"] == "wildcard", got
            # Nothing but loopback (down) in the namespace: no other host can reach it.
            assert got[0]["reach"] == "local", got
            assert got[0]["netns_inode"] == str(os.stat(f"/run/netns/{ns}").st_ino), got
            assert got[0]["program"].startswith("python"), got
        finally:
            srv.kill()
            srv.wait()
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def test_refusals():
    p = run("--format", "prometheus", "-a", ok=(2,))
    assert b"drop -a" in p.stderr, p.stderr
    p = run("baseline", "--format", "prometheus", ok=(2,))


for name, fn in list(globals().items()):
    if name.startswith("test_") and callable(fn):
        try:
            fn()
            print(f"ok   {name}")
        except Exception as e:  # report every failure, then fail
            failures.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}")
print(f"test-prometheus: {len(failures)} failed; {checked} outputs checked by promtool and parsed back")
sys.exit(1 if failures else 0)
