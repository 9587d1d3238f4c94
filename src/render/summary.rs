//! The one-line summary printed to a terminal after the table.

use super::{OwnerKind, View};
use crate::collect::Snapshot;
use crate::model::kinds::Access;
use crate::model::reach::{Reach, SockRef};
use crate::model::socket::Socket;

/// One line for a person at a terminal: how many listeners, where, how exposed,
/// and what deserves a look (hidden owners, deleted executables).
pub fn summary(c: &Snapshot, view: &View<'_>) -> String {
    use crate::model::exposure::Exposure;
    let listening: Vec<&Socket> = c.sockets.iter().filter(|s| s.is_listening()).collect();
    let mut ns: Vec<u32> = listening.iter().map(|s| s.ns).collect();
    ns.sort_unstable();
    ns.dedup();
    let mut by_class: Vec<String> = Vec::new();
    let mut exposed = 0;
    let mut public: Vec<String> = Vec::new();
    if let Some(ctx) = view.reach {
        // Inet listeners by reach: who could connect, and the public addresses
        // they would use. Packet and unix sockets by exposure, below.
        let mut counts = [0usize; 5];
        for s in listening.iter().filter(|s| s.detail.is_none()) {
            let (r, _) = ctx.of(&SockRef::of(s), &mut |a, _, _| {
                if a.class == Exposure::Public {
                    let t = match &a.iface {
                        Some(i) => format!(
                            "{} ({})",
                            super::addr_text(a.ip),
                            super::escape::terminal(i.as_bytes())
                        ),
                        None => super::addr_text(a.ip),
                    };
                    if !public.contains(&t) {
                        public.push(t);
                    }
                }
            });
            counts[r as usize] += 1;
        }
        for r in Reach::ALL {
            if r != Reach::Local && counts[r as usize] > 0 {
                exposed += counts[r as usize];
                by_class.push(format!("{} {}", r.name(), counts[r as usize]));
            }
        }
    }
    for class in Exposure::ALL {
        // Reachable from this host only: not exposed.
        if !class.is_exposed() {
            continue;
        }
        let n = listening
            .iter()
            .filter(|s| view.reach.is_none() || s.detail.is_some())
            .filter(|s| view.exposure(s) == class)
            .count();
        if n > 0 {
            exposed += n;
            by_class.push(format!("{} {n}", class.name()));
        }
    }
    let hidden = listening
        .iter()
        .filter(|s| view.owner_kind(s) == OwnerKind::Hidden)
        .count();
    let deleted = listening
        .iter()
        .filter(|s| {
            view.owners_of(s)
                .iter()
                .any(|(_, o)| c.procs.get(&o.pid).is_some_and(|p| p.exe_deleted))
        })
        .count();
    let mut line = format!(
        "openports: {} listening sockets in {} namespace{}; {exposed} exposed",
        listening.len(),
        ns.len(),
        if ns.len() == 1 { "" } else { "s" }
    );
    if !by_class.is_empty() {
        line.push_str(&format!(" ({})", by_class.join(", ")));
    }
    if !public.is_empty() {
        line.push_str(&format!(" on public {}", public.join(", ")));
    }
    // Unix sockets are never reachable from other hosts; what matters is who on
    // this host may connect.
    let open_unix = listening
        .iter()
        .filter(|s| {
            s.unix_access()
                .is_some_and(|a| matches!(a, Access::Anyone | Access::Netns))
        })
        .count();
    if open_unix > 0 {
        line.push_str(&format!(
            "; {open_unix} unix socket{} anyone can connect to",
            if open_unix == 1 { "" } else { "s" }
        ));
    }
    if c.owners.is_some() {
        line.push_str(&format!(
            "; {hidden} with hidden owners; {deleted} held by deleted executables"
        ));
    }
    line
}

// ---------------------------------------------------------------------------
// `-s` and `--by-process`. Counting is done in plain vectors searched
// linearly (the keys are few: namespaces, protocols, programs): every map type
// instantiated would cost several KiB of the size budget.

use std::io::{self, Write};

use super::escape::{json_str, terminal};
use super::json::bytes_field;
use crate::cli::Format;
use crate::model::socket::{Proto, state_name};
use crate::parse::sockstat::Counters;

