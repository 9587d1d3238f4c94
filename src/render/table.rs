//! The aligned table, in ss's column layout.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::quoted;
use super::{OwnerKind, View, push_access, push_endpoint, push_packet_local, push_u64};
use crate::model::exposure::Exposure;
use crate::model::kinds::{Detail, packet_netid, unix_netid};
use crate::model::socket::Proto;
use crate::model::socket::{Socket, state, state_name};

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Column kinds, in output order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Netns,
    Netid,
    State,
    RecvQ,
    SendQ,
    Local,
    Peer,
    Exposure,
    Uid,
    Inode,
    Access,
    Process,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Netns => "Netns",
            Col::Netid => "Netid",
            Col::State => "State",
            Col::RecvQ => "Recv-Q",
            Col::SendQ => "Send-Q",
            Col::Local => "Local Address:Port",
            Col::Peer => "Peer Address:Port",
            Col::Exposure => "Exposure",
            Col::Uid => "Uid",
            Col::Inode => "Inode",
            Col::Access => "Access",
            Col::Process => "Process",
        }
    }
}

fn columns(v: &View<'_>) -> Vec<Col> {
    let mut c = Vec::with_capacity(11);
    if v.netns_column {
        c.push(Col::Netns);
    }
    c.extend([
        Col::Netid,
        Col::State,
        Col::RecvQ,
        Col::SendQ,
        Col::Local,
        Col::Peer,
    ]);
    if v.extended {
        c.extend([Col::Exposure, Col::Uid, Col::Inode]);
    } else if v.exposure_column {
        c.push(Col::Exposure);
    }
    if v.sockets.iter().any(|s| s.proto == Proto::Unix) {
        c.push(Col::Access);
    }
    if v.owners.is_some() {
        c.push(Col::Process);
    }
    c
}

fn cell(v: &View<'_>, s: &Socket, col: Col, out: &mut String) {
    out.clear();
    if let Some(d) = s.detail.as_deref() {
        return detail_cell(v, s, d, col, out);
    }
    match col {
        Col::Netns => out.push_str(&super::escape::terminal(v.ns(s).label().as_bytes())),
        Col::Netid => out.push_str(s.proto.name()),
        Col::State => out.push_str(state_name(s.state)),
        Col::RecvQ => push_u64(out, s.recv_q.into()),
        // ss shows a listener's backlog limit here; /proc does not have it.
        Col::SendQ if s.state == state::LISTEN && s.proto == Proto::Tcp => out.push('-'),
        Col::SendQ => push_u64(out, s.send_q.into()),
        Col::Local => push_endpoint(out, &s.local),
        Col::Peer => push_endpoint(out, &s.remote),
        Col::Exposure => push_exposure(v, s, out),
        Col::Uid => push_u64(out, s.uid.into()),
        Col::Inode => push_u64(out, s.inode),
        Col::Access => {}
        Col::Process => push_process(v, s, out),
    }
}

/// A cell of a packet or unix socket, as ss prints them: `p_raw`, `ip:eth0`;
/// `u_str`, `/run/docker.sock 12345`.
fn detail_cell(v: &View<'_>, s: &Socket, d: &Detail, col: Col, out: &mut String) {
    match (col, d) {
        (Col::Netid, Detail::Packet { sock_type, .. }) => out.push_str(packet_netid(*sock_type)),
        (Col::Netid, Detail::Unix { sock_type, .. }) => out.push_str(unix_netid(*sock_type)),
        (
            Col::Local,
            Detail::Packet {
                protocol,
                ifindex,
                ifname,
                ..
            },
        ) => push_packet_local(out, *protocol, *ifindex, ifname.as_deref()),
        (Col::Local, Detail::Unix { name, .. }) => {
            match name {
                Some(n) => out.push_str(&super::escape::terminal(n)),
                None => out.push('*'),
            }
            out.push(' ');
            push_u64(out, s.inode);
        }
        (Col::Peer, _) => out.push('*'),
        (Col::Exposure, _) => out.push_str(v.exposure(s).name()),
        // /proc/net/unix has neither queues nor a uid.
        (Col::RecvQ | Col::SendQ | Col::Uid, Detail::Unix { .. }) => out.push('-'),
        (Col::Access, Detail::Unix { access, file, .. }) => {
            push_access(v, *access, out);
            if let Some(f) = file.filter(|_| v.extended) {
                let _ = write!(out, " ({:04o} ", f.mode);
                match v.user_name(f.uid) {
                    Some(n) => out.push_str(n),
                    None => push_u64(out, f.uid.into()),
                }
                out.push(':');
                match v.groups.get(&f.gid) {
                    Some(n) => out.push_str(n),
                    None => push_u64(out, f.gid.into()),
                }
                out.push(')');
            }
        }
        (Col::Access, Detail::Packet { .. }) => {}
        _ => {
            // Every other column reads as for an inet row.
            let plain = Socket {
                detail: None,
                ..s.clone()
            };
            cell(v, &plain, col, out)
        }
    }
}

