//! Network namespace discovery and naming.
//!
//! Every namespace that a process is in is found through `/proc/PID/ns/net`
//! (`net:[N]`), and every namespace that is only bind-mounted (`ip netns add`,
//! Docker's `/run/docker/netns/*`) through the nsfs mounts in `mountinfo`. Each is
//! read once (see [`super::plan`]): through one member's `/proc/PID/net/`, or,
//! when no process is in it, by entering it with `setns` on a helper thread.

use crate::model::map::KeyIndex;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::netns::{Netns, NsId};
use crate::parse::cgroup::container_id;
use crate::parse::links::netns_link;
use crate::parse::mountinfo::{netns_name, nsfs_mounts};
use crate::proc::{self, ProcRoot, sys};

/// What discovery found, and what it could not see.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Every namespace; a namespace's [`NsId`] is its index.
    pub list: Vec<Netns>,
    /// The ids in output order: the host, our own, then by inode.
    pub order: Vec<NsId>,
    /// Processes whose namespace could not be determined at all.
    pub unplaced: usize,
    /// Processes whose `ns/net` link was unreadable (placed by the fallback).
    pub unreadable: usize,
    /// Our own `mountinfo` (read once; also tells whether /proc has hidepid).
    pub self_mountinfo: Vec<u8>,
}

fn ns_of(src: &ProcRoot, who: &str) -> io::Result<Option<u64>> {
    Ok(netns_link(&src.readlink(format!("{who}/ns/net"))?))
}

/// Our own namespace's inode (`/proc/self/ns/net`), when it can be
/// known before discovery: on a live procfs, where our own process is always
/// visible and in it. Discovery then gives it [`OWN`], so that its tables can
/// be read while processes are still being listed.
pub fn own_inode(src: &ProcRoot) -> Option<u64> {
    if !src.is_live() {
        return None;
    }
    ns_of(src, "self").ok().flatten()
}

/// The id of our own namespace when [`own_inode`] knew it.
pub const OWN: NsId = 0;

/// Discover every namespace visible through `src`, given the visible pids.
/// `own`: our namespace's inode from [`own_inode`], registered first (as
/// [`OWN`]).
#[inline(never)] // called by collect and collect_addresses: one copy
pub fn discover(src: &ProcRoot, pids: &[u32], own: Option<u64>) -> Discovery {
    let mut d = Discovery::default();
    // Keyed (0, inode): the index type of place_by_stat's (dev, inode).
    let mut by_inode = KeyIndex::default();
    if let Some(ino) = own {
        d.list.push(Netns {
            inode: Some(ino),
            ..Netns::default()
        });
        by_inode.insert((0, ino), OWN as usize);
    }
    let mut unknown: Vec<u32> = Vec::new();
    for &pid in pids {
        match ns_of(src, &pid.to_string()) {
            Ok(Some(ino)) => {
                let ix = by_inode.get_or_insert((0, ino), || {
                    d.list.push(Netns {
                        inode: Some(ino),
                        ..Netns::default()
                    });
                    d.list.len() - 1
                });
                d.list[ix].pids.push(pid);
            }
            Ok(None) => d.unplaced += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {} // exited, or no such link
            Err(_) => unknown.push(pid),
        }
    }
    if !unknown.is_empty() {
        place_by_stat(src, &unknown, &mut d);
    }
    // The host namespace is PID 1's; our own is /proc/self's.
    for ns in &mut d.list {
        ns.host = ns.pids.contains(&1);
    }
    let self_ino = match own {
        Some(ino) => Some(ino),
        None => ns_of(src, "self").ok().flatten(),
    };
    if let Some(si) = self_ino {
        if let Some(ix) = by_inode.get((0, si)) {
            d.list[ix].is_self = true;
        } else if let Some(ns) = d.list.iter_mut().find(|n| n.inode == Some(si)) {
            ns.is_self = true;
        }
    }
    // Without PID 1 in view (a capture of one namespace, or hidepid), the
    // namespace we read as ourselves stands for the host.
    if !d.list.iter().any(|n| n.host)
        && let Some(ns) = d.list.iter_mut().find(|n| n.is_self)
    {
        ns.host = true;
    }
    add_mounted(src, &mut d);
    for ns in &mut d.list {
        if !ns.host {
            ns.container = ns.pids.iter().take(3).find_map(|&p| {
                let cg = src.read_capped(format!("{p}/cgroup"), 64 * 1024).ok()?;
                container_id(&cg)
            });
        }
    }
    if d.list.is_empty() {
        // A tree with no processes (a capture of /proc/net only): read root/net.
        d.list.push(Netns {
            inode: self_ino,
            is_self: true,
            host: true,
            ..Netns::default()
        });
    }
    // Ids are positions in the list, fixed when a namespace is met; the output
    // shows the host first, then our own, then the rest by inode.
    // Insertion after a binary search: a few namespaces to a few thousand,
    // and no sort instantiation (8 KiB) in the binary for it.
    let key = |n: &Netns| (!n.host, !n.is_self, n.inode.is_none(), n.inode);
    for (id, n) in d.list.iter().enumerate() {
        let k = key(n);
        let at = d.order.partition_point(|&o| key(&d.list[o as usize]) <= k);
        d.order.insert(at, id as NsId);
    }
    let mut anon = 0;
    for &id in &d.order {
        let ns = &mut d.list[id as usize];
        if ns.inode.is_none() {
            anon += 1;
            ns.anon = anon;
        }
    }
    d
}

