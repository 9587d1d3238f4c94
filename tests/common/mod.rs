//! Shared helpers for integration tests.
//!
//! Other engineers' tests (and other copies of these) run at the same time on
//! the same machine, so a test compares only what it owns:
//!
//! - `run(args)`, `command()`, `argv()`, `run_as_nobody(args)`: the binary
//!   under test (`OPENPORTS_BIN`, else cargo's build; `OPENPORTS_RUNNER`, e.g.
//!   qemu, in front) with a clean environment.
//! - `unique(tag)`: a name unique to this process and call (`optest-TAG-PID-N`)
//!   for namespaces, files, anything global.
//! - `skip_or_fail(reason, capability_absent)`: prints `SKIPPED: reason`; under
//!   `CI=true` it panics unless `capability_absent` (no root, no `ip`, no `ss`:
//!   the machine genuinely cannot run the test). Returns so that callers can
//!   `return skip_or_fail(…)`.
//! - `serial()`: a lock for tests of one binary that would race with each
//!   other (whole-machine comparisons against tests that fork or open sockets).
//! - `Netns::new(tag)`: a private network namespace (`ip netns add`, loopback
//!   up) removed on drop, also when the test panics; processes still in it are
//!   killed first. `ns.exec(prog)` is a `Command` running `prog` inside it;
//!   `netns_or_skip()` checks root and `ip` first.
//! - `Spawned::start(cmd)`: a helper process in its own process group that
//!   prints one line when ready (`.line`); the group is killed on drop.
//! - `copy_exe(src, dst)`: copy a program that the test will execute, with
//!   `cp`: a copy written by the test process itself can fail to exec with
//!   ETXTBSY when another test thread forks while its write fd is open.
//! - `helper_bin(name)`: tests/helpers/NAME.rs compiled (std only, once per
//!   test process) with the rustc of the running toolchain: `hostile_proc`
//!   (hostile comm/argv/fds), `sock_holder` (one socket of every kind, a
//!   forked child, a thread with its own fd table).
//! - `run_bounded(cmd, limit)`: run to completion with stdout/stderr captured
//!   (`Ran`); a run past `limit` is killed and fails the test (a hang is the
//!   defect), as does death by a signal.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The binary under test: `OPENPORTS_BIN` (the static release build, as `make
/// test` sets it) or the one cargo built for this test run.
pub fn bin() -> PathBuf {
    match std::env::var_os("OPENPORTS_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_openports")),
    }
}

/// The repository's testdata directory.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// A command that runs the binary under test: directly, or through
/// `OPENPORTS_RUNNER` (e.g. `qemu-aarch64-static` for a cross-built binary).
pub fn command() -> Command {
    match std::env::var("OPENPORTS_RUNNER") {
        Ok(r) if !r.is_empty() => {
            let mut c = Command::new(r);
            c.arg(bin());
            c
        }
        _ => Command::new(bin()),
    }
}

/// Run openports with `args`, a clean environment and no stdin.
pub fn run(args: &[&str]) -> Output {
    let o = command()
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null())
        .output()
        .expect("run openports");
    record_json(&o);
    o
}

/// With `OPENPORTS_JSON_LOG=FILE` (as `make test` sets it), append every JSON
/// line the binary wrote to FILE: tests/eco/schema.py validates them all
/// against schema/openports.schema.json. One write per run (O_APPEND), so
/// tests running in parallel do not interleave lines.
pub fn record_json(o: &Output) {
    use std::io::Write;
    let Some(path) = std::env::var_os("OPENPORTS_JSON_LOG").filter(|p| !p.is_empty()) else {
        return;
    };
    let mut buf = Vec::new();
    for line in o.stdout.split(|&b| b == b'\n') {
        if line.first() == Some(&b'{') {
            buf.extend_from_slice(line);
            buf.push(b'\n');
        }
    }
    if buf.is_empty() {
        return;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path);
    f.and_then(|mut f| f.write_all(&buf))
        .unwrap_or_else(|e| panic!("OPENPORTS_JSON_LOG {}: {e}", Path::new(&path).display()));
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert equality of two multi-line texts, printing a line diff on mismatch.
pub fn assert_text_eq(got: &str, want: &str, what: &str) {
    if got == want {
        return;
    }
    let mut msg = format!("{what}: output differs (- want, + got)\n");
    let g: Vec<&str> = got.lines().collect();
    let w: Vec<&str> = want.lines().collect();
    for i in 0..g.len().max(w.len()) {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => msg.push_str(&format!("  {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    msg.push_str(&format!("- {a}\n"));
                }
                if let Some(b) = b {
                    msg.push_str(&format!("+ {b}\n"));
                }
            }
        }
    }
    panic!("{msg}");
}

