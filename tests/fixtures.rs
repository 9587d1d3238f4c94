//! The built binary against fixture /proc trees: whole-output comparisons for
//! table and JSON (goldens in testdata/expected; re-generate with
//! OPENPORTS_BLESS=1 and review the diff), JSON validated with serde_json.

mod common;

use common::{golden_matches, run, stderr, stdout, testdata};

/// (golden name, fixture tree, arguments)
const CASES: &[(&str, &str, &[&str])] = &[
    ("capture-default", "linux-6.18-x86_64", &[]),
    (
        "capture-all-extended",
        "linux-6.18-x86_64",
        &["-tuwa", "-e"],
    ),
    ("capture-all-json", "linux-6.18-x86_64", &["-tuwa", "-j"]),
    (
        "capture-no-processes",
        "linux-6.18-x86_64",
        &["-a", "--no-processes"],
    ),
    ("multi-default", "synth-multi-ns", &[]),
    ("multi-all-extended", "synth-multi-ns", &["-a", "-e"]),
    ("multi-all-json", "synth-multi-ns", &["-a", "-j"]),
    ("multi-exposed", "synth-multi-ns", &["--exposed", "-H"]),
    ("multi-netns-name", "synth-multi-ns", &["-N", "blue"]),
    (
        "multi-netns-pid",
        "synth-multi-ns",
        &["-N", "pid:300", "-e"],
    ),
    (
        "multi-netns-inode",
        "synth-multi-ns",
        &["--netns", "4026532600", "-N", "self"],
    ),
    ("multi-ipv6-tcp", "synth-multi-ns", &["-6t"]),
    ("old-kernel", "synth-old-kernel", &["-a"]),
    ("old-kernel-json", "synth-old-kernel", &["-a", "-j"]),
    ("malformed", "synth-malformed", &["-a", "-e"]),
    ("header-only", "synth-header-only", &["-a"]),
    // Read with --byte-order big: the tree's BYTE-ORDER file says so.
    ("big-endian", "synth-big-endian", &["-a", "-e"]),
    // Reach (issue 12): addresses, dual-stack, not-configured, lo-only and
    // unknown namespaces, a docker-proxy pair publishing a container's port.
    ("reach-extended", "synth-reach", &["-e"]),
    ("reach-json", "synth-reach", &["-j"]),
    ("reach-exposed", "synth-reach", &["--exposed", "-e"]),
    ("reach-addresses", "synth-reach", &["addresses"]),
    ("reach-addresses-json", "synth-reach", &["addresses", "-j"]),
    (
        "reach-addresses-netns",
        "synth-reach",
        &["addresses", "-N", "iso", "-H"],
    ),
    // The address files captured in namespaces built by testdata/capture-addrs.sh.
    (
        "addresses-captured-server",
        "addrs-linux-6.18/server",
        &["addresses"],
    ),
    (
        "addresses-captured-host",
        "addrs-linux-6.18/host",
        &["addresses", "-j"],
    ),
    (
        "addresses-captured-lo-down",
        "addrs-linux-6.18/lo-down",
        &["addresses"],
    ),
    (
        "addresses-captured-no-ipv6",
        "addrs-linux-6.18/no-ipv6",
        &["addresses"],
    ),
];

fn run_case(tree: &str, args: &[&str]) -> std::process::Output {
    let root = testdata().join(tree);
    let passwd = testdata().join("synth-multi-ns/passwd");
    let mut full = vec!["--proc-root", root.to_str().unwrap()];
    // addresses names no users, and takes only the flags its --help lists.
    if args.first() != Some(&"addresses") {
        full.extend(["--passwd", passwd.to_str().unwrap()]);
    }
    full.extend(common::byte_order(&root));
    full.extend_from_slice(args);
    run(&full)
}

/// Paths in warnings name the fixture; make them independent of the checkout.
fn normalise(s: &str) -> String {
    s.replace(testdata().to_str().unwrap(), "TESTDATA")
}

#[test]
fn whole_outputs_match_goldens() {
    let mut failures = Vec::new();
    for (name, tree, args) in CASES {
        let o = run_case(tree, args);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let got = format!("{}--- stderr ---\n{}", stdout(&o), normalise(&stderr(&o)));
        if !golden_matches(name, &got) {
            failures.push(name);
        }
    }
    assert!(
        failures.is_empty(),
        "outputs differ from goldens: {failures:?}"
    );
}

