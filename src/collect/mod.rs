//! Collection: from a [`Request`] (what a command asks for, built from its
//! options in `cmd`) to a [`Snapshot`], in three steps.
//!
//! 1. **Plan** ([`plan`]): list processes, discover the namespaces
//!    ([`namespaces`]), and turn what to read into typed [`plan::Job`]s: a
//!    table of a namespace through a member's `/proc/PID` fd ([`netdir`]), the
//!    tables of a namespace entered by its nsfs file, a slice of the fd walk.
//! 2. **Execute** ([`execute`]): a pool of workers (one per core, see
//!    [`plan::workers`]) runs the jobs with their readers ([`tables`],
//!    [`owners`]). Workers start while the plan is still being made: our own
//!    namespace's tables and the fd walk need no discovery.
//! 3. **Assemble** ([`assemble`]): a pure function joins what the jobs found
//!    into sorted, deduplicated sockets and the owner index; then the details of
//!    the processes that hold shown sockets are read.
//!
//! Where to add things: see [`plan`] ("Adding a data source").

pub mod addrs;
pub mod assemble;
pub mod execute;
pub mod filter;
pub mod kinds;
pub mod namespaces;
pub mod netdir;
pub mod owners;
pub mod plan;
pub mod request;
pub mod sockstat;
pub mod tables;

use crate::model::map::{ById, IdNames};
use std::sync::Arc;

use crate::cli::Config;
use crate::error::Error;
use crate::model::netns::Netns;
use crate::model::owners::{OwnerIndex, ProcInfo};
use crate::model::reach::{Reach, ReachCtx, SockRef};
use crate::model::socket::{Proto, Socket};
use crate::model::warning::{HiddenReason, Names, Warning};
use crate::parse;
use crate::proc::{self, ProcRoot, sys};
use crate::render::{self, View};
use assemble::assemble;
use execute::{Ctx, execute};
use filter::Filter;
use netdir::NetDir;
pub use request::Request;

/// A passwd or group file larger than this is refused (a big directory has a
/// few MiB).
const MAX_PASSWD: u64 = 64 << 20;

/// Everything one run gathered: what filters, policies and renderers consume.
#[derive(Debug)]
pub struct Snapshot {
    /// Every namespace; a socket's `ns` is an index into it.
    pub namespaces: Vec<Netns>,
    /// Shown sockets in output order, duplicates of non-atomic reads removed.
    pub sockets: Vec<Socket>,
    pub owners: Option<OwnerIndex>,
    pub procs: ById<ProcInfo>,
    pub users: IdNames,
    /// gid → name (`--group`), for unix socket files.
    pub groups: IdNames,
    pub full_visibility: bool,
    /// Why owners may be hidden (empty when everything was visible).
    pub hidden_reasons: Vec<HiddenReason>,
    /// Why sockets without a holder are not called kernel sockets although
    /// every fd was read (see `owners::unseen_holders`).
    pub unseen: Option<String>,
    /// Warnings to print once (malformed lines, unreadable files), in the
    /// order they were found (the order of the plan's jobs).
    pub warnings: Vec<Warning>,
    /// Addresses and published ports, read when something needs reach.
    pub reach: Option<ReachCtx>,
    /// The namespaces `-N` selected (every one without `-N`).
    pub selected: Vec<bool>,
    /// Per namespace: the kernel's socket counters (`-s` only; `None` where
    /// they could not be read: a fixture tree without them, a namespace gone).
    pub counters: Vec<Option<crate::parse::sockstat::Counters>>,
}

impl Snapshot {
    pub fn view<'a>(&'a self, cfg: &Config) -> View<'a> {
        let first = self.sockets.first().map(|s| s.ns);
        let many = self.sockets.iter().any(|s| Some(s.ns) != first);
        View {
            sockets: &self.sockets,
            namespaces: &self.namespaces,
            owners: self.owners.as_ref(),
            procs: &self.procs,
            users: &self.users,
            groups: &self.groups,
            full_visibility: self.full_visibility,
            unseen: self.unseen.as_deref(),
            extended: cfg.extended,
            header: cfg.header,
            color: cfg.color,
            netns_column: many || cfg.extended,
            exposure_column: false,
            reach: self.reach.as_ref(),
        }
    }
}

fn fatal(msg: String) -> Error {
    Error::Fatal(msg)
}

/// Gather sockets, namespaces and owners as `req` asks, on as many workers
/// as this process has cores ([`plan::workers`]).
pub fn collect(req: &Request) -> Result<Snapshot, Error> {
    collect_with(req, plan::workers())
}