/// Addresses shown in the Exposure cell before `+N`.
const SHOWN_ADDRS: usize = 3;

/// `EXPOSURE/REACH[:ADDR,…]`: the class of the bound address, then who can reach
/// the socket and on which addresses (`?` before an IPv4 address reachable only
/// if the socket is dual-stack, `:PORT` for a host port that publishes it, `%IF`
/// for link-local), or why nobody can (`:not-configured`, `:no-address`);
/// `->ADDR:PORT` where a forwarder sends its connections.
fn push_exposure(v: &View<'_>, s: &Socket, out: &mut String) {
    out.push_str(v.exposure(s).name());
    let Some(ctx) = v.reach else { return };
    let me = crate::model::reach::SockRef::of(s);
    // Most exposed first (unconditional before conditional), so that the
    // addresses that matter are the ones shown before `+N`.
    // (No sort: a pass per rank over a handful of entries costs no code.)
    let mut all: Vec<(&crate::model::reach::IfAddr, bool, Option<u16>)> = Vec::new();
    let (r, why) = ctx.of(&me, &mut |a, cond, port| all.push((a, cond, port)));
    let n = all.len();
    let rank = |e: &(&crate::model::reach::IfAddr, bool, Option<u16>)| {
        (3 - crate::model::reach::Reach::of_class(e.0.class) as usize) * 2 + usize::from(e.1)
    };
    let shown = (0..8).flat_map(|k| all.iter().filter(move |e| rank(e) == k));
    let mut list = String::new();
    for (k, (a, cond, port)) in shown.take(SHOWN_ADDRS).enumerate() {
        list.push(if k == 0 { ':' } else { ',' });
        if *cond {
            list.push('?');
        }
        match port {
            Some(p) => push_endpoint(
                &mut list,
                &crate::model::socket::Endpoint { ip: a.ip, port: *p },
            ),
            None => {
                super::push_ip(&mut list, a.ip);
            }
        }
        if a.range {
            let _ = write!(list, "/{}", a.prefix.unwrap_or(32));
        }
        if a.class == Exposure::LinkLocal
            && a.ip.is_ipv6()
            && let Some(i) = &a.iface
        {
            list.push('%');
            list.push_str(&super::escape::terminal(i.as_bytes()));
        }
    }
    out.push('/');
    out.push_str(r.name());
    out.push_str(&list);
    if n > SHOWN_ADDRS {
        let _ = write!(out, ",+{}", n - SHOWN_ADDRS);
    }
    match why {
        Some(crate::model::reach::Why::NotConfigured) => out.push_str(":not-configured"),
        Some(crate::model::reach::Why::NoAddress) => out.push_str(":no-address"),
        _ => {}
    }
    if let Some(f) = ctx.forwarding(&me) {
        out.push_str(if n == 0 && why.is_none() { ":" } else { "," });
        out.push_str("->");
        push_endpoint(
            out,
            &crate::model::socket::Endpoint {
                ip: f.to,
                port: f.port,
            },
        );
    }
}

