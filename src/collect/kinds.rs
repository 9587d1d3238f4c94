//! Readers for the other socket kinds of one namespace: `net/packet`,
//! `net/unix`, `net/sctp/{eps,assocs}`, and the unix socket files' modes as seen
//! from a holder's mount namespace. Each reads through the root seam and hands
//! rows to the pure parsers in `kinds_parse`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::ControlFlow;

use crate::collect::filter::Filter;
use crate::collect::netdir::NetDir;
use crate::model::kinds::{Access, Detail, FileMode};
use crate::model::socket::{Endpoint, Family, Proto, Socket, state};
use crate::model::warning::Warning;
use crate::parse::inet::LineError;
use crate::parse::kinds::{
    IfFile, UNIX_NAME_MAX, ifindex_names, packet_line, sctp_assoc_line, sctp_ep_line, unix_line,
};
use crate::parse::lines::{Line, scan};
use crate::proc::ProcRoot;

const CHUNK: usize = 256 * 1024;
/// Rows of these tables are under 300 bytes (a unix name is at most 108).
const MAX_LINE: usize = 4096;
const MAX_WARNINGS: usize = 10;

/// What [`scan_rows`] calls for each data line: (line number, line, the
/// file as shown in warnings, where warnings go).
type RowFn<'a> = dyn FnMut(usize, &[u8], &[u8], &mut Vec<Warning>) -> Result<(), LineError> + 'a;

/// Scan the data lines of `file` of `dir` (line 1 is the header). A missing
/// file is not an error (no SCTP module, no packet sockets support); an
/// unreadable one, an overlong or a malformed line is a warning naming
/// `path:line`.
fn scan_rows(
    src: &ProcRoot,
    dir: &NetDir,
    file: &str,
    diag: &mut Vec<Warning>,
    row: &mut RowFn<'_>,
) {
    let shown = dir.shown(src, file);
    let f = match dir.open(src, file) {
        Ok(Some(f)) => f,
        Ok(None) => return,
        Err(error) => {
            return diag.push(Warning::Unreadable { path: shown, error });
        }
    };
    let mut bad = 0usize;
    let mut complain = |d: &mut Vec<Warning>, w: Warning| {
        bad += 1;
        if bad <= MAX_WARNINGS {
            d.push(w);
        }
    };
    let mut f = std::io::Read::take(f, crate::collect::tables::MAX_TABLE);
    let r = scan(&mut f, CHUNK, MAX_LINE, |line| {
        match line {
            // The header; a first line that is not one is read as a row.
            Line::Text(1, t) if crate::collect::tables::is_header(t) => {}
            Line::TooLong(n) => complain(
                diag,
                Warning::LineTooLong {
                    path: shown.clone(),
                    line: n,
                    max: MAX_LINE,
                },
            ),
            Line::Text(_, t) if t.iter().all(|&b| b == b' ' || b == b'\r') => {}
            Line::Text(n, t) => {
                if let Err(e) = row(n, t, &shown, diag) {
                    complain(diag, crate::collect::tables::malformed(&shown, n, &e));
                }
            }
        }
        ControlFlow::Continue(())
    });
    if let Err(error) = r {
        let path = shown.clone();
        diag.push(Warning::ReadFailed { path, error });
    }
    if let Some(w) = crate::collect::tables::cut_warning(&f, &shown) {
        diag.push(w);
    }
    if bad > MAX_WARNINGS {
        diag.push(Warning::MoreMalformed {
            path: shown,
            count: bad - MAX_WARNINGS,
        });
    }
}

fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    }
}

fn row_socket(ns: u32, proto: Proto, family: Family, st: u8, uid: u32, inode: u64) -> Socket {
    let none = Endpoint {
        ip: unspecified(family),
        port: 0,
    };
    Socket {
        ns,
        proto,
        family,
        state: st,
        local: none,
        remote: none,
        recv_q: 0,
        send_q: 0,
        uid,
        inode,
        detail: None,
    }
}

