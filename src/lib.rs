//! openports: which ports are open, who holds them, and which are reachable from
//! other hosts, for every network namespace at once, read from /proc only.
//!
//! The layers, each a directory (the README's "How it works" has the table):
//!
//! - [`cli`]: arguments → a `Config`.
//! - [`proc`]: the one root seam (`--proc-root`): every read of the system, and
//!   in `proc::sys` every syscall and all `unsafe`.
//! - [`parse`]: pure parsers over bytes (inet tables, links, status,
//!   mountinfo, cgroup, passwd, the policy grammar). No I/O.
//! - [`model`]: the data the steps hand on (sockets, namespaces, owners,
//!   exposure classes). No I/O.
//! - [`collect`]: discovery of namespaces and processes, reading the tables and
//!   the fd links through [`proc`], into a `Snapshot` snapshot.
//! - [`policy`]: rules and their evaluation against a snapshot.
//! - [`cmd`]: one flow per subcommand (`list`, `check`, `baseline`).
//! - [`render`]: every writer (table, JSON, check report, baseline policy,
//!   diagnostics, summary) and all escaping of untrusted text.

pub mod cli;
pub mod cmd;
pub mod collect;
pub mod error;
pub mod help;
pub mod model;
pub mod parse;
pub mod policy;
pub mod proc;
pub mod render;

pub use cmd::run;
