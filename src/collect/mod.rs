//! Collection: from the proc root to a [`Collected`] snapshot. Discovery of
//! processes and namespaces ([`namespaces`]), the tables of each namespace
//! ([`tables`]), the fd walk ([`owners`]), then sort, dedup and process details.

pub mod addrs;
pub mod filter;
pub mod kinds;
pub mod namespaces;
pub mod owners;
pub mod sockstat;
pub mod tables;

use std::collections::HashMap;

use crate::cli::{Config, Format, NsSelector};
use crate::error::Error;
use crate::model::netns::Netns;
use crate::model::owners::{OwnerIndex, ProcInfo};
use crate::model::reach::{Reach, ReachCtx, SockRef};
use crate::model::socket::{Proto, Socket};
use crate::parse;
use crate::proc::{self, ProcRoot, sys};
use crate::render::{self, View};
use filter::Filter;
use tables::Diag;

/// A passwd or group file larger than this is refused (a big directory has a
/// few MiB).
const MAX_PASSWD: u64 = 64 << 20;

/// Everything one run gathered.
#[derive(Debug)]
pub struct Collected {
    pub namespaces: Vec<Netns>,
    /// Shown sockets, sorted, duplicates of non-atomic reads removed.
    pub sockets: Vec<Socket>,
    pub owners: Option<OwnerIndex>,
    pub procs: HashMap<u32, ProcInfo>,
    pub users: HashMap<u32, String>,
    /// gid → name (`--group`), for unix socket files.
    pub groups: HashMap<u32, String>,
    pub full_visibility: bool,
    /// Why owners may be hidden (empty when everything was visible).
    pub hidden_reasons: Vec<String>,
    /// Why sockets without a holder are not called kernel sockets although
    /// every fd was read (see `owners::unseen_holders`).
    pub unseen: Option<String>,
    /// Warnings to print once (malformed lines, unreadable files).
    pub warnings: Vec<String>,
    /// Addresses and published ports, read when something needs reach.
    pub reach: Option<ReachCtx>,
}

impl Collected {
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
            reach: self.reach.as_ref(),
        }
    }
}

fn fatal(msg: String) -> Error {
    Error::Fatal(msg)
}

