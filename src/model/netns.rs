//! A network namespace as discovery found it.

use std::path::PathBuf;

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
