//! Assembly: what the jobs found, joined into one snapshot, by a pure function
//! (no I/O), so that the result depends only on what was read.

use std::io;

use crate::model::warning::Warning;

use super::execute::Findings;
use super::namespaces::Discovery;
use super::owners;
use crate::model::netns::NsId;
use crate::model::owners::OwnerIndex;
use crate::model::socket::Socket;
use crate::parse::sockstat::Counters;

/// What one job found.
#[derive(Debug)]
pub enum Found {
    /// Something to tell the user (printed once, in job order).
    Warning(Warning),
    /// The addresses of one namespace.
    Addrs(NsId, Box<crate::model::reach::NsAddrs>),
    /// The socket counters of one namespace (`-s`).
    Counters(NsId, Box<Counters>),
    /// A namespace that no process is in could not be entered.
    NotEntered(NsId, io::Error),
}

/// The jobs' findings joined: sockets in output order, the owner index (when
/// the fd walk was planned), and the warnings.
#[derive(Debug, Default)]
pub struct Assembled {
    pub sockets: Vec<Socket>,
    pub owners: Option<OwnerIndex>,
    pub warnings: Vec<Warning>,
    /// Per namespace (by id), when its address files were read.
    pub addrs: Vec<Option<crate::model::reach::NsAddrs>>,
    /// Per namespace (by id), when its counters were read.
    pub counters: Vec<Option<Counters>>,
}

/// Join what the jobs found (findings in job order, rows per worker):
/// `want_owners` says whether the fd walk was part of the plan (an empty walk
/// still means "no process holds these").
pub fn assemble(disc: &Discovery, f: Findings, want_owners: bool) -> Assembled {
    let mut a = Assembled::default();
    // The biggest worker's rows become the result, the others are appended:
    // no copy of the biggest table, one allocation for the rest.
    let mut rows = f.rows;
    rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.len()));
    let mut rows = rows.into_iter();
    a.sockets = rows.next().unwrap_or_default();
    let rest: Vec<Vec<Socket>> = rows.collect();
    a.sockets.reserve_exact(rest.iter().map(Vec::len).sum());
    for mut r in rest {
        a.sockets.append(&mut r);
    }
    let mut failed: Vec<String> = Vec::new();
    let mut first_err: Option<io::Error> = None;
    for f in f.found {
        match f {
            Found::Warning(w) => a.warnings.push(w),
            Found::Addrs(ns, x) => {
                let ns = ns as usize;
                if a.addrs.len() <= ns {
                    a.addrs.resize_with(disc.list.len().max(ns + 1), || None);
                }
                a.addrs[ns] = Some(*x);
            }
            Found::Counters(ns, c) => {
                let ns = ns as usize;
                if a.counters.len() <= ns {
                    a.counters.resize_with(disc.list.len().max(ns + 1), || None);
                }
                a.counters[ns] = Some(*c);
            }
            Found::NotEntered(ns, e) => {
                failed.push(disc.list[ns as usize].label());
                first_err.get_or_insert(e);
            }
        }
    }
    if let Some(error) = first_err {
        a.warnings.push(Warning::NamespaceNotEnterable {
            namespaces: failed,
            error,
            unplaced: super::unplaced(&disc.list),
        });
    }
    let mut rank = vec![0u32; disc.list.len()];
    for (pos, &id) in disc.order.iter().enumerate() {
        rank[id as usize] = pos as u32;
    }
    sort_dedup(&mut a.sockets, &rank);
    a.owners = want_owners.then(|| owners::index_of(f.walk));
    a
}

/// Output order: namespace (by `rank`: host, ours, then by inode), protocol,
/// local port, local address, peer, inode. A socket that a non-atomic read
/// returned twice (same inode ≠ 0, same local and remote address) is kept once.
pub fn sort_dedup(v: &mut Vec<Socket>, rank: &[u32]) {
    // Integer keys: comparing tuples of enums and addresses cost more than
    // reading the tables.
    fn ip_key(ip: std::net::IpAddr) -> (bool, u128) {
        match ip {
            std::net::IpAddr::V4(a) => (false, u128::from(u32::from(a))),
            std::net::IpAddr::V6(a) => (true, u128::from(a)),
        }
    }
    let primary = |s: &Socket| {
        let ns = rank.get(s.ns as usize).copied().unwrap_or(s.ns);
        (u64::from(ns) << 32) | ((s.proto as u64) << 16) | u64::from(s.local.port)
    };
    let key = |s: &Socket| {
        (
            primary(s),
            s.sub_type(),
            ip_key(s.local.ip),
            ip_key(s.remote.ip),
            s.remote.port,
            s.inode,
            s.state,
        )
    };
    // A radix sort by the first word of the key (namespace, protocol, port),
    // then each run of one port sorted by the whole key; ties (unix rows that
    // claim one inode under two names) in name order. (std's sort_unstable is
    // a heapsort in this build: see `model::radix`.)
    crate::model::radix::sort_by_key(v, primary);
    crate::model::radix::each_tie(v, primary, |run| {
        run.sort_unstable_by(|a, b| {
            key(a)
                .cmp(&key(b))
                .then_with(|| a.unix_name().cmp(&b.unix_name()))
        })
    });
    v.dedup_by(|a, b| {
        a.inode != 0
            && a.inode == b.inode
            && a.ns == b.ns
            && a.proto == b.proto
            && a.local == b.local
            && a.remote == b.remote
            && a.detail == b.detail
    });
}
