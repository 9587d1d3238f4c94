//! Every syscall the tool makes beyond `std::fs`, and all of its `unsafe`.
//! Each wrapper takes and returns safe types (`&CStr`, `BorrowedFd`,
//! `OwnedFd`, slices) and turns a failure into `io::Error`.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// procfs's `f_type` (`include/uapi/linux/magic.h`).
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// Whether `path` is on a mounted procfs (`statfs`).
pub fn is_procfs(path: &CStr) -> bool {
    // SAFETY: `path` is a valid NUL-terminated path and `st` a properly sized out-buffer.
    unsafe {
        let mut st: libc::statfs = std::mem::zeroed();
        libc::statfs(path.as_ptr(), &mut st) == 0 && st.f_type as i64 == PROC_SUPER_MAGIC
    }
}

/// `open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)`.
pub fn open_dir(path: &CStr) -> io::Result<OwnedFd> {
    // SAFETY: valid C string; flags are plain constants.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened by us and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `getdents64(dir, buf)`: the number of bytes of `linux_dirent64` records
/// written to `buf`, 0 at the end of the directory.
pub fn getdents64(dir: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: buf is valid for writes of its length.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            dir.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// `readlinkat(dir, name, buf)`: the length of the target written to `buf`.
pub fn readlinkat(dir: BorrowedFd<'_>, name: &CStr, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: name is NUL-terminated; buf is valid for writes of its length.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// `kcmp(pid, tid, KCMP_FILES)`: whether two tasks share one fd table.
pub fn kcmp_files(pid: u32, tid: u32) -> io::Result<bool> {
    const KCMP_FILES: libc::c_long = 2;
    // SAFETY: kcmp takes plain integers and touches no memory of ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_kcmp,
            libc::c_long::from(pid),
            libc::c_long::from(tid),
            KCMP_FILES,
            0 as libc::c_long,
            0 as libc::c_long,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r == 0)
}

/// The effective uid of this process.
pub fn geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Move the calling thread into the network namespace `ns` refers to.
pub fn setns_net(ns: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: a valid open fd; CLONE_NEWNET checks that it refers to a net namespace.
    let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
