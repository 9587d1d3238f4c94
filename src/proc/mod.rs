//! `ProcRoot`: the only code that touches the filesystem. Every path the tool
//! reads is below one root (`--proc-root`, default `/proc`), so a directory of
//! plain files and dangling symlinks can stand in for procfs in tests. The
//! syscalls themselves, and all `unsafe`, are in [`sys`].

pub mod cpus;
pub mod sys;

use std::ffi::{CStr, CString, OsStr};
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::inet::ByteOrder;
use crate::parse::parse_u32;

#[derive(Clone, Debug)]
pub struct ProcRoot {
    root: PathBuf,
    live: bool,
    order: ByteOrder,
}

impl ProcRoot {
    /// A root directory; `live` tells whether it is a real procfs mount (statfs),
    /// which enables what only a live kernel can do (entering namespaces).
    pub fn new(root: impl Into<PathBuf>) -> io::Result<ProcRoot> {
        let root = root.into();
        let meta = fs::metadata(&root)?;
        if !meta.is_dir() {
            return Err(crate::error::io_error(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        let live = is_procfs(&root);
        Ok(ProcRoot {
            root,
            live,
            order: ByteOrder::NATIVE,
        })
    }

    /// The byte order of the kernel that wrote the tables: this machine's for a
    /// live /proc; a capture from a big-endian router read elsewhere needs `Big`.
    pub fn with_byte_order(mut self, order: ByteOrder) -> ProcRoot {
        self.order = order;
        self
    }

    pub fn byte_order(&self) -> ByteOrder {
        self.order
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True when the root is a mounted procfs, not a fixture tree.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The full path of `rel` below the root.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// Numeric entries of the root: the visible processes, ascending.
    pub fn list_pids(&self) -> io::Result<Vec<u32>> {
        let mut pids = Vec::new();
        Dir::open(&self.root)?.for_each_name(|name| {
            if let Some(pid) = parse_u32(name) {
                pids.push(pid);
            }
        })?;
        pids.sort_unstable();
        Ok(pids)
    }

    /// Open a file below the root for streaming.
    ///
    /// A tree given with --proc-root may hold a FIFO or a device where a procfs
    /// file should be: O_NONBLOCK keeps open() from waiting for a FIFO's writer,
    /// and only regular files are read (procfs files are regular).
    pub fn open(&self, rel: impl AsRef<Path>) -> io::Result<File> {
        open_regular(&self.path(rel))
    }

    /// Read a small file (comm, status, cmdline, cgroup, mountinfo) whole, up to `cap` bytes.
    pub fn read_capped(&self, rel: impl AsRef<Path>, cap: usize) -> io::Result<Vec<u8>> {
        let f = self.open(rel)?;
        let mut buf = Vec::new();
        f.take(cap as u64).read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// The target of a symlink below the root, as bytes. Never follows it.
    pub fn readlink(&self, rel: impl AsRef<Path>) -> io::Result<Vec<u8>> {
        Ok(fs::read_link(self.path(rel))?
            .into_os_string()
            .into_encoded_bytes())
    }

    /// `lstat` of a path below the root (never follows a final symlink).
    pub fn lstat(&self, rel: impl AsRef<Path>) -> io::Result<fs::Metadata> {
        fs::symlink_metadata(self.path(rel))
    }

    /// The inode number of a file below the root (`stat`, following links).
    pub fn inode(&self, rel: impl AsRef<Path>) -> io::Result<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(self.path(rel))?;
        Ok((m.dev(), m.ino()))
    }

    /// `stat` of a file below the root, following links (`PID/exe` gives the
    /// running file itself, deleted or not).
    pub fn stat(&self, rel: impl AsRef<Path>) -> io::Result<fs::Metadata> {
        fs::metadata(self.path(rel))
    }

    /// A directory below the root opened for `*at` calls (the fd walk).
    pub fn open_dir(&self, rel: impl AsRef<Path>) -> io::Result<Dir> {
        Dir::open(&self.path(rel))
    }
}

/// Device and inode of a file in our own view of the filesystem (a path from a
/// policy, or one a process's link shows), following symlinks.
pub fn file_id(path: &[u8]) -> io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(OsStr::from_bytes(path))?;
    Ok((m.dev(), m.ino()))
}

/// Open a file for reading that must be a regular file (a table, a policy, a
/// passwd file): O_NONBLOCK keeps open() from waiting for a FIFO's writer, and a
/// FIFO, a device (`/dev/zero`), a socket or a directory is refused.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let f = File::from(with_cstr(path, |c| {
        sys::open(c, libc::O_RDONLY | libc::O_NONBLOCK)
    })?);
    if !f.metadata()?.is_file() {
        return Err(crate::error::io_error(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(f)
}

/// Read a whole regular file of at most `cap` bytes; a larger one is an error
/// that says so, not a truncated read.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_all_capped(open_regular(path)?, cap)
}

/// Read `r` to its end, failing when it holds more than `cap` bytes.
pub fn read_all_capped(r: impl Read, cap: u64) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(crate::error::io_error(
            io::ErrorKind::FileTooLarge,
            format!("larger than {} MiB", cap >> 20),
        ));
    }
    Ok(buf)
}

