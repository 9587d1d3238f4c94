//! Live ground truth for reach (issue 12): a server namespace joined by a veth
//! to a client namespace, a lo-only namespace, listeners of every kind; what a
//! client can connect to must be what openports puts in `reachable_on`.
//! Traffic stays inside the namespaces the test creates.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{Netns, Spawned, have, netns_or_skip, run, serial, stderr, stdout};

fn ip(args: &[&str]) {
    let o = Command::new("ip").args(args).output().expect("run ip");
    assert!(o.status.success(), "ip {args:?}: {}", stderr(&o));
}

/// The listeners, each on port 0; the helper prints one line `NAME=PORT ...`
/// when all are bound.
const SERVER_PY: &str = r#"
import socket, sys, threading
IP_FREEBIND = 15
LL = sys.argv[1]
made = []
def tcp(name, fam, addr, v6only=None, freebind=False):
    s = socket.socket(fam, socket.SOCK_STREAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if freebind:
        s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    s.bind(addr); s.listen(64); made.append((name, s))
    def accept():
        while True:
            c, _ = s.accept(); c.close()
    threading.Thread(target=accept, daemon=True).start()
tcp("any4", socket.AF_INET, ("0.0.0.0", 0))
tcp("any6only", socket.AF_INET6, ("::", 0), v6only=1)
tcp("any6dual", socket.AF_INET6, ("::", 0), v6only=0)
tcp("loop4", socket.AF_INET, ("127.0.0.1", 0))
tcp("specific", socket.AF_INET, ("10.88.0.1", 0))
tcp("linklocal", socket.AF_INET6, ("fe80::88:1%" + LL, 0, 0, socket.if_nametoindex(LL)))
tcp("freebind", socket.AF_INET, ("10.88.0.99", 0), freebind=True)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 0)); made.append(("udp4", u))
def echo():
    while True:
        d, a = u.recvfrom(100); u.sendto(d, a)
threading.Thread(target=echo, daemon=True).start()
print(" ".join("%s=%d" % (n, s.getsockname()[1]) for n, s in made), flush=True)
import signal; signal.pause()
"#;

/// Listeners in a namespace with nothing but lo.
const LONELY_PY: &str = r#"
import socket, sys
k = []
for fam, typ, addr in [(socket.AF_INET, socket.SOCK_STREAM, "0.0.0.0"), (socket.AF_INET6, socket.SOCK_STREAM, "::"), (socket.AF_INET, socket.SOCK_DGRAM, "0.0.0.0")]:
    s = socket.socket(fam, typ); s.bind((addr, 0))
    if typ == socket.SOCK_STREAM: s.listen(8)
    k.append(s)
print(" ".join(str(s.getsockname()[1]) for s in k), flush=True)
import signal; signal.pause()
"#;

/// From the client: TCP connect (1 s timeout) to every address on every port,
/// one UDP datagram to every address on the UDP port (0.5 s for the echo).
/// Prints `tcp|udp ADDR PORT` for each that answered.
const PROBE_PY: &str = r#"
import socket, sys
ll, addrs, tcp, udp = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), int(sys.argv[4])
for a in addrs:
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    dst = lambda p: (a, p, 0, socket.if_nametoindex(ll)) if a.startswith("fe80:") else (a, p)
    for p in tcp:
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(1.0)
        try:
            s.connect(dst(int(p))); print("tcp", a, p)
        except OSError:
            pass
        s.close()
    s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(0.5)
    try:
        s.sendto(b"x", dst(udp)); s.recvfrom(10); print("udp", a, udp)
    except OSError:
        pass
    s.close()
"#;

/// The non-loopback addresses of a namespace per iproute2 (the oracle's list).
fn ip_addrs(ns: &str) -> Vec<(String, String, u64)> {
    let o = Command::new("ip")
        .args(["-n", ns, "-j", "addr", "show"])
        .output()
        .expect("ip -j addr");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("ip -j addr JSON");
    let mut out = Vec::new();
    for link in v.as_array().unwrap() {
        for a in link["addr_info"].as_array().unwrap() {
            out.push((
                link["ifname"].as_str().unwrap().to_string(),
                a["local"].as_str().unwrap().to_string(),
                a["prefixlen"].as_u64().unwrap(),
            ));
        }
    }
    out
}

struct Topology {
    server: Netns,
    client: Netns,
    srv_if: String,
    cli_if: String,
}

