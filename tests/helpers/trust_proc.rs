//! A process that tries to fool a port lister, started by tests/trust.rs.
//! std only: the test compiles it with rustc (no Cargo target needed).
//!
//! Binds a TCP listener on TRUST_ADDR (default 127.0.0.1:0), then, by mode:
//!   TRUST_MODE=hold     keeps it on an fd (the plain case)
//!   TRUST_MODE=park     sends it in an SCM_RIGHTS message over a socketpair it
//!                       keeps, and closes its own fd: the listener is held by a
//!                       message in flight, by no process's fd table
//!   TRUST_MODE=uring    registers it as a fixed file of an io_uring ring it
//!                       keeps, and closes its own fd: the ring holds it
//!   TRUST_MODE=thread   binds it in a thread that first gave itself its own fd
//!                       table (unshare(CLONE_FILES)): only /proc/PID/task/TID/fd
//!                       has it
//! Prints `port=P pid=PID tid=TID` and waits until stdin closes.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, IntoRawFd};

#[repr(C)]
struct IoVec {
    base: *mut u8,
    len: usize,
}

#[repr(C)]
struct MsgHdr {
    name: *mut u8,
    namelen: u32,
    iov: *mut IoVec,
    iovlen: usize,
    control: *mut u8,
    controllen: usize,
    flags: i32,
}

unsafe extern "C" {
    fn socketpair(domain: i32, ty: i32, proto: i32, sv: *mut i32) -> i32;
    fn sendmsg(fd: i32, msg: *const MsgHdr, flags: i32) -> isize;
    fn close(fd: i32) -> i32;
    fn unshare(flags: i32) -> i32;
    fn syscall(n: i64, ...) -> i64;
}

const AF_UNIX: i32 = 1;
const SOCK_DGRAM: i32 = 2;
const SOL_SOCKET: i32 = 1;
const SCM_RIGHTS: i32 = 1;
const CLONE_FILES: i32 = 0x400;
const SYS_IO_URING_SETUP: i64 = 425;
const SYS_IO_URING_REGISTER: i64 = 427;
#[cfg(target_arch = "x86_64")]
const SYS_GETTID: i64 = 186;
#[cfg(target_arch = "aarch64")]
const SYS_GETTID: i64 = 178;

fn gettid() -> i64 {
    // SAFETY: gettid takes no arguments.
    unsafe { syscall(SYS_GETTID) }
}

fn listen() -> TcpListener {
    let addr = std::env::var("TRUST_ADDR").unwrap_or_else(|_| "127.0.0.1:0".into());
    TcpListener::bind(addr).expect("bind")
}

/// Send `fd` over a new socketpair in an SCM_RIGHTS message; both ends stay
/// open (the message waits unread in the receiving end's queue).
fn park(fd: i32) -> [i32; 2] {
    let mut sv = [0i32; 2];
    // SAFETY: sv is a valid out-array of two ints.
    assert_eq!(unsafe { socketpair(AF_UNIX, SOCK_DGRAM, 0, sv.as_mut_ptr()) }, 0);
    let mut byte = [b'x'];
    let mut iov = IoVec {
        base: byte.as_mut_ptr(),
        len: 1,
    };
    // struct cmsghdr { size_t len; int level; int type; } + one int, aligned to 8.
    let mut control = [0u8; 24];
    control[..8].copy_from_slice(&20usize.to_ne_bytes());
    control[8..12].copy_from_slice(&SOL_SOCKET.to_ne_bytes());
    control[12..16].copy_from_slice(&SCM_RIGHTS.to_ne_bytes());
    control[16..20].copy_from_slice(&fd.to_ne_bytes());
    let msg = MsgHdr {
        name: std::ptr::null_mut(),
        namelen: 0,
        iov: &mut iov,
        iovlen: 1,
        control: control.as_mut_ptr(),
        controllen: control.len(),
        flags: 0,
    };
    // SAFETY: msg points to live buffers for the duration of the call.
    assert_eq!(unsafe { sendmsg(sv[0], &msg, 0) }, 1, "sendmsg");
    sv
}

fn main() {
    let mode = std::env::var("TRUST_MODE").unwrap_or_else(|_| "hold".into());
    let pid = std::process::id();
    let mut _keep = None;
    let mut _pair = None;
    let (port, tid) = match mode.as_str() {
        "park" => {
            let l = listen();
            let port = l.local_addr().unwrap().port();
            let fd = l.into_raw_fd();
            _pair = Some(park(fd));
            // SAFETY: our own fd, closed once; the message keeps the socket.
            unsafe { close(fd) };
            (port, gettid())
        }
        "uring" => {
            let l = listen();
            let port = l.local_addr().unwrap().port();
            let fd = l.into_raw_fd();
            // struct io_uring_params: 120 bytes, zeroed.
            let mut params = [0u8; 120];
            // SAFETY: io_uring_setup(entries, params) with a valid buffer.
            let ring = unsafe { syscall(SYS_IO_URING_SETUP, 4i64, params.as_mut_ptr()) };
            assert!(ring >= 0, "io_uring_setup");
            let fds = [fd];
            // SAFETY: IORING_REGISTER_FILES with one valid fd.
            let r = unsafe { syscall(SYS_IO_URING_REGISTER, ring, 2i64, fds.as_ptr(), 1i64) };
            assert_eq!(r, 0, "IORING_REGISTER_FILES");
            // SAFETY: our own fd, closed once; the ring keeps the socket.
            unsafe { close(fd) };
            (port, gettid())
        }
        "thread" => {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                // SAFETY: plain flag; only this thread's fd table changes.
                assert_eq!(unsafe { unshare(CLONE_FILES) }, 0, "unshare(CLONE_FILES)");
                let l = listen();
                let _ = l.as_raw_fd();
                tx.send((l.local_addr().unwrap().port(), gettid())).unwrap();
                let _l = l;
                loop {
                    std::thread::park();
                }
            });
            rx.recv().unwrap()
        }
        _ => {
            let l = listen();
            let port = l.local_addr().unwrap().port();
            _keep = Some(l);
            (port, gettid())
        }
    };
    println!("port={port} pid={pid} tid={tid}");
    std::io::stdout().flush().unwrap();
    let mut buf = [0u8; 1];
    let _ = std::io::stdin().read(&mut buf);
}
