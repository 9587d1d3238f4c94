//! Who holds each socket: one walk of `/proc/*/fd/*` with `readlink` only (a link
//! target is never opened: a FIFO would block), into an index inode → every
//! (pid, fd); then details of the processes that hold shown sockets.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::parse::{socket_link, stat_comm, status_uid};
use crate::source::{Dir, ProcRoot, parse_u32};

/// One holder of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Owner {
    pub pid: u32,
    pub fd: u32,
}

/// inode → owners, as one sorted vector (16 bytes per socket fd, no per-socket
/// allocation).
#[derive(Debug, Default)]
pub struct OwnerIndex {
    entries: Vec<(u64, Owner)>,
    /// Processes whose fd directory we were not allowed to read.
    pub denied: usize,
    /// Processes walked.
    pub walked: usize,
}

impl OwnerIndex {
    /// Build the index from `(inode, owner)` pairs in any order.
    pub fn from_entries(mut entries: Vec<(u64, Owner)>) -> OwnerIndex {
        entries.sort_unstable();
        entries.dedup();
        OwnerIndex {
            entries,
            ..OwnerIndex::default()
        }
    }

    /// Every owner of `inode`, by pid then fd.
    pub fn get(&self, inode: u64) -> &[(u64, Owner)] {
        let lo = self.entries.partition_point(|e| e.0 < inode);
        let hi = lo + self.entries[lo..].partition_point(|e| e.0 == inode);
        &self.entries[lo..hi]
    }

    /// Join what several walkers found.
    pub fn from_parts(parts: Vec<WalkPart>) -> OwnerIndex {
        let mut entries = Vec::with_capacity(parts.iter().map(|p| p.entries.len()).sum());
        let (mut denied, mut walked) = (0, 0);
        for p in parts {
            entries.extend(p.entries);
            denied += p.denied;
            walked += p.walked;
        }
        let mut ix = OwnerIndex::from_entries(entries);
        ix.denied = denied;
        ix.walked = walked;
        ix
    }

    fn merge(&mut self, more: Vec<(u64, Owner)>) {
        self.entries.extend(more);
        self.entries.sort_unstable();
        self.entries.dedup();
    }
}

/// Read every socket link of one fd directory into `out`.
fn walk_fd_dir(dir: &Dir, pid: u32, out: &mut Vec<(u64, Owner)>) -> io::Result<()> {
    let mut names: Vec<u32> = Vec::new();
    dir.for_each_name(|n| {
        if let Some(fd) = parse_u32(n) {
            names.push(fd);
        }
    })?;
    let mut buf = [0u8; 128];
    let mut num = itoa_buf();
    for fd in names {
        let name = fmt_u32(fd, &mut num);
        match dir.readlink(name, &mut buf) {
            Ok(target) => {
                if let Some(inode) = socket_link(target) {
                    out.push((inode, Owner { pid, fd }));
                }
            }
            // The directory can be listed but its links are not ours to read (an
            // LSM, or a process that changed credentials): every fd will fail alike.
            Err(e) if is_denied(&e) => return Err(e),
            // ENOENT: the fd was closed meanwhile; skip it.
            Err(_) => {}
        }
    }
    Ok(())
}

fn itoa_buf() -> [u8; 10] {
    [0; 10]
}