const KEYS: &[&str] = &[
    "proto",
    "family",
    "state",
    "local_addr",
    "local_port",
    "remote_addr",
    "remote_port",
    "recv_q",
    "send_q",
    "uid",
    "inode",
    "netns",
    "netns_name",
    "container",
    "host_netns",
    "exposure",
    "scope",
    "reach",
    "reach_reason",
    "reachable_on",
    "published_by",
    "publishes",
    "owner",
    "processes",
];

fn json_lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON {l:?}: {e}")))
        .collect()
}

#[test]
fn json_is_valid_ndjson_with_the_documented_keys() {
    for tree in ["linux-6.18-x86_64", "synth-multi-ns", "synth-old-kernel"] {
        let o = run_case(tree, &["-tuwa", "-j"]);
        let rows = json_lines(&o);
        assert!(!rows.is_empty(), "{tree}");
        for r in &rows {
            let obj = r.as_object().unwrap();
            let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let mut want = KEYS.to_vec();
            want.sort_unstable();
            assert_eq!(keys, want, "{tree}: {r}");
            assert!(["tcp", "udp", "udplite", "raw"].contains(&r["proto"].as_str().unwrap()));
            assert!(["inet", "inet6"].contains(&r["family"].as_str().unwrap()));
            assert!(!r["local_addr"].as_str().unwrap().contains('['));
        }
    }
}

#[test]
fn capture_agrees_with_ss_recorded_at_capture_time() {
    // ss.txt was written by `ss -tuwanpe` in the captured namespace.
    let ss = std::fs::read_to_string(testdata().join("linux-6.18-x86_64/ss.txt")).unwrap();
    let o = run_case("linux-6.18-x86_64", &["-tuwa", "-j"]);
    let rows = json_lines(&o);
    let mut ours: Vec<(String, String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["proto"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
                r["inode"].as_u64().unwrap(),
            )
        })
        .collect();
    ours.sort();
    let mut theirs: Vec<(String, String, u64)> = Vec::new();
    for line in ss.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let ino = f
            .iter()
            .find_map(|t| t.strip_prefix("ino:"))
            .map(|i| i.parse().unwrap())
            // ss omits ino: for raw sockets in this version; take ours.
            .unwrap_or_else(|| {
                rows.iter().find(|r| r["proto"] == "raw").unwrap()["inode"]
                    .as_u64()
                    .unwrap()
            });
        theirs.push((f[0].to_string(), f[1].to_string(), ino));
    }
    theirs.sort();
    assert_eq!(ours, theirs);
    // Every (pid, fd) ss listed for a socket, we list too.
    for line in ss.lines().skip(1) {
        let Some(ino) = line
            .split_whitespace()
            .find_map(|t| t.strip_prefix("ino:"))
            .map(|i| i.parse::<u64>().unwrap())
        else {
            continue;
        };
        let row = rows.iter().find(|r| r["inode"] == ino).unwrap();
        let mut ours: Vec<(u64, u64)> = row["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["pid"].as_u64().unwrap(), p["fd"].as_u64().unwrap()))
            .collect();
        ours.sort();
        let mut theirs: Vec<(u64, u64)> = line
            .split("pid=")
            .skip(1)
            .map(|p| {
                let pid = p.split(',').next().unwrap().parse().unwrap();
                let fd = p.split("fd=").nth(1).unwrap();
                let fd = fd.split(')').next().unwrap().parse().unwrap();
                (pid, fd)
            })
            .collect();
        theirs.sort();
        assert_eq!(ours, theirs, "owners of inode {ino}");
    }
}

