//! A process holding one socket of every kind the differential tests compare,
//! started by tests/live.rs inside a network namespace of the test's own (and
//! by mk/stress-load.sh as background load). std only: compiled with rustc by
//! tests/common (no Cargo target needed).
//!
//! Holds: TCP listeners on 0.0.0.0, 127.0.0.1, [::] and [::1] (IPv6 ones when
//! the namespace has IPv6), a TCP connection to itself over loopback (both
//! ends), an unconnected and a connected UDP socket, a raw ICMP socket (root
//! only), a listener duplicated onto a second fd, a forked child sharing every
//! fd, and a thread that unshared its fd table (unshare(CLONE_FILES)) holding a
//! listener that only that table has.
//!
//! Prints `PID CHILD THREAD_FD THREAD_PORT` when everything is set up, then
//! sleeps until killed. With `HOLDER_CHURN=1` it prints nothing and instead
//! opens and closes loopback connections and UDP sockets forever, forking
//! children that inherit its listener and exit at once (background load).

use std::io::Write;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::time::Duration;

unsafe extern "C" {
    fn fork() -> i32;
    fn unshare(flags: i32) -> i32;
    fn socket(domain: i32, ty: i32, proto: i32) -> i32;
    fn getpid() -> i32;
    fn _exit(code: i32) -> !;
    fn prctl(option: i32, arg2: u64, ...) -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
}

const CLONE_FILES: i32 = 0x400;
const AF_INET: i32 = 2;
const SOCK_RAW: i32 = 3;
const IPPROTO_ICMP: i32 = 1;
const PR_SET_PDEATHSIG: i32 = 1;
const SIGKILL: u64 = 9;

fn churn() -> ! {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let a = l.local_addr().unwrap();
    loop {
        if let Ok(c) = TcpStream::connect(a) {
            let s = l.accept();
            drop((c, s));
        }
        let u = UdpSocket::bind("127.0.0.1:0");
        drop(u);
        // SAFETY: the child only exits.
        let pid = unsafe { fork() };
        if pid == 0 {
            // SAFETY: immediate exit of the child, no destructors.
            unsafe { _exit(0) };
        }
        if pid > 0 {
            let mut st = 0;
            // SAFETY: reaping our own child with a valid out-pointer.
            unsafe { waitpid(pid, &mut st, 0) };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn main() {
    if std::env::var_os("HOLDER_CHURN").is_some() {
        churn();
    }
    let mut keep: Vec<Box<dyn AsRawFd>> = Vec::new();
    let l4 = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let any = TcpListener::bind("0.0.0.0:0").expect("bind 0.0.0.0");
    if let Ok(l) = TcpListener::bind("[::]:0") {
        keep.push(Box::new(l));
    }
    if let Ok(l) = TcpListener::bind("[::1]:0") {
        keep.push(Box::new(l));
    }
    let client = TcpStream::connect(l4.local_addr().unwrap()).expect("connect");
    let (server, _) = l4.accept().expect("accept");
    let u = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    let uc = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    uc.connect(u.local_addr().unwrap()).expect("connect udp");
    let dup = any.try_clone().expect("dup");
    // SAFETY: plain syscall; the fd is kept open for the process's life.
    let raw = unsafe { socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) };
    let _ = raw;
    // The thread-only listener: made after unshare, so the process's own table
    // (/proc/PID/fd) does not have it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // SAFETY: plain syscall affecting this thread only.
        assert_eq!(unsafe { unshare(CLONE_FILES) }, 0, "unshare(CLONE_FILES)");
        let l = TcpListener::bind("127.0.0.1:0").expect("bind in thread");
        tx.send((l.as_raw_fd(), l.local_addr().unwrap().port()))
            .unwrap();
        loop {
            std::thread::sleep(Duration::from_secs(3600));
            let _ = &l;
        }
    });
    let (tfd, tport) = rx.recv().unwrap();
    // SAFETY: the child only sleeps (async-signal-safe enough: no allocation).
    let child = unsafe { fork() };
    if child == 0 {
        // SAFETY: plain syscall: the child dies with its parent.
        unsafe { prctl(PR_SET_PDEATHSIG, SIGKILL) };
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    assert!(child > 0, "fork");
    // SAFETY: plain syscall.
    let pid = unsafe { getpid() };
    let mut out = std::io::stdout();
    writeln!(out, "{pid} {child} {tfd} {tport}").unwrap();
    out.flush().unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(3600));
        let _ = (&l4, &any, &client, &server, &u, &uc, &dup, &keep);
    }
}