fn topology() -> Topology {
    let server = Netns::new("reach-srv");
    let client = Netns::new("reach-cli");
    let tag = std::process::id() % 100_000;
    let (srv_if, cli_if) = (format!("ors{tag}"), format!("orc{tag}"));
    ip(&[
        "link",
        "add",
        &srv_if,
        "netns",
        &server.name,
        "type",
        "veth",
        "peer",
        "name",
        &cli_if,
        "netns",
        &client.name,
    ]);
    for (ns, dev, last) in [(&server, &srv_if, 1), (&client, &cli_if, 2)] {
        let n = &ns.name;
        // No kernel-made link-local address (it would be tentative for a second).
        ip(&["-n", n, "link", "set", dev, "addrgenmode", "none"]);
        // Private, benchmarking (reserved), ULA, link-local.
        for a in [
            format!("10.88.0.{last}/24"),
            format!("198.18.88.{last}/15"),
            format!("fd88::{last}/64"),
            format!("fe80::88:{last}/64"),
        ] {
            // nodad (IPv6 only): usable at once, no duplicate detection.
            let nodad: &[&str] = if a.contains(':') { &["nodad"] } else { &[] };
            let mut args = vec!["-n", n, "addr", "add", &a, "dev", dev];
            args.extend_from_slice(nodad);
            ip(&args);
        }
        ip(&["-n", n, "link", "set", dev, "up"]);
    }
    Topology {
        server,
        client,
        srv_if,
        cli_if,
    }
}

fn python_or_skip() -> bool {
    if !have("python3") {
        common::skip("python3 not installed: no listener helper");
        return false;
    }
    true
}

