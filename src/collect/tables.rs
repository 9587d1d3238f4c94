//! The inet table reader: one `/proc/net/{tcp,udp,raw,udplite}{,6}` file of
//! one namespace into sockets, each row tagged with its namespace as it is read.

use std::io::{self, Read};
use std::ops::ControlFlow;

use super::filter::Filter;
use super::netdir::NetDir;
use crate::model::netns::NsId;
use crate::model::socket::{Family, Proto, Socket, state};
use crate::model::warning::Warning;
use crate::parse::inet::{ByteOrder, LineError, inet_line_required, is_blank};
use crate::parse::lines::{Line, scan};
use crate::proc::ProcRoot;

/// Read size: large, so the kernel formats many rows per `read()` (fewer rows
/// repeated or missed when the table changes between reads).
const CHUNK: usize = 256 * 1024;
/// Real rows are under 200 bytes; anything longer than this is not a row.
const MAX_LINE: usize = 4096;
/// The most of one table that is read: a kernel table is a few hundred MiB
/// at the most (two million sockets); a file that is larger, or keeps growing
/// while it is read, is cut here with a warning.
pub const MAX_TABLE: u64 = 1 << 30;
/// Malformed-line warnings per file before they are summarised.
const MAX_WARNINGS: usize = 10;

/// How to read a table.
#[derive(Clone, Copy, Debug)]
pub struct ReadOpts {
    pub ns: NsId,
    pub proto: Proto,
    pub family: Family,
    /// Byte order of the kernel that printed the table.
    pub order: ByteOrder,
    /// Stop at the first TCP row past the listening part (live procfs only: the
    /// kernel emits every listener before the established hash, and formats rows
    /// only as they are read).
    pub stop_after_listeners: bool,
}

/// Parse a table from `r`; keep rows `filter` wants. `path` names the file in
/// the warnings pushed to `diag` (malformed lines by line and column).
pub fn read_table<R: Read>(
    r: R,
    path: &[u8],
    o: ReadOpts,
    filter: &Filter,
    diag: &mut Vec<Warning>,
    out: &mut Vec<Socket>,
) -> io::Result<()> {
    let mut bad = 0usize;
    let mut r = r.take(MAX_TABLE);
    scan(&mut r, CHUNK, MAX_LINE, |line| {
        let (n, text) = match line {
            // The header (`  sl  local_address …` in every kernel's tcp, udp
            // and raw tables). A first line that is not one is read as a row,
            // so a table whose only line is garbage is warned about.
            Line::Text(1, t) if is_header(t) => return ControlFlow::Continue(()),
            Line::Text(n, t) => (n, t),
            Line::TooLong(n) => {
                bad += 1;
                if bad <= MAX_WARNINGS {
                    diag.push(Warning::LineTooLong {
                        path: path.to_vec(),
                        line: n,
                        max: MAX_LINE,
                    });
                }
                return ControlFlow::Continue(());
            }
        };
        if is_blank(text) {
            return ControlFlow::Continue(());
        }
        let row = match inet_line_required(text, o.order) {
            Ok(r) => r,
            Err(e) => {
                bad += 1;
                if bad <= MAX_WARNINGS {
                    diag.push(malformed(path, n, &e));
                }
                return ControlFlow::Continue(());
            }
        };
        // A table holds one family: an IPv6 address in `tcp` (or IPv4 in `tcp6`)
        // is a corrupt line, not a socket to list under the wrong family.
        let v6 = o.family == Family::Inet6;
        if row.local.ip.is_ipv6() != v6 || row.remote.ip.is_ipv6() != v6 {
            bad += 1;
            if bad <= MAX_WARNINGS {
                diag.push(Warning::WrongFamily {
                    path: path.to_vec(),
                    line: n,
                });
            }
            return ControlFlow::Continue(());
        }
        if o.stop_after_listeners
            && o.proto == Proto::Tcp
            && row.state != state::LISTEN
            && row.state != state::SYN_RECV
        {
            return ControlFlow::Break(());
        }
        let s = Socket {
            ns: o.ns,
            proto: o.proto,
            family: o.family,
            state: row.state,
            local: row.local,
            remote: row.remote,
            recv_q: row.rx_queue,
            send_q: row.tx_queue,
            uid: row.uid,
            inode: row.inode,
            detail: None,
        };
        if filter.matches(&s) {
            out.push(s);
        }
        ControlFlow::Continue(())
    })?;
    if bad > MAX_WARNINGS {
        diag.push(Warning::MoreMalformed {
            path: path.to_vec(),
            count: bad - MAX_WARNINGS,
        });
    }
    if let Some(w) = cut_warning(&r, path) {
        diag.push(w);
    }
    Ok(())
}

/// The warning for line `line` of `path` that does not parse.
pub fn malformed(path: &[u8], line: usize, e: &LineError) -> Warning {
    Warning::MalformedLine {
        path: path.to_vec(),
        line,
        column: e.col,
        expected: e.what,
    }
}

/// The warning for a table read through `r.take(MAX_TABLE)` that hit the cap.
pub fn cut_warning<R>(r: &io::Take<R>, path: &[u8]) -> Option<Warning> {
    (r.limit() == 0).then(|| Warning::Truncated {
        path: path.to_vec(),
        max_mib: MAX_TABLE >> 20,
    })
}

/// Whether a first line is a table header: its first word is the kernel's
/// first column title (`sl` of tcp, udp, raw; `Num` of unix, `sk` of packet,
/// `ENDPT` and `ASSOC` of sctp).
pub fn is_header(line: &[u8]) -> bool {
    line.split(u8::is_ascii_whitespace)
        .find(|w| !w.is_empty())
        .is_some_and(|w| matches!(w, b"sl" | b"Num" | b"sk" | b"ENDPT" | b"ASSOC"))
}

/// One inet table of a namespace (`tcp`, `tcp6`, `udp`, …, `raw6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InetTable {
    pub proto: Proto,
    pub family: Family,
}

/// The tables `filter` needs, biggest first (TCP before UDP, IPv4 before IPv6),
/// so that readers sharing them finish close together.
pub fn wanted_tables(filter: &Filter) -> Vec<InetTable> {
    let mut v = Vec::new();
    for proto in Proto::ALL {
        for family in [Family::Inet, Family::Inet6] {
            if filter.wants_table(proto, family) {
                v.push(InetTable { proto, family });
            }
        }
    }
    v
}

/// Read one inet table of namespace `ns` from `dir`, keeping the rows `filter`
/// wants. A missing table (IPv6 disabled, no UDP-Lite) is not an error; an
/// unreadable one is a warning.
pub fn read_inet(
    src: &ProcRoot,
    dir: &NetDir,
    ns: NsId,
    t: InetTable,
    filter: &Filter,
    diag: &mut Vec<Warning>,
    out: &mut Vec<Socket>,
) {
    let file = t.proto.table(t.family);
    let f = match dir.open(src, file) {
        Ok(Some(f)) => f,
        Ok(None) => return,
        Err(error) => {
            let path = dir.shown(src, file);
            diag.push(Warning::Unreadable { path, error });
            return;
        }
    };
    let shown = dir.shown(src, file);
    let o = ReadOpts {
        ns,
        proto: t.proto,
        family: t.family,
        order: src.byte_order(),
        stop_after_listeners: filter.listeners_only() && src.is_live(),
    };
    if let Err(error) = read_table(f, &shown, o, filter, diag, out) {
        diag.push(Warning::ReadFailed { path: shown, error });
    }
}
