//! The fd reader: who holds each socket. The walk of `/proc/*/fd/*` with
//! `readlink` only (a link target is never opened: a FIFO would block), in
//! slices of pids ([`walk_pids`], one job each), joined into one index inode →
//! every (pid, fd); then details of the processes that hold shown sockets.

use std::io;

use crate::model::owners::{ExeId, Owner, OwnerIndex, ProcInfo, RING};
use crate::parse::links::{socket_link, split_deleted};
use crate::parse::parse_u32;
use crate::parse::process::{
    PF_KTHREAD, fdinfo_scm_fds, join_argv, stat_comm, stat_flags, status_uid,
};
use crate::proc::{Dir, ProcRoot, file_id, sys};

/// The owner index of what the walk found.
pub fn index_of(part: WalkPart) -> OwnerIndex {
    let mut ix = OwnerIndex::from_entries(part.entries);
    ix.denied = part.denied;
    ix.walked = part.walked;
    ix
}

/// Read every socket link of one fd directory into `out`.
fn walk_fd_dir(dir: &Dir, pid: u32, tid: u32, out: &mut Vec<(u64, Owner)>) -> io::Result<()> {
    let mut buf = [0u8; 128];
    let mut denied = None;
    // Each link is read as its name comes out of getdents (no list of names).
    dir.for_each_name(|name| {
        let Some(fd) = parse_u32(name).filter(|_| denied.is_none()) else {
            return;
        };
        match dir.readlink(name, &mut buf) {
            Ok(target) => {
                if let Some(inode) = socket_link(target) {
                    out.push((inode, Owner { pid, tid, fd }));
                } else if target == b"anon_inode:[io_uring]" {
                    out.push((RING, Owner { pid, tid, fd }));
                }
            }
            // The directory can be listed but its links are not ours to read (an
            // LSM, or a process that changed credentials): every fd will fail alike.
            Err(e) if is_denied(&e) => denied = Some(e),
            // ENOENT: the fd was closed meanwhile; skip it.
            Err(_) => {}
        }
    })?;
    denied.map_or(Ok(()), Err)
}

/// What the walk of some processes' fd tables found.
#[derive(Debug, Default)]
pub struct WalkPart {
    entries: Vec<(u64, Owner)>,
    denied: usize,
    walked: usize,
}

impl WalkPart {
    /// Move what `other` found to the end of this one, leaving `other` empty
    /// with its buffer kept (a worker's scratch for its next job).
    pub fn take_from(&mut self, other: &mut WalkPart) {
        self.entries.extend_from_slice(&other.entries);
        other.entries.clear();
        self.denied += std::mem::take(&mut other.denied);
        self.walked += std::mem::take(&mut other.walked);
    }
}

