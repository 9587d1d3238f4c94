//! Network namespace discovery and naming.
//!
//! Every namespace that a process is in is found through `/proc/PID/ns/net`
//! (`net:[N]`), and every namespace that is only bind-mounted (`ip netns add`,
//! Docker's `/run/docker/netns/*`) through the nsfs mounts in `mountinfo`. Each is
//! read once: through one member's `/proc/PID/net/`, or, when no process is in it,
//! by entering it with `setns` on a helper thread.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;

use crate::lines::Lines;
use crate::parse::netns_link;
use crate::source::ProcRoot;

/// One network namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Netns {
    /// nsfs inode (`net:[N]`); `None` when the namespace was told apart only by the
    /// unprivileged fallback (`stat` of `/proc/PID/net/tcp`).
    pub inode: Option<u64>,
    /// Processes in it, ascending (tables are read through the first that is alive).
    pub pids: Vec<u32>,
    /// An nsfs file to enter when no process is in it.
    pub mount: Option<PathBuf>,
    /// Name in /run/netns (from `ip netns add`).
    pub name: Option<String>,
    /// Container id from a member's cgroup (Docker, containerd, CRI-O, Podman, LXC).
    pub container: Option<String>,
    /// The namespace of PID 1.
    pub host: bool,
    /// The namespace openports itself runs in.
    pub is_self: bool,
}

impl Netns {
    /// A short label for the table's Netns column.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        if self.host {
            return "host".into();
        }
        if let Some(c) = &self.container {
            return c.chars().take(12).collect();
        }
        match self.inode {
            Some(i) => i.to_string(),
            None => "?".into(),
        }
    }
}