/// Interface index → name in the namespace whose tables are in `dir`, from the
/// files that list them (an interface in none of them stays unnamed).
pub fn interface_names(src: &ProcRoot, dir: &NetDir) -> Vec<(u32, Vec<u8>)> {
    let mut names: Vec<(u32, Vec<u8>)> = Vec::new();
    for (file, kind) in [
        ("igmp", IfFile::Igmp),
        ("dev_mcast", IfFile::DevMcast),
        ("if_inet6", IfFile::IfInet6),
    ] {
        let Ok(data) = dir.read_capped(src, file, 4 << 20) else {
            continue;
        };
        for (ix, name) in ifindex_names(kind, &data) {
            if !names.iter().any(|(i, _)| *i == ix) {
                names.push((ix, name));
            }
        }
    }
    names
}

/// The packet sockets of one namespace (`dir/packet`). Every packet socket is
/// shown (ss lists them all: they have no listening state).
pub fn read_packet(
    src: &ProcRoot,
    dir: &NetDir,
    ns: u32,
    filter: &Filter,
    diag: &mut Vec<Warning>,
    out: &mut Vec<Socket>,
) {
    let mut names: Option<Vec<(u32, Vec<u8>)>> = None;
    scan_rows(src, dir, "packet", diag, &mut |_, line, _, _| {
        let r = packet_line(line)?;
        let ifname = (r.ifindex != 0)
            .then(|| {
                names
                    .get_or_insert_with(|| interface_names(src, dir))
                    .iter()
                    .find(|(i, _)| *i == r.ifindex)
                    .map(|(_, n)| n.clone())
            })
            .flatten();
        let mut s = row_socket(
            ns,
            Proto::Packet,
            Family::Packet,
            state::CLOSE,
            r.uid,
            r.inode,
        );
        s.recv_q = r.rmem;
        s.detail = Some(Box::new(Detail::Packet {
            sock_type: r.sock_type,
            protocol: r.protocol,
            ifindex: r.ifindex,
            ifname,
            running: r.running,
        }));
        if filter.matches(&s) {
            out.push(s);
        }
        Ok(())
    });
}

