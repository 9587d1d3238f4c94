//! Packet, unix and SCTP sockets: the built binary against the `synth-kinds`
//! fixture tree (goldens in testdata/expected/kinds-*, re-generated with
//! OPENPORTS_BLESS=1 and reviewed), against a copy of it with real socket files
//! below the holders' roots (unix access verdicts), and live against sockets
//! this test opens in network namespaces of its own, socket by socket with ss.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const TREE: &str = "synth-kinds";

/// (golden, arguments) over the fixture tree as committed.
const CASES: &[(&str, &[&str])] = &[
    // The default listing is TCP and UDP only: the malformed rows of the new
    // tables are not warned about because those tables are not read.
    ("kinds-default", &[]),
    ("kinds-packet", &["-0"]),
    ("kinds-packet-extended", &["-0", "-e"]),
    ("kinds-packet-json", &["--packet", "-j"]),
    ("kinds-packet-exposed", &["-0", "--exposed"]),
    ("kinds-sctp", &["-S"]),
    ("kinds-sctp-all-json", &["-Sa", "-j"]),
    ("kinds-sctp-ipv4-all", &["--sctp", "-4", "-a"]),
    ("kinds-everything", &["-A", "all", "-a", "--no-processes"]),
];

/// (golden, arguments) over the copy with socket files (needs root: the files
/// are given the owners the goldens show).
const UNIX_CASES: &[(&str, &[&str])] = &[
    ("kinds-unix", &["-x"]),
    ("kinds-unix-extended", &["-x", "-e"]),
    ("kinds-unix-all", &["-xa"]),
    ("kinds-unix-json", &["--unix", "-j"]),
    ("kinds-unix-exposed", &["-x", "--exposed", "-H"]),
    ("kinds-unix-no-processes", &["-x", "--no-processes"]),
];

fn run_tree(root: &Path, args: &[&str]) -> std::process::Output {
    let r = root.to_str().unwrap().to_string();
    let passwd = format!("{r}/passwd");
    let group = format!("{r}/group");
    let mut full = vec!["--proc-root", &r, "--passwd", &passwd, "--group", &group];
    full.extend_from_slice(args);
    run(&full)
}

/// Compare each case with its golden (or write it under OPENPORTS_BLESS).
fn check_goldens(root: &Path, cases: &[(&str, &[&str])]) {
    let mut failures = Vec::new();
    for (name, args) in cases {
        let o = run_tree(root, args);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let err = stderr(&o).replace(root.to_str().unwrap(), "TREE");
        let got = format!("{}--- stderr ---\n{err}", stdout(&o));
        if args.contains(&"-j") {
            for line in stdout(&o).lines() {
                let v: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("{name}: invalid JSON {line}: {e}"));
                assert!(v.is_object(), "{name}: {line}");
            }
        }
        if !golden_matches(name, &got) {
            failures.push(name);
        }
    }
    assert!(
        failures.is_empty(),
        "outputs differ from goldens: {failures:?}"
    );
}

#[test]
fn packet_and_sctp_outputs_match_goldens() {
    check_goldens(&testdata().join(TREE), CASES);
}

/// A copy of a fixture tree, removed on drop.
struct TempTree(PathBuf);

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if t.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A socket file at `root/rel` with this mode and owner, its directories made
/// 0755 root unless given.
fn socket_file(root: &Path, rel: &str, mode: u32, uid: u32, gid: u32) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&p).unwrap());
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
}

fn dir_mode(p: &Path, mode: u32, uid: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap();
}

/// The fixture tree with socket files below the holders' roots: systemd's
/// private socket 0600 root, journald's dev-log 0666, docker's 0660
/// root:docker reached through an absolute `/var/run -> /run` link (which must
/// resolve inside the holder's root, not ours), a world-writable socket in
/// /tmp (1777), and in the container a 0777 socket inside a 0700 directory of
/// alice's. systemd's root is a directory of its own (`1/root`).
fn tree_with_sockets() -> Option<TempTree> {
    if !is_root() {
        skip("not root: socket files cannot be given the owners the goldens show");
        return None;
    }
    let t = TempTree(std::env::temp_dir().join(unique("kinds-tree")));
    copy_tree(&testdata().join(TREE), &t.0);
    let r = &t.0;
    socket_file(r, "1/root/run/systemd/private", 0o600, 0, 0);
    socket_file(r, "110/root/run/systemd/journal/dev-log", 0o666, 0, 0);
    socket_file(r, "120/root/run/docker.sock", 0o660, 0, 999);
    std::fs::create_dir_all(r.join("120/root/var")).unwrap();
    std::os::unix::fs::symlink("/run", r.join("120/root/var/run")).unwrap();
    socket_file(r, "600/root/tmp/\x1b[31mred.sock", 0o777, 1000, 1000);
    dir_mode(&r.join("600/root/tmp"), 0o1777, 0);
    socket_file(r, "300/root/run/app.sock", 0o777, 1000, 1000);
    dir_mode(&r.join("300/root/run"), 0o700, 1000);
    for pid in ["1", "110", "120", "600", "300"] {
        let root = r.join(pid).join("root");
        for d in [root.clone(), root.join("run")] {
            if d.is_dir() && d != r.join("300/root/run") {
                dir_mode(&d, 0o755, 0);
            }
        }
    }
    Some(t)
}

