//! Issue 13: trust nothing a process controls. One test (or more) per class of
//! defect, each an attack that failed against the tool before the fix:
//!
//! - inputs: FIFOs, devices and oversized files where a regular file is
//!   expected (`--passwd`, `check POLICY`, tables); a garbage-only table;
//! - escaping: control, invisible and bidi characters in `--proc-root`, `-N`,
//!   unknown options, comm, exe, cmdline, container labels, in the table, in
//!   every message, and in JSON (U+2028/U+2029 too);
//! - smaller ones: LXC names, `-N host`, a thread with its own fd table,
//!   baseline's shell-quoted command line, a namespace deleted mid-run;
//! - live attacks (root; unprivileged users made with `setpriv`): a bind mount
//!   in a private mount namespace that makes any path show any binary; a binary
//!   named `x (deleted)`; a child PID namespace; a socket parked in an
//!   SCM_RIGHTS message; a thread with its own fd table; namespaces that an
//!   unprivileged run cannot identify.
//!
//! Every output of an attack is checked for raw control or invisible characters.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

// ---------------------------------------------------------------------------
// Helpers

/// A temporary directory, removed on drop (even when the test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("openports-trust-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const TCP_H: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const UDP_H: &str = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";
const TCP6_H: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

/// A listening TCP row on 0.0.0.0:PORT with INODE.
fn tcp_listen(port: u16, inode: u64) -> String {
    format!(
        "   0: 00000000:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
    )
}

/// A fixture /proc tree: a host namespace (4026531840) whose tables are in
/// `net/`, processes added with [`Tree::proc`].
struct Tree {
    _t: TempDir,
    root: PathBuf,
}

const HOST_NS: u64 = 4026531840;

impl Tree {
    fn new(tag: &str) -> Tree {
        let t = TempDir::new(tag);
        let root = t.0.join("proc");
        fs::create_dir_all(root.join("net")).unwrap();
        fs::write(root.join("net/tcp"), TCP_H).unwrap();
        fs::write(root.join("net/tcp6"), TCP6_H).unwrap();
        fs::write(root.join("net/udp"), UDP_H).unwrap();
        fs::create_dir_all(root.join("self/ns")).unwrap();
        std::os::unix::fs::symlink(format!("net:[{HOST_NS}]"), root.join("self/ns/net")).unwrap();
        fs::write(root.join("self/mountinfo"), "").unwrap();
        Tree { _t: t, root }
    }

    /// A process PID named COMM (raw bytes) running EXE in namespace NS.
    fn proc(&self, pid: u32, comm: &[u8], exe: &[u8], ns: u64) -> &Tree {
        let d = self.root.join(pid.to_string());
        fs::create_dir_all(d.join("fd")).unwrap();
        fs::create_dir_all(d.join("ns")).unwrap();
        let mut c = comm.to_vec();
        c.push(b'\n');
        fs::write(d.join("comm"), c).unwrap();
        fs::write(
            d.join("status"),
            format!("Name:\tx\nTgid:\t{pid}\nPid:\t{pid}\nUid:\t0\t0\t0\t0\n"),
        )
        .unwrap();
        let mut argv = exe.to_vec();
        argv.push(0);
        fs::write(d.join("cmdline"), argv).unwrap();
        std::os::unix::fs::symlink(OsStr::from_bytes(exe), d.join("exe")).unwrap();
        std::os::unix::fs::symlink(format!("net:[{ns}]"), d.join("ns/net")).unwrap();
        if ns != HOST_NS {
            fs::create_dir_all(d.join("net")).unwrap();
            for (t, h) in [("tcp", TCP_H), ("tcp6", TCP6_H), ("udp", UDP_H)] {
                if !d.join("net").join(t).exists() {
                    fs::write(d.join("net").join(t), h).unwrap();
                }
            }
        }
        self
    }

    /// fd FD of PID is socket INODE.
    fn fd(&self, pid: u32, fd: u32, inode: u64) -> &Tree {
        std::os::unix::fs::symlink(
            format!("socket:[{inode}]"),
            self.root.join(format!("{pid}/fd/{fd}")),
        )
        .unwrap();
        self
    }

    /// Append a row to a table below the root (`net/tcp`, `300/net/tcp`).
    fn row(&self, table: &str, row: &str) -> &Tree {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.root.join(table))
            .unwrap();
        f.write_all(row.as_bytes()).unwrap();
        self
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> &Tree {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
        self
    }

    fn arg(&self) -> &str {
        self.root.to_str().unwrap()
    }
}

fn op(args: &[&OsStr]) -> Command {
    let mut c = command();
    c.args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null());
    c
}

fn run_op(args: &[&str]) -> Ran {
    let a: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run_bounded(&mut op(&a), Duration::from_secs(60))
}

/// Characters that must never reach a terminal raw (a sample of every kind
/// the tool escapes: the issue's list, other format characters, separators).
const INVISIBLE: &[char] = &[
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{061C}',
    '\u{2028}',
    '\u{2029}',
    '\u{FEFF}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{00AD}',
    '\u{2060}',
    '\u{2061}',
    '\u{180E}',
    '\u{E0041}',
    '\u{034F}',
];

/// No control character (but `\n`), no DEL, no C1, no invisible character, and
/// valid UTF-8: what may reach a terminal.
fn assert_inert(bytes: &[u8], what: &str) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| {
        panic!(
            "{what}: not UTF-8 ({e}): {:?}",
            String::from_utf8_lossy(bytes)
        )
    });
    for (i, c) in text.char_indices() {
        let bad = (c.is_control() && c != '\n') || INVISIBLE.contains(&c);
        assert!(
            !bad,
            "{what}: raw {c:?} at byte {i}: {:?}",
            &text[text[..i].rfind('\n').map_or(0, |p| p + 1)..]
                .lines()
                .next()
                .unwrap_or("")
        );
    }
}

fn ran_inert(r: &Ran, what: &str) {
    assert_inert(&r.out, &format!("{what} (stdout)"));
    assert_inert(&r.err, &format!("{what} (stderr)"));
}

fn json_rows(out: &[u8]) -> Vec<serde_json::Value> {
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice(l)
                .unwrap_or_else(|e| panic!("bad JSON line {:?}: {e}", String::from_utf8_lossy(l)))
        })
        .collect()
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc_mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

