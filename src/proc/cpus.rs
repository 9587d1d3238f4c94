//! How many CPUs this process may use: the affinity mask, capped by the CPU
//! quota of its cgroup. The same rule as std's `available_parallelism` on
//! Linux (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`,
//! the smallest quota of the cgroup and its parents, in whole CPUs), written
//! over byte paths: std's version brings `std::path` and buffered line
//! reading into the binary, about 9 KiB (README, "Size").
//!
//! The cgroup files are the live system's, whatever `--proc-root` says, as
//! with std.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use super::sys;

/// CPUs to plan work for: the affinity mask (else the online CPUs), at most
/// the cgroup quota, at least 1.
pub fn available() -> usize {
    let cpus = sys::affinity_cpus().or_else(sys::online_cpus).unwrap_or(1);
    cpus.min(quota(b"").max(1)).max(1)
}

/// The cgroup CPU quota in whole CPUs (`usize::MAX`: none), with every path
/// below `root` (empty: the live system; tests pass a directory).
pub fn quota(root: &[u8]) -> usize {
    let at = |p: &[u8]| [root, p].concat();
    let Some(cgroup) = read(&at(b"/proc/self/cgroup")) else {
        return usize::MAX;
    };
    let Some((v2, group)) = cpu_cgroup(&cgroup) else {
        return usize::MAX;
    };
    if v2 {
        return walk(&at(b"/sys/fs/cgroup"), group, true).unwrap_or(usize::MAX);
    }
    for mount in [&b"/sys/fs/cgroup/cpu"[..], b"/sys/fs/cgroup/cpu,cpuacct"] {
        if let Some(q) = walk(&at(mount), group, false) {
            return q;
        }
    }
    read(&at(b"/proc/self/mountinfo"))
        .and_then(|m| {
            let (mount, rest) = v1_mount(&m, group)?;
            walk(&at(mount), rest, false)
        })
        .unwrap_or(usize::MAX)
}

fn read(path: &[u8]) -> Option<Vec<u8>> {
    super::read_regular(std::path::Path::new(OsStr::from_bytes(path)), 16 << 20).ok()
}

/// Which cgroup limits the CPU, from `/proc/self/cgroup`
/// (`ID:CONTROLLERS:PATH` lines), as std picks it: the last v1 hierarchy
/// with the `cpu` controller, else the v2 one (`0::PATH`); whether it is v2,
/// and its path without the leading `/`.
pub fn cpu_cgroup(cgroup: &[u8]) -> Option<(bool, &[u8])> {
    let mut found = None;
    for line in cgroup.split(|&b| b == b'\n') {
        let mut f = line.splitn(3, |&b| b == b':').skip(1);
        let v2 = match f.next() {
            Some(b"") => true,
            Some(c) if c.split(|&b| b == b',').any(|c| c == b"cpu") => false,
            _ => continue,
        };
        if found.is_some() && v2 {
            continue;
        }
        let path = f.next()?;
        found = Some((v2, path.get(1..).unwrap_or_default()));
    }
    found
}

/// A v1 `cpu` hierarchy mounted elsewhere (`/proc/self/mountinfo`): its
/// mount point and `group` relative to the mount's root; none if the mount
/// is a bind mount of a directory outside `group`.
pub fn v1_mount<'a>(mountinfo: &'a [u8], group: &'a [u8]) -> Option<(&'a [u8], &'a [u8])> {
    for line in mountinfo.split(|&b| b == b'\n') {
        let f: Vec<&[u8]> = line.trim_ascii().split(|&b| b == b' ').collect();
        let n = f.len();
        if n < 7 || f[n - 3] != b"cgroup" || !f[n - 1].split(|&b| b == b',').any(|o| o == b"cpu") {
            continue;
        }
        let sub = f[3].strip_prefix(b"/")?;
        let Some(rest) = strip_dir(group, sub) else {
            continue;
        };
        return Some((f[4], rest));
    }
    None
}

/// `path` without its leading components `dir` (component-wise, as
/// `Path::strip_prefix`).
fn strip_dir<'a>(path: &'a [u8], dir: &[u8]) -> Option<&'a [u8]> {
    let dir = dir.strip_suffix(b"/").unwrap_or(dir);
    if dir.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(dir)?;
    match rest.first() {
        None => Some(rest),
        Some(b'/') => Some(&rest[1..]),
        Some(_) => None,
    }
}

