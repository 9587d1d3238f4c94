//! A process that is hostile to tools listing it, started by tests/hostile.rs.
//! std only: the test compiles it with rustc (no Cargo target needed).
//!
//! Environment:
//!   HOSTILE_COMM=HEX          bytes to write to /proc/self/comm (escape sequences,
//!                             newlines, quotes, invalid UTF-8)
//!   HOSTILE_FIFO=PATH         open this FIFO read-only and non-blocking: a tool that
//!   HOSTILE_O_NONBLOCK=FLAG   opens fd targets (instead of readlink) blocks on it
//!   HOSTILE_DELETED=PATH      create this file, keep it open, delete it
//!   HOSTILE_DUPS=N            hold the TCP listener on N more fds
//!   HOSTILE_EXIT=MS           bind a TCP listener and a UDP socket, then exit
//!                             after MS milliseconds (processes vanishing while a
//!                             tool walks /proc)
//!   HOSTILE_MEASURE=FILE      instead: run argv[1..] and write its peak RSS (KiB)
//!                             to FILE; exit with its status. A child spawned by
//!                             the (large) test process inherits the test's RSS as
//!                             its `ru_maxrss`; one spawned from here does not.
//!
//! Prints `PORT FD FD...` (the listener's port and every fd holding it), then
//! waits until stdin closes. Argv is whatever the test passed: it only needs to
//! show up in /proc/PID/cmdline.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// `struct rusage` on 64-bit Linux: two timevals, then fourteen longs.
#[repr(C)]
struct Rusage {
    f: [std::ffi::c_long; 18],
}

unsafe extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
}

const RUSAGE_CHILDREN: i32 = -1;

fn measure(out: &str) -> ! {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let status = std::process::Command::new(&args[0])
        .args(&args[1..])
        .env_remove("HOSTILE_MEASURE")
        .status()
        .expect("run the measured program");
    let mut ru = Rusage { f: [0; 18] };
    // SAFETY: `ru` is a properly sized out-buffer.
    assert_eq!(unsafe { getrusage(RUSAGE_CHILDREN, &mut ru) }, 0);
    std::fs::write(out, ru.f[4].to_string()).expect("write peak RSS");
    std::process::exit(status.code().unwrap_or(128));
}

fn main() {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(out) = var("HOSTILE_MEASURE") {
        measure(&out);
    }
    let l = TcpListener::bind("127.0.0.1:0").expect("bind tcp");
    if let Some(ms) = var("HOSTILE_EXIT") {
        let _u = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        std::thread::sleep(std::time::Duration::from_millis(ms.parse().unwrap_or(0)));
        return;
    }
    if let Some(c) = var("HOSTILE_COMM") {
        std::fs::write("/proc/self/comm", unhex(&c)).expect("write comm");
    }
    let mut keep: Vec<Box<dyn AsRawFd>> = Vec::new();
    if let Some(p) = var("HOSTILE_FIFO") {
        let flag: i32 = var("HOSTILE_O_NONBLOCK")
            .expect("O_NONBLOCK")
            .parse()
            .unwrap();
        let f = OpenOptions::new()
            .read(true)
            .custom_flags(flag)
            .open(p)
            .expect("open fifo");
        keep.push(Box::new(f));
    }
    let (r, w) = std::io::pipe().expect("pipe");
    keep.push(Box::new(r));
    keep.push(Box::new(w));
    if let Some(p) = var("HOSTILE_DELETED") {
        let f = File::create(&p).expect("create");
        std::fs::remove_file(&p).expect("delete");
        keep.push(Box::new(f));
    }
    let mut fds = vec![l.as_raw_fd()];
    let n: usize = var("HOSTILE_DUPS").map_or(0, |n| n.parse().unwrap());
    let mut dups = Vec::new();
    for _ in 0..n {
        let d = l.try_clone().expect("dup");
        fds.push(d.as_raw_fd());
        dups.push(d);
    }
    let port = l.local_addr().unwrap().port();
    let mut line = port.to_string();
    for fd in &fds {
        line.push_str(&format!(" {fd}"));
    }
    let mut out = std::io::stdout();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop((keep, dups, l));
}