/// [`collect`] on `workers` threads (this one included).
pub fn collect_with(req: &Request, workers: usize) -> Result<Snapshot, Error> {
    let shown_root = render::escape::terminal(req.root.as_os_str().as_encoded_bytes());
    let src = ProcRoot::new(&req.root)
        .map_err(|e| fatal(format!("cannot use {shown_root}: {e} (is /proc mounted?)")))?
        .with_byte_order(req.byte_order);
    let filter = Filter::new(req);
    let files = plan::net_files(&filter);
    let ctx = Ctx {
        src: &src,
        filter: &filter,
    };
    let mut diag: Vec<Warning> = Vec::new();
    let (planned, found) = execute(&ctx, workers, |queue| {
        // Our own namespace's tables (usually the biggest) need no discovery:
        // they are read at once, while processes are listed.
        let own = if req.netns.is_empty() && src.path("net").is_dir() {
            namespaces::own_inode(&src)
        } else {
            None
        };
        if own.is_some() {
            queue.push(plan::namespace_jobs(
                namespaces::OWN,
                &NetDir::Path("net"),
                &files,
            ));
        }
        let r = (|| {
            let pids: Arc<[u32]> = src
                .list_pids()
                .map_err(|e| format!("cannot list {shown_root}: {e}"))?
                .into();
            if pids.is_empty() && !src.path("net").is_dir() {
                return Err(format!(
                    "{shown_root} does not look like /proc: no processes and no net/ directory"
                ));
            }
            // A tree without processes (a capture of net/ alone) has no owners to
            // find: they are reported as not looked up rather than as kernel sockets.
            let want_owners = req.processes && !pids.is_empty();
            if want_owners {
                queue.push(plan::fd_jobs(&pids));
            }
            let disc = namespaces::discover(&src, &pids, own);
            let sel = plan::select(req, &src, &disc.list)?;
            let done = own.map(|_| namespaces::OWN);
            queue.push(plan::rest(&src, &disc, &sel, done, &files, &mut diag));
            Ok((pids, disc, sel, want_owners))
        })();
        if r.is_err() {
            queue.cancel();
        }
        r
    });
    let (pids, disc, sel, want_owners) = planned.map_err(fatal)?;
    let mut a = assemble(&disc, found, want_owners);
    diag.append(&mut a.warnings);
    let mut sockets = a.sockets;
    let mut owners = a.owners;

    let mut hidden_reasons = Vec::new();
    let mut procs = ById::default();
    let mut full_visibility = true;
    let mut unseen = None;
    if let Some(ix) = owners.as_mut() {
        // Threads with their own fd table: only when a socket is still ownerless.
        if sockets
            .iter()
            .any(|s| s.inode != 0 && ix.get(s.inode).is_empty())
        {
            owners::walk_thread_tables(&src, &pids, ix);
        }
        let euid = sys::geteuid();
        let hidepid = parse::mountinfo::hidepid_active(
            &disc.self_mountinfo,
            src.root().as_os_str().as_encoded_bytes(),
        );
        if ix.denied > 0 || disc.unreadable > 0 {
            full_visibility = false;
            hidden_reasons.push(HiddenReason::FdsUnreadable {
                processes: ix.denied.max(disc.unreadable),
                root: euid == 0,
            });
        }
        if hidepid && euid != 0 {
            full_visibility = false;
            hidden_reasons.push(HiddenReason::Hidepid {
                root: req.root.as_os_str().as_encoded_bytes().to_vec(),
            });
        }
        if full_visibility
            && sockets
                .iter()
                .any(|s| s.inode != 0 && ix.get(s.inode).is_empty())
        {
            let dirs: Vec<String> = disc.list.iter().filter_map(|n| ns_dir(&src, n)).collect();
            unseen = owners::unseen_holders(&src, ix, &dirs);
        }
        // The plain table needs only comm and the deleted-exe mark; uid, user
        // and command line are read for -e and JSON.
        let full_details = req.details;
        // Each holder once, in pid order (the workers of one server together).
        let mut wanted: Vec<u32> = sockets
            .iter()
            .filter(|s| s.inode != 0)
            .flat_map(|s| ix.get(s.inode).iter().map(|e| e.1.pid))
            .collect();
        crate::model::radix::sort_by_key(&mut wanted, |&p| p.into());
        wanted.dedup();
        let mut seen = owners::ExeCache::default();
        for pid in wanted {
            if let Some(info) = owners::proc_info(&src, pid, full_details, &mut seen) {
                procs.insert(pid, info);
            }
        }
    }
    if filter.wants(Proto::Unix) {
        let ns_pid = |ns: u32| {
            disc.list
                .get(ns as usize)
                .and_then(|n| n.pids.first().copied())
        };
        kinds::resolve_unix(
            &src,
            &mut sockets,
            owners.as_ref(),
            &ns_pid,
            full_visibility,
            &mut diag,
        );
        if req.exposed {
            sockets.retain(|s| {
                s.proto != Proto::Unix || s.unix_access().is_some_and(|a| a.beyond_owner())
            });
        }
    }
    let unix_names = sockets.iter().any(|s| s.unix_file().is_some());
    let needs_users = unix_names || (owners.is_some() && req.details);
    let users = if needs_users {
        read_names(&req.passwd, "/etc/passwd", Names::Users, &mut diag)
    } else {
        IdNames::default()
    };
    let groups = if unix_names {
        read_names(&req.group, "/etc/group", Names::Groups, &mut diag)
    } else {
        IdNames::default()
    };
    let reach = req.reach.then(|| {
        let mut found = std::mem::take(&mut a.addrs);
        found.resize_with(disc.list.len(), || None);
        if let Some(w) = addrs::firewall_notice(&src, &disc.list, &found) {
            diag.push(w);
        }
        let mut reach = ReachCtx::new(found, &sockets);
        if let Some(ix) = owners.as_ref() {
            addrs::link_forwarders(&src, &mut reach, &sockets, ix, &procs);
        }
        reach
    });
    if req.exposed
        && let Some(r) = &reach
    {
        // By reach for inet sockets; packet and unix sockets keep the
        // exposure --exposed already selected them by (who on this host, or
        // which interface's frames).
        sockets.retain(|s| s.detail.is_some() || r.verdict(&SockRef::of(s)).0 != Reach::Local);
    }
    let anonymous = disc.list.iter().filter(|n| n.inode.is_none()).count();
    if anonymous > 0 && disc.unreadable > 0 {
        diag.push(Warning::AnonymousNamespaces {
            processes: disc.unreadable,
            labels: unplaced(&disc.list),
        });
    }
    let mut counters = a.counters;
    counters.resize_with(disc.list.len(), || None);
    Ok(Snapshot {
        namespaces: disc.list,
        sockets,
        owners,
        procs,
        users,
        groups,
        full_visibility,
        hidden_reasons,
        unseen,
        warnings: diag,
        reach,
        selected: sel,
        counters,
    })
}

