//! ss filter expressions and `-s`, compared with ss itself on sockets this
//! test creates inside a network namespace of its own (root only; skipped with
//! a printed reason otherwise).

mod common;

use common::{Netns, Spawned, have, netns_or_skip, run, skip, stderr, stdout};
use std::collections::BTreeSet;
use std::process::{Command, Output};

/// A namespace of this test's own with a veth pair inside it (both ends), so
/// that it has addresses that are not loopback: 10.1.2.3/24 and fd00::1/64.
fn namespace(tag: &str) -> Option<Netns> {
    if !netns_or_skip() {
        return None;
    }
    if !have("ss") || !have("python3") {
        skip("ss or python3 missing: differential test against ss not run");
        return None;
    }
    let ns = Netns::new(tag);
    let ip = |args: &[&str]| {
        let o = Command::new("ip")
            .arg("-n")
            .arg(&ns.name)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "ip {args:?}: {}", stderr(&o));
    };
    ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ip(&["link", "set", "d0", "up"]);
    ip(&["link", "set", "d1", "up"]);
    ip(&["addr", "add", "10.1.2.3/24", "dev", "d0"]);
    ip(&["addr", "add", "fd00::1/64", "dev", "d0", "nodad"]);
    // The SYN-SENT socket's peer: a neighbour that never answers, so that its
    // connect retries (about two minutes) instead of failing when ARP does.
    ip(&[
        "neigh",
        "add",
        "10.1.2.99",
        "lladdr",
        "02:00:00:00:00:99",
        "dev",
        "d0",
        "nud",
        "permanent",
    ]);
    Some(ns)
}

fn ss(ns: &Netns, args: &[&str]) -> Output {
    ns.exec("ss").args(args).output().unwrap()
}

fn helper(ns: &Netns, code: &str) -> Spawned {
    let mut c = ns.exec("python3");
    c.args(["-c", code]);
    let h = Spawned::start(c);
    assert_eq!(h.line, "ready");
    h
}

/// Listeners on loopback, wildcard (dual-stack), configured and ULA addresses;
/// established pairs over IPv4, IPv6 and IPv4-mapped IPv6; TIME-WAIT,
/// CLOSE-WAIT/FIN-WAIT-2 and SYN-SENT; bound and connected UDP.
const SOCKETS: &str = r#"
import socket as S, sys, time
keep = []
def tl(fam, addr, port, v6only=None):
    s = S.socket(fam, S.SOCK_STREAM); s.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
    if v6only is not None: s.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, v6only)
    s.bind((addr, port)); s.listen(16); keep.append(s); return s
def pair(ls, fam, addr, port, src=None):
    c = S.socket(fam, S.SOCK_STREAM)
    if src: c.bind((src, 0))
    c.connect((addr, port)); a, _ = ls.accept(); keep.extend([c, a]); return c, a
l22 = tl(S.AF_INET, "127.0.0.1", 22)
l80 = tl(S.AF_INET, "0.0.0.0", 80)
l443 = tl(S.AF_INET6, "::1", 443)
l8080 = tl(S.AF_INET6, "::", 8080, 0)
l1024 = tl(S.AF_INET, "10.1.2.3", 1024)
l2000 = tl(S.AF_INET6, "fd00::1", 2000)
tl(S.AF_INET6, "::", 5000, 1)
pair(l80, S.AF_INET, "127.0.0.1", 80)
pair(l80, S.AF_INET, "10.1.2.3", 80, "10.1.2.3")
pair(l443, S.AF_INET6, "::1", 443)
pair(l8080, S.AF_INET6, "::ffff:127.0.0.1", 8080)
pair(l8080, S.AF_INET, "127.0.0.1", 8080)
pair(l1024, S.AF_INET, "10.1.2.3", 1024)
pair(l2000, S.AF_INET6, "fd00::1", 2000)
c, a = pair(l22, S.AF_INET, "127.0.0.1", 22)
c.close(); time.sleep(0.1); a.close()           # c: TIME-WAIT
c, a = pair(l443, S.AF_INET6, "::1", 443)
c.close()                                       # a: CLOSE-WAIT, c: FIN-WAIT-2
s = S.socket(); s.setblocking(False)            # SYN-SENT: no one answers on the veth
try: s.connect(("10.1.2.99", 9999))
except BlockingIOError: pass
keep.append(s)
def u(fam, addr, port, peer=None):
    x = S.socket(fam, S.SOCK_DGRAM); x.bind((addr, port))
    if peer: x.connect(peer)
    keep.append(x)