/// The unix sockets of one namespace (`dir/unix`): with `all`, every one; else
/// those that can be reached by name (listening, and bound unconnected ones
/// such as `/dev/log`).
///
/// A name may contain a newline, which ends the kernel's row early: the rest of
/// the name then reads like another row. A row that could be such a tail (the
/// previous row has a name short enough to hold it) and whose inode is also on
/// another row is warned about; `forged_hint` keeps `path:line` of the others
/// for the owner check done once owners are known.
pub fn read_unix(
    src: &ProcRoot,
    dir: &NetDir,
    ns: u32,
    all: bool,
    diag: &mut Vec<Warning>,
    out: &mut Vec<Socket>,
) {
    // (line number, name length) of the previous row, and line numbers by inode.
    let mut prev: Option<(usize, usize)> = None;
    // (inode, hash of the row, line) of every row with an inode: a row
    // repeated whole is a non-atomic read (the kernel resumes by position;
    // the copy is dropped with the others'), one that differs is not.
    let mut seen: Vec<(u64, u64, usize)> = Vec::new();
    let mut table: Vec<u8> = Vec::new();
    let mut hints: Vec<(usize, (Vec<u8>, usize))> = Vec::new();
    scan_rows(src, dir, "unix", diag, &mut |n, line, shown, _| {
        let r = unix_line(line);
        let tail_of_prev = matches!(prev, Some((pn, plen)) if pn + 1 == n && plen + 1 + line.len() <= UNIX_NAME_MAX);
        prev = None;
        let r = r?;
        prev = r.name.map(|nm| (n, nm.len()));
        if r.inode != 0 {
            // FNV-1a: enough to tell a repeated row from another one.
            let h = line.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            seen.push((r.inode, h, n));
        }
        if table.is_empty() {
            table = shown.to_vec();
        }
        let listening = r.listening();
        let reachable = listening || (r.st == 1 && r.name.is_some());
        if !all && !reachable {
            return Ok(());
        }
        let st = if listening {
            state::LISTEN
        } else {
            match r.st {
                1 => state::CLOSE,
                2 => state::SYN_SENT,
                3 => state::ESTABLISHED,
                _ => state::CLOSING,
            }
        };
        if tail_of_prev && r.inode != 0 {
            hints.push((out.len(), (shown.to_vec(), n)));
        }
        let mut s = row_socket(ns, Proto::Unix, Family::Unix, st, 0, r.inode);
        let access = match r.name {
            None => Access::Unnamed,
            Some(nm) if nm.first() == Some(&b'@') => Access::Netns,
            Some(_) => Access::Unknown("not looked up"),
        };
        s.detail = Some(Box::new(Detail::Unix {
            sock_type: r.sock_type,
            name: r.name.map(<[u8]>::to_vec),
            file: None,
            access,
            forged_hint: None,
        }));
        out.push(s);
        Ok(())
    });
    // Inodes on more than one row (sorted to find them; then the rare ones
    // looked up): different rows for one socket are warned about.
    let mut inodes: Vec<u64> = seen.iter().map(|e| e.0).collect();
    inodes.sort_unstable();
    let (mut warned, mut looked, mut last) = (0, 0, None);
    for w in inodes.windows(2) {
        // Each repeated inode once; a bounded number of them (a table that
        // changed a lot under a non-atomic read repeats many rows).
        if w[0] != w[1] || last == Some(w[0]) || warned >= MAX_WARNINGS || looked >= 64 {
            continue;
        }
        (last, looked) = (Some(w[0]), looked + 1);
        let mut rows = seen.iter().filter(|e| e.0 == w[0]);
        let first = rows.next().map_or((0, 0), |e| (e.1, e.2));
        if let Some(other) = rows.find(|e| e.1 != first.0) {
            warned += 1;
            diag.push(Warning::ForgedRows {
                path: table.clone(),
                line: other.2,
                inode: w[0],
                first: first.1,
            });
        }
    }
    for (ix, hint) in hints {
        if let Some(Detail::Unix { forged_hint, .. }) =
            out.get_mut(ix).and_then(|s| s.detail.as_deref_mut())
        {
            *forged_hint = Some(hint);
        }
    }
}

/// SCTP state of an association (`enum sctp_state`) as the TCP state ss shows.
fn sctp_assoc_state(st: u8) -> u8 {
    match st {
        0 => state::CLOSE,
        1 | 2 => state::SYN_SENT,
        3 => state::ESTABLISHED,
        4 | 5 => state::FIN_WAIT1,
        6 => state::CLOSE_WAIT,
        _ => state::LAST_ACK,
    }
}

fn family_of(ip: IpAddr) -> Family {
    if ip.is_ipv6() {
        Family::Inet6
    } else {
        Family::Inet
    }
}

