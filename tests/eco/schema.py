"""Every JSON object openports writes validates against schema/openports.schema.json
(make test-schema), with two real draft 2020-12 validators, formats checked:
jsonschema-rs for every object (fast: the cargo tests' live runs write tens of
thousands), and Python's jsonschema as well for the goldens, the runs made
here and the first PY_MAX objects of the log.

The objects: every JSON line the cargo test suite got from the binary (recorded
by tests/common when OPENPORTS_JSON_LOG is set, as `make test` does), the JSON
goldens in testdata/expected/, and runs made here: every fixture tree, `check
-j` with every fixture policy, this machine live. Every kind must be seen.

    python tests/eco/schema.py BIN [LOG]
"""
import copy
import glob
import json
import os
import subprocess
import sys

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

BIN = sys.argv[1]
LOG = sys.argv[2] if len(sys.argv) > 2 else None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TD = os.path.join(ROOT, "testdata")
schema = json.load(open(os.path.join(ROOT, "schema", "openports.schema.json")))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema, format_checker=FormatChecker())
fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
PY_MAX = 3000
KINDS = ["socket", "violation", "stale_rule", "deleted_exe", "summary", "address",
         "watch_event", "namespace", "listeners", "program"]
seen = {}
bad = []


def kind(o):
    if not isinstance(o, dict):
        return type(o).__name__
    if "event" in o:
        return "watch_event"
    return o.get("kind", "address" if "addr" in o and "proto" not in o else "socket")


done = set()


def check_lines(data, where, py_max=None):
    py = 0
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        if line in done:  # the same line is the same object: validated once
            continue
        done.add(line)
        try:
            o = json.loads(line)
        except ValueError as e:
            bad.append(f"{where}:{n}: not JSON: {e}")
            continue
        if not fast.is_valid(o):
            errs = [e.message for e in fast.iter_errors(o)][:3]
            bad.append(f"{where}:{n}: {kind(o)}: jsonschema-rs: " + "; ".join(errs))
        if py_max is None or py < py_max:
            py += 1
            errs = sorted(validator.iter_errors(o), key=lambda e: list(e.path))
            if errs:
                bad.append(f"{where}:{n}: {kind(o)}: jsonschema: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errs[:3]))
        seen[kind(o)] = seen.get(kind(o), 0) + 1


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    if p.returncode == 2 and b"syntax-error" in " ".join(args).encode():
        return ""
    if p.returncode not in (0, 1):
        bad.append(f"openports {' '.join(args)}: exit {p.returncode}: {p.stderr.decode()[:300]}")
    return p.stdout.decode("utf-8")


# 1. What the cargo tests got from the binary.
logged = 0
if LOG and os.path.exists(LOG):
    data = open(LOG, encoding="utf-8").read()
    logged = len(data.splitlines())
    check_lines(data, LOG, py_max=PY_MAX)
else:
    print(f"notice: no JSON log of the cargo test run ({LOG or 'none given'}): `make test` records one; validating only the goldens and this script's runs")

# 2. The goldens.
for f in sorted(glob.glob(os.path.join(TD, "expected", "*"))):
    # A golden may end with the run's stderr.
    data = open(f, encoding="utf-8").read().split("\n--- stderr ---")[0]
    if data.startswith("{"):
        check_lines(data, os.path.relpath(f, ROOT))

# 3. Runs: every fixture tree, with and without owners; check on every policy; live.
trees = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(TD, "*", "net")))
for t in trees:
    for extra in [[], ["--no-processes"], ["-A", "all"], ["-A", "all", "-e"]]:
        order = ["--byte-order", "big"] if "big-endian" in t else []
        check_lines(run("--proc-root", t, "-a", "-j", *order, *extra), f"{os.path.basename(t)} -a -j {' '.join(extra)}")
addr_trees = trees + sorted(glob.glob(os.path.join(TD, "addrs-*", "*", "net")))
for t in addr_trees:
    t = t[:-4] if t.endswith("/net") else t
    check_lines(run("addresses", "--proc-root", t, "-j"), f"addresses {os.path.relpath(t, TD)}")
check_lines(run("addresses", "-j"), "live addresses -j")
# watch (one poll), -s and --by-process, on every tree and live.
for t in trees + [None]:
    root = ["--proc-root", t] if t else []
    order = ["--byte-order", "big"] if t and "big-endian" in t else []
    name = os.path.basename(t) if t else "live"
    check_lines(run("watch", *root, *order, "-j", "-A", "all", "--count", "1"), f"watch {name}", py_max=300)
    check_lines(run(*root, *order, "-s", "-j", "-A", "all"), f"-s {name}")
    check_lines(run(*root, *order, "--by-process", "-j", "-A", "all"), f"--by-process {name}")
pol = os.path.join(TD, "policy")
for p in sorted(glob.glob(os.path.join(pol, "*.policy"))):
    for extra in [[], ["--include-loopback"]]:
        check_lines(run("check", p, "--proc-root", os.path.join(pol, "proc"), "--passwd", os.path.join(pol, "passwd"), "-j", *extra),
                    f"check {os.path.basename(p)} -j {' '.join(extra)}")
# The whole machine in every state can be tens of thousands of sockets other
# tests hold: the first LIVE_MAX lines of each kind are enough to see every shape.
LIVE_MAX = 1500
for q in ["tcp", "udp,udplite,raw", "sctp", "packet", "unix"]:
    check_lines("\n".join(run("-a", "-j", "-A", q).splitlines()[:LIVE_MAX]), f"live -a -j -A {q}", py_max=300)
check_lines(run("check", os.path.join(pol, "web.policy"), "-j"), "live check -j")

# 4. The validator is real: objects that break the schema are refused.
sock = json.loads(run("--proc-root", os.path.join(TD, "synth-multi-ns"), "-j").splitlines()[0])
for what, mutate in [
    ("an unknown key", lambda o: o.update(extra=1)),
    ("a missing key", lambda o: o.pop("inode")),
    ("a port out of range", lambda o: o.update(local_port=70000)),
    ("an unknown exposure", lambda o: o.update(exposure="galactic")),
    ("a bad address", lambda o: o.update(local_addr="1.2.3.999")),
    ("an unknown kind", lambda o: o.update(kind="rumour")),
    ("a unix socket's key on a tcp socket", lambda o: o.update(abstract=False)),
    ("a packet socket's key on a tcp socket", lambda o: o.update(ethertype=3)),
    ("an empty address on a tcp socket", lambda o: o.update(local_addr="")),
]:
    o = copy.deepcopy(sock)
    mutate(o)
    if validator.is_valid(o) or fast.is_valid(o):
        bad.append(f"the schema accepts a socket with {what}")

missing = [k for k in KINDS if not seen.get(k)]
if missing:
    bad.append(f"no object of kind {missing} was produced: the test must cover every kind")
for b in bad[:40]:
    print("FAIL", b)
total = sum(seen.values())  # distinct lines
print(f"test-schema: {total} distinct objects validated ({logged} from the cargo test run), by kind: "
      + ", ".join(f"{k} {seen[k]}" for k in sorted(seen)) + f"; {len(bad)} problems")
sys.exit(1 if bad else 0)
