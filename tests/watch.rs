//! `openports watch`: events on fixture trees, and live listeners opened and
//! closed by other processes in namespaces this test creates (root only).

mod common;

use common::{Netns, Spawned, netns_or_skip, run, skip, stderr, stdout};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

fn fixture() -> String {
    common::testdata()
        .join("synth-multi-ns")
        .to_str()
        .unwrap()
        .to_string()
}

/// `watch` running with its stdout read line by line on a thread.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
}

impl Watcher {
    fn start(args: &[&str]) -> Watcher {
        let mut child = common::command()
            .arg("watch")
            .args(args)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Watcher { child, lines }
    }

    /// The next JSON event that `want` accepts, skipping others (sockets of
    /// other tests' namespaces on the same port).
    fn event(&self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    let v: Value = serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}"));
                    if want(&v) {
                        return v;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no {what} event within 20 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("watch ended before a {what} event"),
            }
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: plain syscall on the process this test started.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Exit status within `secs` seconds.
    fn exit_within(&mut self, secs: u64) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("watch still running after {secs} s");
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_rfc3339_utc(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
        && t.bytes()
            .enumerate()
            .all(|(i, c)| [4, 7, 10, 13, 16, 19, 23].contains(&i) || c.is_ascii_digit())
}

#[test]
fn first_poll_prints_present_then_nothing_when_nothing_changes() {
    let root = fixture();
    let o = run(&[
        "watch",
        "--proc-root",
        &root,
        "--count",
        "3",
        "--interval",
        "100ms",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // A header and the fixture's ten listeners, once.
    assert_eq!(lines.len(), 11, "{out}");
    assert!(
        lines[0].starts_with("Time                     Event   Netns        Netid State "),
        "{out}"
    );
    for l in &lines[1..] {
        let (time, rest) = l.split_once(' ').unwrap();
        assert!(is_rfc3339_utc(time), "{l}");
        assert!(rest.trim_start().starts_with("present "), "{l}");
    }
    // The same rows as the listing (which has the Netns column here too),
    // after the two new columns, with the Exposure column of `-e` (exposure
    // and reach: who can connect) after the peer.
    let words = |t: String| -> Vec<Vec<String>> {
        t.lines()
            .map(|l| l.split_whitespace().map(String::from).collect())
            .collect()
    };
    let listing = words(stdout(&run(&["--proc-root", &root, "-H"])));
    let extended = words(stdout(&run(&["--proc-root", &root, "-H", "-e"])));
    let mut ours: Vec<Vec<String>> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().skip(2).map(String::from).collect())
        .collect();
    let exposure: Vec<String> = ours.iter_mut().map(|w| w.remove(7)).collect();
    assert_eq!(ours, listing);
    let theirs: Vec<String> = extended.iter().map(|w| w[7].clone()).collect();
    assert_eq!(exposure, theirs);
    assert!(
        exposure.iter().any(|e| e.starts_with("wildcard/")),
        "{exposure:?}"
    );

    let o = run(&[
        "watch",
        "--proc-root",
        &root,
        "--count",
        "2",
        "--interval",
        "100ms",
        "--changes-only",
        "-H",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");

    let o = run(&[
        "watch",
        "--proc-root",
        &root,
        "--count",
        "1",
        "-j",
        "sport = :22",
    ]);
    let evs: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(evs.len(), 2, "{}", stdout(&o));
    for e in &evs {
        assert_eq!(e["event"], "present");
        assert!(is_rfc3339_utc(e["time"].as_str().unwrap()), "{e}");
        assert_eq!(e["socket"]["local_port"], 22);
        assert_eq!(e["socket"]["processes"][0]["comm"], "sshd");
    }
}

#[test]
fn watch_policy_prints_what_check_reports_and_exits_0() {
    let root = fixture();
    let pol = std::env::temp_dir().join(format!("optest-watch-policy-{}", std::process::id()));
    std::fs::write(&pol, "allow tcp 22 comm=sshd\nallow udp 68\n").unwrap();
    let p = pol.to_str().unwrap();
    let check = run(&["check", p, "--proc-root", &root, "-H", "-j"]);
    let watch = run(&[
        "watch",
        "--policy",
        p,
        "--proc-root",
        &root,
        "-j",
        "--count",
        "2",
        "--interval",
        "100ms",
    ]);
    let _ = std::fs::remove_file(&pol);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(watch.status.code(), Some(0), "{}", stderr(&watch));
    let violations: Vec<(u64, u64)> = stdout(&check)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == "violation")
        .map(|v| {
            (
                v["inode"].as_u64().unwrap(),
                v["local_port"].as_u64().unwrap(),
            )
        })
        .collect();
    let events: Vec<Value> = stdout(&watch)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events.iter().all(|e| e["event"] == "violation"),
        "{}",
        stdout(&watch)
    );
    let seen: Vec<(u64, u64)> = events
        .iter()
        .map(|e| {
            (
                e["socket"]["inode"].as_u64().unwrap(),
                e["socket"]["local_port"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, violations);
    assert_eq!(seen.len(), 5);
}

#[test]
fn sigint_sigterm_and_a_closed_stdout_end_it_with_status_0() {
    let root = fixture();
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let mut w = Watcher::start(&["--proc-root", &root, "-j", "--interval", "100ms"]);
        w.event("present", |_| true);
        w.signal(sig);
        assert_eq!(w.exit_within(5), Some(0), "signal {sig}");
    }
    // The reader goes away while watch sleeps: it notices without writing.
    let mut child = common::command()
        .args(["watch", "--proc-root", &root, "--changes-only", "-H"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(child.stdout.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "watch kept running with its stdout closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    // Flags that belong to watch are refused elsewhere; a bad interval is a usage error.
    assert_eq!(run(&["--interval", "2"]).status.code(), Some(2));
    assert_eq!(run(&["watch", "--interval", "10ms"]).status.code(), Some(2));
}

/// The release build turns a failed check into a trap instruction
/// (`-Cpanic=immediate-abort`): SIGILL or SIGTRAP. Whichever arrives, the
/// handler says on stderr that openports failed, and the signal still ends
/// the process (its status says so, as without the handler).
#[test]
fn a_trap_is_reported_on_stderr_and_still_kills() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let root = fixture();
    for sig in [libc::SIGILL, libc::SIGTRAP] {
        let mut cmd = common::command();
        // No core file from the signal's default action.
        // SAFETY: setrlimit is async-signal-safe; the struct is complete.
        unsafe {
            cmd.pre_exec(|| {
                let none = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &none);
                Ok(())
            });
        }
        let mut child = cmd
            .args(["watch", "--proc-root", &root, "-j", "--interval", "100ms"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The first event: main has run and installed its handlers.
        // Its stdout stays open until it has gone: watch ends on its own,
        // with status 0, when its reader goes away.
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert!(first.contains("\"present\""), "{first}");
        // SAFETY: plain syscall on the process this test started.
        unsafe { libc::kill(child.id() as i32, sig) };
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        drop(out);
        assert_eq!(status.signal(), Some(sig), "signal {sig}: {status:?}");
        let line = err.lines().find(|l| l.contains("internal error"));
        assert_eq!(
            line,
            Some(
                "openports: internal error: a check in the program failed (a bug, or memory ran out); please report it with the command line and `openports --version`"
            ),
            "signal {sig}: {err}"
        );
    }
}

const LISTENER: &str = r#"
import os, signal, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 4444)); s.listen(4)
def fork(*_):
    if os.fork() == 0:
        time.sleep(600)
signal.signal(signal.SIGUSR1, fork)
print(os.getpid()); sys.stdout.flush()
while True: time.sleep(1)
"#;

fn in_ns(ns: &Netns) -> impl Fn(&Value) -> bool + '_ {
    move |v: &Value| v["socket"]["netns_name"] == ns.name.as_str()
}

#[test]
fn listeners_opened_and_closed_by_others_in_namespaces_that_come_and_go() {
    if !netns_or_skip() {
        return;
    }
    if !common::have("python3") {
        return skip("python3 missing: live watch test not run");
    }
    let a = Netns::new("wa");
    let mut c = a.exec("python3");
    c.args(["-c", LISTENER]);
    let first = Spawned::start(c);
    let first_pid: u64 = first.line.parse().unwrap();
    let w = Watcher::start(&["-j", "--interval", "200ms", "-t", "sport", "=", ":4444"]);
    let e = w.event("present", in_ns(&a));
    assert_eq!(e["event"], "present");
    assert_eq!(e["socket"]["processes"][0]["pid"], first_pid);

    // A namespace that appears after watch started, with a listener in it.
    let b = Netns::new("wb");
    let mut c = b.exec("python3");
    c.args(["-c", LISTENER]);
    let second = Spawned::start(c);
    let pid: u64 = second.line.parse().unwrap();
    let opened = w.event("opened", in_ns(&b));
    assert_eq!(opened["event"], "opened", "{opened}");
    assert!(is_rfc3339_utc(opened["time"].as_str().unwrap()));
    let s = &opened["socket"];
    assert_eq!(
        (
            s["proto"].as_str(),
            s["local_addr"].as_str(),
            s["local_port"].as_u64()
        ),
        (Some("tcp"), Some("0.0.0.0"), Some(4444))
    );
    assert_eq!(s["exposure"], "wildcard");
    assert_eq!(s["netns"], b.inode());
    assert_eq!(s["processes"][0]["pid"], pid);
    assert_eq!(s["processes"][0]["comm"], "python3");
    let inode = s["inode"].clone();

    // Closed by its owner: reported once, with the owner it had.
    drop(second);
    let closed = w.event("closed", in_ns(&b));
    assert_eq!(closed["event"], "closed", "{closed}");
    assert_eq!(closed["socket"]["inode"], inode);
    assert_eq!(closed["socket"]["processes"][0]["pid"], pid);
    drop(b);

    // A forked child now holds the first listener too.
    // SAFETY: plain syscall on the helper this test started.
    unsafe { libc::kill(first_pid as i32, libc::SIGUSR1) };
    let owners = w.event("owners", in_ns(&a));
    assert_eq!(owners["event"], "owners", "{owners}");
    let pids: Vec<u64> = owners["socket"]["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(pids.len(), 2, "{owners}");
    assert!(pids.contains(&first_pid));

    // An address appears in the namespace: the wildcard listener, reachable
    // from nowhere with only lo, becomes reachable on it.
    assert_eq!(owners["socket"]["reach"], "local", "{owners}");
    let ip = |args: &[&str]| {
        let o = std::process::Command::new("ip")
            .arg("-n")
            .arg(&a.name)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "ip {args:?}: {}", stderr(&o));
    };
    ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ip(&["addr", "add", "10.77.0.1/24", "dev", "d0"]);
    ip(&["link", "set", "d0", "up"]);
    ip(&["link", "set", "d1", "up"]);
    let reach = w.event("reach", in_ns(&a));
    assert_eq!(reach["event"], "reach", "{reach}");
    assert_eq!(reach["socket"]["reach"], "private", "{reach}");
    let on = reach["socket"]["reachable_on"].as_array().unwrap();
    assert!(
        on.iter()
            .any(|x| x["addr"] == "10.77.0.1" && x["iface"] == "d0"),
        "{reach}"
    );

    w.signal(libc::SIGTERM);
    let mut w = w;
    assert_eq!(w.exit_within(10), Some(0));
}