/// The width of a cell: counted for numbers and IPv4 endpoints (most cells of a
/// big table), formatted otherwise.
fn cell_width(v: &View<'_>, s: &Socket, col: Col, buf: &mut String) -> usize {
    fn digits(mut n: u64) -> usize {
        let mut d = 1;
        while n >= 10 {
            n /= 10;
            d += 1;
        }
        d
    }
    let endpoint = |e: &crate::model::socket::Endpoint| match e.ip {
        std::net::IpAddr::V4(a) => Some(
            a.octets().iter().map(|&o| digits(o.into())).sum::<usize>()
                + 4
                + if e.port == 0 {
                    1
                } else {
                    digits(e.port.into())
                },
        ),
        std::net::IpAddr::V6(_) => None,
    };
    let counted = match col {
        _ if s.detail.is_some() => None,
        Col::RecvQ => Some(digits(s.recv_q.into())),
        Col::SendQ if !(s.state == state::LISTEN && s.proto == Proto::Tcp) => {
            Some(digits(s.send_q.into()))
        }
        Col::Uid => Some(digits(s.uid.into())),
        Col::Inode => Some(digits(s.inode)),
        Col::Local => endpoint(&s.local),
        Col::Peer => endpoint(&s.remote),
        _ => None,
    };
    counted.unwrap_or_else(|| {
        cell(v, s, col, buf);
        display_width(buf)
    })
}

/// `users:(("sshd",pid=935,fd=3),("sshd",pid=936,fd=3))`, or why there is none.
fn push_process(v: &View<'_>, s: &Socket, out: &mut String) {
    match v.owner_kind(s) {
        OwnerKind::Process => {}
        OwnerKind::Kernel => return out.push_str("[kernel]"),
        OwnerKind::Unseen => return out.push_str("[no visible holder]"),
        OwnerKind::Hidden => return out.push_str("[hidden]"),
        OwnerKind::None => return out.push_str("[none]"),
        OwnerKind::NotLooked => return,
    }
    out.push_str("users:(");
    let owners = v.owners_of(s);
    for (i, (_, o)) in owners.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let info = v.procs.get(&o.pid);
        out.push_str("(\"");
        if let Some(p) = info {
            super::escape::push_terminal(out, &p.comm, true);
        }
        out.push_str("\",pid=");
        push_u64(out, o.pid.into());
        if o.tid != 0 {
            out.push_str(",tid=");
            push_u64(out, o.tid.into());
        }
        out.push_str(",fd=");
        push_u64(out, o.fd.into());
        // Details once per process: a process holding the socket on several fds
        // repeats only its fd.
        let first_of_pid = i == 0 || owners[i - 1].1.pid != o.pid;
        if let Some(p) = info.filter(|_| first_of_pid) {
            if v.extended {
                if let Some(uid) = p.uid {
                    match v.user_name(uid) {
                        Some(u) => {
                            let _ = write!(out, ",user={u}");
                        }
                        None => {
                            let _ = write!(out, ",uid={uid}");
                        }
                    }
                }
                if let Some(exe) = &p.exe {
                    let _ = write!(out, ",exe=\"{}\"", quoted(exe));
                    // The path is of the process's view: it may name another
                    // file, or none, in ours.
                    if p.exe_other_mntns {
                        out.push_str(",exe-other-mntns");
                    }
                }
                if let Some(cmd) = &p.cmdline {
                    let _ = write!(out, ",cmd=\"{}\"", quoted(cmd));
                }
            }
            if p.exe_replaced {
                out.push_str(",exe-replaced");
            } else if p.exe_deleted {
                out.push_str(",exe-deleted");
            }
        }
        out.push(')');
    }
    out.push(')');
}

fn row_color(v: &View<'_>, s: &Socket) -> Option<&'static str> {
    if !v.color || !s.is_listening() {
        return None;
    }
    match v.exposure(s) {
        Exposure::Wildcard | Exposure::Public => Some(RED),
        Exposure::Private
        | Exposure::LinkLocal
        | Exposure::Multicast
        | Exposure::Interface
        | Exposure::Reserved => Some(YELLOW),
        Exposure::Loopback | Exposure::Local => None,
    }
}

/// Write the table: widths are measured in a first pass, so memory stays
/// proportional to one row however many sockets there are.
pub fn write(v: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_rows(v, &[], &mut Vec::new(), v.header, out)
}

/// Leading cells of a row that is not only a socket: `watch`'s time and event.
pub type Lead<'a> = [&'a str; 2];
const LEAD_TITLES: Lead<'static> = ["Time", "Event"];

