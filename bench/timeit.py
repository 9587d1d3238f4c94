#!/usr/bin/env python3
"""Time commands for the openports benchmark (no dependencies beyond python3).

usage: timeit.py --spec FILE --runner RUNNER [--runs N] [--warmup N]
                 [--timeout S] [--md FILE] [--title TEXT] [--netns-prefix PREFIX]

The spec file is tab-separated, one directive per line:

    cmd   <id>  argv|sh  <ok exit codes, e.g. 0 or 0,1>  <command>
                                        a command to time (argv: split like a
                                        shell would and exec'd directly; sh: run
                                        with /bin/sh -c)
    pair  <openports id>  <peer id>...  compare an openports row with its peers
    note  <text>                        printed (e.g. "skipped: ...")

Each command runs --warmup times first (stdout captured to count output lines,
not part of the statistics), then --runs times with stdout and stderr sent to
/dev/null.  Runs are interleaved round-robin over the commands so that drift in
machine state hits every command alike.

Every run goes through RUNNER (bench/runner.c), which forks, execs, and waits
with wait4(): wall time is measured there from fork to exit, and peak RSS is
ru_maxrss (for `sh` commands: the largest of the shell and the children it
waited for).  A tiny static runner is needed because Linux charges a child
with the RSS high-water mark of the address space it had before exec, so a
child of python would never report less than python's own RSS.

Before timing, the socket population visible in /proc is printed; at the end
everything is written as markdown to --md.
"""

import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

TCP_STATES = {
    "01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
    "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
    "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING",
}