unsafe extern "C" {
    #[link_name = "mkfifo"]
    fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
}

// ---------------------------------------------------------------------------
// Item 5: every input has a type and a size check.

/// A FIFO (no writer) or a device where a regular file is expected: refused at
/// once with a clear message, never waited on or read forever.
#[test]
fn fifos_and_devices_as_inputs_are_refused_not_waited_on() {
    let tree = Tree::new("fifo");
    tree.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001));
    let fifo = tree.root.parent().unwrap().join("fifo");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();

    // check FIFO, check /dev/zero: exit 2, one line naming the problem.
    for pol in [fifo, "/dev/zero", "/dev/stdin", "/"] {
        let r = run_op(&["check", pol, "--proc-root", tree.arg()]);
        assert_eq!(r.code, Some(2), "check {pol}: {}", r.stderr());
        assert!(
            r.stderr().starts_with("openports: cannot read policy ")
                && (r.stderr().contains("not a regular file") || r.stderr().contains("directory")),
            "check {pol}: {}",
            r.stderr()
        );
        ran_inert(&r, "check FIFO");
    }
    // --passwd FIFO, --passwd /dev/zero: the listing still works, users are
    // shown as uids, and a warning says why.
    for pw in [fifo, "/dev/zero"] {
        let r = run_op(&["-e", "--passwd", pw, "--proc-root", tree.arg()]);
        assert_eq!(r.code, Some(0), "--passwd {pw}: {}", r.stderr());
        assert!(
            r.stdout().contains("users:((\"sshd\",pid=100,fd=3,uid=0"),
            "{}",
            r.stdout()
        );
        assert!(
            r.stderr()
                .contains(&format!("cannot read {pw}: not a regular file")),
            "--passwd {pw}: {}",
            r.stderr()
        );
        let r = run_op(&["-j", "--passwd", pw, "--proc-root", tree.arg()]);
        assert_eq!(r.code, Some(0), "{}", r.stderr());
    }
    // A table that is a FIFO or a device: a warning, the rest is read.
    let t2 = Tree::new("fifo-table");
    t2.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001));
    fs::remove_file(t2.root.join("net/udp")).unwrap();
    mkfifo(&t2.root.join("net/udp"));
    fs::remove_file(t2.root.join("net/tcp6")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", t2.root.join("net/tcp6")).unwrap();
    let r = run_op(&["--proc-root", t2.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stdout().contains("0.0.0.0:22"), "{}", r.stdout());
    assert!(
        r.stderr()
            .contains("net/udp: cannot read: not a regular file"),
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr()
            .contains("net/tcp6: cannot read: not a regular file"),
        "{}",
        r.stderr()
    );
}

/// A policy on stdin (`-`) stays allowed, from a pipe too.
#[test]
fn a_policy_on_stdin_is_still_read() {
    let tree = Tree::new("stdin");
    tree.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001));
    let mut c = command();
    c.args(["check", "-", "--proc-root", tree.arg()])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"allow tcp 22 comm=sshd\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Files larger than their cap are refused with a message that says so (sparse
