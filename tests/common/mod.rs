//! Shared helpers for integration tests: run the built binary with a pinned
//! environment and compare whole outputs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
    command()
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null())
        .output()
        .expect("run openports")
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

/// Whether a command exists on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Print why a test is skipped (visible with --nocapture and in CI logs).
pub fn skip(why: &str) {
    eprintln!("SKIPPED: {why}");
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
pub fn run_as_nobody(args: &[&str]) -> Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args(argv())
        .args(args)
        .output()
        .expect("run setpriv")
}
