//! What a run tells the user besides its output: every warning and notice as
//! typed data. Collection and the commands only build these; the text (and
//! the escaping of every path, name and error in it) is made in one place,
//! `render::diagnostics`, which also prints each distinct one once.
//!
//! Paths are the bytes of the file as opened below the proc root; namespace
//! labels are [`super::netns::Netns::label`]. Neither is escaped here.

use std::io;

/// One warning or notice.
#[derive(Debug)]
pub enum Warning {
    /// A line of a kernel table that does not parse.
    MalformedLine {
        path: Vec<u8>,
        line: usize,
        column: usize,
        expected: &'static str,
    },
    /// A line longer than any real row (`max` bytes).
    LineTooLong {
        path: Vec<u8>,
        line: usize,
        max: usize,
    },
    /// An IPv6 address in an IPv4 table or the reverse.
    WrongFamily { path: Vec<u8>, line: usize },
    /// Malformed lines of one file beyond the ones warned about one by one.
    MoreMalformed { path: Vec<u8>, count: usize },
    /// A table larger than `max_mib` (or growing while read): cut there.
    Truncated { path: Vec<u8>, max_mib: u64 },
    /// A file that exists but cannot be opened.
    Unreadable { path: Vec<u8>, error: io::Error },
    /// A file whose reading failed part way.
    ReadFailed { path: Vec<u8>, error: io::Error },
    /// A unix socket row whose inode is also on another line with other
    /// fields (`line`: this one, `first`: the first with the inode).
    ForgedRows {
        path: Vec<u8>,
        line: usize,
        inode: u64,
        first: usize,
    },
    /// A unix socket row that may be the tail of the previous row's name,
    /// and whose inode no (visible, unless `full_visibility`) process holds.
    MaybeForged {
        path: Vec<u8>,
        line: usize,
        inode: u64,
        full_visibility: bool,
    },
    /// The passwd or group file could not be read.
    NamesUnreadable {
        path: Vec<u8>,
        error: io::Error,
        names: Names,
    },
    /// Namespaces with neither a member process nor a file to enter them by.
    NoReadPath {
        namespaces: Vec<String>,
        /// Labels of the namespaces told apart without an inode (non-root).
        unplaced: Vec<String>,
    },
    /// Namespaces with no process that could not be entered by their nsfs
    /// file (`error`: the first failure).
    NamespaceNotEnterable {
        namespaces: Vec<String>,
        error: io::Error,
        unplaced: Vec<String>,
    },
    /// Not root: the namespace links of `processes` processes are unreadable,
    /// so the namespaces `labels` were told apart by `/proc/PID/net` alone.
    AnonymousNamespaces {
        processes: usize,
        labels: Vec<String>,
    },
    /// A firewall is evidently active: iptables tables per namespace
    /// (`(tables, namespace label)`), and whether `nf_tables` is loaded.
    Firewall {
        tables: Vec<(Vec<&'static str>, String)>,
        nf_tables: bool,
    },
    /// The owners of `count` sockets (or listeners) may be hidden.
    HiddenOwners {
        count: usize,
        reasons: Vec<HiddenReason>,
        then: HiddenThen,
    },
    /// `count` sockets have no visible holder, which does not make them
    /// kernel sockets (`why`: the reason, also JSON's `owner_reason`).
    NoVisibleHolder { count: usize, why: String },
    /// The reach of `count` sockets is unknown (the addresses of
    /// `namespaces` could not be read); they are counted as exposed.
    UnknownReach {
        count: usize,
        namespaces: Vec<String>,
    },
    /// A policy rule's `exe=` file cannot be identified: the rule matches no
    /// process (`policy`: the policy file, `line`: the rule's).
    ExeUnreadable {
        policy: Vec<u8>,
        line: usize,
        exe: Vec<u8>,
        error: io::Error,
    },
    /// Rules name users but the passwd file gave no names.
    NoUserNames { passwd: Vec<u8> },
}

/// Which names a passwd-style file gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    Users,
    Groups,
}

/// Why owners may be hidden.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HiddenReason {
    /// The fds of `processes` processes could not be read (`root`: we are).
    FdsUnreadable { processes: usize, root: bool },
    /// The proc root (these bytes) is mounted with `hidepid`.
    Hidepid { root: Vec<u8> },
}

/// What hidden owners mean for the command that reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenThen {
    /// A listing: `count` sockets are shown without their owners.
    Sockets,
    /// `check`: `count` listeners, which rules naming a process cannot match.
    CheckRules,
    /// `baseline`: `count` listeners, whose rules name no process.
    BaselineRules,
}