/// Gather sockets, namespaces and owners as `cfg` asks.
pub fn collect(cfg: &Config) -> Result<Collected, Error> {
    let shown_root = render::escape::terminal(cfg.root.as_os_str().as_encoded_bytes());
    let src = ProcRoot::new(&cfg.root)
        .map_err(|e| fatal(format!("cannot use {shown_root}: {e} (is /proc mounted?)")))?
        .with_byte_order(cfg.byte_order);
    let filter = Filter::new(cfg);
    let mut diag = Diag::default();
    let next_pid = std::sync::atomic::AtomicUsize::new(0);
    let self_units = tables::wanted_tables(&filter);
    let next_unit = std::sync::atomic::AtomicUsize::new(0);
    let read_self = |d: &mut Diag, v: &mut Vec<Socket>| {
        tables::read_shared(
            &src,
            "net",
            u32::MAX,
            &self_units,
            &next_unit,
            &filter,
            d,
            v,
        )
    };
    // The tables of every namespace but the early-read one, published once
    // discovery is done; both threads then take them one table at a time.
    let units: std::sync::OnceLock<Vec<tables::Unit>> = std::sync::OnceLock::new();
    let next_ns_unit = std::sync::atomic::AtomicUsize::new(0);
    let read_rest = |d: &mut Diag, v: &mut Vec<Socket>| {
        tables::read_units(&src, units.wait(), &next_ns_unit, &filter, d, v)
    };
    let (pids, disc, sockets, owners, sel) = std::thread::scope(|s| {
        let src = &src;
        // Whatever happens below, the second thread must not wait forever.
        struct Publish<'a>(&'a std::sync::OnceLock<Vec<tables::Unit>>);
        impl Drop for Publish<'_> {
            fn drop(&mut self) {
                let _ = self.0.set(Vec::new());
            }
        }
        let publish = Publish(&units);
        // Without owners, the second core starts on our own namespace's tables
        // (usually the biggest) at once, while this thread lists processes and
        // discovers the other namespaces; then both share all remaining tables.
        let early = !cfg.processes && cfg.netns.is_empty() && src.path("net").is_dir();
        let reader = early.then(|| {
            s.spawn(|| {
                let (mut d, mut v) = (Diag::default(), Vec::new());
                read_self(&mut d, &mut v);
                let mut rest = Vec::new();
                read_rest(&mut d, &mut rest);
                (None, d, v, rest)
            })
        });
        let pids = std::sync::Arc::new(
            src.list_pids()
                .map_err(|e| format!("cannot list {shown_root}: {e}"))?,
        );
        if pids.is_empty() && !src.path("net").is_dir() {
            return Err(format!(
                "{shown_root} does not look like /proc: no processes and no net/ directory"
            ));
        }
        // A tree without processes (a capture of net/ alone) has no owners to
        // find: they are reported as not looked up rather than as kernel sockets.
        let want_owners = cfg.processes && !pids.is_empty();
        // With owners, the second core walks /proc/*/fd while this one reads the
        // tables; each joins the other's work when its own runs out. Never more
        // threads than cores.
        let walker = want_owners.then(|| {
            let (pids, next_pid, read_rest) = (pids.clone(), &next_pid, &read_rest);
            s.spawn(move || {
                let part = owners::walk_shared(src, &pids, next_pid);
                let (mut d, mut rest) = (Diag::default(), Vec::new());
                read_rest(&mut d, &mut rest);
                (Some(part), d, Vec::new(), rest)
            })
        });
        let disc = namespaces::discover(src, &pids);
        let sel = select(cfg, src, &disc.list)?;
        let self_ix = disc.list.iter().position(|n| n.is_self);
        let done = if early { self_ix } else { None };
        let (plan_units, enter) = plan(src, &disc.list, &sel, done, &filter, &mut diag);
        let _ = units.set(plan_units);
        drop(publish);
        let mut early_self = Vec::new();
        let mut out = Vec::new();
        read_rest(&mut diag, &mut out);
        if early {
            read_self(&mut diag, &mut early_self);
        }
        read_entered(src, &disc.list, &enter, &filter, &mut diag, &mut out);
        let mine = want_owners.then(|| owners::walk_shared(src, &pids, &next_pid));
        let mut parts: Vec<owners::WalkPart> = mine.into_iter().collect();
        if let Some(h) = reader.or(walker) {
            let (part, d, v, rest) = h.join().unwrap_or_default();
            parts.extend(part);
            diag.warnings.extend(d.warnings);
            early_self.extend(v);
            out.extend(rest);
        }
        // Rows read early as "our namespace" get its index (or are dropped
        // when it could not be identified: its tables were then read again).
        if let Some(ix) = done {
            out.extend(early_self.into_iter().map(|mut s| {
                s.ns = ix as u32;
                s
            }));
        }
        let owners = want_owners.then(|| owners::index_from_parts(parts));
        Ok((pids, disc, out, owners, sel))
    })
    .map_err(fatal)?;
    let mut sockets = sockets;
    if kinds::wanted(&filter) {
        for (ix, ns) in disc.list.iter().enumerate() {
            if let Some(dir) = sel[ix].then(|| ns_dir(&src, ns)).flatten() {
                kinds::read_kinds(&src, &dir, ix as u32, &filter, &mut diag, &mut sockets);
            }
        }
    }
    sort_dedup(&mut sockets);

    let mut owners = owners;
    let mut hidden_reasons = Vec::new();
    let mut procs = HashMap::new();
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
            hidden_reasons.push(format!(
                "the fds of {} processes could not be read{}",
                ix.denied.max(disc.unreadable),
                if euid != 0 {
                    " (not running as root: run as root to see them)"
                } else {
                    " (no ptrace access: missing CAP_SYS_PTRACE, a user namespace, or an LSM)"
                }
            ));
        }
        if hidepid && euid != 0 {
            full_visibility = false;
            hidden_reasons.push(format!(
                "{shown_root} is mounted with hidepid, so other users' processes are invisible"
            ));
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
        let full_details = cfg.extended || cfg.format == Format::Json;
        let mut wanted: Vec<u32> = sockets
            .iter()
            .flat_map(|s| ix.get(s.inode).iter().map(|e| e.1.pid))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        for pid in wanted {
            if let Some(info) = owners::proc_info(&src, pid, full_details) {
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
        if cfg.exposed {
            sockets.retain(|s| {
                s.proto != Proto::Unix || s.unix_access().is_some_and(|a| a.beyond_owner())
            });
        }
    }
    let unix_names = sockets.iter().any(|s| s.unix_file().is_some());
    let needs_users =
        unix_names || (owners.is_some() && (cfg.extended || cfg.format == Format::Json));
    let users = if needs_users {
        read_names(
            &cfg.passwd,
            "/etc/passwd",
            "users are shown as uids",
            &mut diag,
        )
    } else {
        HashMap::new()
    };
    let groups = if unix_names {
        read_names(
            &cfg.group,
            "/etc/group",
            "groups are shown as gids",
            &mut diag,
        )
    } else {
        HashMap::new()
    };
    let reach = cfg.needs_reach().then(|| {
        let mut reach = reach_ctx(&src, &disc.list, sel.clone(), &sockets, &mut diag);
        if let Some(ix) = owners.as_ref() {
            addrs::link_forwarders(&src, &mut reach, &sockets, ix, &procs);
        }
        reach
    });
    if cfg.exposed
        && let Some(r) = &reach
    {
        // By reach for inet sockets; packet and unix sockets keep the
        // exposure --exposed already selected them by (who on this host, or
        // which interface's frames).
        sockets.retain(|s| s.detail.is_some() || r.verdict(&SockRef::of(s)).0 != Reach::Local);
    }
    let anonymous = disc.list.iter().filter(|n| n.inode.is_none()).count();
    if anonymous > 0 && disc.unreadable > 0 {
        diag.warn(format!(
            "the namespace links of {} processes are not readable (not root): {anonymous} network namespace(s) were told apart by /proc/PID/net alone, have no inode (netns null) and no name, and are labelled {}",
            disc.unreadable,
            disc.list
                .iter()
                .filter(|n| n.inode.is_none())
                .map(|n| n.label())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Collected {
        namespaces: disc.list,
        sockets,
        owners,
        procs,
        users,
        groups,
        full_visibility,
        hidden_reasons,
        unseen,
        warnings: diag.warnings,
        reach,
    })
}

/// What `openports addresses` shows: every selected namespace and its addresses.
pub struct AddrSnapshot {
    pub namespaces: Vec<Netns>,
    /// Per namespace: `None` when not selected or not readable.
    pub addrs: Vec<Option<crate::model::reach::NsAddrs>>,
    /// The namespaces `-N` selected (all without `-N`).
    pub selected: Vec<bool>,
    pub warnings: Vec<String>,
}

/// Discover the namespaces and read the address files of those `-N` selects
/// (no socket tables, no fd walk).
pub fn collect_addresses(cfg: &Config) -> Result<AddrSnapshot, Error> {
    let shown_root = render::escape::terminal(cfg.root.as_os_str().as_encoded_bytes());
    let src = ProcRoot::new(&cfg.root)
        .map_err(|e| fatal(format!("cannot use {shown_root}: {e} (is /proc mounted?)")))?
        .with_byte_order(cfg.byte_order);
    let pids = src
        .list_pids()
        .map_err(|e| fatal(format!("cannot list {shown_root}: {e}")))?;
    if pids.is_empty() && !src.path("net").is_dir() {
        return Err(fatal(format!(
            "{shown_root} does not look like /proc: no processes and no net/ directory"
        )));
    }
    let disc = namespaces::discover(&src, &pids);
    let sel = select(cfg, &src, &disc.list).map_err(fatal)?;
    let mut warnings = Vec::new();
    let dirs = addrs::addr_dirs(&src, &disc.list, &sel);
    let found = addrs::read_all(&src, &dirs, &mut warnings);
    let unread: Vec<String> = disc
        .list
        .iter()
        .zip(&dirs)
        .zip(&sel)
        .filter(|((_, d), s)| **s && d.is_none())
        .map(|((n, _), _)| render::escape::terminal(n.label().as_bytes()))
        .collect();
    if !unread.is_empty() {
        warnings.push(format!(
            "{} network namespace(s) with no process to read their addresses through: {}{}",
            unread.len(),
            unread.join(", "),
            unplaced_note(&disc.list)
        ));
    }
    if let Some(w) = addrs::firewall_notice(&src, &disc.list, &found) {
        warnings.push(w);
    }
    Ok(AddrSnapshot {
        namespaces: disc.list,
        addrs: found,
        selected: sel,
        warnings,
    })
}

/// Read the addresses of the selected namespaces that have sockets to show,
/// and say once when a firewall may drop what reach says is accepted.
fn reach_ctx(
    src: &ProcRoot,
    list: &[Netns],
    mut sel: Vec<bool>,
    sockets: &[Socket],
    diag: &mut Diag,
) -> ReachCtx {
    let mut has = vec![false; list.len()];
    for s in sockets {
        has[s.ns as usize] = true;
    }
    for (w, h) in sel.iter_mut().zip(&has) {
        *w &= *h;
    }
    let found = addrs::read_all(src, &addrs::addr_dirs(src, list, &sel), &mut diag.warnings);
    if let Some(w) = addrs::firewall_notice(src, list, &found) {
        diag.warn(w);
    }
    ReachCtx::new(found, sockets)
}

/// id → name from a passwd or group file: a regular file of at most
/// `MAX_PASSWD` bytes (a FIFO would hang the run, `/dev/zero` never end). A
/// missing default file (an initramfs) is silent, anything else a warning.
fn read_names(
    path: &std::path::Path,
    default: &str,
    then: &str,
    diag: &mut Diag,
) -> HashMap<u32, String> {
    match proc::read_regular(path, MAX_PASSWD) {
        Ok(p) => parse::passwd::passwd_names(&p),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && path == std::path::Path::new(default) =>
        {
            HashMap::new()
        }
        Err(e) => {
            diag.warn(format!(
                "cannot read {}: {e}: {then}",
                render::escape::terminal(path.as_os_str().as_encoded_bytes())
            ));
            HashMap::new()
        }
    }
}

/// Which namespaces to read: all, or those `-N` names.
#[inline(never)] // one copy for collect and collect_addresses
pub(crate) fn select(cfg: &Config, src: &ProcRoot, list: &[Netns]) -> Result<Vec<bool>, String> {
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

/// Read the tables of every selected namespace exactly once.
/// How each selected namespace will be read: table units for those read through
/// a process (shared by both threads), nsfs files to enter for those with no
/// process. Namespaces that cannot be read are warned about here.
fn plan(
    src: &ProcRoot,
    list: &[Netns],
    sel: &[bool],
    already_read: Option<usize>,
    filter: &Filter,
    diag: &mut Diag,
) -> (Vec<tables::Unit>, Vec<namespaces::EnterTarget>) {
    let tables = tables::wanted_tables(filter);
    let mut units = Vec::new();
    let mut enter = Vec::new();
    let mut unreachable: Vec<String> = Vec::new();
    for (ix, ns) in list.iter().enumerate() {
        if !sel[ix] || already_read == Some(ix) {
            continue;
        }
        match (ns_dir(src, ns), &ns.mount) {
            (Some(dir), _) => units.extend(tables.iter().map(|&(proto, family)| tables::Unit {
                ns: ix as u32,
                dir: dir.clone(),
                proto,
                family,
            })),
            (None, Some(m)) if src.is_live() => enter.push((ix, m.clone(), ns.inode)),
            // Every process in it exited since discovery and no mount holds it:
            // the namespace is gone, skipped silently like a vanished process.
            (None, None) if src.is_live() && !ns.pids.is_empty() => {}
            _ => unreachable.push(render::escape::terminal(ns.label().as_bytes())),
        }
    }
    if !unreachable.is_empty() {
        diag.warn(format!(
            "{} network namespace(s) with no process to read their tables through: {}{}",
            unreachable.len(),
            unreachable.join(", "),
            unplaced_note(list)
        ));
    }
    (units, enter)
}

/// The directory below the root that holds a namespace's tables: ours, or
/// that of a process in it.
fn ns_dir(src: &ProcRoot, ns: &Netns) -> Option<String> {
    if ns.is_self && src.path("net").is_dir() {
        Some("net".to_string())
    } else {
        ns.pids
            .iter()
            .map(|p| format!("{p}/net"))
            .find(|d| src.path(d).is_dir())
    }
}

/// When some processes could not be placed by their namespace link (a non-root
/// run), "a namespace with no process" only means none was identified in it:
/// its processes may be among those of the unidentified namespaces.
fn unplaced_note(list: &[Netns]) -> String {
    let anon: Vec<String> = list
        .iter()
        .filter(|n| n.inode.is_none())
        .map(|n| n.label())
        .collect();
    if anon.is_empty() {
        return String::new();
    }
    format!(
        " (no process was identified in them: the processes whose namespace links are unreadable without root, listed under {}, may be theirs)",
        anon.join(", ")
    )
}

/// Read namespaces that no process is in by entering them (`setns`).
fn read_entered(
    src: &ProcRoot,
    list: &[Netns],
    enter: &[namespaces::EnterTarget],
    filter: &Filter,
    diag: &mut Diag,
    out: &mut Vec<Socket>,
) {
    if enter.is_empty() {
        return;
    }
    let results = namespaces::with_entered(enter, |ix, dir| {
        let mut d = Diag::default();
        let mut v = Vec::new();
        tables::read_namespace(src, dir, ix as u32, filter, &mut d, &mut v);
        kinds::read_kinds(src, dir, ix as u32, filter, &mut d, &mut v);
        (d, v)
    });
    let mut failed: Vec<String> = Vec::new();
    let mut first_err: Option<std::io::Error> = None;
    for (ix, r) in results {
        match r {
            Ok((d, v)) => {
                diag.warnings.extend(d.warnings);
                out.extend(v);
            }
            // Deleted since discovery (`ip netns del`: the mount point is gone,
            // or left as a plain file that is no namespace): skipped silently,
            // like a vanished process.
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EINVAL)) => {}
            Err(e) => {
                failed.push(render::escape::terminal(list[ix].label().as_bytes()));
                first_err.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_err {
        let hint = if e.raw_os_error() == Some(libc::EPERM) {
            " (entering a namespace needs root)"
        } else {
            ""
        };
        diag.warn(format!(
            "{} network namespace(s) with no process could not be entered: {}: {e}{hint}{}",
            failed.len(),
            failed.join(", "),
            unplaced_note(list)
        ));
    }
}

/// Output order: namespace, protocol, local port, local address, peer, inode.
/// A socket that a non-atomic read returned twice (same inode ≠ 0, same local and
/// remote address) is kept once.
pub fn sort_dedup(v: &mut Vec<Socket>) {
    // Integer keys: comparing tuples of enums and addresses cost more than
    // reading the tables.
    fn ip_key(ip: std::net::IpAddr) -> (bool, u128) {
        match ip {
            std::net::IpAddr::V4(a) => (false, u128::from(u32::from(a))),
            std::net::IpAddr::V6(a) => (true, u128::from(a)),
        }
    }
    let key = |s: &Socket| {
        (
            (u64::from(s.ns) << 32) | ((s.proto as u64) << 16) | u64::from(s.local.port),
            s.sub_type(),
            ip_key(s.local.ip),
            ip_key(s.remote.ip),
            s.remote.port,
            s.inode,
            s.state,
        )
    };
    // Ties (unix rows that claim one inode under two names) in name order.
    v.sort_unstable_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.unix_name().cmp(&b.unix_name()))
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