/// Unprivileged fallback: `/proc/PID/net/tcp` has a different inode in every
/// namespace and can be stat'ed by anyone.
fn place_by_stat(src: &ProcRoot, unknown: &[u32], d: &mut Discovery) {
    let key = |pid: u32| src.inode(format!("{pid}/net/tcp")).ok();
    let mut by_key = KeyIndex::default();
    for (ix, ns) in d.list.iter().enumerate() {
        if let Some(k) = ns.pids.first().and_then(|&p| key(p)) {
            by_key.insert(k, ix);
        }
    }
    for &pid in unknown {
        d.unreadable += 1;
        let Some(k) = key(pid) else {
            d.unplaced += 1;
            continue;
        };
        let ix = by_key.get_or_insert(k, || {
            d.list.push(Netns::default());
            d.list.len() - 1
        });
        d.list[ix].pids.push(pid);
    }
}

/// Namespaces bind-mounted somewhere (nsfs in mountinfo): names for known ones,
/// and the only handle on namespaces no process is in.
fn add_mounted(src: &ProcRoot, d: &mut Discovery) {
    let mut views: Vec<(String, Vec<u8>)> = Vec::new();
    if let Ok(m) = src.read_capped("self/mountinfo", 16 << 20) {
        d.self_mountinfo = m.clone();
        views.push((String::new(), m));
    }
    // PID 1 may live in another mount namespace (we run inside a container, or
    // `unshare -m`): its mounts are reachable through /proc/1/root.
    let self_mnt = src.readlink("self/ns/mnt").ok();
    let init_mnt = src.readlink("1/ns/mnt").ok();
    if init_mnt.is_some()
        && init_mnt != self_mnt
        && let Ok(m) = src.read_capped("1/mountinfo", 16 << 20)
    {
        views.push(("1/root".into(), m));
    }
    for (prefix, mountinfo) in &views {
        for (ino, point) in nsfs_mounts(mountinfo) {
            let name = netns_name(&point);
            let ix = match d.list.iter().position(|n| n.inode == Some(ino)) {
                Some(ix) => ix,
                None => {
                    d.list.push(Netns {
                        inode: Some(ino),
                        ..Netns::default()
                    });
                    d.list.len() - 1
                }
            };
            let ns = &mut d.list[ix];
            if ns.mount.is_none() {
                ns.mount = Some(if prefix.is_empty() {
                    PathBuf::from(proc::os(&point))
                } else {
                    src.path(prefix)
                        .join(proc::os(point.strip_prefix(b"/").unwrap_or(&point)))
                });
            }
            if ns.name.is_none() {
                ns.name = name;
            }
        }
    }
}

/// Move the calling thread into the namespace mounted at `path` (`setns`:
/// only this thread moves; call it on a thread of its own), if it is still the
/// one discovered (`inode`): one mounted there since is not entered (ENOENT,
/// as if gone).
pub fn enter(path: &Path, inode: Option<u64>) -> io::Result<()> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    // O_NONBLOCK: whatever is at the path now (a FIFO put there since
    // discovery) must not make open() wait; setns refuses anything but nsfs.
    let f = std::fs::File::from(crate::proc::with_cstr(path, |c| {
        sys::open(c, libc::O_RDONLY | libc::O_NONBLOCK)
    })?);
    if inode.is_some_and(|i| f.metadata().map(|m| m.ino()).ok() != Some(i)) {
        return Err(io::Error::from_raw_os_error(libc::ENOENT));
    }
    sys::setns_net(f.as_fd())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO where a namespace file was (replaced since discovery): entering
    /// fails at once instead of waiting for a writer.
    #[test]
    fn a_fifo_in_place_of_a_namespace_file_does_not_block() {
        let dir = std::env::temp_dir().join(format!("openports-enter-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("ns");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let (tx, rx) = std::sync::mpsc::channel();
        let p = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(enter(&p, None).is_err());
        });
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(got, Ok(true), "enter() waited on a FIFO");
    }

    /// `ip netns del` between discovery and entering, or another namespace
    /// mounted at the same path since: not entered, reported as gone (ENOENT),
    /// which the executor skips silently.
    #[test]
    fn a_namespace_file_that_is_not_the_discovered_one_is_not_entered() {
        use std::os::unix::fs::MetadataExt;
        let p = std::path::Path::new("/proc/self/ns/net");
        let ino = std::fs::metadata(p).unwrap().ino();
        let e = enter(p, Some(ino + 1)).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        let e = enter(std::path::Path::new("/run/netns/openports-gone"), Some(ino)).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }
}