u(S.AF_INET, "0.0.0.0", 53); u(S.AF_INET, "127.0.0.1", 5353); u(S.AF_INET6, "::1", 123)
u(S.AF_INET6, "::", 67); u(S.AF_INET, "10.1.2.3", 68)
u(S.AF_INET, "127.0.0.1", 4000, ("127.0.0.1", 53))
u(S.AF_INET6, "::1", 4001, ("::1", 123))
time.sleep(0.3)
print("ready"); sys.stdout.flush(); time.sleep(600)
"#;

/// (local, peer) of each row of ss or openports output (`-H`, no owners): the
/// last two columns (ss drops its State column when one state is asked for).
/// ss prints a dual-stack `[::]` as `*`, openports as `[::]`. Every socket of
/// the helper has its own pair.
fn rows(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let norm = |s: &str| match s.strip_prefix("*:") {
                Some(p) => format!("[::]:{p}"),
                None => s.to_string(),
            };
            (norm(f[f.len() - 2]), norm(f[f.len() - 1]))
        })
        .collect()
}

/// The filter expressions compared, each under every flag set.
const EXPRESSIONS: &[&str] = &[
    "",
    "sport = :22",
    "sport == :80",
    "sport eq 443",
    "sport = 22",
    "sport != :22",
    "sport neq :ssh",
    "sport > :1024",
    "sport < :1024",
    "sport >= :1024",
    "sport <= :1024",
    "sport gt 1000",
    "sport lt 1000",
    "sport ge 8080",
    "sport le 53",
    "dport = :80",
    "dport = :0",
    "dport != :8080",
    "dport > 1024",
    "sport = :http",
    "sport = :ssh or sport = :https",
    "sport = :domain",
    "src 127.0.0.1",
    "src 127.0.0.0/8",
    "src = 10.1.2.3",
    "src 10.0.0.0/8",
    "src 10/8",
    "src [::1]",
    "src [::]",
    "src 0.0.0.0",
    "src 0.0.0.0/0",
    "src ::/0",
    "src fd00::/8",
    "src [fd00::1]:2000",
    "src 127.0.0.1:22",
    "src *:22",
    "src :80",
    "src *",
    "dst 127.0.0.1",
    "dst [::ffff:127.0.0.1]",
    "dst 127.0.0.1:80",
    "dst [::1]:443",
    "dst 10.1.2.0/24",
    "dst 10.1.2.99:9999",
    "dst [::1]",
    "src 10.1.2.0/24 or src [::1]",
    "( sport = :22 or sport = :80 ) and dst 127.0.0.1",
    "sport = :22 || sport = :443 && src 127.0.0.1",
    "sport = :80 or sport = :8080 and dport = :0",
    "src 127.0.0.1 sport > :1000",
    "not src 127.0.0.1",
    "! ( sport = :22 )",
    "! sport = :80 and ! dport = :80",
    "not ( src 127.0.0.0/8 or src [::1] )",
    "( ( dport = :80 ) or ( dport = :8080 and src [::ffff:127.0.0.1] ) )",
    "state established",
    "state listening",
    "state time-wait",
    "state close-wait",
    "state fin-wait-2",
    "state syn-sent",
    "state connected",
    "state synchronized",
    "state bucket",
    "state big",
    "state all",
    "state unconnected",
    "state closed",
    "exclude listening",
    "exclude established exclude time-wait",
    "state established state listening",
    "state connected exclude syn-sent",
    "state established dport = :80",
    "state established ( sport = :80 or dport = :80 )",
    "state listening src 0.0.0.0/0",
];

