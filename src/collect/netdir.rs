//! Where a namespace's `net/` files are opened, so that what is read is the
//! namespace that discovery identified.
//!
//! A namespace is read through one of its member processes. Its `/proc/PID`
//! directory is opened once, checked (`ns/net` is the namespace's inode), and
//! kept open: every table is then opened relative to that fd (`openat`), and
//! `ns/net` is read again through it after the open. If the member exits and its
//! pid is reused by a process of another namespace, the old fd still names the
//! dead process, so the open fails (the namespace is gone, skipped silently)
//! instead of returning the other namespace's table; if the member moved to
//! another namespace (`setns`), the re-check drops what was opened.

use std::fs::File;
use std::io;
use std::sync::Arc;

use crate::model::netns::Netns;
use crate::parse::links::netns_link;
use crate::proc::{Dir, ProcRoot};

/// A member process of a namespace, its `/proc/PID` held open.
#[derive(Debug)]
pub struct Member {
    pub pid: u32,
    dir: Dir,
    /// The namespace's inode; `None` when it was told apart without it (then
    /// only the open fd vouches for the process).
    ns_inode: Option<u64>,
}

impl Member {
    /// The first of `ns`'s processes that still has a `net/` directory and is
    /// still in `ns` (its `ns/net`, read through the opened directory).
    pub fn find(src: &ProcRoot, ns: &Netns) -> Option<Member> {
        ns.pids.iter().find_map(|&pid| {
            let dir = src.open_dir(pid.to_string()).ok()?;
            let m = Member {
                pid,
                dir,
                ns_inode: ns.inode,
            };
            (m.dir.has_dir(b"net") && m.still_in_ns()).then_some(m)
        })
    }

    /// Whether the process is (still) in the namespace it was chosen for.
    fn still_in_ns(&self) -> bool {
        let Some(want) = self.ns_inode else {
            return true;
        };
        let mut buf = [0u8; 64];
        self.dir
            .readlink(b"ns/net", &mut buf)
            .ok()
            .and_then(netns_link)
            == Some(want)
    }
}

/// The `net/` directory of one namespace.
#[derive(Clone, Debug)]
pub enum NetDir {
    /// A directory below the root: `net` (the namespace openports runs in) or
    /// `thread-self/net` (a helper thread that entered a namespace).
    Path(&'static str),
    /// A member process's `net/`, opened relative to its `/proc/PID` fd.
    Member(Arc<Member>),
}

impl NetDir {
    /// How `file` in this directory is named in warnings (its path below the
    /// root, unescaped: the renderer escapes it).
    pub fn shown(&self, src: &ProcRoot, file: &str) -> Vec<u8> {
        let rel = match self {
            NetDir::Path(dir) => format!("{dir}/{file}"),
            NetDir::Member(m) => format!("{}/net/{file}", m.pid),
        };
        src.path(rel).into_os_string().into_encoded_bytes()
    }

    /// Read a small file of this namespace whole, up to `cap` bytes.
    pub fn read_capped(&self, src: &ProcRoot, file: &str, cap: usize) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let mut buf = Vec::new();
        match self.open(src, file)? {
            Some(f) => f.take(cap as u64).read_to_end(&mut buf)?,
            None => return Err(io::Error::from(io::ErrorKind::NotFound)),
        };
        Ok(buf)
    }