#[test]
fn unix_verdicts_match_goldens() {
    let Some(t) = tree_with_sockets() else {
        return;
    };
    check_goldens(&t.0, UNIX_CASES);
}

#[test]
fn unix_access_follows_the_holders_mount_namespace_not_ours() {
    let Some(t) = tree_with_sockets() else {
        return;
    };
    let o = run_tree(&t.0, &["-x", "-j"]);
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_inode = |i: u64| {
        rows.iter()
            .find(|r| r["inode"] == i)
            .unwrap_or_else(|| panic!("inode {i} missing: {}", stdout(&o)))
    };
    // /var/run/docker.sock: through the holder's /var/run -> /run.
    // (Inode 2003 is also claimed by a forged row named /run/docker-forged.sock.)
    let docker = rows
        .iter()
        .find(|r| r["name"] == "/var/run/docker.sock")
        .unwrap();
    assert_eq!(docker["access"], "group");
    assert_eq!(docker["access_gid"], 999);
    assert_eq!(docker["access_text"], "group docker");
    assert_eq!(docker["file_mode"], "0660");
    // A 0777 socket in alice's 0700 directory is alice's only.
    assert_eq!(by_inode(5001)["access_text"], "owner alice");
    assert_eq!(by_inode(2002)["access"], "anyone");
    assert_eq!(by_inode(2001)["access_text"], "owner root");
    assert_eq!(by_inode(2004)["access"], "netns");
    assert_eq!(by_inode(2004)["abstract"], true);
    assert_eq!(by_inode(2011)["access"], "unknown");
    // Replace the socket by a regular file: nobody can connect any more.
    let p = t.0.join("120/root/run/docker.sock");
    std::fs::remove_file(&p).unwrap();
    std::fs::write(&p, b"").unwrap();
    let o = run_tree(&t.0, &["-x", "-j"]);
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("\"name\":\"/var/run/docker.sock\""))
        .unwrap()
        .to_string();
    assert!(line.contains("\"access\":\"gone\""), "{line}");
    // A relative link to a socket elsewhere (through `..`), as connect() follows it.
    std::fs::remove_file(&p).unwrap();
    socket_file(&t.0, "120/root/srv/real.sock", 0o666, 0, 0);
    std::os::unix::fs::symlink("../../srv/./real.sock", &p).unwrap();
    let o = run_tree(&t.0, &["-x", "-j"]);
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("\"name\":\"/var/run/docker.sock\""))
        .unwrap()
        .to_string();
    assert!(line.contains("\"access\":\"anyone\""), "{line}");
}

/// Rows of `ss` output, with the continuation lines a name's newline makes
/// joined back to their row (lines not starting with the netid prefix).
fn ss_rows(text: &str, prefix: &str) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for l in text.lines() {
        match rows.last_mut() {
            Some(last) if !l.starts_with(prefix) => {
                last.push('\n');
                last.push_str(l);
            }
            _ => rows.push(l.to_string()),
        }
    }
    rows
}

fn have_live(what: &str) -> bool {
    if !netns_or_skip() {
        return false;
    }
    for cmd in ["python3", "ss"] {
        if !have(cmd) {
            skip(&format!("{cmd} not installed: {what} not compared"));
            return false;
        }
    }
    true
}

fn helper() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/helpers/kinds_sockets.py")
        .to_str()
        .unwrap()
        .to_string()
}

fn ip(args: &[&str]) {
    let o = Command::new("ip").args(args).output().expect("run ip");
    assert!(o.status.success(), "ip {args:?}: {}", stderr(&o));
}