/// The table with `lead` cells in front of each row (none, or one per socket),
/// aligned to `widths`, which only grow: a stream of batches (`watch`) keeps
/// its columns from batch to batch.
pub fn write_rows(
    v: &View<'_>,
    lead: &[Lead<'_>],
    widths: &mut Vec<usize>,
    header: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let cols = columns(v);
    let nlead = if lead.is_empty() { 0 } else { 2 };
    if widths.len() != nlead + cols.len() {
        *widths = LEAD_TITLES[..nlead]
            .iter()
            .copied()
            .chain(cols.iter().map(|c| c.title()))
            .map(|t| if header { t.len() } else { 0 })
            .collect();
    }
    let mut buf = String::new();
    if nlead > 0 && cols[0] == Col::Netns {
        // A stream: room for every namespace known now, so that later
        // batches from another namespace keep the columns of the header.
        for ns in v.namespaces {
            let w = display_width(&super::escape::terminal(ns.label().as_bytes()));
            widths[nlead] = widths[nlead].max(w);
        }
    }
    for (k, s) in v.sockets.iter().enumerate() {
        for (i, cell) in lead.get(k).into_iter().flatten().enumerate() {
            widths[i] = widths[i].max(display_width(cell));
        }
        for (i, &c) in cols.iter().enumerate() {
            if c == Col::Process {
                continue;
            }
            widths[nlead + i] = widths[nlead + i].max(cell_width(v, s, c, &mut buf));
        }
    }
    let last = nlead + cols.len() - 1;
    let mut line = String::new();
    if header {
        let titles = LEAD_TITLES[..nlead]
            .iter()
            .copied()
            .chain(cols.iter().map(|c| c.title()));
        for (i, t) in titles.enumerate() {
            pad(&mut line, t, widths[i], i == last);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    for (k, s) in v.sockets.iter().enumerate() {
        line.clear();
        let color = row_color(v, s);
        if let Some(c) = color {
            line.push_str(c);
        }
        for (i, cell) in lead.get(k).into_iter().flatten().enumerate() {
            pad(&mut line, cell, widths[i], false);
        }
        for (i, &c) in cols.iter().enumerate() {
            cell(v, s, c, &mut buf);
            pad(&mut line, &buf, widths[nlead + i], nlead + i == last);
        }
        if color.is_some() {
            line.push_str(RESET);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn pad(line: &mut String, text: &str, width: usize, last: bool) {
    line.push_str(text);
    if !last {
        for _ in display_width(text)..width {
            line.push(' ');
        }
        line.push(' ');
    }
}

/// Characters shown (ASCII fast path: cells are almost always ASCII).
fn display_width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::map::{ById, IdNames};
    use crate::model::socket::{Endpoint, Family};

    #[test]
    fn counted_widths_equal_formatted_widths() {
        let ns = [crate::model::netns::Netns::default()];
        let (procs, users) = (ById::default(), IdNames::default());
        let mk = |ip: &str, port: u16, st: u8, q: u32| Socket {
            ns: 0,
            proto: Proto::Tcp,
            family: Family::Inet,
            state: st,
            local: Endpoint {
                ip: ip.parse().unwrap(),
                port,
            },
            remote: Endpoint {
                ip: "10.200.3.4".parse().unwrap(),
                port: 0,
            },
            recv_q: q,
            send_q: q * 7,
            uid: q * 1000,
            inode: u64::from(q) * 123_456_789,
            detail: None,
        };
        let socks = [
            mk("0.0.0.0", 0, state::LISTEN, 0),
            mk("255.255.255.255", 65535, state::ESTABLISHED, 9),
            mk("192.168.100.10", 10, state::CLOSE, 4_294_967),
            mk("::ffff:127.0.0.1", 80, state::LISTEN, 12),
        ];
        let v = View {
            sockets: &socks,
            namespaces: &ns,
            owners: None,
            procs: &procs,
            users: &users,
            groups: &users,
            full_visibility: true,
            unseen: None,
            extended: true,
            header: true,
            color: false,
            netns_column: true,
            exposure_column: false,
            reach: None,
        };
        let mut buf = String::new();
        for s in &socks {
            for c in columns(&v) {
                let w = cell_width(&v, s, c, &mut buf);
                cell(&v, s, c, &mut buf);
                assert_eq!(w, display_width(&buf), "{buf}");
            }
        }
    }
}
