//! The plan: what to read, as a list of typed jobs. Planning reads only what
//! it needs to decide (which member of a namespace to read it through) and
//! never a table itself; [`super::execute`] runs the jobs.
//!
//! # Adding a data source
//!
//! A new file of each namespace's `net/` (interface addresses, another socket
//! table) is one [`NetFile`] variant and one reader:
//!
//! ```text
//! // plan.rs: the kind, and when it is wanted
//! pub enum NetFile { Inet(InetTable), IfInet6 }
//! fn net_files(filter) -> Vec<NetFile> { … if filter.wants_addrs() { v.push(NetFile::IfInet6) } }
//! // execute.rs: the one match that runs it
//! NetFile::IfInet6 => addrs::read_if_inet6(src, dir, ns, &mut diag, out),
//! // addrs.rs: the reader, pushing e.g. Found::Addrs(ns, Vec<IfAddr>) (assemble.rs keeps them)
//! ```
//!
//! Every namespace gets the job, whichever way it is read (through a member,
//! our own `net/`, or entered by its nsfs file). Work that is not per
//! namespace is a new [`Job`] variant with its reader, the same way as
//! [`Job::Fds`].

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use super::Request;
use super::filter::Filter;
#[cfg(doc)]
use super::kinds;
use super::namespaces::Discovery;
use super::netdir::{Member, NetDir};
use super::tables::{self, InetTable};
use crate::cli::NsSelector;
use crate::model::netns::{Netns, NsId};
use crate::model::socket::Proto;
use crate::model::warning::Warning;
use crate::parse;
use crate::proc::ProcRoot;
use crate::render;

/// One file of a namespace's `net/` directory, and so which reader reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetFile {
    /// `tcp`, `tcp6`, `udp`, …: sockets ([`tables::read_inet`]).
    Inet(InetTable),
    /// `sctp/eps` (and `sctp/assocs` for every state): [`kinds::read_sctp`].
    Sctp,
    /// `packet`: [`kinds::read_packet`].
    Packet,
    /// `unix`: [`kinds::read_unix`].
    Unix,
    /// The address files (`if_inet6`, `fib_trie`, `route`, `dev`, …) of the
    /// namespace: [`super::addrs::read_netdir`].
    Addrs,
    /// `sockstat`, `sockstat6` and `snmp`, the counters `-s` prints:
    /// [`super::sockstat::read_netdir`].
    Sockstat,
}

/// One unit of work; any worker can run any job, in any order.
#[derive(Debug)]
pub enum Job {
    /// One file of one namespace.
    Net {
        ns: NsId,
        dir: NetDir,
        file: NetFile,
    },
    /// Namespaces that no process is in: entered one after the other by their
    /// nsfs files, on a thread of the job's own (`setns` moves the calling
    /// thread), where each of `files` is read.
    Entered {
        targets: Vec<Entry>,
        files: Arc<[NetFile]>,
    },
    /// The fd tables of `pids[range]` ([`super::owners::walk_pids`]).
    Fds {
        pids: Arc<[u32]>,
        range: Range<usize>,
    },
    /// A job whose reader panics (tests of the executor).
    #[cfg(test)]
    Panic,
}

/// A namespace to enter.
#[derive(Debug)]
pub struct Entry {
    pub ns: NsId,
    pub nsfs: PathBuf,
    /// Its inode: the file must still hold this namespace when it is opened.
    pub inode: Option<u64>,
}

/// Pids per fd-walk job: small enough to balance the workers, large enough
/// that taking a job costs nothing next to walking it.
const PIDS_PER_JOB: usize = 16;

/// Namespaces entered per job (each job is one helper thread).
const ENTERED_PER_JOB: usize = 16;

/// The files of a namespace that `filter` needs, biggest first (TCP before
/// UDP, IPv4 before IPv6), so that the workers finish close together.
pub fn net_files(filter: &Filter) -> Vec<NetFile> {
    let mut v: Vec<NetFile> = tables::wanted_tables(filter)
        .into_iter()
        .map(NetFile::Inet)
        .collect();
    for (proto, file) in [
        (Proto::Sctp, NetFile::Sctp),
        (Proto::Packet, NetFile::Packet),
        (Proto::Unix, NetFile::Unix),
    ] {
        if filter.wants(proto) {
            v.push(file);
        }
    }
    if filter.wants_addrs() {
        v.push(NetFile::Addrs);
    }
    if filter.wants_counters() {
        v.push(NetFile::Sockstat);
    }
    v
}

/// The jobs of a namespace read through `dir`.
pub fn namespace_jobs(ns: NsId, dir: &NetDir, files: &[NetFile]) -> impl Iterator<Item = Job> {
    files.iter().map(move |&file| Job::Net {
        ns,
        dir: dir.clone(),
        file,
    })
}