fn json_rows(args: &[&str]) -> Vec<serde_json::Value> {
    let o = run(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// `(addr, port)` pairs of the `reachable_on` entries of one row; conditional
/// ones apart.
fn entries(row: &serde_json::Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut sure, mut cond) = (BTreeSet::new(), BTreeSet::new());
    for e in row["reachable_on"].as_array().expect("reachable_on") {
        let a = e["addr"].as_str().unwrap().to_string();
        if e.get("conditional").is_some() {
            cond.insert(a);
        } else {
            sure.insert(a);
        }
    }
    (sure, cond)
}

#[test]
fn reachable_on_is_what_a_client_in_a_peer_namespace_can_connect_to() {
    let _g = serial();
    if !netns_or_skip() || !python_or_skip() {
        return;
    }
    let t = topology();
    let mut cmd = t.server.exec("python3");
    cmd.args(["-c", SERVER_PY, &t.srv_if]);
    let srv = Spawned::start(cmd);
    let ports: Vec<(String, u16)> = srv
        .line
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect();
    let port = |name: &str| ports.iter().find(|p| p.0 == name).unwrap().1;
    // Every address of the server namespace, loopback included (a client can
    // only get refused there), as iproute2 lists them.
    let addrs: Vec<String> = ip_addrs(&t.server.name)
        .into_iter()
        .map(|a| a.1)
        .filter(|a| a != "127.0.0.1" && a != "::1")
        .collect();
    assert_eq!(addrs.len(), 4, "{addrs:?}");
    let tcp_ports: Vec<String> = ports
        .iter()
        .filter(|p| p.0 != "udp4")
        .map(|p| p.1.to_string())
        .collect();
    let probe = t
        .client
        .exec("python3")
        .args([
            "-c",
            PROBE_PY,
            &t.cli_if,
            &addrs.join(","),
            &tcp_ports.join(","),
            &port("udp4").to_string(),
        ])
        .output()
        .expect("probe");
    assert!(probe.status.success(), "probe: {}", stderr(&probe));
    let answered: BTreeSet<(String, String, u16)> = stdout(&probe)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect();
    let rows = json_rows(&["-tu", "-j", "-N", &t.server.name]);
    let ns = t.server.inode();
    for (name, p) in &ports {
        let proto = if name == "udp4" { "udp" } else { "tcp" };
        let row = rows
            .iter()
            .find(|r| r["netns"] == ns && r["proto"] == proto && r["local_port"] == *p)
            .unwrap_or_else(|| panic!("{name} :{p} not listed: {rows:?}"));
        let got: BTreeSet<String> = answered
            .iter()
            .filter(|a| a.0 == proto && a.2 == *p)
            .map(|a| a.1.clone())
            .collect();
        let (sure, cond) = entries(row);
        // Everything openports is sure of answers; everything that answers is
        // listed; the only doubt is the IPv4 side of an IPv6 wildcard.
        assert!(
            sure.is_subset(&got),
            "{name}: listed {sure:?}, answered {got:?}"
        );
        let listed: BTreeSet<String> = sure.union(&cond).cloned().collect();
        assert!(
            got.is_subset(&listed),
            "{name}: answered {got:?}, listed {listed:?}"
        );
        match name.as_str() {
            "any6only" | "any6dual" => {
                assert_eq!(row["local_addr"], "::");
                assert!(cond.iter().all(|a| !a.contains(':')), "{name}: {cond:?}");
                assert_eq!(
                    cond.len(),
                    2,
                    "{name}: both IPv4 addresses, conditional: {cond:?}"
                );
                // The kernel's answer to the question /proc does not show.
                let v4_answered = got.iter().filter(|a| !a.contains(':')).count();
                assert_eq!(
                    v4_answered,
                    if name == "any6dual" { 2 } else { 0 },
                    "{name}: {got:?}"
                );
            }
            _ => assert!(cond.is_empty(), "{name}: {cond:?}"),
        }
        let want_reach = match name.as_str() {
            "loop4" | "freebind" => "local",
            "linklocal" => "link-local",
            _ => "private",
        };
        assert_eq!(row["reach"], want_reach, "{name}: {row}");
        // Exactly: the wildcards answer on their family's addresses, the others
        // on their own.
        let want: BTreeSet<String> = match name.as_str() {
            "any4" | "udp4" => ["10.88.0.1", "198.18.88.1"].map(String::from).into(),
            "any6only" | "any6dual" => ["fd88::1", "fe80::88:1"].map(String::from).into(),
            "specific" => ["10.88.0.1"].map(String::from).into(),
            "linklocal" => ["fe80::88:1"].map(String::from).into(),
            _ => BTreeSet::new(),
        };
        assert_eq!(sure, want, "{name}");
    }
    let freebind = rows
        .iter()
        .find(|r| r["local_port"] == port("freebind"))
        .unwrap();
    assert_eq!(freebind["reach_reason"], "address not configured");
    // --exposed lists exactly the listeners some address answered on.
    let exposed: BTreeSet<u64> = json_rows(&["-tu", "-j", "--exposed", "-N", &t.server.name])
        .iter()
        .map(|r| r["local_port"].as_u64().unwrap())
        .collect();
    let answering: BTreeSet<u64> = answered.iter().map(|a| u64::from(a.2)).collect();
    assert_eq!(exposed, answering);
    drop(srv);
}

#[test]
fn listeners_in_a_lo_only_namespace_are_local() {
    let _g = serial();
    if !netns_or_skip() || !python_or_skip() {
        return;
    }
    let lonely = Netns::new("reach-lo");
    let mut cmd = lonely.exec("python3");
    cmd.args(["-c", LONELY_PY]);
    let h = Spawned::start(cmd);
    let ports: Vec<u64> = h.line.split(' ').map(|p| p.parse().unwrap()).collect();
    let rows = json_rows(&["-tu", "-j", "-N", &lonely.name]);
    for p in &ports {
        let r = rows
            .iter()
            .find(|r| r["local_port"] == *p)
            .unwrap_or_else(|| panic!(":{p} not listed: {rows:?}"));
        assert_eq!(r["exposure"], "wildcard");
        assert_eq!(r["reach"], "local", "{r}");
        assert_eq!(r["reach_reason"], "no address but loopback");
        assert_eq!(r["reachable_on"], serde_json::json!([]));
    }
    let o = run(&["-tu", "--exposed", "-H", "-N", &lonely.name]);
    assert_eq!(stdout(&o), "", "{}", stderr(&o));
    drop(h);
}

#[test]
fn addresses_of_a_namespace_without_processes_are_read_by_entering_it() {
    let _g = serial();
    if !netns_or_skip() {
        return;
    }
    let t = topology();
    // No process is in the client namespace: openports enters it (setns).
    let rows = json_rows(&["addresses", "-j", "-N", &t.client.name]);
    let mut got: Vec<(String, String, u64)> = rows
        .iter()
        .filter(|r| !r["addr"].is_null())
        .map(|r| {
            (
                r["iface"].as_str().unwrap_or("?").to_string(),
                r["addr"].as_str().unwrap().to_string(),
                r["prefix"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut want = ip_addrs(&t.client.name);
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let class = |a: &str| {
        rows.iter()
            .find(|r| r["addr"] == a)
            .map(|r| r["class"].as_str().unwrap().to_string())
    };
    assert_eq!(class("198.18.88.2").as_deref(), Some("reserved"));
    assert_eq!(class("fd88::2").as_deref(), Some("private"));
    assert_eq!(class("fe80::88:2").as_deref(), Some("link-local"));
    assert_eq!(class("10.88.0.2").as_deref(), Some("private"));
    drop(t.server);
}
