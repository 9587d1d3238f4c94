//! Hostile input (issue 6): openports runs as root on machines that may be
//! compromised or broken, and reads text the kernel and other processes control.
//! It must never crash, hang, mislead or be steered by that input.
//!
//! - live hostile processes: escape sequences, newlines, `)` and `"`, invalid
//!   UTF-8 and 4 KiB of argv in comm/cmdline/exe; a FIFO, a pipe, a deleted file
//!   and a socket on hundreds of fds; processes exiting during the walk;
//! - broken environments: no /proc, unreadable, truncated, NUL, CRLF, 1 MiB-line
//!   and 1,000,000-row tables (with a peak-memory bound), hidepid=2;
//! - output safety: a property test over arbitrary bytes in comm/cmdline/exe.
//!
//! Each test would fail if the protection it names were removed; the comment
//! above each says how.

mod common;

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::ffi::{CString, OsStr};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Ran, have, is_root, run_bounded, skip};
use harness::{assert_no_controls, check_json_bytes, parse_users};

// ---------------------------------------------------------------------------
// helpers

/// A directory removed on drop; mode 0755 so that an unprivileged user can
/// traverse it (the hidepid and unreadable-file tests drop to uid 65534).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p =
            std::env::temp_dir().join(format!("openports-hostile-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Write `files` (path below the dir → bytes), creating directories.
    fn write(&self, files: &[(&str, &[u8])]) {
        for (rel, bytes) in files {
            let p = self.0.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// openports with `args`, a clean environment, at most 120 s.
fn op(args: &[&OsStr]) -> Ran {
    let mut c = Command::new(common::bin());
    c.args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    run_bounded(&mut c, Duration::from_secs(120))
}

/// openports with `args` under the helper's HOSTILE_MEASURE mode: the run and
/// its peak RSS in KiB.
fn op_measured(args: &[&OsStr], tag: &str) -> (Ran, i64) {
    let file = std::env::temp_dir().join(format!("openports-rss-{tag}-{}", std::process::id()));
    let mut c = Command::new(helper());
    c.arg(common::bin())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HOSTILE_MEASURE", &file);
    let r = run_bounded(&mut c, Duration::from_secs(300));
    let kib = fs::read_to_string(&file)
        .expect("peak RSS written")
        .trim()
        .parse()
        .unwrap();
    let _ = fs::remove_file(&file);
    (r, kib)
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn op_root(root: &Path, args: &[&str]) -> Ran {
    let mut a: Vec<&OsStr> = vec![os("--proc-root"), root.as_os_str()];
    a.extend(args.iter().map(|s| os(s)));
    op(&a)
}

/// stderr lines that a healthy run may print on this machine: PID 1's fds are
/// unreadable in some sandboxes, so "owners … may be hidden" can appear.
fn unexpected_stderr(err: &str) -> Vec<&str> {
    err.lines()
        .filter(|l| !(l.starts_with("openports: owners of ") && l.contains(" may be hidden: ")))
        .collect()
}

/// The helper process (tests/helpers/hostile_proc.rs).
fn helper() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| common::helper_bin("hostile_proc"))
}

/// A running helper; stdin closed and process reaped on drop.
struct Helper {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    fds: Vec<u32>,
}

impl Helper {
    fn start(mut cmd: Command) -> Helper {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start helper");
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let mut it = line.split_whitespace().map(|t| t.parse::<u32>().unwrap());
        let port = it.next().expect("helper did not start") as u16;
        Helper {
            child,
            stdin,
            port,
            fds: it.collect(),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The JSON lines of a run, each parsed (a malformed line fails the test).
fn json_rows(out: &[u8]) -> Vec<serde_json::Value> {
    let text = std::str::from_utf8(out).expect("JSON output is UTF-8");
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("malformed JSON line {l:?}: {e}"))
        })
        .collect()
}

/// Every table row with owners has a Process cell that parses back into
/// owners: no name can close its quotes or forge an entry.
fn table_rows_parse(out: &[u8]) {
    assert_no_controls(out, "table");
    let text = std::str::from_utf8(out).unwrap();
    for row in text.lines().skip(1) {
        if let Some(at) = row.find("users:(") {
            assert!(
                parse_users(&row[at + 7..]).is_some(),
                "forged or broken Process cell: {row:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 2. hostile processes (live)

/// A process with escape sequences, a newline, `)` and `"` and invalid UTF-8 in
/// its comm, argv and executable path (4 KiB of argv), whose executable was
/// deleted, holding a FIFO, a pipe, a deleted file and its listener on 301 fds.
///
/// Fails if: escaping is removed (control bytes in the table), `"` is not
/// escaped (the forged `("forged",pid=1,fd=3)` parses as a second owner), JSON
/// loses bytes or `_hex`, owners are deduplicated or dropped, or fd targets are
/// opened instead of read with readlink (opening the FIFO, which has no writer,
/// blocks: the run is killed after 120 s and the test fails as a hang).
#[test]
fn hostile_process_cannot_crash_hang_or_mislead() {
    let d = TempDir::new("proc");
    let evil_dir = d.path().join(OsStr::from_bytes(b"dir \x1b[31m\n)\"(\xff"));
    fs::create_dir(&evil_dir).unwrap();
    let exe = evil_dir.join(OsStr::from_bytes(b"exe\x1b]0;pwned\x07\"),(\"x\xfe"));
    common::copy_exe(helper(), &exe);
    let fifo = d.path().join("fifo");
    let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");

    let comm: &[u8] = b"\x1b[2J\n)\"\xff(x";
    let arg0: &[u8] = b"sshd: \x1b[31mroot\x1b[0m\n\"),(\"forged\",pid=1,fd=3)";
    let args: Vec<Vec<u8>> = vec![
        b"\xff\xfe".to_vec(),
        b"a\tb\rc\x7f".to_vec(),
        "\u{202e}rtl \u{9b}c1".as_bytes().to_vec(),
        vec![b'A'; 4096],
    ];
    let mut cmd = Command::new(&exe);
    cmd.arg0(OsStr::from_bytes(arg0))
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .env_clear()
        .env("HOSTILE_COMM", hex(comm))
        .env("HOSTILE_FIFO", &fifo)
        .env("HOSTILE_O_NONBLOCK", libc::O_NONBLOCK.to_string())
        .env("HOSTILE_DELETED", d.path().join("deleted"))
        .env("HOSTILE_DUPS", "300");
    let h = Helper::start(cmd);
    fs::remove_file(&exe).unwrap();
    let pid = h.child.id();
    let mut want_fds = h.fds.clone();
    want_fds.sort_unstable();
    assert_eq!(want_fds.len(), 301);
    let mut cmdline = arg0.to_vec();
    for a in &args {
        cmdline.push(b' ');
        cmdline.extend_from_slice(a);
    }
    let exe_bytes = exe.as_os_str().as_bytes();

    // Table. Our namespace only: another may have a socket on this port.
    let r = op(&[os("-t"), os("-e"), os("-N"), os("self")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(
        unexpected_stderr(&r.stderr()).is_empty(),
        "stray stderr: {}",
        r.stderr()
    );
    table_rows_parse(&r.out);
    let out = r.stdout();
    let row = out
        .lines()
        .find(|l| l.contains(&format!("127.0.0.1:{} ", h.port)))
        .expect("the helper's listener is listed");
    let at = row.find("users:(").expect("owners shown");
    let owners = parse_users(&row[at + 7..]).unwrap();
    let mut fds: Vec<u32> = owners.iter().map(|o| o.fd).collect();
    fds.sort_unstable();
    assert_eq!(fds, want_fds, "every fd holding the socket");
    assert!(
        owners.iter().all(|o| o.pid == pid && o.comm == comm),
        "{row:?}"
    );
    assert_eq!(owners[0].exe.as_deref(), Some(exe_bytes));
    assert!(owners[0].exe_deleted);
    assert_eq!(owners[0].cmd.as_deref(), Some(&cmdline[..]));
    assert!(
        !row.contains("forged\",pid=1"),
        "unescaped quote in {row:?}"
    );

    // JSON: lossless where UTF-8, `_hex` where not.
    let r = op(&[os("-t"), os("-j"), os("-N"), os("self")]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(
        unexpected_stderr(&r.stderr()).is_empty(),
        "stray stderr: {}",
        r.stderr()
    );
    let rows = json_rows(&r.out);
    let row = rows
        .iter()
        .find(|v| v["local_port"] == h.port && v["local_addr"] == "127.0.0.1")
        .expect("listed in JSON");
    let procs = row["processes"].as_array().unwrap();
    assert_eq!(procs.len(), 301);
    for p in procs {
        assert_eq!(p["pid"], pid);
        check_json_bytes(p, "comm", comm);
        check_json_bytes(p, "cmdline", &cmdline);
        check_json_bytes(p, "exe", exe_bytes);
        assert_eq!(p["exe_deleted"], true);
    }
}

/// Run openports 50 times (OPENPORTS_CHURN_RUNS) while a thread starts and reaps `spawn()`'s commands
/// in a loop; every run must exit 0 with well-formed output and no stderr but
/// the known notices. Returns how many commands the thread ran.
fn runs_during_churn(spawn: &(dyn Fn() -> Vec<Command> + Sync)) -> u32 {
    /// Stops the churn thread however the runs end: a failed assertion unwinds
    /// through here, and the scope would otherwise wait for the thread forever.
    struct StopOnDrop<'a>(&'a AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let churn = s.spawn(|| {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // A batch alive at once, then reaped: there is always a process
                // about to exit while openports runs.
                let batch: Vec<Child> = spawn()
                    .into_iter()
                    .filter_map(|mut c| {
                        c.stdin(Stdio::null())
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .spawn()
                            .ok()
                    })
                    .collect();
                for mut c in batch {
                    let _ = c.wait();
                    n += 1;
                }
            }
            n
        });
        let guard = StopOnDrop(&stop);
        // 50 runs; `make test-stress`, which repeats the whole binary under
        // its own background churn, sets fewer (OPENPORTS_CHURN_RUNS).
        let runs: u32 = std::env::var("OPENPORTS_CHURN_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(50);
        for i in 0..runs {
            let json = i % 2 == 0;
            // UDP in every state, TCP listeners: what the churn helpers hold,
            // without rendering every socket of a busy machine.
            let args: &[&OsStr] = if json {
                &[os("-u"), os("-a"), os("-e"), os("-j")]
            } else {
                &[os("-t"), os("-e")]
            };
            let r = op(args);
            assert_eq!(r.code, Some(0), "run {i}: {}", r.stderr());
            assert!(
                unexpected_stderr(&r.stderr()).is_empty(),
                "run {i}: stray stderr: {}",
                r.stderr()
            );
            assert_no_controls(&r.err, "stderr");
            if json {
                for v in json_rows(&r.out) {
                    assert!(v["processes"].is_array() || v["processes"].is_null(), "{v}");
                }
            } else {
                table_rows_parse(&r.out);
            }
        }
        drop(guard);
        churn.join().unwrap()
    })
}

/// Processes appearing and exiting while openports walks /proc: batches of
/// helpers that bind a TCP and a UDP socket and exit after 0 to 21 ms, and `true`.
///
/// Fails if a vanished process is reported (a stray "No such file" warning),
/// makes the run fail, or leaves malformed output (a half-written owner).
#[test]
fn processes_exiting_during_the_walk() {
    let helper = helper();
    let n = runs_during_churn(&|| {
        let mut v: Vec<Command> = (0..8u32)
            .map(|i| {
                let mut h = Command::new(helper);
                h.env("HOSTILE_EXIT", (i * 3).to_string());
                h
            })
            .collect();
        v.push(Command::new("true"));
        v
    });
    assert!(n > 0, "the churn thread did not run");
}

/// Network namespaces appearing and vanishing while openports reads them: each
/// helper runs in a new network namespace (`unshare -n`), binds sockets there
/// and exits, so a namespace found at discovery may have no process left when
/// its tables are read. A vanished namespace is skipped silently, like a
/// vanished process. It used to be reported as "N network
/// namespace(s) with no process to read their tables through" (9 of 60 runs).
#[test]
fn namespaces_vanishing_during_the_walk() {
    if !is_root() || !have("unshare") {
        return skip("not root or no unshare: cannot create network namespaces");
    }
    let helper = helper();
    let n = runs_during_churn(&|| {
        (0..4u32)
            .map(|i| {
                let mut h = Command::new("unshare");
                h.arg("-n")
                    .arg(helper)
                    .env("HOSTILE_EXIT", (i * 5).to_string());
                h
            })
            .collect()
    });
    assert!(n > 0, "the churn thread did not run");
}

// ---------------------------------------------------------------------------
// 3. broken environments

/// No /proc, or something that is not one: one clear error, exit 2.
/// Fails if such a root prints rows, warnings in a loop, or exits otherwise.
#[test]
fn missing_or_non_proc_root_is_one_error_with_exit_2() {
    let d = TempDir::new("root");
    d.write(&[("file", b"not a directory\n"), ("junk/readme", b"x")]);
    for root in [
        PathBuf::from("/nonexistent/proc"),
        d.path().join("file"),
        d.path().join("junk"),
    ] {
        let r = op(&[os("--proc-root"), root.as_os_str()]);
        let e = r.stderr();
        assert_eq!(r.code, Some(2), "{root:?}: {e}");
        assert!(r.out.is_empty(), "{root:?}: {}", r.stdout());
        assert_eq!(e.lines().count(), 1, "{root:?}: {e}");
        assert!(
            e.starts_with("openports: ") && e.contains(root.to_str().unwrap()),
            "{e}"
        );
    }
}

const UDP_HEADER: &str = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";

fn udp_row(sl: u32, port: u16, inode: u64) -> String {
    format!(
        "{sl:5}: 0100007F:{port:04X} 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 {inode} 2 0000000000000000 0\n"
    )
}

/// An unreadable table is a warning naming it; the other tables are listed.
/// As root the table is a directory (EISDIR on read); as uid 65534 it is also a
/// mode-000 file (EACCES on open).
/// Fails if an unreadable table aborts the run or is skipped silently.
#[test]
fn unreadable_table_is_a_warning_and_the_rest_is_listed() {
    let d = TempDir::new("unreadable");
    let udp = format!("{UDP_HEADER}{}", udp_row(0, 53, 7001));
    d.write(&[("net/udp", udp.as_bytes())]);
    fs::create_dir(d.path().join("net/tcp")).unwrap();
    let r = op_root(d.path(), &[]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stdout().contains("127.0.0.1:53 "), "{}", r.stdout());
    let e = r.stderr();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("openports: ") && e.contains("net/tcp"), "{e}");

    if !is_root() || !have("setpriv") {
        return skip("not root or no setpriv: mode-000 table as uid 65534 not checked");
    }
    fs::remove_dir(d.path().join("net/tcp")).unwrap();
    d.write(&[("net/tcp", b"secret")]);
    fs::set_permissions(d.path().join("net/tcp"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(d.path().join("net"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(d.path().join("net/udp"), fs::Permissions::from_mode(0o644)).unwrap();
    let bin = readable_bin(&d);
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .arg("--proc-root")
        .arg(d.path())
        .env_clear();
    let r = run_bounded(&mut c, Duration::from_secs(60));
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stdout().contains("127.0.0.1:53 "), "{}", r.stdout());
    let e = r.stderr();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("net/tcp") && e.contains("ermission denied"),
        "{e}"
    );
}

/// The binary, copied where uid 65534 can execute it.
fn readable_bin(d: &TempDir) -> PathBuf {
    let bin = d.path().join("openports-bin");
    common::copy_exe(&common::bin(), &bin);
    bin
}

fn hostile_table(name: &str) -> Vec<u8> {
    fs::read(common::testdata().join("hostile/tables").join(name)).unwrap()
}

/// A tree with only `net/tcp`, run with `-t -a -e` (rows show their inode).
fn run_tcp_table(tag: &str, table: &[u8]) -> (Ran, TempDir) {
    let d = TempDir::new(tag);
    d.write(&[("net/tcp", table)]);
    (op_root(d.path(), &["-t", "-a", "-e"]), d)
}

/// `rows` without the one whose inode is `inode`.
fn without(rows: &str, inode: &str) -> String {
    rows.lines()
        .filter(|l| l.split_whitespace().last() != Some(inode))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The clean capture, and copies with CRLF line ends, NUL bytes, and a row cut
/// mid-line (testdata/hostile/tables/).
/// Fails if CRLF changes any row, a NUL or a cut row is accepted as a socket or
/// stops the rows after it, or the warning does not name the line.
#[test]
fn crlf_nul_and_truncated_tables() {
    let (clean, _d) = run_tcp_table("clean", &hostile_table("tcp"));
    assert_eq!(clean.code, Some(0));
    assert_eq!(clean.stderr(), "");
    let rows = clean.stdout();
    assert_eq!(rows.lines().count(), 6, "{rows}");

    // CRLF: '\r' is whitespace to the parser.
    let (r, _d) = run_tcp_table("crlf", &hostile_table("tcp-crlf"));
    assert_eq!(r.code, Some(0));
    assert_eq!(r.stderr(), "");
    common::assert_text_eq(&r.stdout(), &rows, "CRLF table");

    // NUL inside row 1's address: that row is skipped with a warning naming line
    // 3; NULs in row 3's trailing padding are ignored like any unknown trailer.
    let (r, d) = run_tcp_table("nul", &hostile_table("tcp-nul"));
    assert_eq!(r.code, Some(0));
    common::assert_text_eq(&r.stdout(), &without(&rows, "383876"), "NUL table");
    let path = d.path().join("net/tcp");
    assert_eq!(
        r.stderr(),
        format!(
            "openports: {}:3: column 7: expected local ADDR:PORT in hex\n",
            path.display()
        )
    );

    // Cut mid-row without a final newline: the last row is a warning.
    let (r, d) = run_tcp_table("cut", &hostile_table("tcp-truncated"));
    assert_eq!(r.code, Some(0));
    common::assert_text_eq(&r.stdout(), &without(&rows, "383884"), "truncated table");
    let e = r.stderr();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.starts_with(&format!(
            "openports: {}:6: ",
            d.path().join("net/tcp").display()
        )),
        "{e}"
    );
}

/// Peak memory allowed for a run over a huge table (the binary itself needs a
/// few MiB; a table read whole would need far more).
const RSS_LIMIT_KIB: i64 = 64 * 1024;

/// A 1 MiB line between two good rows: skipped with one warning, rows around it
/// listed, memory bounded by the line limit, not the line: the run needs less
/// than half a MiB more than the same table without that line.
/// Fails if lines are buffered whole (RSS), or the long line hides later rows.
#[test]
fn one_mib_line_is_skipped_with_bounded_memory() {
    let good = format!(
        "{UDP_HEADER}{}{}",
        udp_row(0, 1001, 8001),
        udp_row(1, 1002, 8002)
    );
    let mut t = format!("{UDP_HEADER}{}", udp_row(0, 1001, 8001));
    t.push_str(&"7".repeat(1 << 20));
    t.push('\n');
    t.push_str(&udp_row(1, 1002, 8002));
    let base = TempDir::new("shortline");
    base.write(&[("net/udp", good.as_bytes())]);
    let d = TempDir::new("longline");
    d.write(&[("net/udp", t.as_bytes())]);
    let args = |d: &TempDir| -> Vec<std::ffi::OsString> {
        vec![
            "--proc-root".into(),
            d.path().into(),
            "-u".into(),
            "-H".into(),
        ]
    };
    // Peak RSS varies by a few hundred KiB from run to run on a busy machine
    // (worker threads, allocator timing): the least of three runs of each.
    let least = |d: &TempDir, what: &str| {
        let a = args(d);
        let a: Vec<&OsStr> = a.iter().map(|s| s.as_os_str()).collect();
        let mut best = op_measured(&a, what);
        for _ in 0..2 {
            let next = op_measured(&a, what);
            if next.1 < best.1 {
                best = next;
            }
        }
        best
    };
    let (r0, kib0) = least(&base, "shortline");
    let (r, kib) = least(&d, "longline");
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    let out = r.stdout();
    assert_eq!(out, r0.stdout());
    assert!(
        out.contains("127.0.0.1:1001 ") && out.contains("127.0.0.1:1002 "),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2);
    let e = r.stderr();
    assert_eq!(
        e,
        format!(
            "openports: {}:3: line longer than 4096 bytes\n",
            d.path().join("net/udp").display()
        )
    );
    eprintln!("peak RSS {kib} KiB with the 1 MiB line, {kib0} KiB without");
    assert!(kib < RSS_LIMIT_KIB, "peak RSS {kib} KiB");
    // Holding the line would cost at least 1024 KiB.
    assert!(kib - kib0 < 768, "the 1 MiB line costs {} KiB", kib - kib0);
}

/// 1,000,000 rows (a ~100 MB table): with the default listening filter the
/// established rows are dropped as they stream by, so memory stays bounded;
/// the listeners among them are all listed.
/// Fails if the table is read into memory whole, or rows are kept before
/// filtering.
#[test]
fn million_row_table_with_bounded_memory() {
    let d = TempDir::new("million");
    let path = d.path().join("net/tcp");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut w = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    w.write_all(b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
        .unwrap();
    for i in 0..1_000_000u32 {
        // Every 100,000th row listens; the rest are established connections.
        let (st, rport) = if i % 100_000 == 0 {
            ("0A", 0)
        } else {
            ("01", 1024 + i % 60000)
        };
        writeln!(
            w,
            "{i:6}: 0100007F:{:04X} 0100007F:{rport:04X} {st} 00000000:00000000 00:00000000 00000000     0        0 {} 1 0000000000000000 20 4 30 10 -1",
            1 + i / 100_000,
            1_000_000 + i
        )
        .unwrap();
    }
    drop(w);
    let (r, kib) = op_measured(
        &[
            os("--proc-root"),
            d.path().as_os_str(),
            os("-t"),
            os("-H"),
            os("--no-processes"),
        ],
        "million",
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert_eq!(r.stderr(), "");
    assert_eq!(r.stdout().lines().count(), 10, "{}", r.stdout());
    eprintln!("peak RSS {kib} KiB");
    assert!(kib < RSS_LIMIT_KIB, "peak RSS {kib} KiB");
}

/// /proc mounted with hidepid=2, read by an unprivileged user: only its own
/// processes are visible. The run succeeds with the rows it can see, and says
/// that owners are hidden (a root-held listener opened here has no visible
/// owner). Needs root, `unshare` and `setpriv`: the test mounts a private procfs
/// in its own mount namespace.
/// Fails if hidepid makes the run fail or lose rows, or the notice is missing.
#[test]
fn hidepid_2_gives_partial_results_and_the_notice() {
    if !is_root() {
        return skip("not root: cannot mount procfs with hidepid=2");
    }
    if !have("unshare") || !have("setpriv") {
        return skip("unshare or setpriv not installed");
    }
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let d = TempDir::new("hidepid");
    let mnt = d.path().join("proc");
    fs::create_dir(&mnt).unwrap();
    let bin = readable_bin(&d);
    let script = format!(
        "mount -t proc -o hidepid=2 proc '{m}' || exit 99; exec setpriv --reuid=65534 --regid=65534 --clear-groups '{b}' --proc-root '{m}' -t -j",
        m = mnt.display(),
        b = bin.display()
    );
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    let r = run_bounded(&mut c, Duration::from_secs(60));
    if r.code == Some(99) {
        return common::skip_or_fail(&format!("cannot mount procfs here: {}", r.stderr()), false);
    }
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    let rows = json_rows(&r.out);
    let netns = common::self_netns();
    let ours = rows
        .iter()
        .find(|v| v["local_port"] == port && v["netns"] == netns)
        .expect("root's listener is listed under hidepid=2");
    assert_eq!(ours["owner"], "hidden");
    // Other notices may be there (namespaces of other tests that uid 65534
    // cannot enter); the one about owners is there once.
    let e = r.stderr();
    let notices: Vec<&str> = e
        .lines()
        .filter(|l| l.starts_with("openports: owners of "))
        .collect();
    assert_eq!(notices.len(), 1, "{e}");
    assert!(
        notices[0].contains("hidden") && notices[0].contains("hidepid"),
        "{e}"
    );
    drop(l);
}

// ---------------------------------------------------------------------------
// 4. output safety

/// End to end over a fixture tree: comm, cmdline and exe of a process hold
/// every byte value (and NULs between argv words).
/// Fails if any byte reaches the table raw or JSON loses it.
#[test]
fn every_byte_value_in_comm_cmdline_and_exe_of_a_fixture() {
    let all: Vec<u8> = (1..=255u8).filter(|&b| b != b'\n').collect();
    let cases: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = vec![
        // comm (255 bytes: the comm file is read up to 256), cmdline, exe target
        (
            all.clone(),
            [&all[..], b"\0--flag\0"].concat(),
            [b"/usr/bin/", &all[..46], &all[47..]].concat(),
        ),
        (
            b"a\"),(\"b".to_vec(),
            b"x\xff\xfe\xfd\0\xc3\x28\0\xe2\x82".to_vec(),
            b"/bin/\xf0\x9f\x92\xa9 (deleted)".to_vec(),
        ),
        (
            b"\\x1b[31m".to_vec(),
            b"\\\\\0\\\"".to_vec(),
            b"/\\u{202e}".to_vec(),
        ),
    ];
    for (i, (comm, cmdline, exe)) in cases.iter().enumerate() {
        let d = TempDir::new(&format!("bytes{i}"));
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n";
        d.write(&[
            ("100/net/tcp", tcp.as_bytes()),
            ("100/comm", &[&comm[..], b"\n"].concat()),
            ("100/cmdline", cmdline),
        ]);
        fs::create_dir(d.path().join("100/fd")).unwrap();
        fs::create_dir(d.path().join("100/ns")).unwrap();
        symlink("socket:[777]", d.path().join("100/fd/3")).unwrap();
        symlink("net:[4026531840]", d.path().join("100/ns/net")).unwrap();
        symlink("100", d.path().join("self")).unwrap();
        symlink(OsStr::from_bytes(exe), d.path().join("100/exe")).unwrap();
        let (want_exe, deleted) = openports::parse::links::split_deleted(exe.clone());
        let want_exe = want_exe.unwrap();
        let want_cmd = openports::parse::process::join_argv(cmdline);

        let r = op_root(d.path(), &["-t", "-e"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr());
        assert_eq!(r.stderr(), "");
        table_rows_parse(&r.out);
        let out = r.stdout();
        let row = out.lines().nth(1).unwrap();
        let o = &parse_users(&row[row.find("users:(").unwrap() + 7..]).unwrap()[0];
        assert_eq!(o.comm, *comm, "case {i}");
        assert_eq!(o.cmd.as_deref(), Some(&want_cmd[..]), "case {i}");
        assert_eq!(o.exe.as_deref(), Some(&want_exe[..]), "case {i}");
        assert_eq!(o.exe_deleted, deleted, "case {i}");

        let r = op_root(d.path(), &["-t", "-j"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr());
        let rows = json_rows(&r.out);
        let p = &rows[0]["processes"][0];
        check_json_bytes(p, "comm", comm);
        check_json_bytes(p, "cmdline", &want_cmd);
        check_json_bytes(p, "exe", &want_exe);
        assert_eq!(p["exe_deleted"], deleted);
    }
}

mod property {
    //! For arbitrary bytes in comm, cmdline and exe (and arbitrary namespace and
    //! user names), rendered through the library's writers: the table holds no
    //! control character and its Process cell parses back to the exact bytes;
    //! every JSON line parses, lossless for UTF-8, `<key>_hex` otherwise.
    //! Fails if any escaping rule is removed or made ambiguous.

    use super::*;
    use openports::model::netns::Netns;
    use openports::model::owners::{Owner, OwnerIndex, ProcInfo};
    use openports::model::socket::{Endpoint, Family, Proto, Socket, state};
    use openports::parse::passwd::passwd_names;
    use openports::render::{self, View};
    use proptest::prelude::*;

    /// Bytes biased toward what breaks output: controls, quotes, backslashes,
    /// parentheses, commas, invalid and multi-byte UTF-8, bidi overrides.
    fn nasty() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            prop::sample::select(vec![
                &b"\x1b[31m"[..],
                b"\n",
                b"\r",
                b"\t",
                b"\"",
                b"\\",
                b"),(",
                b",pid=1,fd=3",
                b"\xff",
                b"\xc3",
                b"\xe2\x80\xae",
                b"\xc2\x9b",
                b"\x7f",
                b"\0",
                "é".as_bytes(),
                b"users:(",
            ])
            .prop_map(|s| s.to_vec()),
            "[ -~]{1,6}".prop_map(|s: String| s.into_bytes()),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    fn check(
        comm: Vec<u8>,
        cmdline: Vec<u8>,
        exe: Vec<u8>,
        ns_name: String,
        user: Vec<u8>,
        deleted: bool,
    ) {
        let sock = Socket {
            ns: 0,
            proto: Proto::Tcp,
            family: Family::Inet,
            state: state::LISTEN,
            local: Endpoint {
                ip: "127.0.0.1".parse().unwrap(),
                port: 80,
            },
            remote: Endpoint {
                ip: "0.0.0.0".parse().unwrap(),
                port: 0,
            },
            recv_q: 0,
            send_q: 0,
            uid: 0,
            inode: 1,
            detail: None,
        };
        let sockets = vec![sock];
        let namespaces = vec![Netns {
            inode: Some(4026531840),
            pids: vec![7],
            name: Some(ns_name.clone()),
            host: true,
            is_self: true,
            ..Netns::default()
        }];
        let ix = OwnerIndex::from_entries(vec![
            (
                1,
                Owner {
                    pid: 7,
                    tid: 0,
                    fd: 3,
                },
            ),
            (
                1,
                Owner {
                    pid: 7,
                    tid: 0,
                    fd: 4,
                },
            ),
            (
                1,
                Owner {
                    pid: 8,
                    tid: 0,
                    fd: 5,
                },
            ),
        ]);
        let mut procs = openports::model::map::ById::default();
        procs.insert(
            7,
            ProcInfo {
                comm: comm.clone(),
                uid: Some(0),
                exe: Some(exe.clone()),
                exe_deleted: deleted,
                cmdline: Some(cmdline.clone()),
                ..ProcInfo::default()
            },
        );
        procs.insert(
            8,
            ProcInfo {
                comm: cmdline.clone(),
                uid: Some(1),
                exe: None,
                exe_deleted: false,
                cmdline: Some(comm.clone()),
                ..ProcInfo::default()
            },
        );
        let mut passwd = user.clone();
        passwd.extend_from_slice(b":x:0:0::/:/bin/sh\n");
        let users = passwd_names(&passwd);
        for color in [false, true] {
            let view = View {
                sockets: &sockets,
                namespaces: &namespaces,
                owners: Some(&ix),
                procs: &procs,
                users: &users,
                groups: &users,
                full_visibility: true,
                unseen: None,
                extended: true,
                exposure_column: false,
                header: true,
                color,
                netns_column: true,
                reach: None,
            };
            let mut out = Vec::new();
            render::table::write(&view, &mut out).unwrap();
            let text = String::from_utf8(out).expect("table is UTF-8");
            // Colour codes are the tool's own; strip them, then nothing may steer
            // the terminal.
            let plain = text
                .replace("\x1b[1;31m", "")
                .replace("\x1b[33m", "")
                .replace("\x1b[0m", "");
            assert_no_controls(plain.as_bytes(), "table");
            let row = plain.lines().nth(1).unwrap();
            let owners = row
                .match_indices("users:(")
                .find_map(|(at, m)| parse_users(&row[at + m.len()..]))
                .unwrap_or_else(|| panic!("Process cell does not parse: {row:?}"));
            assert_eq!(owners.len(), 3, "{row:?}");
            assert_eq!((owners[0].pid, owners[0].fd, owners[2].pid), (7, 3, 8));
            assert_eq!(owners[0].comm, comm);
            assert_eq!(owners[1].comm, comm);
            assert_eq!(owners[0].exe.as_deref(), Some(&exe[..]));
            assert_eq!(owners[0].cmd.as_deref(), Some(&cmdline[..]));
            assert_eq!(owners[0].exe_deleted, deleted);
            assert_eq!(owners[2].comm, cmdline);
            assert_eq!(owners[2].cmd.as_deref(), Some(&comm[..]));
            let label = plain.lines().nth(1).unwrap();
            assert!(
                label.starts_with(&render::escape::terminal(ns_name.as_bytes())),
                "{label:?}"
            );

            let mut out = Vec::new();
            render::json::write(&view, &mut out).unwrap();
            let text = String::from_utf8(out).expect("JSON is UTF-8");
            harness::assert_inert(&text.replace('\n', ""), "JSON");
            let rows = json_rows(text.as_bytes());
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0]["netns_name"], ns_name.as_str());
            let p = &rows[0]["processes"];
            check_json_bytes(&p[0], "comm", &comm);
            check_json_bytes(&p[0], "cmdline", &cmdline);
            check_json_bytes(&p[0], "exe", &exe);
            check_json_bytes(&p[2], "comm", &cmdline);
            assert_eq!(p[0]["exe_deleted"], deleted);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn output_is_inert_and_faithful_for_nasty_bytes(
            comm in nasty(),
            cmdline in nasty(),
            exe in nasty(),
            ns in nasty(),
            user in "[a-z_][a-z0-9_-]{0,8}",
            deleted in any::<bool>(),
        ) {
            let ns = String::from_utf8_lossy(&ns).into_owned();
            check(comm, cmdline, exe, ns, user.into_bytes(), deleted);
        }

        #[test]
        fn output_is_inert_and_faithful_for_any_bytes(
            comm in prop::collection::vec(any::<u8>(), 0..64),
            cmdline in prop::collection::vec(any::<u8>(), 0..256),
            exe in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            check(comm, cmdline, exe, "blue".into(), b"root".to_vec(), false);
        }
    }
}

/// A user name in passwd cannot forge an owner in the `-e` table, where it is
/// printed bare as `user=NAME` inside `users:((…))`. Only plain names are used;
/// others show as `uid=N`.
#[test]
fn passwd_names_cannot_forge_owners() {
    let d = TempDir::new("passwd");
    let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n";
    d.write(&[
        ("100/net/tcp", tcp.as_bytes()),
        ("100/comm", b"nginx\n"),
        ("100/status", b"Name:\tnginx\nUid:\t0\t0\t0\t0\n"),
        ("passwd", b"root),(\"sshd\",pid=1,fd=3:x:0:0::/:/bin/sh\n"),
    ]);
    fs::create_dir_all(d.path().join("100/fd")).unwrap();
    fs::create_dir_all(d.path().join("100/ns")).unwrap();
    symlink("socket:[777]", d.path().join("100/fd/3")).unwrap();
    symlink("net:[4026531840]", d.path().join("100/ns/net")).unwrap();
    symlink("100", d.path().join("self")).unwrap();
    let passwd = d.path().join("passwd");
    let r = op_root(
        d.path(),
        &["-t", "-e", "--passwd", passwd.to_str().unwrap()],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    table_rows_parse(&r.out);
    let out = r.stdout();
    let row = out.lines().nth(1).unwrap();
    let owners = parse_users(&row[row.find("users:(").unwrap() + 7..]).unwrap();
    assert_eq!(owners.len(), 1, "{row}");
    assert_eq!((owners[0].pid, owners[0].fd), (100, 3));
}

/// A namespace name (a mount point under /run/netns, where mountinfo's `\033`
/// and `\012` decode to ESC and newline) cannot reach stderr raw through the
/// "no process to read their tables through" warning. `read_all`
/// escapes `label()` in both warnings.
#[test]
fn netns_name_cannot_steer_the_terminal_through_a_warning() {
    let d = TempDir::new("nsname");
    let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n";
    d.write(&[
        ("100/net/tcp", tcp.as_bytes()),
        ("100/comm", b"nginx\n"),
        (
            "100/mountinfo",
            b"600 29 0:4 net:[4026532999] /run/netns/\\033]0;owned\\007\\033[2J\\012fake rw - nsfs nsfs rw\n",
        ),
    ]);
    fs::create_dir_all(d.path().join("100/ns")).unwrap();
    symlink("net:[4026531840]", d.path().join("100/ns/net")).unwrap();
    symlink("100", d.path().join("self")).unwrap();
    let r = op_root(d.path(), &["-t"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stderr().contains("no process to read"), "{}", r.stderr());
    assert_no_controls(&r.err, "stderr");
    assert_eq!(r.stderr().lines().count(), 1, "{}", r.stderr());
}

/// A fixture or chroot tree given with --proc-root may hold a FIFO or a device
/// where a table or comm file should be: a run must not block on it or read an
/// endless device. (Live procfs cannot: its files are regular.)
/// `ProcRoot::open` uses O_NONBLOCK and reads regular files only.
#[test]
fn fifo_or_device_in_a_tree_cannot_hang_a_run() {
    let d = TempDir::new("fifotree");
    let udp = format!("{UDP_HEADER}{}", udp_row(0, 53, 7001));
    d.write(&[("net/udp", udp.as_bytes())]);
    let c = CString::new(d.path().join("net/tcp").as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    symlink("/dev/zero", d.path().join("net/udp6")).unwrap();
    let mut cmd = Command::new(common::bin());
    cmd.arg("--proc-root").arg(d.path()).env_clear();
    let r = run_bounded(&mut cmd, Duration::from_secs(20));
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    assert!(r.stdout().contains("127.0.0.1:53 "), "{}", r.stdout());
    let e = r.stderr();
    assert!(e.contains("net/tcp") && e.contains("net/udp6"), "{e}");
}

/// A row whose addresses are of the other family (IPv6 in `tcp`) is corrupt: a
/// warning, not a socket listed as IPv4.
#[test]
fn address_of_the_other_family_is_a_warning() {
    let mut t = hostile_table("tcp");
    t.extend_from_slice(b"   9: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0\n");
    let d = TempDir::new("family");
    d.write(&[("net/tcp", &t[..])]);
    let r = op_root(d.path(), &["-t", "-4", "-j"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr());
    for v in json_rows(&r.out) {
        assert!(!v["local_addr"].as_str().unwrap().contains(':'), "{v}");
    }
    let e = r.stderr();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains(&format!("{}:7:", d.path().join("net/tcp").display())),
        "{e}"
    );
}
