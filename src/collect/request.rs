//! What one collection reads: the request a command builds from its parsed
//! options (see `cmd`), and the only input of [`super::collect`].

use std::path::PathBuf;

use crate::cli::NsSelector;
use crate::model::socket::{Family, Proto};
use crate::parse::inet::ByteOrder;
use crate::parse::ssfilter::Expr;

/// A collection request: where to read, which sockets, and what else to
/// read about them.
#[derive(Clone, Debug)]
pub struct Request {
    /// The proc root (`--proc-root`), and the byte order of its tables.
    pub root: PathBuf,
    pub byte_order: ByteOrder,
    /// The user and group name files.
    pub passwd: PathBuf,
    pub group: PathBuf,
    /// The socket kinds to read (none: no table at all, as for `addresses`).
    pub protos: Vec<Proto>,
    /// The inet families to read.
    pub families: Vec<Family>,
    /// Sockets in every state (`-a`), not only listeners.
    pub all_states: bool,
    /// A filter's `state`/`exclude` set: replaces `all_states` when given.
    pub states: Option<u16>,
    /// A filter expression every socket must match.
    pub expr: Option<Expr>,
    /// Only sockets others can reach (`--exposed`).
    pub exposed: bool,
    /// The namespaces to read (`-N`; none: every one).
    pub netns: Vec<NsSelector>,
    /// Walk the fd tables for the holders of each socket.
    pub processes: bool,
    /// Each holder's uid, user name and command line, and the user names
    /// (the plain table needs only comm and the deleted-exe mark).
    pub details: bool,
    /// Each namespace's addresses and published ports: the reach of sockets.
    pub reach: bool,
    /// The kernel's socket counters of each namespace (`-s`).
    pub counters: bool,
}
