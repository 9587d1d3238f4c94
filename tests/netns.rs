//! Network namespaces created by the tests themselves (root only; skipped with
//! a printed reason otherwise), each cleaned up on drop.

mod common;

use common::{Netns, Spawned, have, netns_or_skip, run, skip, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn can_run() -> bool {
    if !netns_or_skip() {
        return false;
    }
    if !have("python3") {
        skip("python3 missing: namespace tests not run");
        return false;
    }
    true
}

/// A Python process (optionally inside a namespace) that prints one line when
/// ready; its process group is killed on drop.
fn py(netns: Option<&Netns>, code: &str) -> Spawned {
    let mut c = match netns {
        Some(ns) => ns.exec("python3"),
        None => Command::new("python3"),
    };
    c.args(["-c", code]);
    Spawned::start(c)
}

const LISTEN_7777: &str = r#"
import os, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7777)); s.listen(4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 7778))
print(os.getpid()); sys.stdout.flush(); time.sleep(60)
"#;

fn json(args: &[&str]) -> Vec<Value> {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (local addr:port, proto) that `ip netns exec NS ss -tulnpH` lists.
fn ss_in(ns: &str) -> BTreeSet<(String, String)> {
    let o = Command::new("ip")
        .args(["netns", "exec", ns, "ss", "-tulnH"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 5).then(|| (f[4].to_string(), f[0].to_string()))
        })
        .collect()
}

#[test]
fn three_namespaces_with_the_same_port_in_one_run() {
    if !can_run() {
        return;
    }
    let spaces: Vec<Netns> = ["a", "b", "c"].iter().map(|t| Netns::new(t)).collect();
    let procs: Vec<Spawned> = spaces.iter().map(|n| py(Some(n), LISTEN_7777)).collect();
    let rows = json(&["-j"]);
    for (ns, p) in spaces.iter().zip(&procs) {
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| r["netns_name"] == ns.name.as_str())
            .collect();
        assert!(!mine.is_empty(), "nothing listed in {}", ns.name);
        for r in &mine {
            assert_eq!(r["netns"], ns.inode(), "{r}");
            assert_eq!(r["host_netns"], false);
            assert_eq!(r["scope"], "netns");
        }
        let tcp = mine
            .iter()
            .find(|r| r["proto"] == "tcp" && r["local_port"] == 7777)
            .expect("listener on 7777");
        assert_eq!(tcp["processes"][0]["pid"], p.line.parse::<u64>().unwrap());
        // The same sockets as ss sees inside that namespace.
        let ours: BTreeSet<(String, String)> = mine
            .iter()
            .map(|r| {
                let a = r["local_addr"].as_str().unwrap();
                (
                    format!("{a}:{}", r["local_port"]),
                    r["proto"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if have("ss") {
            assert_eq!(ours, ss_in(&ns.name), "namespace {}", ns.name);
        }
    }
    // The table gets a Netns column naming them.
    let o = run(&["-t"]);
    let out = stdout(&o);
    assert!(out.starts_with("Netns "), "{out}");
    for ns in &spaces {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&ns.name) && l.contains("0.0.0.0:7777")),
            "{out}"
        );
    }
}

#[test]
fn namespace_without_processes_is_entered_and_its_socket_attributed() {
    if !can_run() {
        return;
    }
    let ns = Netns::new("empty");
    // A host process enters the namespace, creates a listener there, and goes
    // back: the socket lives in `ns`, its owner in the host namespace.
    let code = format!(
        r#"
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
host = os.open("/proc/self/ns/net", os.O_RDONLY)
target = os.open("/run/netns/{}", os.O_RDONLY)
assert libc.setns(target, CLONE_NEWNET) == 0
s = socket.socket(); s.bind(("127.0.0.1", 7779)); s.listen(1)
assert libc.setns(host, CLONE_NEWNET) == 0
print(os.getpid()); sys.stdout.flush(); time.sleep(60)
"#,
        ns.name
    );
    let p = py(None, &code);
    let rows = json(&["-t", "-j"]);
    let r = rows
        .iter()
        .find(|r| r["local_port"] == 7779 && r["netns"] == ns.inode())
        .expect("listener in a namespace with no process is listed");
    assert_eq!(r["netns"], ns.inode());
    assert_eq!(r["netns_name"], ns.name.as_str());
    assert_eq!(r["processes"][0]["pid"], p.line.parse::<u64>().unwrap());
    // Selected on its own by name.
    let rows = json(&["-t", "-j", "-N", &ns.name]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    // Without root it cannot be entered: said once, the rest is still listed.
    if have("setpriv") {
        let o = common::run_as_nobody(&["-t", "-H"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let e = stderr(&o);
        let line = e
            .lines()
            .find(|l| l.contains("could not be entered"))
            .unwrap_or_else(|| panic!("no notice about {}: {e}", ns.name));
        assert!(
            line.contains(&ns.name) && line.contains("needs root"),
            "{line}"
        );
        assert_eq!(e.matches("could not be entered").count(), 1, "{e}");
        assert!(!stdout(&o).contains(":7779 "), "not readable without root");
    }
}

#[test]
fn select_namespaces_by_name_pid_inode_and_path() {
    if !can_run() {
        return;
    }
    let a = Netns::new("sela");
    let b = Netns::new("selb");
    let pa = py(Some(&a), LISTEN_7777);
    let _pb = py(Some(&b), LISTEN_7777);
    let only_a = |rows: &[Value]| !rows.is_empty() && rows.iter().all(|r| r["netns"] == a.inode());
    assert!(only_a(&json(&["-j", "-N", &a.name])));
    assert!(only_a(&json(&["-j", "-N", &format!("pid:{}", pa.line)])));
    assert!(only_a(&json(&["-j", "-N", &a.inode().to_string()])));
    assert!(only_a(&json(&[
        "-j",
        "-N",
        &format!("/run/netns/{}", a.name)
    ])));
    let both = json(&["-j", "-N", &a.name, "-N", &b.name]);
    let seen: BTreeSet<u64> = both.iter().map(|r| r["netns"].as_u64().unwrap()).collect();
    assert_eq!(seen, BTreeSet::from([a.inode(), b.inode()]));
    // `self` is the tool's own namespace: here the host's.
    let me = json(&["-j", "-N", "self"]);
    assert!(me.iter().all(|r| r["host_netns"] == true));
}