/// The SCTP endpoints (listeners, one row per local address of a multi-homed
/// endpoint) of one namespace, and with `assocs` its associations (one row per
/// local address, the peer being the primary path).
pub fn read_sctp(
    src: &ProcRoot,
    dir: &NetDir,
    ns: u32,
    assocs: bool,
    filter: &Filter,
    diag: &mut Vec<Warning>,
    out: &mut Vec<Socket>,
) {
    scan_rows(src, dir, "sctp/eps", diag, &mut |_, line, _, _| {
        let r = sctp_ep_line(line)?;
        for ip in r.laddrs {
            let mut s = row_socket(
                ns,
                Proto::Sctp,
                family_of(ip),
                state::LISTEN,
                r.uid,
                r.inode,
            );
            s.local = Endpoint { ip, port: r.lport };
            if filter.matches(&s) {
                out.push(s);
            }
        }
        Ok(())
    });
    if !assocs {
        return;
    }
    scan_rows(src, dir, "sctp/assocs", diag, &mut |_, line, _, _| {
        let r = sctp_assoc_line(line)?;
        let peer = r
            .primary_peer()
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        for &(ip, _) in &r.laddrs {
            let st = sctp_assoc_state(r.st);
            let mut s = row_socket(ns, Proto::Sctp, family_of(ip), st, r.uid, r.inode);
            s.local = Endpoint { ip, port: r.lport };
            s.remote = Endpoint {
                ip: peer,
                port: r.rport,
            };
            s.send_q = r.tx_queue;
            s.recv_q = r.rx_queue;
            if filter.matches(&s) {
                out.push(s);
            }
        }
        Ok(())
    });
}

/// At most this many symbolic links are followed on one path (the kernel's
/// `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

fn mode_of(m: &std::fs::Metadata) -> FileMode {
    use std::os::unix::fs::MetadataExt;
    FileMode {
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
    }
}

/// A lookup in progress below a root: the components resolved so far, the
/// modes of the root and of each of them, and the links followed.
#[derive(Clone, Debug)]
pub struct Walk {
    cur: Vec<Vec<u8>>,
    dirs: Vec<FileMode>,
    links: usize,
}

/// Directories already looked up, by (root, directory path): the sockets of
/// one directory (a service's run directory, thousands of sockets in one
/// place) share one lookup of it.
/// (A vector: the directories of one run are few.)
pub type DirCache = Vec<(String, Vec<u8>, Result<Walk, Access>)>;

/// Follow `todo` (components, next one last) from `w`; the metadata of the
/// last component (`None` when it was `.` or `..`). Components before it must
/// be directories; symbolic links are followed inside the root.
fn step(
    src: &ProcRoot,
    root: &str,
    w: &mut Walk,
    mut todo: Vec<Vec<u8>>,
) -> Result<Option<std::fs::Metadata>, Access> {
    let mut last = None;
    while let Some(c) = todo.pop() {
        match &c[..] {
            b"." => continue,
            b".." => {
                if w.cur.pop().is_some() {
                    w.dirs.pop();
                }
                continue;
            }
            _ => {}
        }
        let mut rel = root.as_bytes().to_vec();
        for part in w.cur.iter().chain(std::iter::once(&c)) {
            rel.push(b'/');
            rel.extend_from_slice(part);
        }
        let rel = crate::proc::os(&rel);
        let m = match src.lstat(rel) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Access::Gone),
            Err(e) => return Err(Access::Unknown(denied_or_gone(&e))),
        };
        if m.file_type().is_symlink() {
            w.links += 1;
            if w.links > MAX_LINKS {
                return Err(Access::Unknown("too many symbolic links"));
            }
            let target = src
                .readlink(rel)
                .map_err(|e| Access::Unknown(denied_or_gone(&e)))?;
            if target.first() == Some(&b'/') {
                w.cur.clear();
                w.dirs.truncate(1);
            }
            todo.extend(components(&target));
            continue;
        }
        if !todo.is_empty() {
            if !m.is_dir() {
                return Err(Access::Gone);
            }
            w.dirs.push(mode_of(&m));
            w.cur.push(c);
        } else {
            // Kept for the caller; pushed as a directory if more follows.
            w.cur.push(c);
            w.dirs.push(mode_of(&m));
            last = Some(m);
        }
    }
    Ok(last)
}

/// The directory `dir` below `root`, resolved.
fn walk_dir(src: &ProcRoot, root: &str, dir: &[u8]) -> Result<Walk, Access> {
    let root_meta = src
        .lstat(root)
        .map_err(|e| Access::Unknown(denied_or_gone(&e)))?;
    let mut w = Walk {
        cur: Vec::new(),
        dirs: vec![mode_of(&root_meta)],
        links: 0,
    };
    if let Some(m) = step(src, root, &mut w, components(dir))?
        && !m.is_dir()
    {
        return Err(Access::Gone);
    }
    Ok(w)
}