/// True when running as root (live namespace and privilege tests need it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The inode of this process's network namespace (openports' `netns`).
pub fn self_netns() -> u64 {
    std::fs::metadata("/proc/self/ns/net")
        .expect("/proc/self/ns/net")
        .ino()
}

/// Whether a command exists on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Print why a test is skipped (visible with --nocapture and in CI logs).
/// For a missing capability of the machine; see `skip_or_fail`.
pub fn skip(why: &str) {
    skip_or_fail(why, true)
}

/// A test that cannot run says why (`SKIPPED: reason`). Under `CI=true` that is
/// a failure unless the machine genuinely lacks the capability (no root, no
/// `ip`, no `ss`): CI must run every live test.
pub fn skip_or_fail(reason: &str, capability_absent: bool) {
    eprintln!("SKIPPED: {reason}");
    if !capability_absent && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true: a live test may skip only for a missing capability: {reason}");
    }
}

/// A name unique to this process and this call: `optest-TAG-PID-N`.
pub fn unique(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("optest-{tag}-{}-{n}", std::process::id())
}

/// Serialises the tests of one binary that would race with each other. A
/// panic in a holder does not poison it for the others.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Root and `ip`, or a printed skip (a missing capability).
pub fn netns_or_skip() -> bool {
    if !is_root() {
        skip("not root: cannot create network namespaces");
        return false;
    }
    if !have("ip") {
        skip("ip (iproute2) not installed: cannot create network namespaces");
        return false;
    }
    true
}

