//! `openports check POLICY` and `openports baseline` end to end: exit statuses,
//! whole outputs on the fixture tree testdata/policy/proc (made by
//! testdata/policy/make-tree.sh), and live runs against listeners the tests
//! open themselves (in their own network namespace when `unshare -n` works).

mod common;

use common::{assert_text_eq, is_root, run, skip, stderr, stdout, testdata};
use serde_json::Value;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

// ---------------------------------------------------------------------------
// helpers

fn policy_dir() -> PathBuf {
    testdata().join("policy")
}

fn tree() -> PathBuf {
    policy_dir().join("proc")
}

fn passwd() -> PathBuf {
    policy_dir().join("passwd")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Run openports with a pinned environment, extra variables and optional stdin.
fn run_env(args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> Output {
    let mut cmd = common::command();
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().expect("run openports");
    if let Some(data) = input {
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    common::record_json(&o);
    o
}

/// `openports SUB POLICY --proc-root ROOT --passwd PASSWD EXTRA...`
fn on_tree(root: &Path, sub: &[&str], extra: &[&str]) -> Output {
    let pw = passwd();
    let mut args: Vec<&str> = sub.to_vec();
    args.extend(["--proc-root", p(root), "--passwd", p(&pw)]);
    args.extend(common::byte_order(root));
    args.extend_from_slice(extra);
    run(&args)
}

fn check_tree(root: &Path, policy: &Path, extra: &[&str]) -> Output {
    on_tree(root, &["check", p(policy)], extra)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn ndjson(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn kinds(rows: &[Value]) -> Vec<&str> {
    rows.iter().map(|r| r["kind"].as_str().unwrap()).collect()
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "openports-check-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let f = self.0.join(name);
        fs::write(&f, text).unwrap();
        f
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copy a fixture tree, keeping its (dangling) symlinks as links.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(e.path()).unwrap(), dst).unwrap();
        } else if ft.is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            fs::copy(e.path(), dst).unwrap();
        }
    }
}

fn append(path: &Path, text: &str) {
    let mut f = fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

const DHCLIENT_WARNING: &str = "warning: pid 1300 (dhclient) runs deleted executable /usr/sbin/dhclient, listening on udp 0.0.0.0:68\n";

// ---------------------------------------------------------------------------
// fixture tree

#[test]
fn fixture_violation_stale_rule_and_deleted_exe_exit_1() {
    let policy = policy_dir().join("web.policy");
    let o = check_tree(&tree(), &policy, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // The kernel's VXLAN socket is allowed by no rule; nothing else is.
    assert_text_eq(
        &stdout(&o),
        "\
Netns Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
host  udp   UNCONN 0      0      0.0.0.0:4789       0.0.0.0:*         [kernel]
",
        "violations",
    );
    let pol = p(&policy);
    assert_text_eq(
        &stderr(&o),
        &format!(
            "stale rule at {pol}:7: allow udp 53\n{DHCLIENT_WARNING}openports: 1 of 7 listeners not allowed by {pol}\n"
        ),
        "stderr",
    );
}

#[test]
fn fixture_prometheus_reports_stale_rules_and_deleted_exes_on_stderr_like_the_table() {
    let policy = policy_dir().join("web.policy");
    let table = check_tree(&tree(), &policy, &[]);
    let prom = check_tree(&tree(), &policy, &["--format", "prometheus"]);
    assert_eq!(code(&prom), 1, "{}", stderr(&prom));
    assert!(
        stdout(&prom).contains("openports_check_stale_rules{"),
        "{}",
        stdout(&prom)
    );
    let pol = p(&policy);
    assert!(
        stderr(&prom).contains(&format!("stale rule at {pol}:7: allow udp 53\n")),
        "{}",
        stderr(&prom)
    );
    assert_text_eq(
        &stderr(&prom),
        &stderr(&table),
        "stderr of prometheus vs table",
    );
}

#[test]
fn fixture_complete_policy_exits_0_and_only_warns() {
    let o = check_tree(&tree(), &policy_dir().join("complete.policy"), &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "", "no violation: nothing on stdout");
    assert_text_eq(&stderr(&o), DHCLIENT_WARNING, "stderr");
}

#[test]
fn fixture_json_objects_are_told_apart_by_kind() {
    let policy = policy_dir().join("web.policy");
    let o = check_tree(&tree(), &policy, &["-j"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "with -j everything is on stdout");
    let rows = ndjson(&o);
    assert_eq!(
        kinds(&rows),
        ["violation", "stale_rule", "deleted_exe", "summary"]
    );
    // A violation is a listing object (render::json::socket_object) plus "kind".
    let v = &rows[0];
    assert_eq!(
        (&v["proto"], &v["local_addr"], &v["local_port"], &v["owner"]),
        (
            &"udp".into(),
            &"0.0.0.0".into(),
            &4789.into(),
            &"kernel".into()
        )
    );
    assert_eq!(v["netns"], 4026531840u64);
    assert_eq!(v["exposure"], "wildcard");
    assert!(v["processes"].as_array().unwrap().is_empty());
    let s = &rows[1];
    assert_eq!(s["policy"], p(&policy));
    assert_eq!(
        (&s["line"], &s["rule"]),
        (&7.into(), &"allow udp 53".into())
    );
    let d = &rows[2];
    assert_eq!((&d["pid"], &d["comm"]), (&1300.into(), &"dhclient".into()));
    assert_eq!(d["exe"], "/usr/sbin/dhclient");
    assert_eq!(
        d["listeners"],
        serde_json::json!([{"proto":"udp","local_addr":"0.0.0.0","local_port":68,"netns":4026531840u64}])
    );
    assert_eq!(
        rows[3],
        serde_json::json!({"kind":"summary","policy":p(&policy),"rules":5,"checked":7,
            "violations":1,"stale_rules":1,"deleted_exe":1,"hidden_owners":0,"exit":1})
    );
    // A violation held by a process lists it, with exe_deleted.
    let o = check_tree(&tree(), &policy_dir().join("empty.policy"), &["-j"]);
    assert_eq!(code(&o), 1);
    let rows = ndjson(&o);
    let dh = rows
        .iter()
        .find(|r| r["kind"] == "violation" && r["local_port"] == 68)
        .unwrap();
    assert_eq!(dh["processes"][0]["exe_deleted"], true);
    assert_eq!(rows.last().unwrap()["violations"], 7);
}

#[test]
fn fixture_loopback_is_checked_only_with_include_loopback() {
    let complete = policy_dir().join("complete.policy");
    let o = check_tree(&tree(), &complete, &["--include-loopback"]);
    assert_eq!(code(&o), 1);
    assert_text_eq(
        &stdout(&o),
        "\
Netns Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
host  tcp   LISTEN 0      -      127.0.0.1:5432     0.0.0.0:*         users:((\"postgres\",pid=1200,fd=5))
",
        "loopback violation",
    );
    let t = TempDir::new("loopback");
    let more = fs::read_to_string(&complete).unwrap() + "allow tcp 5432 loopback user=postgres\n";
    let pol = t.file("p", &more);
    assert_eq!(code(&check_tree(&tree(), &pol, &["--include-loopback"])), 0);
    // Without the flag the loopback rule is out of scope: not stale either.
    let o = check_tree(&tree(), &pol, &[]);
    assert_eq!(code(&o), 0);
    assert!(!stderr(&o).contains("stale"), "{}", stderr(&o));
}

#[test]
fn fixture_each_qualifier_decides() {
    // One rule per listener with every kind of qualifier; then each changed to
    // something false must make exactly that listener a violation.
    let base = [
        (
            "allow tcp4 22 netns=host comm=sshd exe=/usr/sbin/sshd",
            &["0.0.0.0:22 "][..],
        ),
        ("allow tcp6 22 :: user=root", &["[::]:22 "]),
        (
            "allow tcp 80,443 0.0.0.0/0 user=www-data",
            &["0.0.0.0:80 ", "0.0.0.0:443 "],
        ),
        ("allow udp 68 wildcard netns=4026531840", &["0.0.0.0:68 "]),
        ("allow udp 4789 netns=host", &["0.0.0.0:4789 "]),
        (
            "allow tcp4 8000-8100 container=3f2a9c0d1e2b comm=\"my app\"",
            &["0.0.0.0:8080 "],
        ),
    ];
    let t = TempDir::new("qualifiers");
    let all: String = base.iter().map(|(r, _)| format!("{r}\n")).collect();
    let pol = t.file("all", &all);
    let o = check_tree(&tree(), &pol, &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    for (k, wrong) in [
        (0, "allow tcp4 22 netns=host comm=sshd exe=/usr/bin/sshd"),
        (0, "allow tcp4 22 netns=blue comm=sshd"),
        (1, "allow tcp6 22 :: user=www-data"),
        (1, "allow tcp4 22 :: user=root"),
        (2, "allow tcp 80,443 10.0.0.0/8 user=www-data"),
        (3, "allow udp 68 public netns=4026531840"),
        (3, "allow udp 68 wildcard netns=4026531841"),
        (4, "allow udp 4789 comm=kernel"),
        (5, "allow tcp4 8000-8100 container=3f2a9d"),
        (5, "allow tcp4 8000-8100 container=3f2a9c comm=my"),
    ] {
        let mut rules: Vec<&str> = base.iter().map(|(r, _)| *r).collect();
        rules[k] = wrong;
        let pol = t.file("one", &(rules.join("\n") + "\n"));
        let o = check_tree(&tree(), &pol, &["-H"]);
        assert_eq!(code(&o), 1, "{wrong}: {}", stderr(&o));
        let out = stdout(&o);
        let rows: Vec<&str> = out.lines().collect();
        assert!(!rows.is_empty(), "{wrong}");
        assert!(
            rows.iter().all(|r| base[k].1.iter().any(|m| r.contains(m))),
            "{wrong}: {out}"
        );
        assert!(
            stderr(&o).contains(&format!("stale rule at {}:{}: ", p(&pol), k + 1)),
            "{wrong}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn fixture_exit_1_survives_a_reader_that_stops_early() {
    if !common::have("bash") {
        return skip("no bash");
    }
    // `check P | reader-that-closes-at-once` under pipefail: writing the
    // table fails with EPIPE, and the status is still the verdict.
    let script = format!(
        "set -o pipefail; {} check '{}' --proc-root '{}' --passwd '{}' --byte-order little {{}} 2>/dev/null | {{ exec 0<&-; sleep 0.2; }}",
        common::argv()
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" "),
        p(&policy_dir().join("empty.policy")),
        p(&tree()),
        p(&passwd())
    );
    for extra in ["", "-j"] {
        for _ in 0..2 {
            let st = Command::new("bash")
                .args(["-c", &script.replace("{}", extra)])
                .status()
                .unwrap();
            assert_eq!(st.code(), Some(1), "{extra}");
        }
    }
}

#[test]
fn fixture_syntax_error_names_file_line_column_exit_2() {
    let policy = policy_dir().join("syntax-error.policy");
    let o = check_tree(&tree(), &policy, &[]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    assert_text_eq(
        &stderr(&o),
        &format!(
            "openports: {}:4:20: expected an absolute path after exe=, found \"dhclient\"\n",
            p(&policy)
        ),
        "stderr",
    );
    // Same with -j: a policy error is not a JSON result.
    let o = check_tree(&tree(), &policy, &["-j"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
}

#[test]
fn unusable_policies_exit_2() {
    let t = TempDir::new("unusable");
    let missing = t.0.join("missing.policy");
    let o = check_tree(&tree(), &missing, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with(&format!("openports: cannot read policy {}: ", p(&missing))),
        "{}",
        stderr(&o)
    );
    let o = check_tree(&tree(), &t.0, &[]);
    assert_eq!(code(&o), 2, "a directory");
    let o = run(&["check"]);
    assert_eq!(code(&o), 2);
    // A rule naming a process cannot be checked without owners.
    let o = check_tree(
        &tree(),
        &policy_dir().join("complete.policy"),
        &["--no-processes"],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("complete.policy:2: "), "{}", stderr(&o));
    // A missing proc root is fatal too.
    let o = on_tree(
        &t.0.join("nope"),
        &["check", p(&policy_dir().join("complete.policy"))],
        &[],
    );
    assert_eq!(code(&o), 2);
}

#[test]
fn policy_from_stdin() {
    let (root, pw) = (tree(), passwd());
    let [bo, order] = common::byte_order(&root);
    let args = [
        "check",
        "-",
        "--proc-root",
        p(&root),
        "--passwd",
        p(&pw),
        bo,
        order,
    ];
    let complete = fs::read(policy_dir().join("complete.policy")).unwrap();
    assert_eq!(code(&run_env(&args, &[], Some(&complete))), 0);
    let o = run_env(&args, &[], Some(b"allow tcp 22\nallow tcp x\n"));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with("openports: -:2:11: expected ports"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stale_rules_only_for_what_was_checked() {
    let t = TempDir::new("scope");
    let pol = t.file(
        "p",
        "allow tcp *\nallow udp *\nallow raw 1\nallow udp 53 netns=blue\n",
    );
    // TCP only: the UDP and raw rules are out of scope, not stale.
    let o = check_tree(&tree(), &pol, &["-t"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("stale rule at"), "{}", stderr(&o));
    // By default TCP and UDP are checked: a rule for a namespace that does not
    // exist is stale, the raw rule is out of scope.
    let o = check_tree(&tree(), &pol, &[]);
    assert_eq!(code(&o), 0);
    let err = stderr(&o);
    assert!(err.contains(":4: allow udp 53 netns=blue\n"), "{err}");
    assert!(!err.contains("allow raw"), "{err}");
    // -w checks raw sockets too (the tree has none: the raw rule is stale).
    let o = check_tree(&tree(), &pol, &["-tuw"]);
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains(":3: allow raw 1\n"), "{}", stderr(&o));
    // With -N only some namespaces are read: staleness is not judged.
    let o = check_tree(&tree(), &pol, &["-N", "pid:2000"]);
    assert_eq!(code(&o), 0);
    assert!(!stderr(&o).contains("stale rule at"), "{}", stderr(&o));
}

#[test]
fn user_names_come_from_passwd() {
    let t = TempDir::new("users");
    let pol = t.file(
        "p",
        "allow any * netns=host user=root\nallow tcp 80,443 user=www-data\nallow tcp 8080 user=app\nallow udp 4789\n",
    );
    let o = check_tree(&tree(), &pol, &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let pol = t.file("q", "allow any * user=nobody\n");
    let o = check_tree(&tree(), &pol, &["-H"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o).lines().count(), 7);
}

#[test]
fn baseline_fixture_whole_output() {
    let (root, pw) = (tree(), passwd());
    let [bo, order] = common::byte_order(&root);
    let args = [
        "baseline",
        "--proc-root",
        p(&root),
        "--passwd",
        p(&pw),
        bo,
        order,
    ];
    let o = run_env(&args, &[("SOURCE_DATE_EPOCH", "1234567890")], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_text_eq(
        &stdout(&o),
        "\
# openports baseline of fixture-host, taken 2009-02-13 23:31:30 UTC
# Allows exactly the tcp and udp listeners seen then (loopback excluded).
# Check later with: openports check FILE
# (exit 0: nothing new; exit 1: the new listeners are listed).
allow tcp 22   0.0.0.0 netns=host comm=sshd
allow tcp 22   ::      netns=host comm=sshd
allow tcp 80   0.0.0.0 netns=host comm=nginx
allow tcp 443  0.0.0.0 netns=host comm=nginx
allow udp 68   0.0.0.0 netns=host comm=dhclient
allow udp 4789 0.0.0.0 netns=host  # kernel socket: no process holds it
allow tcp 8080 0.0.0.0 container=3f2a9c0d1e2b comm=\"my app\"
",
        "baseline",
    );
    let mut with = args.to_vec();
    with.extend(["--include-loopback", "-t", "-4"]);
    let o = run_env(&with, &[("SOURCE_DATE_EPOCH", "0")], None);
    assert_text_eq(
        &stdout(&o),
        "\
# openports baseline of fixture-host, taken 1970-01-01 00:00:00 UTC
# Allows exactly the tcp listeners seen then (loopback included, IPv4 only).
# Check later with: openports check FILE -t -4 --include-loopback
# (exit 0: nothing new; exit 1: the new listeners are listed).
allow tcp 22   0.0.0.0   netns=host comm=sshd
allow tcp 80   0.0.0.0   netns=host comm=nginx
allow tcp 443  0.0.0.0   netns=host comm=nginx
allow tcp 5432 127.0.0.1 netns=host comm=postgres
allow tcp 8080 0.0.0.0   container=3f2a9c0d1e2b comm=\"my app\"
",
        "baseline -t -4 --include-loopback",
    );
}

#[test]
fn baseline_date_is_today_and_host_falls_back_to_unknown() {
    let t = TempDir::new("hostless");
    copy_tree(&tree(), &t.0.join("proc"));
    fs::remove_file(t.0.join("proc/sys/kernel/hostname")).unwrap();
    let o = on_tree(&t.0.join("proc"), &["baseline"], &[]);
    assert_eq!(code(&o), 0);
    let first = stdout(&o).lines().next().unwrap().to_string();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // The date written is today's (UTC), from the system clock.
    let today = {
        let o = Command::new("date")
            .args(["-u", &format!("-d@{secs}"), "+%Y-%m-%d"])
            .output();
        o.ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    assert!(
        first.starts_with("# openports baseline of unknown, taken "),
        "{first}"
    );
    if let Some(today) = today.filter(|d| d.len() == 10) {
        assert!(first.contains(&today), "{first} vs {today}");
    }
}

#[test]
fn baseline_round_trip_on_fixture_exits_0() {
    for flags in [
        &[][..],
        &["--include-loopback"],
        &["-t", "-4"],
        &["-u"],
        &["-N", "pid:2000"],
    ] {
        let o = on_tree(&tree(), &["baseline"], flags);
        assert_eq!(code(&o), 0, "{flags:?}");
        let t = TempDir::new("roundtrip");
        let pol = t.file("baseline", &stdout(&o));
        let o = check_tree(&tree(), &pol, flags);
        assert_eq!(code(&o), 0, "{flags:?}: {}{}", stdout(&o), stderr(&o));
        assert!(!stderr(&o).contains("stale"), "{flags:?}: {}", stderr(&o));
        // JSON says the same.
        let o = check_tree(&tree(), &pol, &[flags, &["-j"][..]].concat());
        let rows = ndjson(&o);
        assert_eq!(rows.last().unwrap()["violations"], 0, "{flags:?}");
    }
}

#[test]
fn baseline_then_changes_fail_the_check_on_fixture() {
    let t = TempDir::new("changes");
    let root = t.0.join("proc");
    copy_tree(&tree(), &root);
    let o = on_tree(&root, &["baseline"], &[]);
    let pol = t.file("baseline", &stdout(&o));
    assert_eq!(code(&check_tree(&root, &pol, &[])), 0);

    // A new listener: mysqld on 0.0.0.0:3306.
    append(
        &root.join("net/tcp"),
        "   5: 00000000:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 1009 1 0000000000000000 100 0 0 10 0\n",
    );
    fs::create_dir_all(root.join("1400/fd")).unwrap();
    fs::create_dir_all(root.join("1400/ns")).unwrap();
    fs::write(root.join("1400/comm"), "mysqld\n").unwrap();
    fs::write(
        root.join("1400/status"),
        "Name:\tmysqld\nUid:\t106\t106\t106\t106\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("net:[4026531840]", root.join("1400/ns/net")).unwrap();
    std::os::unix::fs::symlink("/usr/sbin/mysqld", root.join("1400/exe")).unwrap();
    std::os::unix::fs::symlink("socket:[1009]", root.join("1400/fd/12")).unwrap();
    let o = check_tree(&root, &pol, &[]);
    assert_eq!(code(&o), 1);
    assert_text_eq(
        &stdout(&o),
        "\
Netns Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
host  tcp   LISTEN 0      -      0.0.0.0:3306       0.0.0.0:*         users:((\"mysqld\",pid=1400,fd=12))
",
        "new listener",
    );

    // The program behind a known port changed: sshd replaced by dropbear.
    fs::write(root.join("1000/comm"), "dropbear\n").unwrap();
    let o = check_tree(&root, &pol, &["-H"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(out.matches("dropbear").count(), 2, "{out}");
    let err = stderr(&o);
    assert!(
        err.contains(":5: allow tcp 22 0.0.0.0 netns=host comm=sshd\n")
            && err.contains(":6: allow tcp 22 :: netns=host comm=sshd\n"),
        "{err}"
    );
}

#[test]
fn baseline_rejects_json() {
    let o = on_tree(&tree(), &["baseline"], &["-j"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
}

// ---------------------------------------------------------------------------
// live

/// This process's comm (the test binary's name, cut to 15 bytes).
fn my_comm() -> String {
    fs::read_to_string("/proc/self/comm")
        .unwrap()
        .trim_end()
        .to_string()
}

/// Rules allowing every TCP and UDP listener except TCP `port`.
fn all_but_tcp(port: u16) -> String {
    let mut s = String::from("allow udp *\n");
    if port > 0 {
        s += &format!("allow tcp 0-{}\n", port - 1);
    }
    if port < 65535 {
        s += &format!("allow tcp {}-65535\n", port + 1);
    }
    s
}

#[test]
fn live_wildcard_listener_not_in_policy_fails_then_a_rule_passes() {
    // Our namespace only (`-N self`): another namespace on the machine may
    // have a listener on the same port.
    let l = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = TempDir::new("live-rule");
    let pol = t.file("p", &all_but_tcp(port));
    let o = run(&["check", p(&pol), "-N", "self"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let me = format!("pid={},", std::process::id());
    let row = stdout(&o)
        .lines()
        .find(|r| r.contains(&format!("0.0.0.0:{port} ")))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{}", stdout(&o)));
    assert!(row.contains(&me), "{row}");
    let rows = {
        let o = run(&["check", p(&pol), "-j", "-N", "self"]);
        assert_eq!(code(&o), 1);
        ndjson(&o)
    };
    assert!(rows.iter().any(|r| r["kind"] == "violation"
        && r["local_port"] == port
        && r["processes"][0]["pid"] == std::process::id()));

    // A rule for someone else does not help; one for us does.
    let pol = t.file(
        "q",
        &(all_but_tcp(port) + &format!("allow tcp {port} 0.0.0.0 comm=not-{}\n", my_comm())),
    );
    assert_eq!(code(&run(&["check", p(&pol), "-N", "self"])), 1);
    let pol = t.file(
        "r",
        &(all_but_tcp(port) + &format!("allow tcp {port} 0.0.0.0 comm={}\n", my_comm())),
    );
    let o = run(&["check", p(&pol), "-N", "self"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let pol = t.file("s", &(all_but_tcp(port) + &format!("allow tcp {port}\n")));
    assert_eq!(code(&run(&["check", p(&pol), "-N", "self"])), 0);
    drop(l);
}

/// A copy of this test binary run as a listener (see `helper_listener`),
/// optionally in a new network namespace; killed on drop.
struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Ports as the helper reports them (read on a thread, so a helper that
    /// says nothing fails the test instead of hanging it).
    reports: mpsc::Receiver<u16>,
    ports: Vec<u16>,
}

impl Helper {
    fn start(exe: &Path, own_netns: bool) -> Option<Helper> {
        let args = [
            "helper_listener",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ];
        let mut cmd = if own_netns {
            let mut c = Command::new("unshare");
            c.arg("-n").arg("--").arg(exe);
            c
        } else {
            Command::new(exe)
        };
        let mut child = cmd
            .args(args)
            .env("OPENPORTS_CHECK_HELPER", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, reports) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                // libtest may have printed `test helper_listener ... ` before it.
                if let Some(p) = line.rsplit_once("PORT ").and_then(|(_, p)| p.parse().ok())
                    && tx.send(p).is_err()
                {
                    break;
                }
            }
        });
        let mut h = Helper {
            child,
            stdin,
            reports,
            ports: Vec::new(),
        };
        h.read_port()?;
        Some(h)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn read_port(&mut self) -> Option<u16> {
        let p = self.reports.recv_timeout(Duration::from_secs(20)).ok()?;
        self.ports.push(p);
        Some(p)
    }

    /// Ask for one more listener; its port.
    fn open_another(&mut self) -> u16 {
        let w = self.stdin.as_mut().unwrap();
        w.write_all(b"more\n").unwrap();
        w.flush().unwrap();
        self.read_port().expect("helper opened another listener")
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Not a test: the listener process of the live tests. Binds 0.0.0.0:0, prints
/// `PORT N`, and binds one more per line read on stdin until stdin closes.
#[test]
#[ignore = "helper process started by the live tests"]
fn helper_listener() {
    if std::env::var_os("OPENPORTS_CHECK_HELPER").is_none() {
        return;
    }
    let mut held = Vec::new();
    let mut out = std::io::stdout();
    let mut open = |held: &mut Vec<TcpListener>| {
        let l = TcpListener::bind("0.0.0.0:0").unwrap();
        let port = l.local_addr().unwrap().port();
        held.push(l);
        writeln!(out, "PORT {port}").unwrap();
        out.flush().unwrap();
    };
    open(&mut held);
    for line in std::io::stdin().lines() {
        if line.is_err() {
            break;
        }
        open(&mut held);
    }
}

#[test]
fn live_baseline_then_new_listener_fails_in_own_netns() {
    if !is_root() {
        return skip("needs root for unshare -n");
    }
    let exe = std::env::current_exe().unwrap();
    let Some(mut h) = Helper::start(&exe, true) else {
        return skip("unshare -n does not work here");
    };
    // The helper is alone in a fresh namespace: -N pid:PID reads just it, so
    // nothing else on the machine can change the outcome.
    let ns = format!("pid:{}", h.pid());
    let o = run(&["baseline", "-N", &ns]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let base = stdout(&o);
    let rules: Vec<&str> = base.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rules.len(), 1, "{base}");
    let first = h.ports[0];
    assert!(
        rules[0].starts_with(&format!("allow tcp {first} 0.0.0.0 netns=")),
        "{base}"
    );
    assert!(
        base.contains(&format!("openports check FILE -N {ns}\n")),
        "{base}"
    );
    let t = TempDir::new("live-baseline");
    let pol = t.file("baseline", &base);
    let o = run(&["check", p(&pol), "-N", &ns]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");

    let new = h.open_another();
    let o = run(&["check", p(&pol), "-N", &ns]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2, "header and one row: {out}");
    assert!(out.contains(&format!("0.0.0.0:{new} ")), "{out}");
    assert!(!out.contains(&format!("0.0.0.0:{first} ")), "{out}");
    let o = run(&["check", p(&pol), "-N", &ns, "-j"]);
    let rows = ndjson(&o);
    assert_eq!(kinds(&rows), ["violation", "summary"]);
    assert_eq!(rows[0]["local_port"], new);
    assert_eq!(rows[0]["processes"][0]["pid"], h.pid());
    assert_eq!(rows[1]["exit"], 1);

    // A new baseline covers both again.
    let o = run(&["baseline", "-N", &ns]);
    let pol = t.file("baseline2", &stdout(&o));
    assert_eq!(code(&run(&["check", p(&pol), "-N", &ns])), 0);
}

/// A listener's identity and owners: (netns, inode, owner kind, comms).
type Held = (u64, u64, String, Vec<String>);

fn held(r: &Value) -> Held {
    let mut comms: Vec<String> = r["processes"]
        .as_array()
        .map(|a| a.iter().map(|p| p["comm"].to_string()).collect())
        .unwrap_or_default();
    comms.sort();
    comms.dedup();
    (
        r["netns"].as_u64().unwrap_or(0),
        r["inode"].as_u64().unwrap(),
        r["owner"].to_string(),
        comms,
    )
}

#[test]
fn live_baseline_round_trip_whole_machine() {
    // Every namespace, hidden owners included. Other processes on the machine
    // open and close listeners meanwhile, so a violation is allowed only for a
    // listener that was not there, with the same owners, before the baseline
    // was taken: one that was there all along must be covered by it.
    let l = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = TempDir::new("live-machine");
    let o = run(&["-tu", "-j"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before: Vec<Held> = ndjson(&o).iter().map(held).collect();
    let o = run(&["baseline"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pol = t.file("baseline", &stdout(&o));
    let o = run(&["check", p(&pol), "-j"]);
    let rows = ndjson(&o);
    let summary = rows.last().expect("a summary");
    assert_eq!(summary["kind"], "summary", "{}", stdout(&o));
    assert_eq!(summary["exit"], code(&o));
    assert!(summary["checked"].as_u64().unwrap() > 0, "{summary}");
    for v in rows.iter().filter(|r| r["kind"] == "violation") {
        assert!(
            !before.contains(&held(v)),
            "a listener there before the baseline is not covered by it: {v}"
        );
        assert!(
            !(v["local_port"] == port && v["netns"] == common::self_netns()),
            "our own listener: {v}"
        );
    }
    drop(l);
}

#[test]
fn live_listener_with_deleted_executable_is_warned() {
    let t = TempDir::new("live-deleted");
    let exe = t.0.join("openports-victim");
    common::copy_exe(&std::env::current_exe().unwrap(), &exe);
    let own_netns = is_root()
        && Command::new("unshare")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success());
    let h = Helper::start(&exe, own_netns).expect("start the copied helper");
    fs::remove_file(&exe).unwrap();
    let port = h.ports[0];
    let pid = h.pid();
    let pol = t.file("any", "allow any *\n");
    let ns = format!("pid:{pid}");
    let o = run(&["check", p(&pol), "-N", &ns]);
    assert_eq!(
        code(&o),
        0,
        "warnings do not fail the check: {}",
        stderr(&o)
    );
    let want = format!(
        "warning: pid {pid} (openports-victi) runs deleted executable {}, listening on tcp 0.0.0.0:{port}\n",
        exe.display()
    );
    assert!(stderr(&o).contains(&want), "{}\nwant: {want}", stderr(&o));
    let o = run(&["check", p(&pol), "-N", &ns, "-j"]);
    let rows = ndjson(&o);
    let d = rows
        .iter()
        .find(|r| r["kind"] == "deleted_exe" && r["pid"] == pid)
        .unwrap_or_else(|| panic!("{}", stdout(&o)));
    assert_eq!(d["exe"], p(&exe));
    assert_eq!(d["comm"], "openports-victi");
    assert_eq!(d["listeners"][0]["local_port"], port);
    // And a policy violation by the same process shows exe_deleted.
    let pol = t.file("none", "# nothing allowed\n");
    let o = run(&["check", p(&pol), "-N", &ns, "-j"]);
    assert_eq!(code(&o), 1);
    let rows = ndjson(&o);
    let v = rows
        .iter()
        .find(|r| r["kind"] == "violation" && r["local_port"] == port)
        .unwrap();
    assert_eq!(v["processes"][0]["exe_deleted"], true);
    drop(h);
}