/// Who may connect to the socket file at `path`, looked up below `root` (a
/// holder's `/proc/PID/root`, relative to the proc root) with `lstat` and
/// `readlink` only: symbolic links are followed by hand inside that root, as
/// the holder's own lookups would (an absolute link restarts at its root, not
/// ours), and nothing on the path is ever opened.
pub fn unix_file_access(
    src: &ProcRoot,
    root: &str,
    path: &[u8],
    cache: &mut DirCache,
) -> (Option<FileMode>, Access) {
    use std::os::unix::fs::FileTypeExt;
    if path.first() != Some(&b'/') {
        return (
            None,
            Access::Unknown("relative path (bound from the holder's working directory)"),
        );
    }
    let cut = memchr::memrchr(b'/', path).unwrap_or(0);
    let (dir, name) = (&path[..cut], &path[cut + 1..]);
    let at = match cache.iter().position(|(r, d, _)| r == root && d == dir) {
        Some(at) => at,
        None => {
            cache.push((root.to_string(), dir.to_vec(), walk_dir(src, root, dir)));
            cache.len() - 1
        }
    };
    let mut w = match &cache[at].2 {
        Ok(w) => w.clone(),
        Err(a) => return (None, *a),
    };
    match step(src, root, &mut w, vec![name.to_vec()]) {
        Ok(Some(m)) if m.file_type().is_socket() => {
            let f = mode_of(&m);
            // The socket's own entry is the last one pushed.
            w.dirs.pop();
            (Some(f), Access::of_path(&w.dirs, f))
        }
        Ok(_) => (None, Access::Gone),
        Err(a) => (None, a),
    }
}

/// Path components in reverse order (the next one last), empty ones dropped.
fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.rsplit(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn denied_or_gone(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "the holder's root is not readable (not root?)",
        io::ErrorKind::NotFound => "the holder exited",
        _ => "the path could not be looked up",
    }
}

/// Decide who may connect to each named unix socket, once owners are known:
/// a path is looked up in the mount namespace of its first holder (else of a
/// process in the socket's network namespace). A row that could be the tail of
/// another socket's name and that no process holds is reported as possibly
/// forged (a real listener always has a holder, unless it is hidden from us or
/// parked in a message).
pub fn resolve_unix(
    src: &ProcRoot,
    sockets: &mut [Socket],
    owners: Option<&crate::model::owners::OwnerIndex>,
    ns_pids: &dyn Fn(u32) -> Option<u32>,
    full_visibility: bool,
    diag: &mut Vec<Warning>,
) {
    let mut cache = DirCache::new();
    for s in sockets.iter_mut().filter(|s| s.proto == Proto::Unix) {
        let holder = owners.and_then(|ix| ix.get(s.inode).first().map(|e| e.1.pid));
        let Some(Detail::Unix {
            name,
            file,
            access,
            forged_hint,
            ..
        }) = s.detail.as_deref_mut()
        else {
            continue;
        };
        if let Some((path, line)) = forged_hint.as_ref()
            && owners.is_some()
            && holder.is_none()
        {
            diag.push(Warning::MaybeForged {
                path: path.clone(),
                line: *line,
                inode: s.inode,
                full_visibility,
            });
            *access =
                Access::Unknown("this row may be forged by a newline in another socket's name");
            continue;
        }
        let Some(path) = name.as_deref().filter(|n| n.first() != Some(&b'@')) else {
            continue;
        };
        let Some(pid) = holder.or_else(|| ns_pids(s.ns)) else {
            *access = Access::Unknown("no process to look the path up from");
            continue;
        };
        (*file, *access) = unix_file_access(src, &format!("{pid}/root"), path, &mut cache);
    }
}