#[test]
fn packet_sockets_agree_with_ss_socket_by_socket() {
    if !have_live("packet sockets") {
        return;
    }
    let ns = Netns::new("kinds-packet");
    ip(&[
        "-n", &ns.name, "link", "add", "va", "type", "veth", "peer", "name", "vb",
    ]);
    ip(&["-n", &ns.name, "link", "set", "va", "up"]);
    let mut c = ns.exec("python3");
    c.args([&helper(), "packet", "va"]);
    let h = Spawned::start(c);
    let pid = h.pid();
    let ours = run(&["-0", "-N", &ns.name, "-H"]);
    assert!(ours.status.success(), "{}", stderr(&ours));
    let ss = ns.exec("ss").args(["-0", "-p", "-H"]).output().unwrap();
    // ss: Netid Recv-Q Send-Q Local Peer Process; ours adds State.
    let row = |l: &str, local_ix: usize| {
        let t: Vec<&str> = l.split_whitespace().collect();
        (
            t[0].to_string(),
            t[local_ix].to_string(),
            t[t.len() - 1].to_string(),
        )
    };
    let mine = format!("pid={pid},");
    let want: BTreeSet<_> = ss_rows(&stdout(&ss), "p_")
        .iter()
        .filter(|l| l.contains(&mine))
        .map(|l| row(l, 3))
        .collect();
    let got: BTreeSet<_> = stdout(&ours)
        .lines()
        .filter(|l| l.contains(&mine))
        .map(|l| row(l, 4))
        .collect();
    assert_eq!(want.len(), 5, "ss: {}", stdout(&ss));
    assert_eq!(
        got,
        want,
        "openports:\n{}\nss:\n{}",
        stdout(&ours),
        stdout(&ss)
    );
    // Exposure: every interface is wildcard, va an interface, lo loopback, and
    // protocol 0 takes no frames.
    let j = run(&["-0", "-N", &ns.name, "-j"]);
    let mut classes: Vec<(String, String)> = stdout(&j)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                format!("{}:{}", v["ethertype"], v["interface"]),
                v["exposure"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    classes.sort();
    let mut want = [
        ("0:null", "local"),
        ("2048:\"va\"", "interface"),
        ("3:null", "wildcard"),
        ("35020:\"lo\"", "loopback"),
        ("4660:null", "wildcard"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()));
    want.sort();
    assert_eq!(classes, want);
    // With --exposed: the sniffers, not the lo or protocol-0 sockets.
    let e = run(&["-0", "-N", &ns.name, "-H", "--exposed"]);
    assert_eq!(stdout(&e).lines().count(), 3, "{}", stdout(&e));
}

#[test]
fn unix_sockets_agree_with_ss_socket_by_socket() {
    if !have_live("unix sockets") {
        return;
    }
    let ns = Netns::new("kinds-unix");
    let dir = TempTree(std::env::temp_dir().join(unique("kinds-unix")));
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    let d = dir.0.to_str().unwrap().to_string();
    let mut c = ns.exec("python3");
    c.args([&helper(), "unix", &d]);
    let h = Spawned::start(c);
    let mine = format!("pid={},", h.pid());
    let ss = ns.exec("ss").args(["-xlp", "-H"]).output().unwrap();
    // (netid, inode, users) of every named socket ss -xl lists; ss also lists
    // unbound sockets (`*`), which nobody can connect to.
    let want: BTreeSet<(String, u64, String)> = ss_rows(&stdout(&ss), "u_")
        .iter()
        .filter(|l| l.contains(&mine))
        .filter_map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let n = t.len();
            (t[4] != "*").then(|| {
                (
                    t[0].to_string(),
                    t[n - 4].parse().unwrap(),
                    t[n - 1].to_string(),
                )
            })
        })
        .collect();
    let ours = run(&["-x", "-N", &ns.name, "-j"]);
    assert!(ours.status.success(), "{}", stderr(&ours));
    let rows: Vec<serde_json::Value> = stdout(&ours)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let netid = |t: &str| match t {
        "stream" => "u_str",
        "dgram" => "u_dgr",
        _ => "u_seq",
    };
    let got: BTreeSet<(String, u64, String)> = rows
        .iter()
        .filter(|r| r["processes"].as_array().is_some_and(|p| !p.is_empty()))
        .map(|r| {
            let users: Vec<String> = r["processes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    format!(
                        "(\"{}\",pid={},fd={})",
                        p["comm"].as_str().unwrap(),
                        p["pid"],
                        p["fd"]
                    )
                })
                .collect();
            (
                netid(r["sock_type"].as_str().unwrap()).to_string(),
                r["inode"].as_u64().unwrap(),
                format!("users:({})", users.join(",")),
            )
        })
        .filter(|(_, _, u)| u.contains(&mine))
        .collect();
    assert_eq!(want.len(), 6, "ss:\n{}", stdout(&ss));
    assert_eq!(
        got,
        want,
        "openports:\n{}\nss:\n{}",
        stdout(&ours),
        stdout(&ss)
    );
    // Verdicts: /tmp/…/world.sock 0666 in a 0755 directory is anyone's; 0600 the
    // owner's; abstract names anyone's in the namespace.
    let by_name = |n: &str| {
        rows.iter()
            .find(|r| r["name"] == n)
            .unwrap_or_else(|| panic!("{n} missing: {}", stdout(&ours)))
    };
    assert_eq!(by_name(&format!("{d}/world.sock"))["access"], "anyone");
    assert_eq!(
        by_name(&format!("{d}/owner.sock"))["access_text"],
        "owner root"
    );
    assert_eq!(by_name(&format!("{d}/seq sock"))["sock_type"], "seqpacket");
    assert_eq!(by_name(&format!("{d}/dgram.sock"))["state"], "UNCONN");
    assert_eq!(by_name("@optest-abs@nul")["access"], "netns");
    // The newline ends the kernel's row: the name shows up to it, and the rest,
    // which reads like a row of its own, is flagged and given no verdict.
    let err = stderr(&ours);
    assert!(
        err.contains("may be forged") && err.contains("inode 99999"),
        "{err}"
    );
    assert_eq!(by_name("@optest-evil")["access"], "netns");
    let forged = rows.iter().find(|r| r["inode"] == 99999).unwrap();
    assert_eq!(forged["access"], "unknown", "{forged}");
    assert_eq!(forged["processes"], serde_json::json!([]));
    // -a adds the connected pair.
    let a = run(&["-xa", "-N", &ns.name, "-j"]);
    let estab = stdout(&a)
        .lines()
        .filter(|l| l.contains("\"state\":\"ESTAB\""))
        .count();
    assert_eq!(estab, 2, "{}", stdout(&a));
}