fn fmt_u32(mut v: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Walk `/proc/PID/fd` of every pid. Vanished processes are skipped silently;
/// unreadable ones are counted in `denied`.
pub fn walk(src: &ProcRoot, pids: &[u32]) -> OwnerIndex {
    let next = AtomicUsize::new(0);
    OwnerIndex::from_parts(vec![walk_shared(src, pids, &next)])
}

/// What one walker found.
#[derive(Debug, Default)]
pub struct WalkPart {
    entries: Vec<(u64, Owner)>,
    denied: usize,
    walked: usize,
}

/// Pids a walker takes at a time from the shared queue.
const PIDS_PER_TAKE: usize = 16;

/// Walk the pids that no other walker has taken yet: several threads can share
/// one `next` counter and split the work between them.
pub fn walk_shared(src: &ProcRoot, pids: &[u32], next: &AtomicUsize) -> WalkPart {
    let mut part = WalkPart::default();
    loop {
        let start = next.fetch_add(PIDS_PER_TAKE, Ordering::Relaxed);
        if start >= pids.len() {
            return part;
        }
        let end = (start + PIDS_PER_TAKE).min(pids.len());
        walk_pids(src, &pids[start..end], &mut part);
    }
}

fn walk_pids(src: &ProcRoot, pids: &[u32], part: &mut WalkPart) {
    let WalkPart {
        entries,
        denied,
        walked,
    } = part;
    for &pid in pids {
        let dir = match src.open_dir(format!("{pid}/fd")) {
            Ok(d) => d,
            Err(e) if is_denied(&e) => {
                *denied += 1;
                continue;
            }
            Err(_) => continue,
        };
        *walked += 1;
        match walk_fd_dir(&dir, pid, entries) {
            Ok(()) => {}
            Err(e) if is_denied(&e) => *denied += 1,
            Err(_) => {}
        }
    }
}

fn is_denied(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::PermissionDenied) || e.raw_os_error() == Some(libc::EPERM)
}

/// Threads created without CLONE_FILES have their own fd table under
/// `/proc/PID/task/TID/fd`. Walk those (only threads whose fd set differs from
/// their process's, i.e. not a shared table) and add what they hold.
pub fn walk_thread_tables(src: &ProcRoot, pids: &[u32], ix: &mut OwnerIndex) {
    let mut more = Vec::new();
    for &pid in pids {
        let Ok(tasks) = src.open_dir(format!("{pid}/task")) else {
            continue;
        };
        let mut tids = Vec::new();
        let _ = tasks.for_each_name(|n| {
            if let Some(t) = parse_u32(n)
                && t != pid
            {
                tids.push(t);
            }
        });
        if tids.is_empty() {
            continue;
        }
        let main_set = fd_names(src, &format!("{pid}/fd"));
        for tid in tids {
            let path = format!("{pid}/task/{tid}/fd");
            let set = fd_names(src, &path);
            if set.is_none() || set == main_set {
                continue;
            }
            // Reported as the process (thread group), as ss does.
            if let Ok(dir) = src.open_dir(&path) {
                let _ = walk_fd_dir(&dir, pid, &mut more);
            }
        }
    }
    if !more.is_empty() {
        ix.merge(more);
    }
}

fn fd_names(src: &ProcRoot, rel: &str) -> Option<Vec<u32>> {
    let dir = src.open_dir(rel).ok()?;
    let mut v = Vec::new();
    dir.for_each_name(|n| {
        if let Some(fd) = parse_u32(n) {
            v.push(fd);
        }
    })
    .ok()?;
    v.sort_unstable();
    Some(v)
}

/// What is known about one owning process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcInfo {
    /// The command name, raw bytes (set by the process: untrusted).
    pub comm: Vec<u8>,
    pub uid: Option<u32>,
    /// `/proc/PID/exe` without the ` (deleted)` suffix.
    pub exe: Option<Vec<u8>>,
    /// The executable was deleted or replaced after the process started.
    pub exe_deleted: bool,
    /// argv joined by spaces (untrusted), when asked for.
    pub cmdline: Option<Vec<u8>>,
}

/// Load a process's details; `None` when it has exited. `full` adds the uid
/// (from `status`) and the command line.
pub fn proc_info(src: &ProcRoot, pid: u32, full: bool) -> Option<ProcInfo> {
    let comm = match src.read_capped(format!("{pid}/comm"), 256) {
        Ok(mut c) => {
            if c.last() == Some(&b'\n') {
                c.pop();
            }
            c
        }
        Err(_) => {
            let stat = src.read_capped(format!("{pid}/stat"), 4096).ok()?;
            stat_comm(&stat)?.to_vec()
        }
    };
    let uid = if full {
        src.read_capped(format!("{pid}/status"), 64 * 1024)
            .ok()
            .and_then(|s| status_uid(&s))
    } else {
        None
    };
    let (exe, exe_deleted) = match src.readlink(format!("{pid}/exe")) {
        Ok(t) => split_deleted(t),
        Err(_) => (None, false),
    };
    let cmdline = if full {
        src.read_capped(format!("{pid}/cmdline"), 64 * 1024)
            .ok()
            .map(|c| join_argv(&c))
    } else {
        None
    };
    Some(ProcInfo {
        comm,
        uid,
        exe,
        exe_deleted,
        cmdline,
    })
}