/// The fd walk of every pid, in slices.
pub fn fd_jobs(pids: &Arc<[u32]>) -> impl Iterator<Item = Job> {
    (0..pids.len()).step_by(PIDS_PER_JOB).map(|start| Job::Fds {
        pids: pids.clone(),
        range: start..(start + PIDS_PER_JOB).min(pids.len()),
    })
}

/// The jobs of every selected namespace but `done` (already planned), in
/// output order. A namespace is read through our own `net/` if it is ours,
/// else through a member process (see [`super::netdir`]), else by entering its
/// nsfs file. Namespaces that cannot be read are warned about here.
pub fn rest(
    src: &ProcRoot,
    disc: &Discovery,
    sel: &[bool],
    done: Option<NsId>,
    files: &[NetFile],
    diag: &mut Vec<Warning>,
) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut enter = Vec::new();
    let mut unreachable: Vec<String> = Vec::new();
    for &id in &disc.order {
        let ns = &disc.list[id as usize];
        if !sel[id as usize] || done == Some(id) {
            continue;
        }
        let dir = if ns.is_self && src.path("net").is_dir() {
            Some(NetDir::Path("net"))
        } else {
            Member::find(src, ns).map(|m| NetDir::Member(Arc::new(m)))
        };
        match (dir, &ns.mount) {
            (Some(dir), _) => jobs.extend(namespace_jobs(id, &dir, files)),
            (None, Some(m)) if src.is_live() => enter.push(Entry {
                ns: id,
                nsfs: m.clone(),
                inode: ns.inode,
            }),
            // Every process in it exited since discovery and no mount holds it:
            // the namespace is gone, skipped silently like a vanished process.
            (None, None) if src.is_live() && !ns.pids.is_empty() => {}
            _ => unreachable.push(ns.label()),
        }
    }
    if !unreachable.is_empty() {
        diag.push(Warning::NoReadPath {
            namespaces: unreachable,
            unplaced: super::unplaced(&disc.list),
        });
    }
    if !enter.is_empty() {
        let files: Arc<[NetFile]> = files.into();
        let mut enter = enter.into_iter().peekable();
        while enter.peek().is_some() {
            jobs.push(Job::Entered {
                targets: enter.by_ref().take(ENTERED_PER_JOB).collect(),
                files: files.clone(),
            });
        }
    }
    jobs
}

/// How many workers to run jobs on: the cores this process may use
/// ([`crate::proc::cpus`]: the affinity mask and the cgroup CPU quota, std's
/// `available_parallelism` rule), at most [`MAX_WORKERS`]. One core: no
/// thread besides the main one.
pub fn workers() -> usize {
    crate::proc::cpus::available().min(MAX_WORKERS)
}

/// Beyond this, more threads would mostly wait on the kernel's locks of the
/// same tables and process list (measured on 2 cores only: see the README,
/// "Benchmark").
pub const MAX_WORKERS: usize = 8;

/// Which namespaces to read: all, or those `-N` names.
#[inline(never)] // one copy for collect and collect_addresses
pub fn select(cfg: &Request, src: &ProcRoot, list: &[Netns]) -> Result<Vec<bool>, String> {
    if cfg.netns.is_empty() {
        return Ok(vec![true; list.len()]);
    }
    let mut sel = vec![false; list.len()];
    for want in &cfg.netns {
        let hit: Vec<usize> = match want {
            NsSelector::SelfNs => idx(list, |n| n.is_self),
            NsSelector::Host => idx(list, |n| n.host),
            NsSelector::Inode(i) => idx(list, |n| n.inode == Some(*i)),
            NsSelector::Pid(p) => match src
                .readlink(format!("{p}/ns/net"))
                .ok()
                .and_then(|t| parse::links::netns_link(&t))
            {
                Some(ino) => idx(list, |n| n.inode == Some(ino)),
                None => idx(list, |n| n.pids.contains(p)),
            },
            NsSelector::Name(name) if name.contains('/') => {
                use std::os::unix::fs::MetadataExt;
                match std::fs::metadata(name) {
                    Ok(m) => idx(list, |n| n.inode == Some(m.ino())),
                    Err(e) => return Err(format!("--netns {}: {e}", show(want))),
                }
            }
            NsSelector::Name(name) => idx(list, |n| n.name.as_deref() == Some(name)),
        };
        if hit.is_empty() {
            return Err(format!(
                "no network namespace matches --netns {}",
                show(want)
            ));
        }
        for i in hit {
            sel[i] = true;
        }
    }
    Ok(sel)
}

fn show(s: &NsSelector) -> String {
    match s {
        NsSelector::SelfNs => "self".into(),
        NsSelector::Host => "host".into(),
        NsSelector::Pid(p) => format!("pid:{p}"),
        NsSelector::Inode(i) => i.to_string(),
        NsSelector::Name(n) => render::escape::terminal(n.as_bytes()),
    }
}

fn idx(list: &[Netns], f: impl Fn(&Netns) -> bool) -> Vec<usize> {
    list.iter()
        .enumerate()
        .filter(|(_, n)| f(n))
        .map(|(i, _)| i)
        .collect()
}