/// `ss -s`'s block for one namespace, in its exact layout (tabs and the
/// trailing padding included), from its counters.
pub fn ss_block(c: &Counters) -> String {
    let mut s = String::new();
    let rows = [
        ("RAW", c.raw, c.raw6),
        ("UDP", c.udp, c.udp6),
        ("TCP", c.tcp_inuse, c.tcp6),
        (
            "INET",
            c.raw + c.udp + c.tcp_inuse,
            c.raw6 + c.udp6 + c.tcp6,
        ),
        ("FRAG", c.frag, c.frag6),
    ];
    let _ = std::fmt::Write::write_fmt(
        &mut s,
        format_args!(
            "Total: {}\nTCP:   {} (estab {}, closed {}, orphaned {}, timewait {})\n\nTransport Total     IP        IPv6\n",
            c.sockets,
            c.tcp_alloc + c.tcp_tw,
            c.estab,
            closed(c),
            c.tcp_orphan,
            c.tcp_tw
        ),
    );
    for (name, v4, v6) in rows {
        let _ = std::fmt::Write::write_fmt(
            &mut s,
            format_args!("{name}\t  {:<9} {v4:<9} {v6:<9}\n", v4 + v6),
        );
    }
    s
}

/// ss's "closed": allocated TCP sockets that are not hashed.
fn closed(c: &Counters) -> i64 {
    c.tcp_alloc - (c.tcp_inuse + c.tcp6 - c.tcp_tw)
}

/// Add one to `key`'s count (in order of first appearance).
fn tally(v: &mut Vec<(Vec<u8>, usize)>, key: &[u8]) {
    match v.iter_mut().find(|(k, _)| k == key) {
        Some((_, n)) => *n += 1,
        None => v.push((key.to_vec(), 1)),
    }
}

/// Highest count first, then by name (a selection: the lists are short).
fn by_count(mut v: Vec<(Vec<u8>, usize)>) -> Vec<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(v.len());
    while !v.is_empty() {
        let mut best = 0;
        for i in 1..v.len() {
            if (v[i].1, &v[best].0) > (v[best].1, &v[i].0) {
                best = i;
            }
        }
        out.push(v.swap_remove(best));
    }
    out
}

fn counted_text(v: &[(Vec<u8>, usize)]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    let mut s = String::new();
    for (i, (k, n)) in v.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&terminal(k));
        s.push(' ');
        super::push_u64(&mut s, *n as u64);
    }
    s
}

fn counted_json(s: &mut String, key: &str, v: &[(Vec<u8>, usize)]) {
    s.push_str(",\"");
    s.push_str(key);
    s.push_str("\":{");
    for (i, (k, n)) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // A key must be a string: names that are not UTF-8 get U+FFFD.
        json_str(s, k);
        s.push(':');
        super::push_u64(s, *n as u64);
    }
    s.push('}');
}

/// What holds a listener, for counting by program: each holder's name (once),
/// or why there is none.
pub(super) fn programs(v: &View<'_>, s: &Socket) -> Vec<Vec<u8>> {
    let why: &[u8] = match v.owner_kind(s) {
        OwnerKind::Process => {
            let mut names: Vec<Vec<u8>> = Vec::new();
            for (_, o) in v.owners_of(s) {
                let n = v.procs.get(&o.pid).map(|p| &p.comm[..]).unwrap_or(b"");
                if !names.iter().any(|x| x == n) {
                    names.push(n.to_vec());
                }
            }
            return names;
        }
        OwnerKind::Kernel => b"[kernel]",
        OwnerKind::Hidden => b"[hidden]",
        OwnerKind::Unseen => b"[no visible holder]",
        OwnerKind::None | OwnerKind::NotLooked => b"[none]",
    };
    vec![why.to_vec()]
}

/// Per protocol of one namespace: the count of each state, in state order.
fn states_text(v: &View<'_>, ns: u32, json: bool, s: &mut String) {
    let mut first = true;
    for p in Proto::EVERY {
        let mut n = [0usize; 256];
        let mut total = 0;
        for x in v.sockets.iter().filter(|x| x.ns == ns && x.proto == p) {
            n[usize::from(x.state)] += 1;
            total += 1;
        }
        if total == 0 {
            continue;
        }
        s.push_str(match (json, first) {
            (false, true) => " ",
            (false, false) => "; ",
            (true, true) => "\"",
            (true, false) => ",\"",
        });
        s.push_str(p.name());
        if json {
            s.push_str("\":{");
        } else {
            s.push(' ');
            super::push_u64(s, total as u64);
            s.push_str(" (");
        }
        let mut k = 0;
        for (st, &c) in n.iter().enumerate() {
            if c == 0 {
                continue;
            }
            if k > 0 {
                s.push_str(if json { "," } else { ", " });
            }
            k += 1;
            if json {
                s.push('"');
            }
            s.push_str(state_name(st as u8));
            s.push_str(if json { "\":" } else { " " });
            super::push_u64(s, c as u64);
        }
        s.push(if json { '}' } else { ')' });
        first = false;
    }
    if first && !json {
        s.push_str(" no sockets shown");
    }
}

