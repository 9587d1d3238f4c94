//! Who holds each socket: an index inode → every (pid, fd), and what is known
//! about each holding process.

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

    /// Add more entries (the fd tables of threads).
    pub fn merge(&mut self, more: Vec<(u64, Owner)>) {
        self.entries.extend(more);
        self.entries.sort_unstable();
        self.entries.dedup();
    }
}

/// Read every socket link of one fd directory into `out`.
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
}