/// The smallest quota/period of `group` below `mount` and of every parent up
/// to `mount`; none if the cgroup's directory is not there (v2: it has no
/// `cgroup.controllers`).
fn walk(mount: &[u8], group: &[u8], v2: bool) -> Option<usize> {
    let mut dir = mount.to_vec();
    for c in group.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        dir.push(b'/');
        dir.extend_from_slice(c);
    }
    let probe = if v2 { &b"/cgroup.controllers"[..] } else { b"" };
    if std::fs::metadata(OsStr::from_bytes(&[&dir[..], probe].concat())).is_err() {
        return None;
    }
    let file = |dir: &[u8], name: &[u8]| read(&[dir, b"/", name].concat());
    let mut quota = usize::MAX;
    loop {
        let (limit, period) = if v2 {
            let t = file(&dir, b"cpu.max").unwrap_or_default();
            let line = t.split(|&b| b == b'\n').next().unwrap_or_default();
            let mut w = line.split(|&b| b == b' ');
            (w.next().and_then(number), w.next().and_then(number))
        } else {
            let n = |name: &[u8]| file(&dir, name).and_then(|t| number(t.trim_ascii()));
            (n(b"cpu.cfs_quota_us"), n(b"cpu.cfs_period_us"))
        };
        if let (Some(l), Some(p)) = (limit, period)
            && p > 0
        {
            quota = quota.min(l / p);
        }
        if dir.len() <= mount.len() {
            return Some(quota);
        }
        let cut = dir.iter().rposition(|&b| b == b'/').unwrap_or(0);
        dir.truncate(cut.max(mount.len()));
    }
}

fn number(t: &[u8]) -> Option<usize> {
    std::str::from_utf8(t).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn picks_the_cpu_cgroup_as_std_does() {
        assert_eq!(
            cpu_cgroup(b"0::/user.slice/x.scope\n"),
            Some((true, &b"user.slice/x.scope"[..]))
        );
        let v1 = b"12:memory:/m\n11:cpu,cpuacct:/docker/abc\n0::/\n";
        assert_eq!(cpu_cgroup(v1), Some((false, &b"docker/abc"[..])));
        assert_eq!(cpu_cgroup(b"3:cpuset:/a\n"), None);
        assert_eq!(cpu_cgroup(b""), None);
    }

    #[test]
    fn finds_a_v1_mount_elsewhere() {
        let m = b"30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
                  31 25 0:27 /docker /mnt/cg rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n";
        assert_eq!(
            v1_mount(m, b"docker/abc"),
            Some((&b"/mnt/cg"[..], &b"abc"[..]))
        );
        assert_eq!(v1_mount(m, b"dockerx/abc"), None);
        let root = b"31 25 0:27 / /mnt/cg rw - cgroup cgroup rw,cpu\n";
        assert_eq!(v1_mount(root, b"a/b"), Some((&b"/mnt/cg"[..], &b"a/b"[..])));
    }

    fn tree(tag: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("openports-cpus-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        for (p, t) in files {
            let f = d.join(p.trim_start_matches('/'));
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        }
        d
    }

    #[test]
    fn the_smallest_quota_of_the_cgroup_and_its_parents() {
        let d = tree(
            "v2",
            &[
                ("/proc/self/cgroup", "0::/a/b\n"),
                ("/sys/fs/cgroup/cgroup.controllers", "cpu\n"),
                ("/sys/fs/cgroup/a/cpu.max", "300000 100000\n"),
                ("/sys/fs/cgroup/a/b/cgroup.controllers", "cpu\n"),
                ("/sys/fs/cgroup/a/b/cpu.max", "max 100000\n"),
            ],
        );
        assert_eq!(quota(d.as_os_str().as_bytes()), 3);
        std::fs::write(d.join("sys/fs/cgroup/a/b/cpu.max"), "150000 100000\n").unwrap();
        assert_eq!(quota(d.as_os_str().as_bytes()), 1);
        std::fs::remove_dir_all(&d).unwrap();
        let v1 = tree(
            "v1",
            &[
                ("/proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n"),
                (
                    "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us",
                    "200000\n",
                ),
                (
                    "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us",
                    "100000\n",
                ),
                ("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n"),
                ("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n"),
            ],
        );
        assert_eq!(quota(v1.as_os_str().as_bytes()), 2);
        std::fs::remove_dir_all(&v1).unwrap();
        let none = tree("none", &[("/proc/self/cgroup", "0::/\n")]);
        assert_eq!(quota(none.as_os_str().as_bytes()), usize::MAX);
        std::fs::remove_dir_all(&none).unwrap();
    }

    #[test]
    fn available_agrees_with_std() {
        let std = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(available(), std);
    }
}