/// `-s`: per selected namespace, ss's counters and the tables' sockets by
/// protocol and state; then listeners by exposure, namespace and program.
pub fn write_summary(
    v: &View<'_>,
    selected: &[bool],
    counters: &[Option<Counters>],
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    let json = format == Format::Json;
    let mut s = String::new();
    for (ix, ns) in v.namespaces.iter().enumerate() {
        if !selected.get(ix).copied().unwrap_or(false) {
            continue;
        }
        s.clear();
        let label = ns.label();
        let inode = ns.inode.map_or("null".to_string(), |i| i.to_string());
        if json {
            s.push_str("{\"kind\":\"namespace\",\"netns\":");
            s.push_str(&inode);
            s.push(',');
            bytes_field(&mut s, "label", label.as_bytes());
            s.push_str(",\"host_netns\":");
            s.push_str(if ns.host { "true" } else { "false" });
            s.push_str(",\"counters\":");
            match &counters[ix] {
                Some(c) => {
                    let t = |v4: i64, v6: i64| {
                        format!("{{\"total\":{},\"ipv4\":{v4},\"ipv6\":{v6}}}", v4 + v6)
                    };
                    s.push_str(&format!(
                        "{{\"sockets\":{},\"tcp_total\":{},\"estab\":{},\"closed\":{},\"orphaned\":{},\"timewait\":{},\"raw\":{},\"udp\":{},\"tcp\":{},\"inet\":{},\"frag\":{}}}",
                        c.sockets,
                        c.tcp_alloc + c.tcp_tw,
                        c.estab,
                        closed(c),
                        c.tcp_orphan,
                        c.tcp_tw,
                        t(c.raw, c.raw6),
                        t(c.udp, c.udp6),
                        t(c.tcp_inuse, c.tcp6),
                        t(c.raw + c.udp + c.tcp_inuse, c.raw6 + c.udp6 + c.tcp6),
                        t(c.frag, c.frag6),
                    ));
                }
                None => s.push_str("null"),
            }
            s.push_str(",\"tables\":{");
            states_text(v, ix as u32, true, &mut s);
            s.push_str("}}\n");
        } else {
            s.push_str("Netns ");
            s.push_str(&terminal(label.as_bytes()));
            if ns.inode.is_some() {
                s.push_str(" (net:[");
                s.push_str(&inode);
                s.push_str("])");
            }
            s.push('\n');
            match &counters[ix] {
                Some(c) => s.push_str(&ss_block(c)),
                None => s.push_str("(no sockstat counters readable)\n"),
            }
            s.push_str("\nTables:");
            states_text(v, ix as u32, false, &mut s);
            s.push_str("\n\n");
        }
        out.write_all(s.as_bytes())?;
    }
    // Listeners among the sockets shown.
    let (mut total, mut exposure, mut nss, mut progs) = (0, Vec::new(), Vec::new(), Vec::new());
    let mut reach = Vec::new();
    for x in v.sockets.iter().filter(|x| x.is_listening()) {
        total += 1;
        if let Some((r, _)) = v.reach(x) {
            tally(&mut reach, r.name().as_bytes());
        }
        tally(&mut exposure, v.exposure(x).name().as_bytes());
        tally(&mut nss, v.ns(x).label().as_bytes());
        for p in programs(v, x) {
            tally(&mut progs, &p);
        }
    }
    let (exposure, nss, progs) = (by_count(exposure), by_count(nss), by_count(progs));
    let reach = by_count(reach);
    s.clear();
    let looked = v.owners.is_some();
    if json {
        s.push_str("{\"kind\":\"listeners\",\"total\":");
        super::push_u64(&mut s, total);
        s.push_str(",\"namespaces\":");
        super::push_u64(&mut s, nss.len() as u64);
        counted_json(&mut s, "by_reach", &reach);
        counted_json(&mut s, "by_exposure", &exposure);
        counted_json(&mut s, "by_namespace", &nss);
        if looked {
            counted_json(&mut s, "by_program", &progs);
        } else {
            s.push_str(",\"by_program\":null");
        }
        s.push_str("}\n");
    } else {
        s.push_str("Listeners: ");
        super::push_u64(&mut s, total);
        s.push_str(" in ");
        super::push_u64(&mut s, nss.len() as u64);
        s.push_str(if nss.len() == 1 {
            " namespace"
        } else {
            " namespaces"
        });
        s.push_str("\nBy reach: ");
        s.push_str(&counted_text(&reach));
        s.push_str("\nBy exposure: ");
        s.push_str(&counted_text(&exposure));
        s.push_str("\nBy namespace: ");
        s.push_str(&counted_text(&nss));
        s.push('\n');
        if looked {
            s.push_str("By program: ");
            s.push_str(&counted_text(&progs));
            s.push('\n');
        }
    }
    out.write_all(s.as_bytes())
}