/// What `openports addresses` shows: every selected namespace and its addresses.
pub struct AddrSnapshot {
    pub namespaces: Vec<Netns>,
    /// Per namespace: `None` when not selected or not readable.
    pub addrs: Vec<Option<crate::model::reach::NsAddrs>>,
    /// The namespaces `-N` selected (all without `-N`).
    pub selected: Vec<bool>,
    pub warnings: Vec<Warning>,
}

/// The address files of the namespaces `req` selects, through the engine;
/// `req` asks for nothing else (no socket table, no fd walk: see
/// `cmd::addresses`).
pub fn collect_addresses(req: &Request) -> Result<AddrSnapshot, Error> {
    let snap = collect_with(req, plan::workers())?;
    let mut addrs = snap.reach.map(|r| r.addrs).unwrap_or_default();
    addrs.resize_with(snap.namespaces.len(), || None);
    Ok(AddrSnapshot {
        namespaces: snap.namespaces,
        addrs,
        selected: snap.selected,
        warnings: snap.warnings,
    })
}

/// id → name from a passwd or group file: a regular file of at most
/// `MAX_PASSWD` bytes (a FIFO would hang the run, `/dev/zero` never end). A
/// missing default file (an initramfs) is silent, anything else a warning.
fn read_names(
    path: &std::path::Path,
    default: &str,
    names: Names,
    diag: &mut Vec<Warning>,
) -> IdNames {
    match proc::read_regular(path, MAX_PASSWD) {
        Ok(p) => parse::passwd::passwd_names(&p),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && path == std::path::Path::new(default) =>
        {
            IdNames::default()
        }
        Err(error) => {
            diag.push(Warning::NamesUnreadable {
                path: path.as_os_str().as_encoded_bytes().to_vec(),
                error,
                names,
            });
            IdNames::default()
        }
    }
}