#[test]
fn owner_kinds_and_details_in_the_multi_namespace_tree() {
    let o = run_case("synth-multi-ns", &["-tuwa", "-j"]);
    let rows = json_lines(&o);
    let by_inode = |i: u64| rows.iter().find(|r| r["inode"] == i).unwrap();
    // Forked workers sharing a listener: both listed.
    let pids: Vec<u64> = by_inode(1001)["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(pids, vec![100, 101]);
    // Kernel socket (full visibility, no holder) and TIME-WAIT (inode 0).
    assert_eq!(by_inode(1006)["owner"], "kernel");
    assert_eq!(
        rows.iter().find(|r| r["state"] == "TIME-WAIT").unwrap()["owner"],
        "none"
    );
    // Thread with its own fd table: found, reported as its process.
    let w = &by_inode(1007)["processes"][0];
    assert_eq!((w["pid"].as_u64(), w["fd"].as_u64()), (Some(500), Some(7)));
    assert_eq!(w["comm"], "worker");
    // Deleted executable.
    let c = &by_inode(1002)["processes"][0];
    assert_eq!(c["exe"], "/usr/sbin/cupsd");
    assert_eq!(c["exe_deleted"], true);
    // Hostile comm: exact in JSON.
    assert_eq!(
        by_inode(1008)["processes"][0]["comm"],
        "evil\u{1b}[31m\n)\"x"
    );
    // Namespaces: names, container, host flag, scope.
    let nginx = by_inode(3001);
    assert_eq!(nginx["netns"], 4026532500u64);
    assert_eq!(
        nginx["container"],
        "3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
    );
    assert_eq!(nginx["host_netns"], false);
    assert_eq!(nginx["scope"], "netns");
    assert_eq!(by_inode(4001)["netns_name"], "blue");
    assert_eq!(by_inode(4002)["local_addr"], "::ffff:10.0.0.5");
    assert_eq!(by_inode(4002)["exposure"], "private");
    assert_eq!(by_inode(1001)["host_netns"], true);
    assert_eq!(by_inode(1001)["scope"], "host");
    assert_eq!(by_inode(1001)["netns_name"], serde_json::Value::Null);
}

#[test]
fn hostile_comm_is_escaped_in_the_table() {
    let o = run_case("synth-multi-ns", &["-u"]);
    let out = stdout(&o);
    assert!(!out.bytes().any(|b| b < 0x20 && b != b'\n'), "{out:?}");
    assert!(
        out.contains(r#"users:(("evil\x1b[31m\n)\"x",pid=600,fd=3))"#),
        "{out}"
    );
}

#[test]
fn bad_roots_and_selectors_are_errors_with_exit_2() {
    let o = run(&["--proc-root", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("openports: cannot use /nonexistent:"), "{e}");
    let empty = std::env::temp_dir().join(format!("openports-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(&["--proc-root", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("does not look like /proc"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&empty).unwrap();
    let o = run_case("synth-multi-ns", &["-N", "nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "openports: no network namespace matches --netns nosuch\n"
    );
    let o = run(&["--frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1);
    let o = run(&["-tulnp", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--proc-root DIR"));
}

#[test]
fn table_with_more_than_10000_rows() {
    // Synthesized: 10,001 UDP sockets; sl grows past four digits.
    let root = std::env::temp_dir().join(format!("openports-big-{}", std::process::id()));
    std::fs::create_dir_all(root.join("net")).unwrap();
    let mut t = String::from(
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n",
    );
    for i in 0..10_001u32 {
        t.push_str(&format!(
            "{i:5}: 0100007F:{:04X} 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 {} 2 0000000000000000 0\n",
            (i % 60000) + 1024,
            100_000 + i
        ));
    }
    std::fs::write(root.join("net/udp"), t).unwrap();
    let order = common::byte_order(&root);
    let o = run(&[
        &["--proc-root", root.to_str().unwrap(), "-u", "-H", "-e"],
        &order[..],
    ]
    .concat());
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 10_001);
    assert!(
        out.lines()
            .any(|l| l.contains("127.0.0.1:11024") && l.contains("110000"))
    );
}

/// Run under a pseudo-terminal (util-linux `script`), with extra environment.
fn run_in_terminal(args: &str, env: &[(&str, &str)]) -> Option<String> {
    if !common::have("script") {
        common::skip("script(1) not installed: terminal behaviour not checked");
        return None;
    }
    let root = testdata().join("synth-multi-ns");
    let cmd = format!(
        "{} --proc-root {} --passwd {}/passwd --byte-order little {args}",
        common::argv().join(" "),
        root.display(),
        root.display()
    );
    let mut c = std::process::Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"]).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn colour_and_summary_only_on_a_terminal() {
    let Some(tty) = run_in_terminal("", &[]) else {
        return;
    };
    // Exposed listeners stand out; loopback ones do not.
    let row = |needle: &str| {
        tty.lines()
            .find(|l| l.contains(needle))
            .unwrap()
            .to_string()
    };
    assert!(row("0.0.0.0:22 ").starts_with("\x1b[1;31m"), "{tty:?}");
    assert!(
        row("[::ffff:10.0.0.5]:6380").starts_with("\x1b[33m"),
        "{tty:?}"
    );
    assert!(!row("127.0.0.1:631").contains('\x1b'), "{tty:?}");
    // The one-line summary on stderr (a terminal here too).
    let summary = row("listening sockets in");
    assert_eq!(
        summary.trim_end(),
        "openports: 10 listening sockets in 3 namespaces; 8 exposed (private 7, link-local 1); 0 with hidden owners; 1 held by deleted executables"
    );
    // NO_COLOR: no escape sequences at all; the summary stays.
    let plain = run_in_terminal("", &[("NO_COLOR", "1")]).unwrap();
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("listening sockets in"));
    // JSON on a terminal: never coloured.
    let json = run_in_terminal("-j", &[]).unwrap();
    assert!(!json.contains("\x1b["), "{json:?}");
    // A pipe: neither colour nor summary.
    let piped = run_case("synth-multi-ns", &[]);
    assert!(!stdout(&piped).contains('\x1b'));
    assert_eq!(stderr(&piped), "");
}

#[test]
fn reach_in_the_synth_reach_tree() {
    let rows = json_lines(&run_case("synth-reach", &["-j"]));
    let find = |ns: u64, addr: &str, port: u64| {
        rows.iter()
            .find(|r| r["netns"] == ns && r["local_addr"] == addr && r["local_port"] == port)
            .unwrap_or_else(|| panic!("{ns} {addr}:{port}"))
    };
    let on = |r: &serde_json::Value| -> Vec<String> {
        r["reachable_on"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}{}{}",
                    e["iface"].as_str().unwrap_or("?"),
                    e["addr"].as_str().unwrap(),
                    e.get("port").map_or(String::new(), |p| format!(":{p}")),
                    if e.get("conditional").is_some() {
                        " cond"
                    } else {
                        ""
                    }
                )
            })
            .collect()
    };
    const HOST: u64 = 4026531840;
    // 0.0.0.0:22 beside [::]:22: the IPv6 one takes no IPv4.
    assert_eq!(
        on(find(HOST, "0.0.0.0", 22)),
        ["eth1 10.0.0.4", "docker0 172.17.0.1", "eth0 93.184.216.34"]
    );
    let v6 = find(HOST, "::", 22);
    assert_eq!(v6["reach"], "public");
    assert_eq!(on(v6), ["eth0 2a00:1450:4001:81c::10", "eth0 fe80::1"]);
    // [::]:9100 alone: the IPv4 addresses only if it is dual-stack.
    let dual = on(find(HOST, "::", 9100));
    assert_eq!(
        dual.iter().filter(|e| e.ends_with(" cond")).count(),
        3,
        "{dual:?}"
    );
    let freebind = find(HOST, "10.0.0.99", 5000);
    assert_eq!(
        (&freebind["reach"], &freebind["reach_reason"]),
        (&"local".into(), &"address not configured".into())
    );
    assert_eq!(find(HOST, "fe80::1", 8888)["reach"], "link-local");
    assert_eq!(find(HOST, "10.0.0.4", 5432)["reach"], "private");
    // The container's port 80, published by two docker-proxy processes.
    let web = find(4026532500, "0.0.0.0", 80);
    assert_eq!(web["exposure"], "wildcard");
    assert_eq!(web["reach"], "public");
    let by: Vec<(u64, String, u64)> = web["published_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["pid"].as_u64().unwrap(),
                p["host_addr"].as_str().unwrap().to_string(),
                p["host_port"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [(700, "0.0.0.0".into(), 8080), (701, "::".into(), 8080)]
    );
    assert!(on(web).contains(&"eth0 93.184.216.34:8080".to_string()));
    let proxy = find(HOST, "0.0.0.0", 8080);
    assert_eq!(proxy["publishes"]["addr"], "172.17.0.2");
    assert_eq!(proxy["publishes"]["port"], 80);
    assert_eq!(proxy["publishes"]["netns"], 4026532500u64);
    assert!(find(4026532500, "127.0.0.1", 9000)["published_by"].is_null());
    // iso has nothing but lo; dark's addresses are unknown.
    for (addr, port) in [("0.0.0.0", 111), ("::", 111)] {
        let r = find(4026532700, addr, port);
        assert_eq!(
            (&r["reach"], &r["reach_reason"]),
            (&"local".into(), &"no address but loopback".into())
        );
    }
    assert_eq!(find(4026532800, "0.0.0.0", 7000)["reach"], "unknown");
    // --exposed: not iso, not loopback, not the unconfigured address; dark (unknown) is listed and said.
    let o = run_case("synth-reach", &["--exposed", "-j"]);
    let exposed = json_lines(&o);
    assert!(exposed.iter().all(|r| r["reach"] != "local"));
    assert_eq!(exposed.len(), 10);
    assert!(
        stderr(&o).contains("reach of 1 socket is unknown"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stderr(&o)
            .matches("a firewall is active (iptables in host)")
            .count(),
        1,
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_with_reach_qualifier() {
    let dir = std::env::temp_dir().join(format!("openports-reach-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pol = dir.join("p");
    // Everything in iso (reach local) and the LAN-only postgres pass; the
    // public ones do not, though the same rule allows any port.
    std::fs::write(
        &pol,
        "allow any * reach=local\nallow tcp 5432 reach=private\nallow tcp 22 reach=private\n",
    )
    .unwrap();
    let o = run_case("synth-reach", &["check", pol.to_str().unwrap(), "-j"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Vec<String> = json_lines(&o)
        .iter()
        .filter(|r| r["kind"] == "violation")
        .map(|r| {
            let a = r["local_addr"].as_str().unwrap();
            let a = if a.contains(':') {
                format!("[{a}]")
            } else {
                a.to_string()
            };
            format!("{a}:{} {}", r["local_port"], r["reach"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        v,
        [
            "0.0.0.0:22 public",
            "[::]:22 public",
            "0.0.0.0:8080 public",
            "[::]:8080 public",
            "[fe80::1]:8888 link-local",
            "[::]:9100 public",
            "0.0.0.0:53 public",
            "0.0.0.0:80 public",
            "0.0.0.0:7000 unknown",
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Trees captured inside real Debian kernels by `make vm-capture` (vm/init.sh):
/// `opened.txt` is what vm/helper reported opening, one `sock` line per
/// socket. Each socket is in the output exactly once, with the kernel's
/// byte order (BYTE-ORDER; big for s390x) applied whatever this build's is.
#[test]
fn real_kernel_captures_show_every_socket_the_helper_opened() {
    let mut trees = 0;
    for e in std::fs::read_dir(testdata()).unwrap() {
        let dir = e.unwrap().path();
        let Ok(opened) = std::fs::read_to_string(dir.join("opened.txt")) else {
            continue;
        };
        trees += 1;
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let o = run_case(&name, &["-A", "all", "-a", "-j"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let rows = json_lines(&o);
        let mut want = 0;
        for line in opened.lines().filter(|l| l.starts_with("sock ")) {
            // sock TAG PROTO FAMILY LADDR LPORT RADDR RPORT STATE UID PID FD INODE NETNS
            let f: Vec<&str> = line.split(' ').collect();
            let inode: u64 = f[12].parse().unwrap();
            let hits: Vec<_> = rows.iter().filter(|r| r["inode"] == inode).collect();
            assert_eq!(hits.len(), 1, "{name}: {line}");
            let r = hits[0];
            assert_eq!(r["proto"], f[2], "{name}: {line}");
            assert_eq!(r["state"], f[8], "{name}: {line}");
            if !["unix", "packet"].contains(&f[2]) {
                assert_eq!(r["local_addr"], f[4], "{name}: {line}");
                assert_eq!(r["local_port"].as_u64().unwrap().to_string(), f[5]);
                assert_eq!(r["uid"].as_u64().unwrap().to_string(), f[9]);
            }
            let owner = (f[10].parse::<u64>().unwrap(), f[11].parse::<u64>().unwrap());
            let owners: Vec<_> = r["processes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["pid"].as_u64().unwrap(), p["fd"].as_u64().unwrap()))
                .collect();
            assert_eq!(owners, [owner], "{name}: {line}");
            want += 1;
        }
        assert!(want >= 30, "{name}: only {want} sockets in opened.txt");
        assert_eq!(rows.len(), want, "{name}: sockets nobody opened");
    }
    assert!(trees >= 5, "only {trees} real-kernel captures in testdata");
}
