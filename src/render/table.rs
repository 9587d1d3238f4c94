//! The aligned table, in ss's column layout.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::quoted;
use super::{OwnerKind, View, push_endpoint};
use crate::exposure::Exposure;
use crate::socket::{Socket, state, state_name};

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
    }
    if v.owners.is_some() {
        c.push(Col::Process);
    }
    c
}

fn cell(v: &View<'_>, s: &Socket, col: Col, out: &mut String) {
    out.clear();
    match col {
        Col::Netns => out.push_str(&super::escape::terminal(v.ns(s).label().as_bytes())),
        Col::Netid => out.push_str(s.proto.name()),
        Col::State => out.push_str(state_name(s.state)),
        Col::RecvQ => {
            let _ = write!(out, "{}", s.recv_q);
        }
        // ss shows a listener's backlog limit here; /proc does not have it.
        Col::SendQ if s.state == state::LISTEN && s.proto == crate::socket::Proto::Tcp => {
            out.push('-')
        }
        Col::SendQ => {
            let _ = write!(out, "{}", s.send_q);
        }
        Col::Local => push_endpoint(out, &s.local),
        Col::Peer => push_endpoint(out, &s.remote),
        Col::Exposure => out.push_str(v.exposure(s).name()),
        Col::Uid => {
            let _ = write!(out, "{}", s.uid);
        }
        Col::Inode => {
            let _ = write!(out, "{}", s.inode);
        }
        Col::Process => push_process(v, s, out),
    }
}

/// `users:(("sshd",pid=935,fd=3),("sshd",pid=936,fd=3))`, or why there is none.
fn push_process(v: &View<'_>, s: &Socket, out: &mut String) {
    match v.owner_kind(s) {
        OwnerKind::Process => {}
        OwnerKind::Kernel => return out.push_str("[kernel]"),
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
        let comm = info.map(|p| quoted(&p.comm)).unwrap_or_default();
        let _ = write!(out, "(\"{comm}\",pid={},fd={}", o.pid, o.fd);
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
                }
                if let Some(cmd) = &p.cmdline {
                    let _ = write!(out, ",cmd=\"{}\"", quoted(cmd));
                }
            }
            if p.exe_deleted {
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
        Exposure::Private | Exposure::LinkLocal | Exposure::Multicast => Some(YELLOW),
        Exposure::Loopback => None,
    }
}

/// Write the table: widths are measured in a first pass, so memory stays
/// proportional to one row however many sockets there are.
pub fn write(v: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    let cols = columns(v);
    let mut widths: Vec<usize> = cols
        .iter()
        .map(|c| if v.header { c.title().len() } else { 0 })
        .collect();
    let mut buf = String::new();
    for s in v.sockets {
        for (i, &c) in cols.iter().enumerate() {
            if c == Col::Process {
                continue;
            }
            cell(v, s, c, &mut buf);
            widths[i] = widths[i].max(buf.chars().count());
        }
    }
    let mut line = String::new();
    if v.header {
        for (i, &c) in cols.iter().enumerate() {
            pad(&mut line, c.title(), widths[i], i + 1 == cols.len());
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    for s in v.sockets {
        line.clear();
        let color = row_color(v, s);
        if let Some(c) = color {
            line.push_str(c);
        }
        for (i, &c) in cols.iter().enumerate() {
            cell(v, s, c, &mut buf);
            pad(&mut line, &buf, widths[i], i + 1 == cols.len());
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
        for _ in text.chars().count()..width {
            line.push(' ');
        }
        line.push(' ');
    }
}