/// Walk `/proc/PID/fd` of each of `pids`. Vanished processes are skipped
/// silently; unreadable ones are counted as denied.
pub fn walk_pids(src: &ProcRoot, pids: &[u32], part: &mut WalkPart) {
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
        match walk_fd_dir(&dir, pid, 0, entries) {
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
/// `/proc/PID/task/TID/fd`. Add what those hold, with the tid: an entry is the
/// thread's own unless the process's table has the same socket on the same fd
/// (`pid=P,fd=N` would name a /proc/P/fd/N that is not it). On a live procfs,
/// `kcmp(KCMP_FILES)` tells first which threads share their process's table
/// (most of them), so only the others are read; a process without other
/// threads is skipped after one `stat`.
pub fn walk_thread_tables(src: &ProcRoot, pids: &[u32], ix: &mut OwnerIndex) {
    use std::os::unix::fs::MetadataExt;
    let mut more = Vec::new();
    for &pid in pids {
        // procfs counts a process's threads in its task directory's link count
        // (2 + threads, `proc_task_getattr`): one `stat` tells that a process
        // has no other thread, without listing the directory.
        if src.is_live()
            && src
                .lstat(format!("{pid}/task"))
                .is_ok_and(|m| m.nlink() <= 3)
        {
            continue;
        }
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
        for tid in tids {
            if src.is_live() && sys::kcmp_files(pid, tid).is_ok_and(|same| same) {
                continue;
            }
            let Ok(dir) = src.open_dir(format!("{pid}/task/{tid}/fd")) else {
                continue;
            };
            let mut found = Vec::new();
            let _ = walk_fd_dir(&dir, pid, tid, &mut found);
            more.extend(found.into_iter().filter(|&(inode, o)| {
                !ix.get(inode)
                    .iter()
                    .any(|&(_, p)| p.pid == pid && p.tid == 0 && p.fd == o.fd)
            }));
        }
    }
    if !more.is_empty() {
        ix.merge(more);
    }
}

/// Why an ownerless socket cannot be called a kernel socket although every
/// process's fds were read; `None` when it can. A socket without a holder is a
/// kernel socket (NFS, lockd, WireGuard) only when every process is visible
/// and no fd is in flight:
///
/// - in a child PID namespace (a container with host networking but its own
///   PID namespace, `unshare -p -f --mount-proc`), the holders in the other PID
///   namespaces are not in this /proc. Kernel threads live only in the initial
///   PID namespace: if PID 2 is not one (kthreadd), this /proc is not the host's;
/// - a socket sent in an SCM_RIGHTS message and closed by its sender is held by
///   the message, by no fd table, until someone receives it: a unix socket's
///   `fdinfo` counts the fds waiting in its queue (`scm_fds:`);
/// - a socket registered as a fixed file of an io_uring ring and closed is
///   held by the ring: the ring's `fdinfo` lists its files (`N: socket:[I]`).
///
/// `unix_dirs` are the `net` directories of the namespaces read (for the
/// inodes of their unix sockets). A fixture tree is taken as it was recorded:
/// only fds it records in flight count.
pub fn unseen_holders(src: &ProcRoot, ix: &OwnerIndex, unix_dirs: &[String]) -> Option<String> {
    let mut why: Vec<String> = Vec::new();
    let kthreadd = !src.is_live()
        || src
            .read_capped("2/stat", 4096)
            .ok()
            .and_then(|s| stat_flags(&s))
            .is_some_and(|f| f & PF_KTHREAD != 0);
    if !kthreadd {
        why.push(
            "this /proc is a child PID namespace's (no kernel threads, PID 1 is not the host's init): holders in other PID namespaces cannot be seen"
                .into(),
        );
    }
    let (mut ringed, mut ring) = (0usize, None);
    for &(_, o) in ix.get(RING) {
        let Ok(info) = src.read_capped(fdinfo_rel(o), 1 << 20) else {
            continue;
        };
        let n = crate::parse::lines::Lines::new(&info)
            .filter_map(ring_socket)
            .filter(|&i| i != RING && ix.get(i).is_empty())
            .count();
        if n > 0 {
            ringed += n;
            ring.get_or_insert(o);
        }
    }
    if let Some(o) = ring {
        why.push(format!(
            "{ringed} sockets are registered files of io_uring rings (pid {} fd {}), held by no fd",
            o.pid, o.fd
        ));
    }
    let mut unix: Vec<u64> = Vec::new();
    for dir in unix_dirs {
        if let Ok(t) = src.read_capped(format!("{dir}/unix"), 64 << 20) {
            unix.extend(
                crate::parse::lines::Lines::new(&t)
                    .skip(1)
                    .filter_map(|l| crate::parse::kinds::unix_line(l).ok())
                    .map(|r| r.inode),
            );
        }
    }
    unix.sort_unstable();
    unix.dedup();
    let (mut shown, mut in_flight, mut first) = (false, 0u64, None);
    for &(inode, o) in ix.entries() {
        if unix.binary_search(&inode).is_err() {
            continue;
        }
        let Some(n) = src
            .read_capped(fdinfo_rel(o), 4096)
            .ok()
            .and_then(|i| fdinfo_scm_fds(&i))
        else {
            continue;
        };
        shown = true;
        if n > 0 {
            in_flight += n;
            first.get_or_insert(o);
        }
    }
    if let Some(o) = first {
        why.push(format!(
            "{in_flight} fds are in flight in unix socket messages (one queue: pid {} fd {}): an ownerless socket may be one of them",
            o.pid, o.fd
        ));
    } else if !shown && !unix.is_empty() && src.is_live() {
        why.push(
            "this kernel does not show fds in flight in unix socket messages (no scm_fds in fdinfo): an ownerless socket may be one of them"
                .into(),
        );
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// `PID/fdinfo/FD`, or the thread's own for an fd of a thread's table.
fn fdinfo_rel(o: Owner) -> String {
    if o.tid == 0 {
        format!("{}/fdinfo/{}", o.pid, o.fd)
    } else {
        format!("{}/task/{}/fdinfo/{}", o.pid, o.tid, o.fd)
    }
}

/// A registered file of an io_uring ring's fdinfo that is a socket:
/// `    0: socket:[1234]` (`io_uring/fdinfo.c`).
fn ring_socket(line: &[u8]) -> Option<u64> {
    let line = line.trim_ascii_start();
    let colon = line.iter().position(|&b| b == b':')?;
    let (idx, rest) = line.split_at(colon);
    if idx.is_empty() || !idx.iter().all(u8::is_ascii_digit) {
        return None;
    }
    socket_link(rest[1..].trim_ascii())
}

/// Load a process's details; `None` when it has exited. `full` adds the uid
/// (from `status`) and the command line.
pub fn proc_info(src: &ProcRoot, pid: u32, full: bool, seen: &mut ExeCache) -> Option<ProcInfo> {
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
    let mut info = match src.readlink(format!("{pid}/exe")) {
        Ok(t) if src.is_live() => exe_facts(src, pid, t, seen),
        // A fixture tree: only the kernel's text is recorded.
        Ok(t) => {
            let (exe, exe_deleted) = split_deleted(t);
            ProcInfo {
                exe,
                exe_deleted,
                exe_id: ExeId::PathOnly,
                ..ProcInfo::default()
            }
        }
        Err(_) => ProcInfo::default(),
    };
    info.comm = comm;
    info.uid = uid;
    if full {
        info.cmdline = src
            .read_capped(format!("{pid}/cmdline"), 64 * 1024)
            .ok()
            .map(|c| join_argv(&c));
    }
    Some(info)
}

/// `(device, inode)`.
type FileId = (u64, u64);

/// What the executables of several processes share, looked up once per run:
/// our own mount namespace, and what the last few paths name in it (the
/// workers of one server run one file and have neighbouring pids).
#[derive(Default)]
pub struct ExeCache {
    /// The link text of our `ns/mnt`, once read.
    self_mnt: Option<Option<Vec<u8>>>,
    recent: Vec<(Vec<u8>, Option<FileId>)>,
    next: usize,
}

impl ExeCache {
    const KEEP: usize = 8;

    /// `(device, inode)` of the file `path` names in our view, `None` if none.
    fn file_id(&mut self, path: &[u8]) -> Option<FileId> {
        if let Some((_, id)) = self.recent.iter().find(|(p, _)| p == path) {
            return *id;
        }
        let id = file_id(path).ok();
        if self.recent.len() < Self::KEEP {
            self.recent.push((path.to_vec(), id));
        } else {
            self.recent[self.next] = (path.to_vec(), id);
            self.next = (self.next + 1) % Self::KEEP;
        }
        id
    }
}

/// The facts about a live process's executable, from `stat` rather than from
/// the link text that the process can shape: deleted when the running file has
/// no link left (`st_nlink == 0`; a ` (deleted)` in the text may be part of a
/// real name), replaced when the path (in our view, which is the process's when
/// it shares our mount namespace) now names another file.
fn exe_facts(src: &ProcRoot, pid: u32, text: Vec<u8>, seen: &mut ExeCache) -> ProcInfo {
    use std::os::unix::fs::MetadataExt;
    const SUFFIX: &[u8] = b" (deleted)";
    let Ok(m) = src.stat(format!("{pid}/exe")) else {
        return ProcInfo {
            exe: Some(text),
            ..ProcInfo::default()
        };
    };
    let id = (m.dev(), m.ino());
    let self_mnt = seen
        .self_mnt
        .get_or_insert_with(|| src.readlink("self/ns/mnt").ok());
    let other_mntns = match (src.readlink(format!("{pid}/ns/mnt")).ok(), self_mnt) {
        (Some(a), Some(b)) => a != *b,
        _ => false,
    };
    let mut here = |p: &[u8]| seen.file_id(p);
    let unlinked = m.nlink() == 0;
    let mut exe = text;
    let (mut deleted, mut replaced) = (unlinked, false);
    if unlinked && exe.ends_with(SUFFIX) {
        exe.truncate(exe.len() - SUFFIX.len());
    }
    if !other_mntns && exe.starts_with(b"/") {
        match here(&exe) {
            Some(now) if now == id => {}
            // The path names another file now (a new version installed over
            // it), or the running file lost this name but lives on under another.
            Some(_) => (deleted, replaced) = (true, true),
            None if unlinked => {}
            // A file unlinked under this name but kept by another link: the
            // kernel's text ends in ` (deleted)`.
            None => {
                if let Some(base) = exe.strip_suffix(SUFFIX) {
                    replaced = here(base).is_some();
                    deleted = true;
                    exe.truncate(base.len());
                }
            }
        }
    }
    ProcInfo {
        exe: Some(exe),
        exe_deleted: deleted,
        exe_replaced: replaced,
        exe_other_mntns: other_mntns,
        exe_id: ExeId::File {
            dev: id.0,
            ino: id.1,
        },
        ..ProcInfo::default()
    }
}