fn is_procfs(p: &Path) -> bool {
    CString::new(p.as_os_str().as_bytes()).is_ok_and(|c| sys::is_procfs(&c))
}

/// An open directory whose entries are read and whose links are resolved
/// relative to it (`getdents` + `readlinkat`): one path lookup per fd instead of
/// four, and no allocation per link.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
}

impl Dir {
    pub fn open(path: &Path) -> io::Result<Dir> {
        Ok(Dir {
            fd: with_cstr(path, sys::open_dir)?,
        })
    }

    /// Call `f` with the name of every entry except `.` and `..`.
    pub fn for_each_name(&self, mut f: impl FnMut(&[u8])) -> io::Result<()> {
        // getdents64 directly: std's ReadDir needs a path, and reopening it would
        // cost another lookup.
        let mut buf = [0u8; 8192];
        loop {
            let n = sys::getdents64(self.fd.as_fd(), &mut buf)?;
            if n == 0 {
                return Ok(());
            }
            let mut off = 0;
            while off + 19 <= n {
                // struct linux_dirent64 { u64 ino; i64 off; u16 reclen; u8 type; char name[]; }
                let reclen = u16::from_ne_bytes([buf[off + 16], buf[off + 17]]) as usize;
                if reclen < 19 || off + reclen > n {
                    break;
                }
                let name = &buf[off + 19..off + reclen];
                let name = &name[..memchr::memchr(0, name).unwrap_or(name.len())];
                if name != b"." && name != b".." {
                    f(name);
                }
                off += reclen;
            }
        }
    }

    /// `readlinkat(dir, name)` into `buf`; returns the target bytes.
    pub fn readlink<'b>(&self, name: &[u8], buf: &'b mut [u8]) -> io::Result<&'b [u8]> {
        let mut cname = [0u8; 64];
        let n = sys::readlinkat(self.fd.as_fd(), short_cstr(name, &mut cname)?, buf)?;
        Ok(&buf[..n])
    }

    /// Open `rel` (a short relative path such as `net/tcp`) below this
    /// directory for streaming, with the checks of [`ProcRoot::open`]: no
    /// waiting for a FIFO's writer, only regular files.
    pub fn open_file(&self, rel: &[u8]) -> io::Result<File> {
        let mut cname = [0u8; 64];
        let fd = sys::openat(
            self.fd.as_fd(),
            short_cstr(rel, &mut cname)?,
            libc::O_RDONLY | libc::O_NONBLOCK,
        )?;
        let f = File::from(fd);
        if !f.metadata()?.is_file() {
            return Err(crate::error::io_error(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        Ok(f)
    }

    /// Whether `rel` below this directory is a directory (following links).
    pub fn has_dir(&self, rel: &[u8]) -> bool {
        let mut cname = [0u8; 64];
        short_cstr(rel, &mut cname).is_ok_and(|c| {
            sys::openat(self.fd.as_fd(), c, libc::O_RDONLY | libc::O_DIRECTORY).is_ok()
        })
    }
}

/// `name` NUL-terminated in `buf` (names below /proc/PID are short).
/// Call `f` with `path` as a C string: on the stack when it is short (every
/// path below /proc is), as std does, so that an open costs no allocation.
pub fn with_cstr<T>(path: &Path, f: impl FnOnce(&CStr) -> io::Result<T>) -> io::Result<T> {
    let b = path.as_os_str().as_bytes();
    match short_cstr(b, &mut [0u8; 256]) {
        Ok(c) => f(c),
        Err(_) => f(&CString::new(b).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?),
    }
}

fn short_cstr<'b, const N: usize>(name: &[u8], buf: &'b mut [u8; N]) -> io::Result<&'b CStr> {
    if name.len() >= buf.len() || name.contains(&0) {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    }
    buf[..name.len()].copy_from_slice(name);
    buf[name.len()] = 0;
    CStr::from_bytes_until_nul(&buf[..]).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Bytes → `&OsStr`, for building paths from process-controlled names.
pub fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}