def count_table(path):
    """Rows of a /proc/net table by state: {state: n}, or None if absent."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return None
    states = {}
    for line in lines:
        parts = line.split()
        if len(parts) > 3:
            states[parts[3]] = states.get(parts[3], 0) + 1
    return states


def describe_states(states, udp):
    if states is None:
        return "absent"
    total = sum(states.values())
    if udp:
        # UDP: 07 = unconnected ("UNCONN"), 01 = connected
        parts = ["%d unconnected" % states.get("07", 0)]
        if states.get("01"):
            parts.append("%d connected" % states["01"])
    else:
        parts = ["%d %s" % (n, TCP_STATES.get(s, s))
                 for s, n in sorted(states.items(), key=lambda kv: -kv[1])]
    return "%d rows (%s)" % (total, ", ".join(parts))


def netns_tables(prefix):
    """{netns name: {table: states}} for namespaces named PREFIX*."""
    out = {}
    try:
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                               timeout=30).stdout.split("\n")
    except (OSError, subprocess.TimeoutExpired):
        return out
    for line in names:
        name = line.split(" ")[0].strip()
        if not name or not name.startswith(prefix):
            continue
        res = {}
        for table in ("tcp", "tcp6", "udp", "udp6"):
            try:
                text = subprocess.run(["ip", "netns", "exec", name, "cat", "/proc/net/" + table],
                                      capture_output=True, text=True, timeout=30).stdout
            except (OSError, subprocess.TimeoutExpired):
                continue
            states = {}
            for row in text.splitlines()[1:]:
                parts = row.split()
                if len(parts) > 3:
                    states[parts[3]] = states.get(parts[3], 0) + 1
            res[table] = states
        out[name] = res
    return out


def population(netns_prefix):
    """Lines describing what is in the socket tables right now."""
    lines = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        st = count_table("/proc/net/" + table)
        lines.append("/proc/net/%-5s %s" % (table + ":", describe_states(st, table.startswith("udp"))))
    nproc = nfd = nsock = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        nproc += 1
        nfd += len(fds)
        for fd in fds:
            try:
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)).startswith("socket:"):
                    nsock += 1
            except OSError:
                pass
    lines.append("processes: %d, open fds: %d (of which sockets, any family: %d)" % (nproc, nfd, nsock))
    if netns_prefix:
        ns = netns_tables(netns_prefix)
        if ns:
            tot = {"listen": 0, "estab": 0, "udp": 0}
            for name, tables in ns.items():
                for t, st in tables.items():
                    if t.startswith("udp"):
                        tot["udp"] += sum(st.values())
                    else:
                        tot["listen"] += st.get("0A", 0)
                        tot["estab"] += st.get("01", 0)
            lines.append("extra network namespaces %s*: %d, holding %d TCP listeners, %d established "
                         "TCP sockets, %d UDP sockets in total"
                         % (netns_prefix, len(ns), tot["listen"], tot["estab"], tot["udp"]))
    return lines


class Cmd:
    def __init__(self, cid, kind, text, ok_exits):
        self.id, self.kind, self.text, self.ok_exits = cid, kind, text, ok_exits
        if kind == "sh":
            self.argv = ["/bin/sh", "-c", text]
        elif kind == "argv":
            self.argv = shlex.split(text)
        else:
            raise SystemExit("timeit.py: unknown kind %r for %s" % (kind, cid))
        self.wall, self.cpu, self.rss = [], [], []
        self.lines = None
        self.exits = set()
        self.timeouts = 0
        self.stderr_head = ""


RUNNER = None  # path of the compiled bench/runner.c


def spawn_wait(argv, stdout_path, stderr_path, timeout):
    """Run argv via the runner; return (wall seconds, exit code, cpu seconds, maxrss KiB, timed_out)."""
    res = subprocess.run([RUNNER, str(int(timeout * 1000)), stdout_path, stderr_path] + argv,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fields = dict(kv.split("=", 1) for kv in res.stdout.split())
    if res.returncode != 0 or "wall_ns" not in fields:
        raise SystemExit("timeit.py: runner failed for %r: %s" % (argv, res.stderr.strip()))
    code = int(fields["status"])
    if code == 127:
        raise SystemExit("timeit.py: could not execute %r" % (argv,))
    return (int(fields["wall_ns"]) / 1e9, code,
            (int(fields["utime_us"]) + int(fields["stime_us"])) / 1e6,
            int(fields["maxrss_kib"]), fields["timeout"] == "1")


def warmup(cmd, tmpdir, timeout):
    """One run with stdout captured to a file: count lines, keep stderr's first line."""
    out, err = os.path.join(tmpdir, "out"), os.path.join(tmpdir, "err")
    _, code, _, _, to = spawn_wait(cmd.argv, out, err, timeout)
    n = 0
    with open(out, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            n += chunk.count(b"\n")
    cmd.lines = n
    with open(err, "rb") as f:
        head = f.read(300).decode(errors="replace").strip().splitlines()
    cmd.stderr_head = head[0] if head else ""
    if to:
        cmd.timeouts += 1
    cmd.exits.add(code)
    os.unlink(out)
    os.unlink(err)


def fmt_ms(x):
    if x is None:
        return "-"
    return "%.1f" % x if x >= 10 else "%.2f" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--runner", required=True, help="the compiled bench/runner.c")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run (killed after)")
    ap.add_argument("--md", help="write the results as markdown here")
    ap.add_argument("--title", default="openports benchmark")
    ap.add_argument("--netns-prefix", default="obench-")
    ap.add_argument("--alias", action="append", default=[], metavar="PATH=NAME",
                    help="show PATH as NAME in the tables (repeatable)")
    ap.add_argument("--population-info", action="append", default=[],
                    help="extra line for the population section (repeatable)")
    args = ap.parse_args()
    global RUNNER
    RUNNER = os.path.abspath(args.runner)
    if args.runs < 1:
        raise SystemExit("timeit.py: --runs must be >= 1")

    cmds, pairs, notes = [], [], []
    with open(args.spec) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if parts[0] == "cmd" and len(parts) == 5:
                cmds.append(Cmd(parts[1], parts[2], parts[4], {int(x) for x in parts[3].split(",")}))
            elif parts[0] == "pair" and len(parts) >= 3:
                pairs.append((parts[1], [p for p in parts[2:] if p]))
            elif parts[0] == "note" and len(parts) >= 2:
                notes.append("\t".join(parts[1:]))
            else:
                raise SystemExit("timeit.py: bad spec line: %r" % line)
    by_id = {c.id: c for c in cmds}
    for c in cmds:
        c.label = c.text
        for a in args.alias:
            path, _, name = a.partition("=")
            c.label = c.label.replace(path, name)

    pop = args.population_info + population(args.netns_prefix)
    print("Population visible in /proc:")
    for line in pop:
        print("  " + line)
    for n in notes:
        print("note: " + n)
    sys.stdout.flush()

    with tempfile.TemporaryDirectory(prefix="openports-bench-") as tmpdir:
        for _ in range(max(args.warmup, 1)):
            for c in cmds:
                warmup(c, tmpdir, args.timeout)
    t_start = time.time()
    for r in range(args.runs):
        if sys.stderr.isatty():
            print("\rtiming: run %d/%d" % (r + 1, args.runs), end="", file=sys.stderr, flush=True)
        for c in cmds:
            wall, code, cpu, rss, to = spawn_wait(c.argv, os.devnull, os.devnull, args.timeout)
            c.exits.add(code)
            if to:
                c.timeouts += 1
            c.wall.append(wall * 1000)
            c.cpu.append(cpu * 1000)
            c.rss.append(rss)
    if sys.stderr.isatty():
        print("\r" + " " * 30 + "\r", end="", file=sys.stderr, flush=True)
    elapsed = time.time() - t_start

    def median(c):
        return statistics.median(c.wall)

    def status_of(c):
        s = []
        bad = sorted(e for e in c.exits if e not in c.ok_exits)
        if bad:
            s.append("exit " + ",".join(str(e) for e in bad))
        if c.timeouts:
            s.append("TIMEOUT x%d" % c.timeouts)
        return "; ".join(s) if s else "ok"

    header = ["command", "median ms", "min ms", "cpu ms", "peak RSS KiB", "output lines", "status"]
    rows = []
    for c in cmds:
        rows.append([c.label, fmt_ms(median(c)), fmt_ms(min(c.wall)), fmt_ms(statistics.median(c.cpu)),
                     str(max(c.rss)), str(c.lines), status_of(c)])

    cmp_header = ["openports", "vs peer", "peer median ms", "openports median ms",
                  "time: peer / openports", "RSS: peer / openports"]
    cmp_rows = []
    for op_id, peers in pairs:
        op = by_id.get(op_id)
        if not op:
            continue
        for pid in peers:
            peer = by_id.get(pid)
            if not peer:
                continue
            tr = median(peer) / median(op) if median(op) > 0 else float("inf")
            rr = max(peer.rss) / max(op.rss) if max(op.rss) > 0 else float("inf")
            cmp_rows.append([op.label, peer.label, fmt_ms(median(peer)), fmt_ms(median(op)),
                             "%.2fx %s" % (tr, "(openports faster)" if tr > 1 else "(openports slower)"),
                             "%.2fx" % rr])

    def text_table(hdr, rs):
        widths = [max(len(h), *(len(r[i]) for r in rs)) if rs else len(h) for i, h in enumerate(hdr)]
        numeric = [i > 0 for i in range(len(hdr))]
        out = []
        for r in [hdr] + rs:
            cells = []
            for i, cell in enumerate(r):
                if numeric[i] and r is not hdr and cell[:1].isdigit():
                    cells.append(cell.rjust(widths[i]))
                else:
                    cells.append(cell.ljust(widths[i]))
            out.append("  ".join(cells).rstrip())
        out.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(out)

    def md_table(hdr, rs):
        esc = lambda s: s.replace("|", "\\|")
        out = ["| " + " | ".join(hdr) + " |",
               "|" + "|".join("---" if i == 0 or (i == 1 and hdr is cmp_header) else "---:"
                              for i in range(len(hdr))) + "|"]
        for r in rs:
            out.append("| " + " | ".join(("`%s`" % esc(x)) if i == 0 or (i == 1 and hdr is cmp_header)
                                          else esc(x) for i, x in enumerate(r)) + " |")
        return "\n".join(out)

    print()
    print("%d timed runs per command after %d warm-up run(s), stdout to /dev/null (%.1f s total):"
          % (args.runs, max(args.warmup, 1), elapsed))
    print(text_table(header, rows))
    if cmp_rows:
        print()
        print("openports against its peers (ratios > 1 mean openports is faster / smaller):")
        print(text_table(cmp_header, cmp_rows))
    problems = [c for c in cmds if status_of(c) != "ok"]
    for c in problems:
        print("warning: `%s`: %s%s" % (c.label, status_of(c),
                                        (" - stderr: " + c.stderr_head) if c.stderr_head else ""))

    if args.md:
        try:
            cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                        if l.startswith("model name")), "?")
        except OSError:
            cpu = "?"
        md = ["# %s" % args.title, "",
              "%s, Linux %s, %d CPUs (%s). %d timed runs per command after %d warm-up run(s), "
              "stdout to /dev/null; wall time from fork to exit, peak RSS from `wait4` `ru_maxrss` (floor: see `true`), "
              "cpu = user + system time (median)."
              % (datetime.date.today().isoformat(), platform.release(), os.cpu_count() or 0, cpu,
                 args.runs, max(args.warmup, 1)),
              "", "Population:", ""]
        md += ["- " + l for l in pop]
        md += ["", md_table(header, rows), ""]
        if cmp_rows:
            md += ["openports against its peers (ratios above 1 mean openports is faster / uses less memory):",
                   "", md_table(cmp_header, cmp_rows), ""]
        if notes:
            md += ["Notes:", ""] + ["- " + n for n in notes] + [""]
        with open(args.md, "w") as f:
            f.write("\n".join(md))
        print("\nwrote %s" % args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