/// files: nothing is written to disk).
#[test]
fn oversized_policy_and_passwd_are_refused_with_their_size() {
    let tree = Tree::new("big");
    tree.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001));
    let dir = tree.root.parent().unwrap();
    let pol = dir.join("policy");
    fs::write(&pol, "allow tcp 22\n").unwrap();
    fs::File::options()
        .write(true)
        .open(&pol)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let r = run_op(&["check", pol.to_str().unwrap(), "--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(2), "{}", r.stderr());
    assert!(r.stderr().contains("larger than 16 MiB"), "{}", r.stderr());

    let pw = dir.join("passwd");
    fs::write(&pw, "root:x:0:0::/root:/bin/sh\n").unwrap();
    fs::File::options()
        .write(true)
        .open(&pw)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let r = run_op(&[
        "-e",
        "--passwd",
        pw.to_str().unwrap(),
        "--proc-root",
        tree.arg(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stderr().contains("larger than 64 MiB"), "{}", r.stderr());
    assert!(r.stdout().contains(",uid=0"), "{}", r.stdout());
}

/// A table larger than any kernel writes (here a 3 GiB sparse file after two
/// real rows) is read up to the cap, with a warning, in bounded memory: it
/// does not keep the tool reading (or growing) forever.
#[test]
fn a_table_beyond_the_cap_is_cut_with_a_warning() {
    let tree = Tree::new("huge");
    tree.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001))
        .row("net/udp", &tcp_listen(53, 5002).replace(" 0A ", " 07 "));
    fs::File::options()
        .write(true)
        .open(tree.root.join("net/udp"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let r = run_bounded(
        &mut op(&[OsStr::new("--proc-root"), OsStr::new(tree.arg())]),
        Duration::from_secs(120),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(
        r.stdout().contains("0.0.0.0:22") && r.stdout().contains("0.0.0.0:53"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stderr().contains(
            "net/udp: larger than 1024 MiB (or growing while read): the rest was not read"
        ),
        "{}",
        r.stderr()
    );
    ran_inert(&r, "huge table");
    // The same for the other kinds of table (unix here).
    tree.write(
        "net/unix",
        b"Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01  2001 /run/x.sock\n",
    );
    fs::File::options()
        .write(true)
        .open(tree.root.join("net/unix"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let r = run_bounded(
        &mut op(&[
            OsStr::new("-x"),
            OsStr::new("--proc-root"),
            OsStr::new(tree.arg()),
        ]),
        Duration::from_secs(120),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stdout().contains("/run/x.sock"), "{}", r.stdout());
    assert!(
        r.stderr().contains("net/unix: larger than 1024 MiB"),
        "{}",
        r.stderr()
    );
}

/// A table whose only line is garbage is not silently taken for the header:
/// it is warned about with its file and line.
#[test]
fn a_garbage_only_table_is_not_a_header() {
    let tree = Tree::new("garbage");
    tree.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001));
    tree.write("net/udp", b"\x1b[2Jthis is not a table\n");
    let r = run_op(&["--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stderr().contains("net/udp:1: "), "{}", r.stderr());
    ran_inert(&r, "garbage table");
    tree.write("net/unix", b"\xff\xfe garbage\n");
    let r = run_op(&["-x", "--proc-root", tree.arg()]);
    assert!(r.stderr().contains("net/unix:1: "), "{}", r.stderr());
    ran_inert(&r, "garbage unix table");
    tree.write(
        "net/unix",
        b"Num       RefCount Protocol Flags    Type St Inode Path\n",
    );
    // A real header alone is silent.
    tree.write("net/udp", UDP_H.as_bytes());
    let r = run_op(&["--proc-root", tree.arg()]);
    assert_eq!(r.stderr(), "", "header-only");
    // A headerless table's first row is a row.
    tree.write(
        "net/udp",
        tcp_listen(53, 5002).replace(" 0A ", " 07 ").as_bytes(),
    );
    let r = run_op(&["--proc-root", tree.arg()]);
    assert!(r.stdout().contains("0.0.0.0:53"), "{}", r.stdout());
}

// ---------------------------------------------------------------------------
// Item 6: everything from outside is escaped, everywhere.

/// Escapes and invisible characters in the command line come back in errors
/// and warnings escaped: `--proc-root`, `-N` (name, path, pid), an unknown
/// option, an unexpected argument, `--passwd`, a policy path.
#[test]
fn command_line_text_in_messages_is_escaped() {
    let tree = Tree::new("argv");
    tree.proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS);
    let evil: Vec<String> = std::iter::once("\u{1b}[31m\u{1b}]0;t\u{7}\r".to_string())
        .chain(INVISIBLE.iter().map(|c| format!("a{c}b")))
        .collect();
    for e in &evil {
        let cases: Vec<Vec<String>> = vec![
            vec!["--proc-root".into(), e.clone()],
            vec!["--proc-root".into(), format!("/nonexistent/{e}")],
            vec![
                "-N".into(),
                e.clone(),
                "--proc-root".into(),
                tree.arg().into(),
            ],
            vec![
                "-N".into(),
                format!("/x/{e}"),
                "--proc-root".into(),
                tree.arg().into(),
            ],
            vec!["-N".into(), format!("pid:{e}")],
            vec![format!("--{e}")],
            vec![format!("-{e}")],
            vec![e.clone()],
            vec!["--byte-order".into(), e.clone()],
            vec![
                "check".into(),
                format!("/nonexistent/{e}"),
                "--proc-root".into(),
                tree.arg().into(),
            ],
            vec![
                "-e".into(),
                "--passwd".into(),
                format!("/dev/{e}"),
                "--proc-root".into(),
                tree.arg().into(),
            ],
        ];
        for args in cases {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = run_op(&a);
            assert!(!r.err.is_empty(), "{a:?}: no message");
            ran_inert(&r, &format!("{a:?}"));
        }
    }
    // Invalid UTF-8 in an argument is shown as \xNN.
    let mut c = op(&[
        OsStr::from_bytes(b"--proc-root"),
        OsStr::from_bytes(b"/no\xff\x1b"),
    ]);
    let r = run_bounded(&mut c, Duration::from_secs(30));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr().contains("/no\\xff\\x1b"), "{}", r.stderr());
    ran_inert(&r, "invalid UTF-8 --proc-root");
}

/// comm, exe and cmdline with every kind of invisible or bidi character: the
/// table and -e escape them; JSON keeps them exact but as \uXXXX (U+2028 and
/// U+2029 too, so an NDJSON reader never splits an object); names from outside
/// in warnings (a namespace label, a table path) are escaped too.
#[test]
fn invisible_and_bidi_characters_never_reach_the_output_raw() {
    let tree = Tree::new("invisible");
    let mut all = String::from("x");
    for c in INVISIBLE {
        all.push(*c);
    }
    all.push_str("\u{1b}[31m\u{9b}");
    let name = all.as_bytes();
    let exe = format!("/opt/{all}");
    tree.proc(100, &name[..name.len().min(15)], exe.as_bytes(), HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001));
    // A second, full-length comm (fixtures may hold more than the kernel's 15 bytes).
    tree.proc(101, name, exe.as_bytes(), HOST_NS)
        .fd(101, 4, 5001);
    for args in [&[][..], &["-e"][..], &["-a", "-e"][..]] {
        let mut a = vec!["--proc-root", tree.arg()];
        a.extend_from_slice(args);
        let r = run_op(&a);
        assert_eq!(r.code, Some(0), "{}", r.stderr());
        ran_inert(&r, &format!("table {args:?}"));
        assert!(
            r.stdout().contains("\\u{200b}") && r.stdout().contains("\\x1b[31m"),
            "{}",
            r.stdout()
        );
    }
    let r = run_op(&["-j", "--proc-root", tree.arg()]);
    ran_inert(&r, "json");
    assert!(
        r.stdout().contains("\\u2028") && r.stdout().contains("\\udb40\\udc41"),
        "{}",
        r.stdout()
    );
    let rows = json_rows(&r.out);
    assert_eq!(rows.len(), 1);
    let p = &rows[0]["processes"];
    assert_eq!(p[1]["comm"], all.as_str(), "exact after parsing");
    assert_eq!(p[1]["exe"], exe.as_str());
    assert_eq!(p[1]["cmdline"], exe.as_str());
}

/// A container label (an LXC name from a cgroup path, set by whoever creates
/// the container) is escaped once in the table, and JSON's `container` holds
/// the exact name.
#[test]
fn container_labels_are_escaped_once_and_exact_in_json() {
    let tree = Tree::new("lxc");
    let evil = "web\u{1b}[31m\u{202e}\\x";
    tree.proc(300, b"nginx", b"/usr/sbin/nginx", 4026532300)
        .fd(300, 6, 6001)
        .row("300/net/tcp", &tcp_listen(80, 6001))
        .write("300/cgroup", format!("0::/lxc.payload.{evil}\n").as_bytes());
    tree.proc(1, b"init", b"/sbin/init", HOST_NS);
    let r = run_op(&["-e", "--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    ran_inert(&r, "table");
    assert!(
        r.stdout()
            .lines()
            .any(|l| l.starts_with("web\\x1b[31m\\u{202e}\\\\x ")),
        "escaped once:\n{}",
        r.stdout()
    );
    let r = run_op(&["-j", "--proc-root", tree.arg()]);
    ran_inert(&r, "json");
    let rows = json_rows(&r.out);
    let row = rows.iter().find(|v| v["local_port"] == 80).unwrap();
    assert_eq!(row["container"], evil);
}

/// A fixture tree that records a unix socket with an fd in flight
/// (`fdinfo` `scm_fds: 1`): the ownerless listener is not a kernel socket,
/// in the table, JSON, baseline and the notice; without the fd in flight it
/// is one.
#[test]
fn an_fd_in_flight_means_no_kernel_socket_on_a_fixture() {
    let tree = Tree::new("inflight");
    tree.proc(1, b"init", b"/sbin/init", HOST_NS)
        .proc(100, b"backdoor", b"/tmp/x", HOST_NS)
        .fd(100, 4, 9001)
        .row("net/tcp", &tcp_listen(4444, 9000))
        .write(
            "net/unix",
            b"Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00000000 0002 01  9001\n",
        )
        .write("100/fdinfo/4", b"pos:\t0\nflags:\t02\nmnt_id:\t10\nino:\t9001\nscm_fds: 0\n");
    let r = run_op(&["-H", "--proc-root", tree.arg()]);
    assert!(
        r.stdout().contains("0.0.0.0:4444") && r.stdout().contains("[kernel]"),
        "{}",
        r.stdout()
    );
    // An io_uring ring that has the listener as a registered file.
    std::os::unix::fs::symlink("anon_inode:[io_uring]", tree.root.join("100/fd/5")).unwrap();
    tree.write(
        "100/fdinfo/5",
        b"pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t1053\nSqMask:\t0x3\nUserFiles:\t1\n    0: socket:[9000]\nUserBufs:\t0\n",
    );
    let r = run_op(&["-H", "--proc-root", tree.arg()]);
    assert!(r.stdout().contains("[no visible holder]"), "{}", r.stdout());
    assert!(
        r.stderr().contains(
            "1 sockets are registered files of io_uring rings (pid 100 fd 5), held by no fd"
        ),
        "{}",
        r.stderr()
    );
    fs::remove_file(tree.root.join("100/fd/5")).unwrap();
    tree.write(
        "100/fdinfo/4",
        b"pos:\t0\nflags:\t02\nmnt_id:\t10\nino:\t9001\nscm_fds: 1\n",
    );
    let r = run_op(&["-H", "--proc-root", tree.arg()]);
    assert!(
        r.stdout().contains("[no visible holder]") && !r.stdout().contains("[kernel]"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stderr().contains("1 sockets have no visible holder, which does not make them kernel sockets: 1 fds are in flight in unix socket messages (one queue: pid 100 fd 4)"),
        "{}",
        r.stderr()
    );
    let rows = json_rows(&run_op(&["-j", "--proc-root", tree.arg()]).out);
    assert_eq!(rows[0]["owner"], "no_visible_holder");
    assert!(
        rows[0]["owner_reason"]
            .as_str()
            .unwrap()
            .contains("in flight")
    );
    let r = run_op(&["baseline", "--proc-root", tree.arg()]);
    assert!(
        r.stdout()
            .contains("# no visible holder: 1 fds are in flight"),
        "{}",
        r.stdout()
    );
    assert!(!r.stdout().contains("kernel socket"), "{}", r.stdout());
}

// ---------------------------------------------------------------------------
// Item 8: the smaller ones.

/// LXC names are shown whole (only hex ids are cut to 12 digits), so two
/// containers that share a 12-character prefix are told apart; baseline names
/// each by its whole name.
#[test]
fn lxc_names_are_not_cut_but_hex_ids_are() {
    let tree = Tree::new("lxc-names");
    tree.proc(1, b"init", b"/sbin/init", HOST_NS);
    for (pid, ns, cg) in [
        (300, 4026532300u64, "0::/lxc.payload.webserver-prod1\n"),
        (400, 4026532400, "0::/lxc.payload.webserver-prod2\n"),
        (
            500,
            4026532500,
            "0::/system.slice/docker-3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c.scope\n",
        ),
    ] {
        tree.proc(pid, b"nginx", b"/usr/sbin/nginx", ns)
            .fd(pid, 6, u64::from(pid) * 10)
            .row(
                &format!("{pid}/net/tcp"),
                &tcp_listen(80, u64::from(pid) * 10),
            )
            .write(&format!("{pid}/cgroup"), cg.as_bytes());
    }
    let r = run_op(&["-H", "--proc-root", tree.arg()]);
    let labels: Vec<&str> = r
        .out
        .split(|&b| b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok()?.split_whitespace().next())
        .collect();
    assert_eq!(
        labels,
        ["webserver-prod1", "webserver-prod2", "3f2a9c0d1e2b"],
        "{}",
        r.stdout()
    );
    let r = run_op(&["baseline", "--proc-root", tree.arg()]);
    assert!(
        r.stdout().contains("container=webserver-prod1")
            && r.stdout().contains("container=webserver-prod2"),
        "{}",
        r.stdout()
    );
}

/// `-N host` selects the namespace the table and policies call `host`.
#[test]
fn netns_host_selects_the_host_namespace() {
    let tree = Tree::new("nshost");
    tree.proc(1, b"init", b"/sbin/init", HOST_NS)
        .proc(100, b"sshd", b"/usr/sbin/sshd", HOST_NS)
        .fd(100, 3, 5001)
        .row("net/tcp", &tcp_listen(22, 5001))
        .proc(300, b"nginx", b"/usr/sbin/nginx", 4026532300)
        .fd(300, 6, 6001)
        .row("300/net/tcp", &tcp_listen(80, 6001));
    let r = run_op(&["-N", "host", "-H", "--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(
        r.stdout().contains(":22 ") && !r.stdout().contains(":80 "),
        "{}",
        r.stdout()
    );
    let r = run_op(&["baseline", "-N", "host", "--proc-root", tree.arg()]);
    assert!(
        r.stdout().contains("openports check FILE -N host"),
        "{}",
        r.stdout()
    );
}

/// A thread with its own fd table (created without CLONE_FILES) is shown with
/// its tid: `/proc/P/fd/N` is not the socket, `/proc/P/task/T/fd/N` is.
#[test]
fn a_thread_fd_table_is_shown_with_its_tid() {
    let tree = Tree::new("tid");
    tree.proc(500, b"worker", b"/opt/worker", HOST_NS)
        .fd(500, 3, 7000)
        .row("net/tcp", &tcp_listen(9000, 7001))
        .row("net/tcp", &tcp_listen(9001, 7000));
    for tid in [500, 501] {
        fs::create_dir_all(tree.root.join(format!("500/task/{tid}/fd"))).unwrap();
    }
    std::os::unix::fs::symlink("socket:[7000]", tree.root.join("500/task/500/fd/3")).unwrap();
    std::os::unix::fs::symlink("socket:[7001]", tree.root.join("500/task/501/fd/3")).unwrap();
    let r = run_op(&["-H", "--proc-root", tree.arg()]);
    assert!(
        r.stdout().contains("0.0.0.0:9000")
            && r.stdout()
                .contains("users:((\"worker\",pid=500,tid=501,fd=3))"),
        "{}",
        r.stdout()
    );
    assert!(
        r.stdout().contains("users:((\"worker\",pid=500,fd=3))"),
        "{}",
        r.stdout()
    );
    let rows = json_rows(&run_op(&["-j", "--proc-root", tree.arg()]).out);
    let t = rows.iter().find(|v| v["local_port"] == 9000).unwrap();
    assert_eq!(t["processes"][0]["tid"], 501);
    let p = rows.iter().find(|v| v["local_port"] == 9001).unwrap();
    assert!(p["processes"][0].get("tid").is_none());
}

/// baseline's suggested `check` command line quotes namespace names for a
/// shell, and a name with a newline cannot end the comment (and so cannot
/// inject a rule into the policy).
#[test]
fn baseline_command_line_is_shell_quoted() {
    let tree = Tree::new("quote");
    let name = "my ns\n allow tcp * $(id)'";
    let ino = 4026532777u64;
    tree.proc(1, b"init", b"/sbin/init", HOST_NS)
        .write(
            "self/mountinfo",
            format!(
                "600 29 0:4 net:[{ino}] /run/netns/{} rw - nsfs nsfs rw\n",
                name.replace(' ', "\\040").replace('\n', "\\012")
            )
            .as_bytes(),
        )
        .proc(300, b"nginx", b"/usr/sbin/nginx", ino)
        .fd(300, 6, 6001)
        .row("300/net/tcp", &tcp_listen(80, 6001));
    let r = run_op(&["baseline", "-N", name, "--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    ran_inert(&r, "baseline");
    let out = r.stdout();
    let line = out
        .lines()
        .find(|l| l.starts_with("# Check later with: "))
        .unwrap();
    let word = line
        .strip_prefix("# Check later with: openports check FILE -N ")
        .unwrap();
    let o = Command::new("bash")
        .args(["-c", &format!("printf %s {word}")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), name, "{line}");
    // Every rule line is a rule or a comment.
    for l in out.lines() {
        assert!(l.starts_with('#') || l.starts_with("allow "), "{l:?}");
    }
}

// ---------------------------------------------------------------------------
// Live attacks

/// The helper process (tests/helpers/trust_proc.rs), compiled once.
fn helper() -> PathBuf {
    helper_bin("trust_proc")
}

/// A running helper: its first stdout line, parsed by the test; killed and
/// reaped on drop.
struct Helper {
    child: Child,
    line: String,
}

impl Helper {
    fn start(mut c: Command) -> Option<Helper> {
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .ok()?;
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .ok()?;
        if line.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        Some(Helper { child, line })
    }

    /// The `key=value` word of the helper's line.
    fn get(&self, key: &str) -> u32 {
        self.line
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {key}= in {:?}", self.line))
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Skip (with the reason) unless running as root with `tools` installed.
fn live_ok(tools: &[&str]) -> bool {
    if !is_root() {
        skip("live attack tests need root (they create namespaces and users' processes)");
        return false;
    }
    for t in tools {
        if !have(t) {
            skip(&format!("{t} is not installed"));
            return false;
        }
    }
    true
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

/// The JSON rows of a live run, and the one of our listener on `port`.
fn live_json(args: &[&str], port: u32) -> (Ran, serde_json::Value) {
    let mut a = vec!["-j", "-t"];
    a.extend_from_slice(args);
    let r = run_op(&a);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    ran_inert(&r, "live JSON");
    let row = json_rows(&r.out)
        .into_iter()
        .find(|v| v["local_port"] == port && v["state"] == "LISTEN")
        .unwrap_or_else(|| panic!("no listener on {port} in {}", r.stdout()));
    (r, row)
}

/// The table row of our listener on `port` (127.0.0.1:PORT).
fn live_row(args: &[&str], port: u32) -> String {
    let mut a = vec!["-t", "-H"];
    a.extend_from_slice(args);
    let r = run_op(&a);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    ran_inert(&r, "live table");
    let want = format!("127.0.0.1:{port} ");
    r.stdout()
        .lines()
        .find(|l| l.contains(&want))
        .unwrap_or_else(|| panic!("no row for {want} in {}", r.stdout()))
        .to_string()
}

/// `check` with `policy` (loopback included, TCP only): whether our listener
/// on `port` is a violation, and the warnings of a run without `-j` (stderr).
fn live_violates(dir: &Path, policy: &str, port: u32) -> (bool, String) {
    let p = dir.join("policy");
    fs::write(&p, policy).unwrap();
    let p = p.to_str().unwrap();
    let r = run_op(&["check", p, "-t", "--include-loopback", "-j"]);
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr());
    ran_inert(&r, "check -j");
    let hit = json_rows(&r.out)
        .iter()
        .any(|v| v["kind"] == "violation" && v["local_port"] == port);
    let r = run_op(&["check", p, "-t", "--include-loopback"]);
    ran_inert(&r, "check");
    (hit, r.stderr())
}

// ---------------------------------------------------------------------------
// Item 1: exe= and the exe shown are the file the kernel runs.

/// An unprivileged user, in a user and mount namespace of its own, binds a
/// directory holding a copy of the helper over /usr/bin and runs
/// `/usr/bin/true` from it. The path the kernel shows is `/usr/bin/true`; the
/// file is not. openports must say the path is of another mount namespace,
/// `exe=/usr/bin/true` must not allow the listener, and `exe=` naming the real
/// file (or a symlink to it) must.
#[test]
fn a_bind_mount_in_a_private_mount_namespace_cannot_forge_the_executable() {
    if !live_ok(&["unshare", "setpriv", "mount"]) {
        return;
    }
    let t = TempDir::new("bind");
    chmod(&t.0, 0o755);
    let fake = t.0.join("bin");
    fs::create_dir(&fake).unwrap();
    chmod(&fake, 0o755);
    copy_exe(&helper(), &fake.join("true"));
    chmod(&fake.join("true"), 0o755);
    std::os::unix::fs::symlink(fake.join("true"), t.0.join("link")).unwrap();
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "unshare",
        "-Urm",
        "sh",
        "-c",
    ])
    .arg(format!(
        "mount --bind '{}' /usr/bin && exec /usr/bin/true",
        fake.display()
    ))
    .env("TRUST_MODE", "hold");
    let Some(h) = Helper::start(c) else {
        return skip("an unprivileged user cannot create user and mount namespaces here");
    };
    let port = h.get("port");
    let (_, row) = live_json(&[], port);
    let p = &row["processes"][0];
    assert_eq!(p["pid"], h.get("pid"));
    assert_eq!(p["exe"], "/usr/bin/true", "the kernel's text, of its view");
    assert_eq!(p["exe_other_mntns"], true, "{row}");
    let line = live_row(&["-e"], port);
    assert!(
        line.contains("exe=\"/usr/bin/true\",exe-other-mntns"),
        "{line}"
    );

    let forged = format!("allow tcp {port} exe=/usr/bin/true\n");
    assert!(
        live_violates(&t.0, &forged, port).0,
        "a path string allowed a forged binary"
    );
    let real = format!("allow tcp {port} exe={}\n", fake.join("true").display());
    assert!(
        !live_violates(&t.0, &real, port).0,
        "the real file must match"
    );
    let link = format!("allow tcp {port} exe={}\n", t.0.join("link").display());
    assert!(
        !live_violates(&t.0, &link, port).0,
        "a symlink to the real file must match"
    );
    // A path that names nothing is said to match nothing.
    let (hit, err) = live_violates(
        &t.0,
        &format!("allow tcp {port} exe=/nonexistent/x\n"),
        port,
    );
    assert!(
        hit && err.contains("exe=/nonexistent/x: No such file"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// Item 2: "deleted" from facts, "replaced" only when it was.

/// A binary literally named `fake (deleted)` is not deleted; once it really
/// is, it is; a binary replaced by another file at its path is "replaced".
#[test]
fn deleted_and_replaced_executables_from_facts_not_names() {
    if !live_ok(&[]) {
        return;
    }
    let t = TempDir::new("deleted");
    let named = t.0.join("fake (deleted)");
    copy_exe(&helper(), &named);
    let h = Helper::start(Command::new(&named)).expect("start the helper");
    let port = h.get("port");
    let (_, row) = live_json(&[], port);
    let p = &row["processes"][0];
    assert_eq!(p["exe"], named.to_str().unwrap(), "{row}");
    assert_eq!(p["exe_deleted"], false, "{row}");
    let line = live_row(&[], port);
    assert!(!line.contains("exe-deleted"), "{line}");
    let (_, err) = live_violates(&t.0, "allow tcp *\n", port);
    assert!(!err.contains(&format!("pid {} ", h.get("pid"))), "{err}");

    // Now it is deleted: its name still ends in ` (deleted)` once.
    fs::remove_file(&named).unwrap();
    let (_, row) = live_json(&[], port);
    let p = &row["processes"][0];
    assert_eq!(p["exe"], named.to_str().unwrap(), "{row}");
    assert_eq!(
        (p["exe_deleted"].clone(), p["exe_replaced"].clone()),
        (true.into(), false.into())
    );
    assert!(live_row(&[], port).contains(",exe-deleted)"));
    let (_, err) = live_violates(&t.0, "allow tcp *\n", port);
    assert!(
        err.contains(&format!(
            "pid {} (fake (deleted)) runs deleted executable {}, listening on tcp 127.0.0.1:{port}",
            h.get("pid"),
            named.display()
        )),
        "{err}"
    );
    drop(h);

    // Replaced: an upgrade renamed a new file over the running one.
    let victim = t.0.join("victim");
    copy_exe(&helper(), &victim);
    let h = Helper::start(Command::new(&victim)).expect("start the helper");
    let port = h.get("port");
    let new = t.0.join("victim.new");
    copy_exe(Path::new("/usr/bin/true"), &new);
    fs::rename(&new, &victim).unwrap();
    let (_, row) = live_json(&[], port);
    let p = &row["processes"][0];
    assert_eq!(p["exe"], victim.to_str().unwrap(), "{row}");
    assert_eq!(
        (p["exe_deleted"].clone(), p["exe_replaced"].clone()),
        (true.into(), true.into())
    );
    assert!(live_row(&[], port).contains(",exe-replaced)"));
    let (_, err) = live_violates(&t.0, "allow tcp *\n", port);
    assert!(
        err.contains(&format!("runs replaced executable {} (the path now names another file), listening on tcp 127.0.0.1:{port}", victim.display())),
        "{err}"
    );
    // And exe= of its path no longer allows it: that file is not what runs.
    assert!(
        live_violates(
            &t.0,
            &format!("allow tcp {port} exe={}\n", victim.display()),
            port
        )
        .0
    );
}

// ---------------------------------------------------------------------------
// Item 8: a thread with its own fd table.

/// A thread that gave itself its own fd table (`unshare(CLONE_FILES)`) binds
/// a listener: it is shown with its tid, and /proc/PID/fd/N is not it.
#[test]
fn a_live_thread_with_its_own_fd_table_is_shown_with_its_tid() {
    if !live_ok(&[]) {
        return;
    }
    let mut c = Command::new(helper());
    c.env("TRUST_MODE", "thread");
    let h = Helper::start(c).expect("start the helper");
    let (port, pid, tid) = (h.get("port"), h.get("pid"), h.get("tid"));
    assert_ne!(pid, tid);
    let (_, row) = live_json(&[], port);
    let p = &row["processes"][0];
    assert_eq!(
        (p["pid"].clone(), p["tid"].clone()),
        (pid.into(), tid.into()),
        "{row}"
    );
    let fd = p["fd"].as_u64().unwrap();
    let own = fs::read_link(format!("/proc/{pid}/task/{tid}/fd/{fd}")).unwrap();
    assert_eq!(own.to_str().unwrap(), format!("socket:[{}]", row["inode"]));
    let process = fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok();
    assert_ne!(
        process,
        Some(own),
        "the process's table has it too: not a test"
    );
    let line = live_row(&[], port);
    assert!(
        line.contains(&format!("pid={pid},tid={tid},fd={fd})")),
        "{line}"
    );
}

// ---------------------------------------------------------------------------
// Item 3: no false [kernel].

/// A listener sent in an SCM_RIGHTS message and closed by its sender is held
/// by no fd table: it must not pass for a kernel socket. The listing, JSON,
/// baseline and the notice say "no visible holder" and why.
#[test]
fn a_socket_parked_in_an_scm_rights_message_is_not_a_kernel_socket() {
    if !live_ok(&[]) {
        return;
    }
    let mut c = Command::new(helper());
    c.env("TRUST_MODE", "park");
    let h = Helper::start(c).expect("start the helper");
    let port = h.get("port");
    // A process whose fds cannot be read (some sandboxes' PID 1) makes the
    // holder "hidden", which is no kernel socket either; with every fd
    // readable it has no visible holder, and says why.
    let (r, row) = live_json(&[], port);
    assert_ne!(row["owner"], "kernel", "{row}");
    if row["owner"] == "hidden" {
        skip(
            "some process's fds are unreadable here: the listener is [hidden]; the in-flight reason is checked on a fixture tree",
        );
    } else {
        assert_eq!(row["owner"], "no_visible_holder", "{row}");
        let why = row["owner_reason"].as_str().unwrap();
        assert!(why.contains("in flight in unix socket messages"), "{why}");
        assert!(
            r.stderr()
                .contains("have no visible holder, which does not make them kernel sockets"),
            "{}",
            r.stderr()
        );
        let line = live_row(&[], port);
        assert!(line.ends_with("[no visible holder]"), "{line}");
    }
    let r = run_op(&["baseline", "-t", "--include-loopback"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    ran_inert(&r, "baseline");
    let rule = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("allow tcp") && l.contains(&format!(" {port} ")))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{}", r.stdout()));
    assert!(!rule.contains("kernel socket"), "{rule}");
    drop(h);
    // In a PID namespace of its own, where every process is visible: the fd
    // in flight is found and named.
    if !have("unshare") {
        return;
    }
    let t = TempDir::new("park");
    let line = t.0.join("line");
    let script = format!(
        "sleep 30 | TRUST_MODE=park '{}' > \"$0\" & sleep 1; \"$@\"",
        helper().display()
    );
    let mut c = Command::new("unshare");
    c.args(["-p", "-f", "--mount-proc", "sh", "-c", &script])
        .arg(&line)
        .args(argv())
        .args(["-j", "-t"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null());
    let r = run_bounded(&mut c, Duration::from_secs(60));
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    let port: u32 = fs::read_to_string(&line)
        .unwrap()
        .split_whitespace()
        .find_map(|w| w.strip_prefix("port=")?.parse().ok())
        .expect("the helper's port");
    let rows = json_rows(&r.out);
    let row = rows
        .iter()
        .find(|v| v["local_port"] == port)
        .expect("its listener");
    assert_eq!(row["owner"], "no_visible_holder", "{row}");
    let why = row["owner_reason"].as_str().unwrap();
    assert!(
        why.contains("fds are in flight in unix socket messages (one queue: pid "),
        "{why}"
    );
}

/// A listener registered as a fixed file of an io_uring ring and closed is
/// held by the ring, by no fd: not a kernel socket either.
#[test]
fn a_socket_held_by_an_io_uring_ring_is_not_a_kernel_socket() {
    if !live_ok(&[]) {
        return;
    }
    if fs::read_to_string("/proc/sys/kernel/io_uring_disabled").is_ok_and(|v| v.trim() != "0") {
        return skip("io_uring is disabled on this kernel");
    }
    let mut c = Command::new(helper());
    c.env("TRUST_MODE", "uring");
    let h = Helper::start(c).expect("start the helper");
    let port = h.get("port");
    let (_, row) = live_json(&[], port);
    assert_ne!(row["owner"], "kernel", "{row}");
    if row["owner"] != "hidden" {
        assert_eq!(row["owner"], "no_visible_holder", "{row}");
        let why = row["owner_reason"].as_str().unwrap();
        let want = format!("registered files of io_uring rings (pid {}", h.get("pid"));
        assert!(why.contains(&want), "{why}");
    }
    drop(h);
    // In a PID namespace of its own, where every process (the helper's and
    // ours) is visible: the ring is found and named.
    if !have("unshare") {
        return;
    }
    let script = format!(
        "sleep 30 | TRUST_MODE=uring '{}' > \"$0\" & sleep 1; \"$@\"",
        helper().display()
    );
    let t = TempDir::new("uring");
    let line = t.0.join("line");
    let mut c = Command::new("unshare");
    c.args(["-p", "-f", "--mount-proc", "sh", "-c", &script])
        .arg(&line)
        .args(argv())
        .args(["-j", "-t"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null());
    let r = run_bounded(&mut c, Duration::from_secs(60));
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    let port: u32 = fs::read_to_string(&line)
        .unwrap()
        .split_whitespace()
        .find_map(|w| w.strip_prefix("port=")?.parse().ok())
        .expect("the helper's port");
    let rows = json_rows(&r.out);
    let row = rows
        .iter()
        .find(|v| v["local_port"] == port)
        .expect("its listener");
    assert_eq!(row["owner"], "no_visible_holder", "{row}");
    let why = row["owner_reason"].as_str().unwrap();
    assert!(
        why.contains("sockets are registered files of io_uring rings (pid "),
        "{why}"
    );
}

/// openports in a child PID namespace that shares the host's network (a
/// container with host networking and its own PID namespace): a host
/// process's listener has no holder in this /proc, which does not make it a
/// kernel socket.
#[test]
fn a_child_pid_namespace_sees_no_kernel_sockets() {
    if !live_ok(&["unshare"]) {
        return;
    }
    let h = Helper::start(Command::new(helper())).expect("start the helper");
    let port = h.get("port");
    let inside = |args: &[&str]| {
        let mut c = Command::new("unshare");
        c.args(["-p", "-f", "--mount-proc", "--"])
            .args(argv())
            .args(args)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null());
        run_bounded(&mut c, Duration::from_secs(60))
    };
    let r = inside(&["-j", "-t"]);
    if r.code != Some(0) && r.stderr().contains("unshare") {
        return skip(&format!("cannot create a PID namespace: {}", r.stderr()));
    }
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    ran_inert(&r, "child pidns JSON");
    let rows = json_rows(&r.out);
    let row = rows
        .iter()
        .find(|v| v["local_port"] == port)
        .unwrap_or_else(|| panic!("{}", r.stdout()));
    assert_eq!(row["owner"], "no_visible_holder", "{row}");
    assert!(
        row["owner_reason"]
            .as_str()
            .unwrap()
            .contains("child PID namespace"),
        "{row}"
    );
    assert!(
        rows.iter().all(|v| v["owner"] != "kernel"),
        "{}",
        r.stdout()
    );
    let r = inside(&["-t", "-H"]);
    let line = r
        .stdout()
        .lines()
        .find(|l| l.contains(&format!(":{port} ")))
        .unwrap()
        .to_string();
    assert!(line.ends_with("[no visible holder]"), "{line}");
    assert!(r.stderr().contains("child PID namespace"), "{}", r.stderr());
    let r = inside(&["baseline", "-t", "--include-loopback"]);
    ran_inert(&r, "child pidns baseline");
    assert!(!r.stdout().contains("# kernel socket"), "{}", r.stdout());
    assert!(
        r.stdout()
            .contains("# no visible holder: this /proc is a child PID namespace's"),
        "{}",
        r.stdout()
    );
}

// ---------------------------------------------------------------------------
// Item 7: identity without privileges is honest and distinct.

/// A tree as a non-root run sees it: two namespaces whose `ns/net` links are
/// unreadable (told apart by `/proc/PID/net/tcp` alone) and a named one whose
/// processes could not be identified. The two are labelled apart, baseline
/// writes no rule broader than what was seen, and the notices say what
/// happened.
#[test]
fn unidentified_namespaces_are_distinct_and_never_widen_a_baseline() {
    let tree = Tree::new("anon");
    tree.proc(1, b"init", b"/sbin/init", HOST_NS).write(
        "self/mountinfo",
        b"600 29 0:4 net:[4026532999] /run/netns/rs-a rw - nsfs nsfs rw\n",
    );
    for (pid, port) in [(300u32, 18080u16), (400, 18080)] {
        tree.proc(
            pid,
            b"nginx",
            b"/usr/sbin/nginx",
            4026532000 + u64::from(pid),
        )
        .fd(pid, 6, u64::from(pid) * 10)
        .row(
            &format!("{pid}/net/tcp"),
            &tcp_listen(port, u64::from(pid) * 10),
        );
        // An unreadable link: readlink fails with something other than ENOENT.
        let link = tree.root.join(format!("{pid}/ns/net"));
        fs::remove_file(&link).unwrap();
        fs::write(&link, "").unwrap();
    }
    let r = run_op(&["-H", "--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    let labels: Vec<String> = r
        .stdout()
        .lines()
        .filter(|l| l.contains(":18080 "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(labels, ["?1", "?2"], "{}", r.stdout());
    let e = r.stderr();
    assert!(e.contains("are labelled ?1, ?2"), "{e}");
    assert!(
        e.contains("with no process to read their tables through: rs-a (no process was identified in them: the processes whose namespace links are unreadable without root, listed under ?1, ?2, may be theirs)"),
        "{e}"
    );
    // baseline: the unidentified listeners' rules are commented out, so no
    // rule allows port 18080 in every namespace.
    let r = run_op(&["baseline", "--proc-root", tree.arg()]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    let out = r.stdout();
    assert!(out.contains("# 1 rule(s) are commented out"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains(" 18080 ")).count(),
        1,
        "{out}"
    );
    for l in out.lines().filter(|l| l.contains(" 18080 ")) {
        assert!(l.starts_with("# allow tcp 18080 0.0.0.0"), "{l}");
        assert!(l.contains("could not be identified"), "{l}");
    }
    let pol = tree.root.parent().unwrap().join("baseline");
    fs::write(&pol, &out).unwrap();
    let r = run_op(&[
        "check",
        pol.to_str().unwrap(),
        "--proc-root",
        tree.arg(),
        "-H",
    ]);
    assert_eq!(
        r.code,
        Some(1),
        "the unidentified listeners stay violations: {}",
        r.stdout()
    );
}

/// Live, as uid 65534: two namespaces of root's processes (links unreadable
/// to nobody) print with distinct labels, and baseline comments their rules.
#[test]
fn unprivileged_runs_label_unidentified_namespaces_apart() {
    if !live_ok(&["unshare", "setpriv"]) {
        return;
    }
    let start = || {
        let mut c = Command::new("unshare");
        c.args(["-n", "--"])
            .arg(helper())
            .env("TRUST_ADDR", "0.0.0.0:0");
        Helper::start(c).expect("start a helper in its own namespace")
    };
    let (a, b) = (start(), start());
    let ports = [a.get("port"), b.get("port")];
    let o = run_as_nobody(&["-t", "-j"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_inert(&o.stdout, "nobody JSON");
    assert_inert(&o.stderr, "nobody stderr");
    let rows = json_rows(&o.stdout);
    for p in ports {
        let r = rows
            .iter()
            .find(|v| v["local_port"] == p && v["netns"].is_null())
            .unwrap_or_else(|| panic!("no unidentified row for {p}"));
        assert_eq!(r["owner"], "hidden");
    }
    let o = run_as_nobody(&["-t", "-H"]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let label = |p: u32| {
        text.lines()
            .find(|l| l.contains(&format!("0.0.0.0:{p} ")) && l.starts_with('?'))
            .and_then(|l| l.split_whitespace().next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no ?N row for {p}: {text}"))
    };
    assert_ne!(label(ports[0]), label(ports[1]), "{text}");
    let o = run_as_nobody(&["baseline", "-t"]);
    let base = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_inert(&o.stdout, "nobody baseline");
    for p in ports {
        let l = base
            .lines()
            .find(|l| l.contains(&format!(" {p} ")))
            .unwrap_or_else(|| panic!("no rule for {p}: {base}"));
        assert!(
            l.starts_with("# allow tcp"),
            "a rule allowing {p} everywhere: {l}"
        );
    }
}