    /// Open `file` of this namespace. `Ok(None)`: nothing to read, silently
    /// (the file does not exist, e.g. IPv6 disabled; or the member process
    /// exited or left the namespace).
    pub fn open(&self, src: &ProcRoot, file: &str) -> io::Result<Option<File>> {
        let opened = match self {
            NetDir::Path(dir) => src.open(format!("{dir}/{file}")),
            NetDir::Member(m) => {
                let f = m.dir.open_file(format!("net/{file}").as_bytes());
                // The table a file shows is fixed when it is opened: checking
                // after the open covers everything read from it.
                match f {
                    Ok(_) if !m.still_in_ns() => return Ok(None),
                    // ESRCH: the process exited (a reused pid is another process).
                    Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(None),
                    f => f,
                }
            }
        };
        match opened {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::path::{Path, PathBuf};

    /// A fixture tree in a directory of its own, removed however the test ends.
    struct Tree(PathBuf);

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tree(name: &str) -> Tree {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("openports-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Tree(dir)
    }

    /// `/proc/PID` of a process in namespace `ns` whose `net/tcp` holds `row`
    /// (rows of testdata/linux-6.18-x86_64/net/tcp).
    fn process(dir: &Path, ns: u64, row: &str) {
        std::fs::create_dir_all(dir.join("ns")).unwrap();
        std::fs::create_dir_all(dir.join("net")).unwrap();
        std::os::unix::fs::symlink(format!("net:[{ns}]"), dir.join("ns/net")).unwrap();
        std::fs::write(
            dir.join("net/tcp"),
            format!("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n{row}\n"),
        )
        .unwrap();
    }

    const CONTAINER_ROW: &str = "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 383878 1 000000007c0e098d 100 0 0 10 0";
    const HOST_ROW: &str = "   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 383876 1 00000000686cbbf5 100 0 0 10 0";

    fn read_tcp(dir: &NetDir, src: &ProcRoot) -> Option<String> {
        let mut text = String::new();
        dir.open(src, "tcp")
            .unwrap()?
            .read_to_string(&mut text)
            .unwrap();
        Some(text)
    }

    fn container_ns(pid: u32) -> Netns {
        Netns {
            inode: Some(4026532400),
            pids: vec![pid],
            ..Netns::default()
        }
    }

    /// Issue 13: the only member of a namespace exits and its pid is reused
    /// by a host process between discovery and the read. The table read is
    /// still the one of the process that was identified (here: the directory
    /// it was identified by, moved away), never the new holder's.
    #[test]
    fn a_reused_pid_cannot_substitute_another_namespace_table() {
        let t = tree("reuse");
        process(&t.0.join("4242"), 4026532400, CONTAINER_ROW);
        let src = ProcRoot::new(&t.0).unwrap();
        let m = Member::find(&src, &container_ns(4242)).expect("a member");
        let dir = NetDir::Member(Arc::new(m));
        // The pid now names a host process.
        std::fs::rename(t.0.join("4242"), t.0.join("gone")).unwrap();
        process(&t.0.join("4242"), 4026531840, HOST_ROW);
        let text = read_tcp(&dir, &src).expect("the identified process's table");
        assert!(text.contains(CONTAINER_ROW), "{text}");
        assert!(!text.contains(HOST_ROW), "{text}");
    }

    /// The member left the namespace (or its `/proc/PID` now shows another
    /// one) after it was chosen: what was opened is dropped, silently.
    #[test]
    fn a_member_that_left_its_namespace_is_not_read() {
        let t = tree("moved");
        let pid_dir = t.0.join("4243");
        process(&pid_dir, 4026532400, CONTAINER_ROW);
        let src = ProcRoot::new(&t.0).unwrap();
        let m = Member::find(&src, &container_ns(4243)).expect("a member");
        let dir = NetDir::Member(Arc::new(m));
        assert!(read_tcp(&dir, &src).is_some());
        std::fs::remove_file(pid_dir.join("ns/net")).unwrap();
        std::os::unix::fs::symlink("net:[4026531840]", pid_dir.join("ns/net")).unwrap();
        assert_eq!(read_tcp(&dir, &src), None);
    }

    /// A member is chosen only if its `ns/net` (read through the opened
    /// directory) still names the namespace: a pid reused before planning is
    /// passed over for the next member.
    #[test]
    fn members_are_checked_when_chosen() {
        let t = tree("choose");
        process(&t.0.join("10"), 4026531840, HOST_ROW);
        process(&t.0.join("11"), 4026532400, CONTAINER_ROW);
        let src = ProcRoot::new(&t.0).unwrap();
        let ns = Netns {
            pids: vec![10, 11],
            ..container_ns(0)
        };
        assert_eq!(Member::find(&src, &ns).map(|m| m.pid), Some(11));
        let gone = Netns {
            pids: vec![10, 12],
            ..container_ns(0)
        };
        assert!(Member::find(&src, &gone).is_none());
    }
}
