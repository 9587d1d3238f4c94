//! The built binary against live sockets that the tests open themselves, and
//! against ss on the same machine.

mod common;

use common::{have, is_root, run, skip, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};

fn inode_of(fd: i32) -> u64 {
    let t = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
    let t = t.to_str().unwrap();
    t.trim_start_matches("socket:[")
        .trim_end_matches(']')
        .parse()
        .unwrap()
}

fn json(args: &[&str]) -> Vec<Value> {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn row(rows: &[Value], inode: u64) -> &Value {
    rows.iter()
        .find(|r| r["inode"] == inode)
        .unwrap_or_else(|| panic!("inode {inode} not listed"))
}

fn owners(r: &Value) -> Vec<(u64, u64)> {
    r["processes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p["pid"].as_u64().unwrap(), p["fd"].as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn live_listeners_connections_and_udp_appear_with_their_inodes() {
    let me = std::process::id() as u64;
    let l4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let any = TcpListener::bind("0.0.0.0:0").unwrap();
    let l6 = TcpListener::bind("[::1]:0").ok();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(l4.local_addr().unwrap()).unwrap();
    let (server, _) = l4.accept().unwrap();
    let rows = json(&["-tuwa", "-j", "-N", "self"]);

    let r = row(&rows, inode_of(l4.as_raw_fd()));
    assert_eq!(
        (&r["proto"], &r["family"], &r["state"]),
        (&"tcp".into(), &"inet".into(), &"LISTEN".into())
    );
    assert_eq!(r["local_addr"], "127.0.0.1");
    assert_eq!(r["local_port"], l4.local_addr().unwrap().port());
    assert_eq!(r["exposure"], "loopback");
    assert_eq!(owners(r), vec![(me, l4.as_raw_fd() as u64)]);

    let r = row(&rows, inode_of(any.as_raw_fd()));
    assert_eq!(
        (&r["local_addr"], &r["state"]),
        (&"0.0.0.0".into(), &"LISTEN".into())
    );
    assert_eq!(r["exposure"], "wildcard");

    if let Some(l6) = &l6 {
        let r = row(&rows, inode_of(l6.as_raw_fd()));
        assert_eq!(
            (&r["family"], &r["local_addr"]),
            (&"inet6".into(), &"::1".into())
        );
        assert_eq!(r["local_port"], l6.local_addr().unwrap().port());
    } else {
        skip("no IPv6 loopback on this machine: ::1 listener not checked");
    }

    let r = row(&rows, inode_of(udp.as_raw_fd()));
    assert_eq!(
        (&r["proto"], &r["state"]),
        (&"udp".into(), &"UNCONN".into())
    );
    assert_eq!(r["local_port"], udp.local_addr().unwrap().port());

    for (s, peer) in [(&client, &server), (&server, &client)] {
        let r = row(&rows, inode_of(s.as_raw_fd()));
        assert_eq!(r["state"], "ESTAB");
        assert_eq!(r["local_port"], s.local_addr().unwrap().port());
        assert_eq!(r["remote_port"], peer.local_addr().unwrap().port());
        assert_eq!(owners(r), vec![(me, s.as_raw_fd() as u64)]);
    }

    // Default view: listeners only; the connection is not shown.
    let rows = json(&["-j", "-N", "self"]);
    assert!(rows.iter().any(|r| r["inode"] == inode_of(l4.as_raw_fd())));
    assert!(
        !rows
            .iter()
            .any(|r| r["inode"] == inode_of(client.as_raw_fd()))
    );
    // --exposed drops loopback binds but keeps the wildcard one.
    let rows = json(&["-j", "--exposed", "-N", "self"]);
    assert!(!rows.iter().any(|r| r["inode"] == inode_of(l4.as_raw_fd())));
    assert!(rows.iter().any(|r| r["inode"] == inode_of(any.as_raw_fd())));
}

type Key = (String, String, String, String, String, u64);

/// Parse `ss -H -e`-style output into (proto, family, state, local, remote, inode).
fn ss_sockets(args: &[&str]) -> BTreeSet<Key> {
    let o = Command::new("ss").args(args).output().unwrap();
    let mut v = BTreeSet::new();
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 6 {
            continue;
        }
        let Some(ino) = f.iter().find_map(|t| t.strip_prefix("ino:")) else {
            continue;
        };
        let ino: u64 = ino.parse().unwrap();
        if ino == 0 {
            continue;
        }
        let norm = |a: &str| -> String {
            // ss prints dual-stack [::] as `*`, and a bound device as `%dev`.
            let (addr, port) = a.rsplit_once(':').unwrap();
            let addr = addr.split('%').next().unwrap();
            let addr = if addr == "*" { "[::]" } else { addr };
            format!("{addr}:{port}")
        };
        let local = norm(f[4]);
        let family = if local.starts_with('[') {
            "inet6"
        } else {
            "inet"
        };
        v.insert((
            f[0].to_string(),
            family.to_string(),
            f[1].to_string(),
            local,
            norm(f[5]),
            ino,
        ));
    }
    v
}

fn our_sockets(rows: &[Value]) -> BTreeSet<Key> {
    let ep = |a: &Value, p: &Value| {
        let a = a.as_str().unwrap();
        let a = if a.contains(':') {
            format!("[{a}]")
        } else {
            a.to_string()
        };
        let p = p.as_u64().unwrap();
        format!(
            "{a}:{}",
            if p == 0 {
                "*".to_string()
            } else {
                p.to_string()
            }
        )
    };
    rows.iter()
        .filter(|r| r["inode"] != 0)
        .map(|r| {
            (
                r["proto"].as_str().unwrap().to_string(),
                r["family"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
                ep(&r["local_addr"], &r["local_port"]),
                ep(&r["remote_addr"], &r["remote_port"]),
                r["inode"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Sockets come and go while two tools run one after the other: whatever ss
/// saw must be in one of our two runs around it, and whatever both our runs saw
/// must be in ss's.
fn agree<T: Ord + Clone + std::fmt::Debug>(a1: &BTreeSet<T>, ss: &BTreeSet<T>, a2: &BTreeSet<T>) {
    let union: BTreeSet<T> = a1.union(a2).cloned().collect();
    let both: BTreeSet<T> = a1.intersection(a2).cloned().collect();
    let missing: Vec<&T> = ss.difference(&union).collect();
    let extra: Vec<&T> = both.difference(ss).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "ss saw but we did not: {missing:#?}\nwe saw but ss did not: {extra:#?}"
    );
}

#[test]
fn agrees_with_ss_on_every_socket() {
    if !have("ss") {
        return skip("ss not installed: differential test against ss not run");
    }
    let _l = TcpListener::bind("127.0.0.1:0").unwrap();
    let _u = UdpSocket::bind("0.0.0.0:0").unwrap();
    let a1 = our_sockets(&json(&["-tuwa", "-j", "-N", "self"]));
    let ss = ss_sockets(&["-tuwanH", "-e"]);
    let a2 = our_sockets(&json(&["-tuwa", "-j", "-N", "self"]));
    assert!(!ss.is_empty());
    agree(&a1, &ss, &a2);
}

/// inode → set of (pid, fd) from `ss -p -e`.
fn ss_owners(args: &[&str]) -> BTreeSet<(u64, u64, u64)> {
    let o = Command::new("ss").args(args).output().unwrap();
    let mut v = BTreeSet::new();
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        let Some(ino) = l
            .split_whitespace()
            .find_map(|t| t.strip_prefix("ino:"))
            .and_then(|i| i.parse::<u64>().ok())
        else {
            continue;
        };
        for p in l.split("pid=").skip(1) {
            let pid = p.split(',').next().unwrap().parse().unwrap();
            let fd = p.split("fd=").nth(1).unwrap();
            let fd = fd.split(')').next().unwrap().parse().unwrap();
            v.insert((ino, pid, fd));
        }
    }
    v
}

fn our_owners(rows: &[Value]) -> BTreeSet<(u64, u64, u64)> {
    let mut v = BTreeSet::new();
    for r in rows {
        for (pid, fd) in owners(r) {
            v.insert((r["inode"].as_u64().unwrap(), pid, fd));
        }
    }
    v
}

#[test]
fn owners_agree_with_ss_pid_by_pid() {
    if !have("ss") {
        return skip("ss not installed: owner differential test not run");
    }
    let _l = TcpListener::bind("0.0.0.0:0").unwrap();
    for (ours, theirs) in [
        (&["-tul", "-j", "-N", "self"][..], &["-tulnpH", "-e"][..]),
        (&["-tua", "-j", "-N", "self"][..], &["-tuanpH", "-e"][..]),
    ] {
        let a1 = our_owners(&json(ours));
        let ss = ss_owners(theirs);
        let a2 = our_owners(&json(ours));
        assert!(!ss.is_empty(), "ss {theirs:?} listed no owners");
        agree(&a1, &ss, &a2);
    }
}

/// A Python helper process; killed (with its children) on drop.
struct Py {
    child: Child,
    lines: Vec<String>,
}

impl Py {
    /// Start `code`; it prints `n` lines (pids, ports…) then sleeps.
    fn start(code: &str, n: usize) -> Option<Py> {
        if !have("python3") {
            skip("python3 not installed: live helper process not started");
            return None;
        }
        let mut child = Command::new("python3")
            .args(["-c", code])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut r = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        for _ in 0..n {
            let mut s = String::new();
            r.read_line(&mut s).unwrap();
            lines.push(s.trim().to_string());
        }
        Some(Py { child, lines })
    }
}

impl Drop for Py {
    fn drop(&mut self) {
        // Kill the whole process group (forked children too).
        let _ = Command::new("kill")
            .args(["-9", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

use std::os::unix::process::CommandExt;

#[test]
fn forked_workers_and_duplicated_fds_are_all_listed() {
    let code = r#"
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
d = os.dup(s.fileno())
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        time.sleep(60); os._exit(0)
    kids.append(pid)
print(s.getsockname()[1]); print(s.fileno()); print(d); print(os.getpid()); print(kids[0]); print(kids[1])
sys.stdout.flush(); time.sleep(60)
"#;
    let Some(py) = Py::start(code, 6) else { return };
    let v: Vec<u64> = py.lines.iter().map(|l| l.parse().unwrap()).collect();
    let (port, fd, dup, parent, k1, k2) = (v[0], v[1], v[2], v[3], v[4], v[5]);
    let rows = json(&["-t", "-j"]);
    let r = rows
        .iter()
        .find(|r| r["local_port"] == port && r["local_addr"] == "127.0.0.1")
        .expect("forked listener listed");
    let mut want: Vec<(u64, u64)> = Vec::new();
    for pid in [parent, k1, k2] {
        want.push((pid, fd));
        want.push((pid, dup));
    }
    want.sort();
    assert_eq!(owners(r), want);
    assert_eq!(r["owner"], "process");
    // Table: ss's users:(…) format, every holder.
    let o = run(&["-tH"]);
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains(&format!("127.0.0.1:{port} ")))
        .unwrap()
        .to_string();
    for (pid, fd) in &want {
        assert!(
            line.contains(&format!("(\"python3\",pid={pid},fd={fd})")),
            "{line}"
        );
    }
}

#[test]
fn hostile_comm_is_escaped_in_the_table_and_exact_in_json() {
    let code = r#"
import socket, sys, time
open("/proc/self/comm", "wb").write(b"x\x1b[2J\n)\"y")
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(60)
"#;
    let Some(py) = Py::start(code, 1) else { return };
    let port: u64 = py.lines[0].parse().unwrap();
    let rows = json(&["-t", "-j"]);
    let r = rows.iter().find(|r| r["local_port"] == port).unwrap();
    assert_eq!(r["processes"][0]["comm"], "x\u{1b}[2J\n)\"y");
    let o = run(&["-t"]);
    let out = stdout(&o);
    assert!(!out.bytes().any(|b| b == 0x1b), "raw ESC in table");
    let line = out
        .lines()
        .find(|l| l.contains(&format!(":{port} ")))
        .unwrap();
    assert!(line.contains(r#"("x\x1b[2J\n)\"y",pid="#), "{line}");
}

#[test]
fn unprivileged_run_lists_every_socket_and_says_owners_are_hidden() {
    if !is_root() {
        return skip("not root: cannot drop to an unprivileged user to test it");
    }
    if !have("setpriv") {
        return skip("setpriv not installed");
    }
    // Root holds this listener; uid 65534 can see the socket but not its owner.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let o = common::run_as_nobody(&["-t", "-j"]);
    if o.status.code() == Some(126) || o.status.code() == Some(127) {
        return skip("the test binary is not executable by uid 65534");
    }
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let r = rows
        .iter()
        .find(|r| r["local_port"] == port)
        .expect("root's listener is listed for an unprivileged user");
    assert_eq!(r["owner"], "hidden");
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "one notice: {e}");
    assert!(
        e.contains("may be hidden") && e.contains("not running as root"),
        "{e}"
    );
    // ...and owners the user can see are shown: its own process.
    let mut own = Command::new("setpriv");
    own.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "/usr/bin/python3",
        "-c",
    ])
        .arg("import socket,sys,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(1)\nprint(s.getsockname()[1]);sys.stdout.flush();time.sleep(30)")
        .stdout(Stdio::piped());
    if !std::path::Path::new("/usr/bin/python3").exists() {
        skip("no /usr/bin/python3: own-process owner as uid 65534 not checked");
    } else {
        let mut child = own.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let p: u64 = line.trim().parse().unwrap();
        let o = common::run_as_nobody(&["-t", "-j"]);
        let _ = child.kill();
        let _ = child.wait();
        let rows: Vec<Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let r = rows.iter().find(|r| r["local_port"] == p).unwrap();
        assert_eq!(r["owner"], "process");
        assert_eq!(r["processes"][0]["pid"], child.id());
    }
    drop(l);
}

#[test]
fn no_processes_skips_owners() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let rows = json(&["-t", "-j", "--no-processes", "-N", "self"]);
    let r = row(&rows, inode_of(l.as_raw_fd()));
    assert_eq!(r["owner"], Value::Null);
    assert_eq!(r["processes"], Value::Null);
    let o = run(&["-t", "--no-processes"]);
    assert!(!stdout(&o).contains("Process"));
}
