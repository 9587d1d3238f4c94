//! Who holds each socket: an index inode → every (pid, fd), and what is known
//! about each holding process.

/// One holder of a socket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Owner {
    pub pid: u32,
    /// The thread whose own fd table (a thread created without CLONE_FILES)
    /// holds `fd`: then `/proc/PID/fd/FD` is not it, `/proc/PID/task/TID/fd/FD`
    /// is. 0 for the process's table.
    pub tid: u32,
    pub fd: u32,
}

/// The key under which the index keeps the io_uring rings it saw (a socket
/// with inode 0 belongs to no file, so none is ever looked up under it): a
/// ring's registered files are held by no fd.
pub const RING: u64 = 0;

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
        sort_entries(&mut entries);
        OwnerIndex {
            entries,
            ..OwnerIndex::default()
        }
    }

    /// Every owner of `inode`, by pid then fd.
    pub fn get(&self, inode: u64) -> &[(u64, Owner)] {
        // One binary search; a socket has one holder or a few.
        let lo = self.entries.partition_point(|e| e.0 < inode);
        let n = self.entries[lo..]
            .iter()
            .take_while(|e| e.0 == inode)
            .count();
        &self.entries[lo..lo + n]
    }

    /// Every (inode, owner), by inode.
    pub fn entries(&self) -> &[(u64, Owner)] {
        &self.entries
    }

    /// Add more entries (the fd tables of threads).
    pub fn merge(&mut self, more: Vec<(u64, Owner)>) {
        self.entries.extend(more);
        sort_entries(&mut self.entries);
    }
}

/// Sort by inode, then owner, and drop repeats: a radix sort by inode, then
/// each run of one inode's owners (one fd each, as a rule; the workers of a
/// preforking server share a listener) sorted by owner.
fn sort_entries(entries: &mut Vec<(u64, Owner)>) {
    super::radix::sort_by_key(entries, |e| e.0);
    super::radix::each_tie(entries, |e| e.0, |run| run.sort_unstable_by_key(|e| e.1));
    entries.dedup();
}

/// Read every socket link of one fd directory into `out`.
/// What is known about one owning process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcInfo {
    /// The command name, raw bytes (set by the process: untrusted).
    pub comm: Vec<u8>,
    pub uid: Option<u32>,
    /// `/proc/PID/exe` as the kernel prints it, in the process's own view of
    /// the filesystem, without the ` (deleted)` the kernel adds to a deleted
    /// file (a file *named* `x (deleted)` keeps its name).
    pub exe: Option<Vec<u8>>,
    /// The file the process runs was deleted (`st_nlink == 0`), or replaced:
    /// `exe_replaced` then says which.
    pub exe_deleted: bool,
    /// The path now names another file than the one running (an upgrade that
    /// was not followed by a restart).
    pub exe_replaced: bool,
    /// The process is in another mount namespace: `exe` is a path of its
    /// view, which may name another file (or none) in ours.
    pub exe_other_mntns: bool,
    /// What an `exe=` rule compares: the running file's identity.
    pub exe_id: ExeId,
    /// argv joined by spaces (untrusted), when asked for.
    pub cmdline: Option<Vec<u8>>,
}

/// The identity of the file a process runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExeId {
    /// Device and inode of the running file (`stat` of `/proc/PID/exe`).
    File { dev: u64, ino: u64 },
    /// A fixture tree records no identities: its `exe` text is compared.
    PathOnly,
    /// Not readable (another user's process without privileges): no `exe=`
    /// rule can match it.
    #[default]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keeps_every_owner_sorted() {
        let o = |pid, fd| Owner { pid, tid: 0, fd };
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
}