#[test]
fn filter_expressions_agree_with_ss() {
    let Some(ns) = namespace("ssf") else {
        return;
    };
    let _h = helper(&ns, SOCKETS);
    let mut failures = Vec::new();
    let mut compared = 0;
    for flags in [
        &["-tan"][..],
        &["-uan"],
        &["-tln"],
        &["-uln"],
        &["-tan", "-4"],
        &["-uan", "-6"],
    ] {
        for expr in EXPRESSIONS {
            let mut args: Vec<&str> = flags.to_vec();
            args.push("-H");
            // One word per argument: ss reads `state NAME` only as separate words.
            args.extend(expr.split_whitespace());
            let theirs = ss(&ns, &args);
            let mut ours_args = vec!["-N", &ns.name, "--no-processes"];
            ours_args.extend(&args);
            let ours = run(&ours_args);
            compared += 1;
            // An expression ss rejects (`ssh` is no UDP service) is an error here too.
            if !theirs.status.success() {
                if ours.status.code() != Some(2) {
                    failures.push(format!(
                        "{args:?}: ss rejects it ({}), openports does not",
                        stderr(&theirs).trim()
                    ));
                }
                continue;
            }
            assert_eq!(
                ours.status.code(),
                Some(0),
                "{ours_args:?}: {}",
                stderr(&ours)
            );
            let (mut want, mut got) = (rows(&stdout(&theirs)), rows(&stdout(&ours)));
            // The TIME-WAIT (60 s) and SYN-SENT (about 2 min) sockets end on
            // their own: a run that straddles that moment is run again.
            for _ in 0..2 {
                if want == got {
                    break;
                }
                want = rows(&stdout(&ss(&ns, &args)));
                got = rows(&stdout(&run(&ours_args)));
            }
            if want != got {
                failures.push(format!(
                    "{args:?}:\n  ss only: {:?}\n  openports only: {:?}",
                    want.difference(&got).collect::<Vec<_>>(),
                    got.difference(&want).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The table is not trivially empty: the helper's sockets are seen.
    let all = rows(&stdout(&run(&["-N", &ns.name, "--no-processes", "-tuanH"])));
    assert!(all.len() >= 30, "{all:?}");
}

#[test]
fn bad_filters_are_usage_errors_with_line_and_column() {
    let o = run(&["-t", "sport = :22 and"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "openports: filter:1:16: expected a condition (sport, dport, src, dst), '(' or 'not', found end of input\n"
    );
    let o = run(&["-t", "state", "listen"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("openports: filter:1:7: expected a state"),
        "{}",
        stderr(&o)
    );
    let dir = std::env::temp_dir().join(format!("optest-filter-{}", std::process::id()));
    std::fs::write(
        &dir,
        "# web servers\nsport = :80 or\n  sport == :bogus-name-x\n",
    )
    .unwrap();
    let o = run(&["-F", dir.to_str().unwrap()]);
    let _ = std::fs::remove_file(&dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            ":3:12: expected a port: \"bogus-name-x\" is not a number nor a service name"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn filters_apply_to_fixture_trees() {
    let root = common::testdata().join("synth-multi-ns");
    let o = run(&[
        "--proc-root",
        root.to_str().unwrap(),
        "-H",
        "sport = :22 or sport = :6379",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.lines()
            .all(|l| l.contains(":22 ") || l.contains(":6379 ")),
        "{out}"
    );
    let o = run(&[
        "--proc-root",
        root.to_str().unwrap(),
        "-H",
        "src 10.0.0.0/8",
    ]);
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("[::ffff:10.0.0.5]:6380"),
        "{}",
        stdout(&o)
    );
}

/// `ss -s`'s lines that count this namespace alone: the total, the established
/// and TIME-WAIT counts, and the transport table. (ss's TCP total, closed and
/// orphaned come from the kernel's global allocation counters and move with
/// every other test running.)
fn per_namespace_lines(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for l in text.lines() {
        if l.starts_with("Total:") {
            v.push(l.to_string());
        } else if let Some(rest) = l.strip_prefix("TCP:   ") {
            let inner = rest.split_once('(').map(|x| x.1).unwrap_or("");
            let f: Vec<&str> = inner.trim_end_matches(')').split(", ").collect();
            v.push(format!("{} {}", f[0], f.last().unwrap()));
        } else if ["RAW\t", "UDP\t", "TCP\t", "INET\t", "FRAG\t"]
            .iter()
            .any(|p| l.starts_with(p))
        {
            v.push(l.to_string());
        }
    }
    v
}

#[test]
fn summary_counts_match_ss_s() {
    let Some(ns) = namespace("sum") else {
        return;
    };
    let _h = helper(&ns, SOCKETS);
    let theirs = ss(&ns, &["-s"]);
    let ours = run(&["-N", &ns.name, "-s"]);
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    let (want, got) = (
        per_namespace_lines(&stdout(&theirs)),
        per_namespace_lines(&stdout(&ours)),
    );
    assert_eq!(want.len(), 7, "{}", stdout(&theirs));
    common::assert_text_eq(&got.join("\n"), &want.join("\n"), "openports -s vs ss -s");
    // What the helper made, counted from the tables: 7 TCP listeners, 8
    // established pairs (14 ends, the CLOSE-WAIT/FIN-WAIT-2 pair apart), one
    // TIME-WAIT, one SYN-SENT; 5 bound and 2 connected UDP sockets.
    let out = stdout(&ours);
    assert!(
        out.starts_with(&format!(
            "Netns {} (net:[{}])\nTotal: ",
            ns.name,
            ns.inode()
        )),
        "{out}"
    );
    assert!(
        out.contains("\nTables: tcp 25 (ESTAB 14, SYN-SENT 1, FIN-WAIT-2 1, TIME-WAIT 1, CLOSE-WAIT 1, LISTEN 7); udp 7 (ESTAB 2, UNCONN 5)\n"),
        "{out}"
    );
    assert!(out.contains("\nListeners: 12 in 1 namespace\n"), "{out}");
    assert!(out.contains("\nBy program: python3 12\n"), "{out}");
    // JSON carries the same counters.
    let j = run(&["-N", &ns.name, "-s", "-j"]);
    let objs: Vec<serde_json::Value> = stdout(&j)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 2, "{}", stdout(&j));
    assert_eq!(objs[0]["kind"], "namespace");
    assert_eq!(objs[0]["netns"], ns.inode());
    assert_eq!(objs[0]["tables"]["tcp"]["LISTEN"], 7);
    assert_eq!(objs[0]["tables"]["udp"]["UNCONN"], 5);
    let tcp = &objs[0]["counters"]["tcp"];
    let line = want.iter().find(|l| l.starts_with("TCP\t")).unwrap();
    let nums: Vec<i64> = line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(
        [
            tcp["total"].as_i64().unwrap(),
            tcp["ipv4"].as_i64().unwrap(),
            tcp["ipv6"].as_i64().unwrap()
        ],
        [nums[0], nums[1], nums[2]]
    );
    assert_eq!(objs[1]["kind"], "listeners");
    assert_eq!(objs[1]["total"], 12);
    assert_eq!(objs[1]["by_program"]["python3"], 12);
    assert_eq!(objs[1]["by_exposure"]["loopback"], 4);
}

/// The `--by-process` row of `prog`, its columns joined by one space.
fn program_row(out: &str, prog: &str) -> String {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(prog))
        .unwrap_or_else(|| panic!("no {prog} in {out}"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `--by-process` names the interfaces and addresses of each verdict: most
/// exposed first, dual-stack-only IPv4 marked `?`, host ports that publish a
/// container's socket as `ADDR:PORT`, `+N` past five, the reason where nobody
/// else can connect; packet and unix sockets by where they take frames.
#[test]
fn by_process_says_where_each_program_is_reachable() {
    let root = common::testdata().join("synth-reach");
    let o = run(&["--proc-root", root.to_str().unwrap(), "--by-process", "-H"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for (prog, want) in [
        (
            "dnsmasq",
            "dnsmasq 250 udp 53 eth0 93.184.216.34, eth1 10.0.0.4, docker0 172.17.0.1 (public)",
        ),
        (
            "node_exporter",
            "node_exporter 240 tcp 8888,9100 tcp 9100: eth0 2a00:1450:4001:81c::10, eth0 ?93.184.216.34, \
         eth1 ?10.0.0.4, docker0 ?172.17.0.1, eth0 fe80::1 (public); tcp 8888: eth0 fe80::1 (link-local)",
        ),
        (
            "nginx",
            "nginx 800 tcp 80,9000 tcp 80: eth0 93.184.216.34:8080, eth0 [2a00:1450:4001:81c::10]:8080, \
         eth0 172.17.0.2, eth1 10.0.0.4:8080, docker0 172.17.0.1:8080, +1 (public, 3f2a9c0d1e2b); \
         tcp 9000: loopback only (local, 3f2a9c0d1e2b)",
        ),
        (
            "keepalived-app",
            "keepalived-app 230 tcp 5000 address not configured (local)",
        ),
        (
            "rpcbind",
            "rpcbind 900 tcp 111; udp 111 no address but loopback (local, iso)",
        ),
        (
            "legacy",
            "legacy 950 tcp 7000 addresses unknown (unknown, 4026532800)",
        ),
    ] {
        assert_eq!(program_row(&out, prog), want);
    }

    let kinds = common::testdata().join("synth-kinds");
    let o = run(&[
        "--proc-root",
        kinds.to_str().unwrap(),
        "--by-process",
        "-H",
        "-0",
        "-x",
    ]);
    let out = stdout(&o);
    for (prog, want) in [
        (
            "tcpdump",
            "tcpdump 150 p_raw *:*; p_raw [0]:* every interface (wildcard); no frames (local)",
        ),
        ("dhclient", "dhclient 140 p_dgr ip:eth0 eth0 (interface)"),
        (
            "systemd",
            "systemd 1 u_str /run/systemd/private this host (local)",
        ),
    ] {
        assert_eq!(program_row(&out, prog), want);
    }
    let j = run(&[
        "--proc-root",
        kinds.to_str().unwrap(),
        "--by-process",
        "-j",
        "-0",
        "-x",
    ]);
    for l in stdout(&j).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        for s in v["listening"].as_array().unwrap() {
            assert_eq!(
                s["local_addr"], "",
                "packet and unix sockets have no address: {l}"
            );
        }
    }
}

#[test]
fn by_process_on_a_fixture_tree() {
    let root = common::testdata().join("synth-multi-ns");
    let o = run(&["--proc-root", root.to_str().unwrap(), "--by-process"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    common::assert_text_eq(
        &stdout(&o),
        "Program           Pids    Listening     Reachable on
[kernel]                  udp 2049      eth0 192.168.1.5 (private)
cupsd             200     tcp 631       loopback only (local)
dhclient          210     udp 68        eth0 192.168.1.5 (private)
evil\\x1b[31m\\n)\"x 600     udp 5000      eth0 192.168.1.5 (private)
nginx             300     tcp 80        eth0 172.17.0.2 (private, 3f2a9c0d1e2b)
redis-server      400     tcp 6379,6380 tcp 6380: veth0 10.0.0.5 (private, blue); tcp 6379: loopback only (local, blue)
sshd              100,101 tcp 22        eth0 192.168.1.5 (private); eth0 fe80::5 (link-local)
worker            500     tcp 9000      eth0 192.168.1.5 (private)
",
        "--by-process",
    );
    let j = run(&["--proc-root", root.to_str().unwrap(), "--by-process", "-j"]);
    let objs: Vec<serde_json::Value> = stdout(&j)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 8);
    let sshd = objs.iter().find(|o| o["comm"] == "sshd").unwrap();
    assert_eq!(sshd["pids"], serde_json::json!([100, 101]));
    assert_eq!(sshd["listening"].as_array().unwrap().len(), 2);
    assert_eq!(sshd["listening"][0]["exposure"], "wildcard");
    assert_eq!(sshd["listening"][0]["reach"], "private");
    assert_eq!(
        sshd["listening"][0]["reachable_on"],
        serde_json::json!([{"iface": "eth0", "addr": "192.168.1.5", "class": "private"}])
    );
    let redis = objs.iter().find(|o| o["comm"] == "redis-server").unwrap();
    let on: Vec<(&serde_json::Value, &serde_json::Value)> = redis["listening"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (&l["local_port"], &l["reachable_on"]))
        .collect();
    assert_eq!(
        on,
        [
            (&serde_json::json!(6379), &serde_json::json!([])),
            (
                &serde_json::json!(6380),
                &serde_json::json!([{"iface": "veth0", "addr": "10.0.0.5", "class": "private"}])
            )
        ]
    );
    assert_eq!(redis["listening"][0]["reach_reason"], "loopback");
    let evil = objs
        .iter()
        .find(|o| o["comm"].as_str().unwrap().starts_with("evil"))
        .unwrap();
    assert_eq!(evil["comm"], "evil\u{1b}[31m\n)\"x");
    let o = run(&[
        "--proc-root",
        root.to_str().unwrap(),
        "--by-process",
        "--no-processes",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--proc-root", root.to_str().unwrap(), "-s"]);
    let out = stdout(&o);
    assert!(out.contains("Netns blue (net:[4026532600])\n(no sockstat counters readable)\n\nTables: tcp 2 (LISTEN 2)\n"), "{out}");
    assert!(out.ends_with("Listeners: 10 in 3 namespaces\nBy reach: private 7, local 2, link-local 1\nBy exposure: wildcard 7, loopback 2, private 1\nBy namespace: host 7, blue 2, 3f2a9c0d1e2b 1\nBy program: redis-server 2, sshd 2, [kernel] 1, cupsd 1, dhclient 1, evil\\x1b[31m\\n)\"x 1, nginx 1, worker 1\n"), "{out}");
}