/// What discovery found, and what it could not see.
#[derive(Debug, Default)]
pub struct Discovery {
    pub list: Vec<Netns>,
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

/// Discover every namespace visible through `src`, given the visible pids.
pub fn discover(src: &ProcRoot, pids: &[u32]) -> Discovery {
    let mut d = Discovery::default();
    let mut by_inode: HashMap<u64, usize> = HashMap::new();
    let mut unknown: Vec<u32> = Vec::new();
    for &pid in pids {
        match ns_of(src, &pid.to_string()) {
            Ok(Some(ino)) => {
                let ix = *by_inode.entry(ino).or_insert_with(|| {
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
    let self_ino = ns_of(src, "self").ok().flatten();
    if let Some(si) = self_ino {
        if let Some(&ix) = by_inode.get(&si) {
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
    d.list
        .sort_by_key(|n| (!n.host, !n.is_self, n.inode.is_none(), n.inode));
    d
}

/// Unprivileged fallback: `/proc/PID/net/tcp` has a different inode in every
/// namespace and can be stat'ed by anyone.
fn place_by_stat(src: &ProcRoot, unknown: &[u32], d: &mut Discovery) {
    let key = |pid: u32| src.inode(format!("{pid}/net/tcp")).ok();
    let mut by_key: HashMap<(u64, u64), usize> = HashMap::new();
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
        let ix = *by_key.entry(k).or_insert_with(|| {
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
                    PathBuf::from(crate::source::os(&point))
                } else {
                    src.path(prefix).join(crate::source::os(
                        point.strip_prefix(b"/").unwrap_or(&point),
                    ))
                });
            }
            if ns.name.is_none() {
                ns.name = name;
            }
        }
    }
}

/// `ip netns` names: the file name under /run/netns (or /var/run/netns).
fn netns_name(point: &[u8]) -> Option<String> {
    let name = point
        .strip_prefix(b"/run/netns/")
        .or_else(|| point.strip_prefix(b"/var/run/netns/"))?;
    if name.is_empty() || name.contains(&b'/') {
        return None;
    }
    Some(String::from_utf8_lossy(name).into_owned())
}

/// The (namespace inode, mount point) of every nsfs mount of a network namespace
/// in a `mountinfo` file (`proc_pid_mountinfo(5)`):
/// `ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER`.
/// For nsfs, ROOT is the link text `net:[N]`. Mount points escape space, tab,
/// newline and backslash as octal (`\040`).
pub fn nsfs_mounts(mountinfo: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    for line in Lines::new(mountinfo) {
        let mut f = line.split(|&b| b == b' ');
        let (Some(_), Some(_), Some(_), Some(root), Some(point)) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let mut rest = f.skip_while(|&t| t != b"-");
        rest.next();
        if rest.next() != Some(&b"nsfs"[..]) {
            continue;
        }
        if let Some(ino) = netns_link(root) {
            let point = unescape_octal(point);
            if !out.iter().any(|(i, p)| *i == ino && *p == point) {
                out.push((ino, point));
            }
        }
    }
    out
}

fn unescape_octal(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        // The kernel escapes bytes, \000..\377: a larger number is text (and
        // would overflow the u8 arithmetic below).
        if s[i] == b'\\'
            && i + 4 <= s.len()
            && (b'0'..=b'3').contains(&s[i + 1])
            && s[i + 2..i + 4].iter().all(|b| (b'0'..=b'7').contains(b))
        {
            let v = (s[i + 1] - b'0') * 64 + (s[i + 2] - b'0') * 8 + (s[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// A container id in `/proc/PID/cgroup`: Docker (`docker-ID.scope`, `/docker/ID`),
/// containerd (`cri-containerd-ID.scope`), CRI-O (`crio-ID.scope`), Podman
/// (`libpod-ID.scope`), Kubernetes (`/kubepods/.../podUID/ID`) and LXC
/// (`lxc.payload.NAME`, `/lxc/NAME`).
pub fn container_id(cgroup: &[u8]) -> Option<String> {
    for line in Lines::new(cgroup) {
        // hierarchy-ID:controllers:path
        let Some(path) = line.splitn(3, |&b| b == b':').nth(2) else {
            continue;
        };
        for comp in path.split(|&b| b == b'/') {
            for prefix in [
                &b"docker-"[..],
                b"cri-containerd-",
                b"crio-",
                b"libpod-",
                b"containerd-",
            ] {
                if let Some(rest) = comp.strip_prefix(prefix) {
                    let id = rest.strip_suffix(b".scope").unwrap_or(rest);
                    if is_hex_id(id) {
                        return Some(lossy(id));
                    }
                }
            }
            if let Some(name) = comp.strip_prefix(b"lxc.payload.")
                && !name.is_empty()
            {
                return Some(lossy(name));
            }
        }
        let comps: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        for w in comps.windows(2) {
            if (w[0] == b"docker" || w[0].starts_with(b"pod") || w[0] == b"libpod")
                && is_hex_id(w[1])
            {
                return Some(lossy(w[1]));
            }
            if w[0] == b"lxc" && !w[1].is_empty() {
                return Some(lossy(w[1]));
            }
        }
    }
    None
}

fn is_hex_id(s: &[u8]) -> bool {
    s.len() >= 12 && s.iter().all(|b| b.is_ascii_hexdigit())
}

fn lossy(b: &[u8]) -> String {
    crate::render::escape::terminal(b)
}

/// Enter each namespace by its nsfs file on a helper thread (`setns` changes only
/// the calling thread) and call `read` with the directory (below the proc root)
/// that then shows its tables. Returns what `read` returned per namespace, or the
/// error of opening/entering it.
pub fn with_entered<T: Send>(
    targets: &[(usize, PathBuf)],
    read: impl Fn(usize, &str) -> T + Sync,
) -> Vec<(usize, io::Result<T>)> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut out = Vec::new();
            for (ix, path) in targets {
                let r = enter(path).map(|()| read(*ix, "thread-self/net"));
                out.push((*ix, r));
            }
            out
        })
        .join()
        .unwrap_or_default()
    })
}

fn enter(path: &std::path::Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(path)?;
    // SAFETY: a valid open fd; CLONE_NEWNET checks that it refers to a net namespace.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsfs_mounts_from_real_mountinfo() {
        // Captured on Debian 12 after `ip netns add blue` (with a space-escaped one added).
        let mi = b"22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n\
585 29 0:4 net:[4026532329] /run/netns/blue rw shared:281 - nsfs nsfs rw\n\
590 585 0:4 net:[4026532329] /run/netns/blue rw shared:281 - nsfs nsfs rw\n\
600 29 0:4 net:[4026532400] /run/docker/netns/a1b2c3d4e5f6 rw shared:300 - nsfs nsfs rw\n\
601 29 0:4 net:[4026532401] /run/netns/my\\040ns rw - nsfs nsfs rw\n\
602 29 0:4 mnt:[4026532500] /tmp/mntns rw - nsfs nsfs rw\n";
        let m = nsfs_mounts(mi);
        assert_eq!(
            m,
            vec![
                (4026532329, b"/run/netns/blue".to_vec()),
                (4026532400, b"/run/docker/netns/a1b2c3d4e5f6".to_vec()),
                (4026532401, b"/run/netns/my ns".to_vec()),
            ]
        );
        assert_eq!(netns_name(&m[0].1).as_deref(), Some("blue"));
        assert_eq!(netns_name(&m[1].1), None);
        assert_eq!(netns_name(&m[2].1).as_deref(), Some("my ns"));
    }

    #[test]
    fn container_ids_from_real_cgroup_files() {
        let id = "3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";
        let cases = [
            format!("0::/system.slice/docker-{id}.scope\n"),
            format!("12:pids:/docker/{id}\n0::/docker/{id}\n"),
            format!(
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-{id}.scope\n"
            ),
            format!("0::/kubepods/besteffort/pod0c6f6ba8-52a4-4f36-b5d6-2b55c7d1d3a1/{id}\n"),
            format!("0::/machine.slice/libpod-{id}.scope/container\n"),
            format!("0::/system.slice/crio-{id}.scope\n"),
        ];
        for c in &cases {
            assert_eq!(container_id(c.as_bytes()).as_deref(), Some(id), "{c}");
        }
        assert_eq!(
            container_id(b"0::/lxc.payload.web01\n").as_deref(),
            Some("web01")
        );
        assert_eq!(
            container_id(b"0::/user.slice/user-1000.slice/session-2.scope\n"),
            None
        );
        assert_eq!(container_id(b"0::/init.scope\n"), None);
    }
}