/// A network namespace of the test's own (`ip netns add`, loopback up),
/// deleted on drop with any process still in it.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Netns {
        sweep_stale();
        let name = unique(tag);
        let o = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .expect("run ip");
        assert!(o.status.success(), "ip netns add {name}: {}", stderr(&o));
        let ns = Netns { name };
        let o = Command::new("ip")
            .args(["-n", &ns.name, "link", "set", "lo", "up"])
            .output()
            .expect("run ip");
        assert!(o.status.success(), "lo up in {}: {}", ns.name, stderr(&o));
        ns
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(&self.name)
    }

    /// The namespace's inode (what openports prints as `netns`).
    pub fn inode(&self) -> u64 {
        std::fs::metadata(self.path()).expect("netns mount").ino()
    }

    /// A command that runs `prog` inside the namespace (`ip netns exec`, which
    /// execs `prog`: the child's pid is the program's).
    pub fn exec(&self, prog: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).arg(prog);
        c
    }

    /// Pids of the processes in the namespace.
    pub fn pids(&self) -> Vec<i32> {
        let o = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
            .expect("run ip");
        stdout(&o)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for pid in self.pids() {
            // SAFETY: plain syscall; the process is in our own namespace.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}

/// Namespaces `unique()` named for a test process that is gone (killed before
/// its guards ran): removed, so that they do not pile up.
fn sweep_stale() {
    let Ok(dir) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("optest-") else {
            continue;
        };
        let mut it = rest.rsplitn(3, '-');
        let (Some(_n), Some(pid)) = (it.next(), it.next()) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = Command::new("ip")
                .args(["netns", "del", &name])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Copy the program `src` to `dst` (mode 0755) to execute it, with `cp`: the
/// test process never holds a write fd on it, so no child that another test
/// thread forks meanwhile inherits one, and exec cannot fail with ETXTBSY.
pub fn copy_exe(src: &Path, dst: &Path) {
    let ok = Command::new("cp")
        .arg(src)
        .arg(dst)
        .status()
        .expect("run cp")
        .success();
    assert!(ok, "cp {} {}", src.display(), dst.display());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dst, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// tests/helpers/NAME.rs, compiled once per test process with the rustc of the
/// toolchain running the tests (written under a private name, then renamed:
/// test binaries running at once never see a half-written file).
pub fn helper_bin(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = built.iter().find(|(n, _)| n == name) {
        return p.clone();
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let tmp = out.with_extension(format!("tmp{}", std::process::id()));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/helpers/{name}.rs"));
    let sibling = Path::new(env!("CARGO")).with_file_name("rustc");
    let rustc = std::env::var_os("RUSTC")
        .map(PathBuf::from)
        .unwrap_or(if sibling.exists() {
            sibling
        } else {
            PathBuf::from("rustc")
        });
    let o = Command::new(rustc)
        .args(["--edition", "2021", "-C", "opt-level=1", "-o"])
        .arg(&tmp)
        .arg(&src)
        .output()
        .expect("run rustc");
    assert!(
        o.status.success(),
        "compiling {}: {}",
        src.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::rename(&tmp, &out).expect("rename the compiled helper");
    built.push((name.to_string(), out.clone()));
    out
}

/// A helper process in its own process group that prints one line when ready;
/// the whole group is killed and reaped on drop.
pub struct Spawned {
    pub child: Child,
    pub line: String,
}

impl Spawned {
    pub fn start(mut cmd: Command) -> Spawned {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
        let mut line = String::new();
        let out = child.stdout.take().unwrap();
        let mut s = Spawned {
            child,
            line: String::new(),
        };
        BufReader::new(out).read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "{cmd:?} exited before it was ready");
        s.line = line.trim().to_string();
        s
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // SAFETY: plain syscall on the process group we created.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// The argv that runs the binary under test: the runner first when
/// `OPENPORTS_RUNNER` is set. For commands that exec it themselves (setpriv,
/// a shell pipeline).
pub fn argv() -> Vec<String> {
    let mut v = Vec::new();
    if let Ok(r) = std::env::var("OPENPORTS_RUNNER")
        && !r.is_empty()
    {
        v.push(r);
    }
    v.push(bin().to_str().expect("UTF-8 binary path").to_string());
    v
}

/// Run openports with `args` as uid/gid 65534 (nobody), through `setpriv`.
/// Where uid 65534 cannot execute the binary (a checkout under a private home
/// directory), a copy in a world-readable temporary directory is run.
pub fn run_as_nobody(args: &[&str]) -> Output {
    let nobody = |argv: &[String]| {
        let o = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .args(argv)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run setpriv");
        record_json(&o);
        o
    };
    let o = nobody(&argv());
    if !matches!(o.status.code(), Some(126 | 127)) {
        return o;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(unique("bin"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let copy = dir.join("openports");
    copy_exe(&bin(), &copy);
    let mut v = argv();
    *v.last_mut().unwrap() = copy.to_str().expect("UTF-8 temp path").to_string();
    let o = nobody(&v);
    let _ = std::fs::remove_dir_all(&dir);
    o
}

/// `--byte-order` for a fixture tree: the byte order of the kernel that wrote
/// it, recorded in the tree's `BYTE-ORDER` file (little when absent, as for
/// trees a test generates), so a big-endian build reads little-endian
/// captures right and the other way round.
pub fn byte_order(root: &Path) -> [&'static str; 2] {
    match std::fs::read_to_string(root.join("BYTE-ORDER")) {
        Ok(s) if s.trim() == "big" => ["--byte-order", "big"],
        _ => ["--byte-order", "little"],
    }
}

/// Compare `got` with the golden `testdata/expected/NAME`, or write it there
/// under `OPENPORTS_BLESS=1` (then review the diff). A mismatch prints a line
/// diff and returns false, so that a test reports every differing golden.
pub fn golden_matches(name: &str, got: &str) -> bool {
    let path = testdata().join("expected").join(name);
    if std::env::var_os("OPENPORTS_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return true;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with OPENPORTS_BLESS=1)", path.display()));
    if got == want {
        return true;
    }
    let r = std::panic::catch_unwind(|| assert_text_eq(got, &want, name));
    if let Err(e) = r {
        eprintln!(
            "{}",
            e.downcast_ref::<String>().cloned().unwrap_or_default()
        );
    }
    false
}

/// What a bounded run of the binary produced.
pub struct Ran {
    pub code: Option<i32>,
    pub out: Vec<u8>,
    pub err: Vec<u8>,
}

impl Ran {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err).into_owned()
    }
}

/// Run `cmd` to completion, killing it (and failing) if it takes longer than
/// `limit`: a hang is a failure, not a stuck CI job.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Ran {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let status = loop {
        let mut status = 0;
        // SAFETY: plain syscall on our own child with valid out-pointers.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break status;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > limit {
            // SAFETY: signalling our own, not yet reaped child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut ru);
            }
            panic!("{cmd:?} did not finish within {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drop(child); // already reaped by wait4
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    if libc::WIFSIGNALED(status) {
        panic!("{cmd:?} killed by signal {}", libc::WTERMSIG(status));
    }
    Ran {
        code,
        out: t_out.join().unwrap(),
        err: t_err.join().unwrap(),
    }
}
