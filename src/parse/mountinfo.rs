//! `/proc/PID/mountinfo` (`proc_pid_mountinfo(5)`): nsfs mounts (namespaces
//! held by a file) and the options of the proc mount.

use super::lines::Lines;
use super::links::netns_link;

/// `ip netns` names: the file name under /run/netns (or /var/run/netns).
pub fn netns_name(point: &[u8]) -> Option<String> {
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

/// Whether the proc mount at `root` (its mount point, as in mountinfo) hides
/// other users' processes.
pub fn hidepid_active(mountinfo: &[u8], root: &[u8]) -> bool {
    Lines::new(mountinfo).any(|l| {
        let f: Vec<&[u8]> = l.split(|&b| b == b' ').collect();
        let Some(dash) = f.iter().position(|&t| t == b"-") else {
            return false;
        };
        f.get(4) == Some(&root)
            && f.get(dash + 1) == Some(&&b"proc"[..])
            && f.get(dash + 3).is_some_and(|o| {
                o.split(|&b| b == b',').any(|opt| {
                    matches!(
                        opt,
                        b"hidepid=1" | b"hidepid=2" | b"hidepid=invisible" | b"hidepid=noaccess"
                    )
                })
            })
    })
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
}