/// `/usr/sbin/sshd (deleted)` → (`/usr/sbin/sshd`, true).
pub fn split_deleted(mut target: Vec<u8>) -> (Option<Vec<u8>>, bool) {
    const SUFFIX: &[u8] = b" (deleted)";
    if target.ends_with(SUFFIX) {
        target.truncate(target.len() - SUFFIX.len());
        (Some(target), true)
    } else {
        (Some(target), false)
    }
}

/// NUL-separated argv → one line with spaces (trailing NULs dropped).
pub fn join_argv(raw: &[u8]) -> Vec<u8> {
    let trimmed = match raw.iter().rposition(|&b| b != 0) {
        Some(end) => &raw[..=end],
        None => &[][..],
    };
    trimmed
        .iter()
        .map(|&b| if b == 0 { b' ' } else { b })
        .collect()
}

/// uid → name from a passwd file (read directly: a static binary has no NSS).
pub fn passwd_names(passwd: &[u8]) -> HashMap<u32, String> {
    let mut m = HashMap::new();
    for line in crate::lines::Lines::new(passwd) {
        let mut f = line.split(|&b| b == b':');
        let (Some(name), Some(_), Some(uid)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if name.is_empty() || name.starts_with(b"#") {
            continue;
        }
        // Only plain names: the table prints `user=NAME` bare inside
        // users:((…)), where `,` `(` `)` `"` or a space would forge fields or
        // owners. Other names show as `uid=N` (JSON `"user":null`).
        let plain = name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$' | b'@'));
        if plain && let Some(uid) = parse_u32(uid) {
            m.entry(uid)
                .or_insert_with(|| String::from_utf8_lossy(name).into_owned());
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keeps_every_owner_sorted() {
        let o = |pid, fd| Owner { pid, fd };
        let ix = OwnerIndex::from_entries(vec![
            (7, o(936, 3)),
            (5, o(1, 9)),
            (7, o(935, 3)),
            (7, o(935, 4)),
            (7, o(935, 3)),
            (9, o(2, 2)),
        ]);
        let got: Vec<Owner> = ix.get(7).iter().map(|e| e.1).collect();
        assert_eq!(got, vec![o(935, 3), o(935, 4), o(936, 3)]);
        assert!(ix.get(6).is_empty());
        assert!(ix.get(10).is_empty());
        assert_eq!(ix.get(5).len(), 1);
    }

    #[test]
    fn fmt_u32_matches_to_string() {
        let mut b = itoa_buf();
        for v in [0u32, 7, 10, 255, 65535, u32::MAX] {
            assert_eq!(fmt_u32(v, &mut b), v.to_string().as_bytes());
        }
    }

    #[test]
    fn exe_deleted_suffix_from_proc_pid_exe() {
        assert_eq!(
            split_deleted(b"/usr/sbin/nginx (deleted)".to_vec()),
            (Some(b"/usr/sbin/nginx".to_vec()), true)
        );
        assert_eq!(
            split_deleted(b"/usr/sbin/nginx".to_vec()),
            (Some(b"/usr/sbin/nginx".to_vec()), false)
        );
    }

    #[test]
    fn cmdline_argv_joined() {
        // /proc/PID/cmdline of `sshd: /usr/sbin/sshd -D [listener]` style rewrites
        // and of a plain argv.
        assert_eq!(
            join_argv(b"/usr/sbin/sshd\0-D\0"),
            b"/usr/sbin/sshd -D".to_vec()
        );
        assert_eq!(
            join_argv(b"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
            b"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups".to_vec()
        );
        assert_eq!(join_argv(b"\0\0"), Vec::<u8>::new());
    }

    #[test]
    fn passwd_from_debian_etc_passwd() {
        let m = passwd_names(
            b"root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
# comment\n\
broken-line\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        );
        assert_eq!(m.get(&0).map(String::as_str), Some("root"));
        assert_eq!(m.get(&65534).map(String::as_str), Some("nobody"));
        assert_eq!(m.len(), 3);
    }
}