#[test]
fn sctp_live_where_the_kernel_has_it() {
    if !have_live("SCTP sockets") {
        return;
    }
    let ns = Netns::new("kinds-sctp");
    let probe = ns
        .exec("python3")
        .args([
            "-c",
            "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)",
        ])
        .output()
        .unwrap();
    if !probe.status.success() {
        skip(
            "this kernel has no SCTP (socket(IPPROTO_SCTP) fails): SCTP is tested on fixtures only",
        );
        return;
    }
    let mut c = ns.exec("python3");
    c.args([
        "-c",
        "import socket,sys\ns=socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)\ns.bind(('127.0.0.1',0)); s.listen(4)\nprint(s.getsockname()[1], flush=True); import signal; signal.pause()",
    ]);
    let h = Spawned::start(c);
    let port = h.line.clone();
    let o = run(&["-S", "-N", &ns.name, "-H"]);
    let ss = ns.exec("ss").args(["-Slnp", "-H"]).output().unwrap();
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains(&format!("127.0.0.1:{port} ")))
        .unwrap_or_else(|| panic!("no SCTP listener on {port}: {}", stdout(&o)))
        .to_string();
    assert!(line.contains(&format!("pid={},", h.pid())), "{line}");
    assert!(
        stdout(&ss).contains(&format!("127.0.0.1:{port}")),
        "{}",
        stdout(&ss)
    );
}

