//! A network namespace as discovery found it.

use std::path::PathBuf;

/// A namespace of one run: its index in the run's namespace list
/// ([`crate::collect::Snapshot::namespaces`]), given when discovery first meets
/// it. Every row carries one from the moment it is read (`Socket::ns`).
pub type NsId = u32;

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
    /// For a namespace without an inode (told apart without privileges): its
    /// number among those of this run, 1, 2, …, so that they are labelled apart.
    pub anon: u32,
}

impl Netns {
    /// A short label for the table's Netns column, raw (escaped where shown):
    /// the `ip netns` name, `host`, a container id cut to the 12 digits `docker
    /// ps` shows (an LXC name whole: `web-prod1` and `web-prod2` must differ),
    /// the inode, or `?N` for the N-th namespace that could not be identified.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        if self.host {
            return "host".into();
        }
        if let Some(c) = &self.container {
            return short_id(c).into();
        }
        match self.inode {
            Some(i) => i.to_string(),
            None => format!("?{}", self.anon),
        }
    }
}

/// A hex container id cut to its first 12 digits; any other name whole.
pub fn short_id(c: &str) -> &str {
    if c.len() > 12 && crate::parse::cgroup::is_hex_id(c.as_bytes()) {
        &c[..12]
    } else {
        c
    }
}