/// The directory below the root that holds a namespace's tables: ours, or
/// that of a process in it.
pub(crate) fn ns_dir(src: &ProcRoot, ns: &Netns) -> Option<String> {
    if ns.is_self && src.path("net").is_dir() {
        Some("net".to_string())
    } else {
        ns.pids
            .iter()
            .map(|p| format!("{p}/net"))
            .find(|d| src.path(d).is_dir())
    }
}

/// The labels of the namespaces told apart without an inode (their
/// processes' namespace links are unreadable without root): "a namespace with
/// no process" then only means none was identified in it.
pub(crate) fn unplaced(list: &[Netns]) -> Vec<String> {
    list.iter()
        .filter(|n| n.inode.is_none())
        .map(|n| n.label())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Parsed};

    fn snapshot(args: &[&str], workers: usize) -> String {
        let cfg = match cli::parse_from(args.iter().copied()) {
            Ok(Parsed::Run(cfg)) => cfg,
            _ => unreachable!(),
        };
        let s = collect_with(&crate::cmd::listing_request(&cfg), workers).unwrap();
        format!("{:?}\n{:?}\n{:?}", s.sockets, s.owners, s.warnings)
    }

    fn collected(args: &[&str]) -> Snapshot {
        match cli::parse_from(args.iter().copied()) {
            Ok(Parsed::Run(cfg)) => collect_with(&crate::cmd::listing_request(&cfg), 2).unwrap(),
            _ => unreachable!(),
        }
    }

    /// `s` warned with a warning that `what` accepts (the list is printed if not).
    fn assert_warned(s: &Snapshot, what: impl Fn(&Warning) -> bool) {
        assert!(s.warnings.iter().any(what), "{:?}", s.warnings);
    }

    fn fixture(name: &str) -> String {
        format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    /// A malformed row is a typed warning naming the file, line and column,
    /// an overlong one names its line; the file's path is the raw bytes.
    #[test]
    fn malformed_lines_are_typed_warnings_with_path_line_and_column() {
        let root = fixture("synth-malformed");
        let s = collected(&["--proc-root", &root, "-a"]);
        let tcp = format!("{root}/net/tcp").into_bytes();
        assert_warned(&s, |w| {
            matches!(w,
                Warning::MalformedLine { path, line: 3, column: 7, expected }
                    if *path == tcp && expected.contains("local ADDR:PORT"))
        });
        assert_warned(&s, |w| {
            matches!(w,
                Warning::LineTooLong { path, line: 6, max: 4096 } if *path == tcp)
        });
    }

    /// An unreadable passwd file is one typed warning with its path and error.
    #[test]
    fn an_unreadable_passwd_file_is_a_names_warning() {
        let root = fixture("linux-6.18-x86_64");
        let missing = format!("{root}/no-such-passwd");
        let s = collected(&["--proc-root", &root, "-e", "--passwd", &missing]);
        assert_warned(&s, |w| {
            matches!(w,
                Warning::NamesUnreadable { path, error, names: Names::Users }
                    if *path == missing.as_bytes() && error.kind() == std::io::ErrorKind::NotFound)
        });
    }

    /// `-s`'s counters are read by a job of each namespace (here through
    /// our own `net/`), and only for `-s`.
    #[test]
    fn the_counters_of_s_come_from_a_job_of_the_plan() {
        let root =
            std::env::temp_dir().join(format!("openports-warn-sockstat-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("net")).unwrap();
        let sockstat =
            b"sockets: used 17\nTCP: inuse 1 orphan 0 tw 2 alloc 1 mem 0\nUDP: inuse 3 mem 0\n";
        let sockstat6 = b"TCP6: inuse 2\nUDP6: inuse 0\n";
        std::fs::write(root.join("net/sockstat"), sockstat).unwrap();
        std::fs::write(root.join("net/sockstat6"), sockstat6).unwrap();
        std::fs::write(root.join("net/tcp"), "  sl  local_address\n").unwrap();
        let r = root.to_str().unwrap();
        for workers in [1, 2] {
            let cfg = |args: &[&str]| match cli::parse_from(args.iter().copied()) {
                Ok(Parsed::Run(cfg)) => cfg,
                _ => unreachable!(),
            };
            let s = collect_with(
                &crate::cmd::listing_request(&cfg(&["--proc-root", r, "-s"])),
                workers,
            )
            .unwrap();
            let want = crate::parse::sockstat::counters(sockstat, sockstat6, b"");
            assert_eq!(s.counters, vec![Some(want)], "{workers} workers");
            let s = collect_with(
                &crate::cmd::listing_request(&cfg(&["--proc-root", r, "-a"])),
                workers,
            )
            .unwrap();
            assert_eq!(s.counters, vec![None], "{workers} workers");
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// The snapshot does not depend on how many workers read it: the same
    /// rows in the same order, the same owners, the same warnings in the
    /// same order.
    #[test]
    fn the_snapshot_is_the_same_on_any_number_of_workers() {
        let root = |name: &str| format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
        for tree in ["synth-multi-ns", "synth-malformed", "linux-6.18-x86_64"] {
            let r = root(tree);
            for args in [
                &["--proc-root", r.as_str(), "-a", "-e"][..],
                &["--proc-root", r.as_str(), "--no-processes"][..],
            ] {
                let one = snapshot(args, 1);
                for workers in [2, 3, 8] {
                    assert_eq!(
                        snapshot(args, workers),
                        one,
                        "{tree} {args:?}: {workers} workers"
                    );
                }
            }
        }
    }

    /// A throwaway tree: `files` (path, bytes) and `links` (path, target).
    fn tree(tag: &str, files: &[(&str, &[u8])], links: &[(&str, &str)]) -> std::path::PathBuf {
        let root = std::env::temp_dir().join(format!("openports-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (path, bytes) in files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        for (path, target) in links {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, p).unwrap();
        }
        root
    }

    const UNIX_HEADER: &[u8] = b"Num       RefCount Protocol Flags    Type St Inode Path\n";

    /// A namespace that only a mount names (no process is in it) and that a
    /// fixture tree cannot enter is one `NoReadPath` warning with its label.
    #[test]
    fn a_namespace_with_no_way_in_is_a_no_read_path_warning() {
        let root = tree(
            "warn-noread",
            &[
                ("100/net/tcp", b"  sl  local_address\n"),
                ("100/comm", b"nginx\n"),
                (
                    "100/mountinfo",
                    b"600 29 0:4 net:[4026532999] /run/netns/blue rw - nsfs nsfs rw\n",
                ),
            ],
            &[("100/ns/net", "net:[4026531840]"), ("self", "100")],
        );
        let s = collected(&["--proc-root", root.to_str().unwrap(), "-t"]);
        assert_warned(&s, |w| {
            matches!(w,
                Warning::NoReadPath { namespaces, .. } if *namespaces == ["blue"])
        });
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// One unix socket inode on two rows that differ (a name with a newline
    /// can write a row of its own) is a `ForgedRows` warning naming both lines.
    #[test]
    fn one_inode_on_two_different_unix_rows_is_a_forged_rows_warning() {
        let unix = [
            UNIX_HEADER,
            b"0000000000000000: 00000002 00000000 00010000 0001 01 20001 /run/a.sock\n",
            b"0000000000000000: 00000002 00000000 00010000 0001 01 20002 /run/b.sock\n",
            b"0000000000000000: 00000003 00000000 00000000 0001 03 20001 /run/a.sock\n",
        ]
        .concat();
        let root = tree("warn-forged", &[("net/unix", &unix)], &[]);
        let s = collected(&["--proc-root", root.to_str().unwrap(), "-xa"]);
        assert_warned(&s, |w| {
            matches!(
                w,
                Warning::ForgedRows {
                    line: 4,
                    inode: 20001,
                    first: 2,
                    ..
                }
            )
        });
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A row right after a named one, short enough to be the rest of that
    /// name, whose inode no process holds, is a `MaybeForged` warning; the
    /// held one before it is not.
    #[test]
    fn an_unheld_row_that_may_end_a_name_is_a_maybe_forged_warning() {
        let unix = [
            UNIX_HEADER,
            b"0000000000000000: 00000002 00000000 00010000 0001 01 20001 @a\n",
            b"0000000000000000: 00000002 00000000 00010000 0001 01 99999 @b\n",
        ]
        .concat();
        let root = tree(
            "warn-maybe",
            &[("net/unix", &unix), ("100/comm", b"d\n")],
            &[
                ("100/fd/3", "socket:[20001]"),
                ("100/ns/net", "net:[4026531840]"),
                ("self", "100"),
            ],
        );
        let s = collected(&["--proc-root", root.to_str().unwrap(), "-x"]);
        let forged: Vec<u64> = s
            .warnings
            .iter()
            .filter_map(|w| match w {
                Warning::MaybeForged { inode, line: 3, .. } => Some(*inode),
                _ => None,
            })
            .collect();
        assert_eq!(forged, [99999], "{:?}", s.warnings);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