#[test]
fn summary_counts_sniffers_as_exposed_and_open_unix_sockets() {
    if !have("script") {
        skip("script(1) not installed: the terminal summary is not checked");
        return;
    }
    let root = testdata().join(TREE);
    let cmd = format!(
        "{} --proc-root {r} --passwd {r}/passwd --group {r}/group -0 -x",
        argv().join(" "),
        r = root.display()
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let out = stdout(&o);
    let summary = out
        .lines()
        .find(|l| l.contains("listening sockets in"))
        .unwrap_or_else(|| panic!("{out}"));
    // Packet sockets on every interface (tcpdump, the sniffer) and on one
    // interface other than lo (dhclient, lldpd twice) see other hosts' frames;
    // lo and protocol 0 do not. Three abstract names are anyone's to connect to.
    assert_eq!(
        summary.trim_end(),
        "openports: 18 listening sockets in 2 namespaces; 5 exposed (wildcard 2, interface 3); 3 unix sockets anyone can connect to; 0 with hidden owners; 1 held by deleted executables"
    );
}

fn check_with(root: &Path, policy: &str, args: &[&str]) -> std::process::Output {
    let p = root.join("test.policy");
    std::fs::write(&p, policy).unwrap();
    let mut full = vec!["check", p.to_str().unwrap()];
    full.extend_from_slice(args);
    run_tree(root, &full)
}

const KINDS_POLICY: &str = "\
allow unix /var/run/docker.sock group=docker
allow unix /run/systemd/journal/dev-log access=anyone comm=systemd-journal
allow unix @/containerd-shim/* access=netns
allow packet ip eth0 comm=dhclient
allow packet LLDP eth0 comm=lldpd
allow packet all all comm=tcpdump
allow sctp 3868 10.0.0.5 comm=diameterd
allow sctp 3868 192.168.7.5 comm=diameterd
";

/// The rows of `check`'s violations table (run with -H).
fn violation_rows(o: &std::process::Output) -> Vec<String> {
    stdout(o).lines().map(|l| l.to_string()).collect()
}

#[test]
fn check_allows_unix_packet_and_sctp_sockets_by_rule() {
    let Some(t) = tree_with_sockets() else {
        return;
    };
    let o = check_with(&t.0, KINDS_POLICY, &["-0", "-x", "-S", "-H"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = violation_rows(&o);
    let has = |needle: &str| v.iter().any(|l| l.contains(needle));
    // Not allowed: the sniffer, the unnamed interface, the M3UA endpoint, the
    // world-writable socket in /tmp, the abstract sockets no rule names, the
    // forged row and the relative path (their verdicts are unknown).
    for needle in [
        "haldrund",
        "ipv6:if9",
        "[::]:2905",
        "red.sock 2010",
        "@evil 2005",
        "@app-debug 5002",
        "/run/forged.sock 9999",
        "relative.sock 2011",
    ] {
        assert!(has(needle), "{needle} not reported:\n{}", stdout(&o));
    }
    // Allowed, or not checked (the owner's own sockets, loopback, lo).
    for needle in [
        "docker.sock",
        "dev-log",
        "containerd-shim",
        "dhclient",
        "tcpdump",
        "LLDP:eth0",
        "LLDP:lo",
        "10.0.0.5:3868",
        "127.0.0.1:9999",
        "/run/systemd/private",
        "/run/app.sock",
    ] {
        assert!(!has(needle), "{needle} reported:\n{}", stdout(&o));
    }
    assert_eq!(v.len(), 8, "{}", stdout(&o));
    // group=docker no longer allows docker's socket once anyone may use it.
    std::fs::set_permissions(
        t.0.join("120/root/run/docker.sock"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let o = check_with(&t.0, KINDS_POLICY, &["-x", "-H"]);
    assert!(
        stdout(&o).contains("/var/run/docker.sock 2003"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn baseline_of_every_kind_checks_clean_and_reads_back() {
    let Some(t) = tree_with_sockets() else {
        return;
    };
    let b = run_tree(&t.0, &["baseline", "-0", "-x", "-S"]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    let policy = stdout(&b);
    for rule in [
        "allow unix   /var/run/docker.sock",
        "group=docker",
        "allow packet all",
        "allow packet ip",
        "allow sctp   2905",
    ] {
        assert!(policy.contains(rule), "{rule} missing:\n{policy}");
    }
    let o = check_with(&t.0, &policy, &["-0", "-x", "-S"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn policy_errors_for_the_new_kinds_name_line_and_column() {
    let root = testdata().join(TREE);
    let dir = TempTree(std::env::temp_dir().join(unique("kinds-policy")));
    std::fs::create_dir_all(&dir.0).unwrap();
    for (policy, want) in [
        ("allow unix\n", "1:11: expected a unix socket name"),
        (
            "allow unix /run/x.sock 0.0.0.0\n",
            "1:24: expected a qualifier",
        ),
        ("allow packet ipx4 eth0\n", "1:14: expected ethertypes"),
        (
            "allow tcp 22 access=owner\n",
            "1:14: expected access= only in unix rules",
        ),
        (
            "allow unix * access=everyone\n",
            "1:21: expected anyone, netns, group, owner or root",
        ),
        ("allow unix6 /x\n", "1:7: expected a protocol"),
    ] {
        let p = dir.0.join("p");
        std::fs::write(&p, policy).unwrap();
        let o = run(&[
            "check",
            p.to_str().unwrap(),
            "--proc-root",
            root.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{policy}");
        assert!(stderr(&o).contains(want), "{policy}: {}", stderr(&o));
    }
}
