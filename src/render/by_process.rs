//! `--by-process`: one line (or `-j` object) per program holding listeners:
//! its pids, its listening ports, and where another host can reach them — the
//! interfaces and addresses of the reach verdict, per namespace.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::View;
use super::escape::terminal;
use super::json::{bytes_field, reach_fields};
use crate::cli::Format;
use crate::model::exposure::Exposure;
use crate::model::kinds::{Detail, packet_netid, unix_netid};
use crate::model::reach::{IfAddr, Reach, SockRef, Why};
use crate::model::socket::{Endpoint, Proto, Socket};

/// Addresses shown per group before `+N` (`-j` has them all).
const SHOWN: usize = 5;

/// One program: the name its holders share, their pids, its listeners.
struct Prog<'a> {
    name: Vec<u8>,
    pids: Vec<u32>,
    socks: Vec<&'a Socket>,
}

/// The listeners of one program that share a reach verdict and a namespace:
/// their ports and the addresses they can be reached on.
struct Group {
    reach: Option<Reach>,
    /// Namespace label; empty for the host's.
    ns: String,
    keys: Vec<u32>,
    /// `IFACE ADDR` entries with their rank (most exposed first), or for
    /// packet and unix sockets where they take frames or connections.
    on: Vec<(usize, String)>,
    /// Why nobody can reach them, when `on` is empty.
    why: Option<Why>,
    /// Packet and unix sockets: the exposure of their local address.
    exposure: Option<&'static str>,
}

pub fn write(v: &View<'_>, format: Format, out: &mut dyn Write) -> io::Result<()> {
    let mut progs = programs_of(v);
    let mut rows: Vec<[String; 4]> = Vec::new();
    if v.header && format == Format::Table {
        rows.push(["Program", "Pids", "Listening", "Reachable on"].map(String::from));
    }
    let mut line = String::new();
    // By name (a selection: programs are few).
    while !progs.is_empty() {
        let i = (0..progs.len())
            .min_by(|&a, &b| progs[a].name.cmp(&progs[b].name))
            .unwrap_or(0);
        let mut p = progs.swap_remove(i);
        p.pids.sort_unstable();
        let pids: Vec<String> = p.pids.iter().map(u32::to_string).collect();
        line.clear();
        if format == Format::Json {
            program_json(v, &p, &pids, &mut line);
            out.write_all(line.as_bytes())?;
            continue;
        }
        let mut all: Vec<u32> = p.socks.iter().filter_map(|x| key(x)).collect();
        sort_keys(&mut all);
        let mut listening = ports_text(&all);
        for x in p.socks.iter().filter(|x| x.detail.is_some()) {
            let l = detail_local(x);
            if !listening.split("; ").any(|e| e == l) {
                if !listening.is_empty() {
                    listening.push_str("; ");
                }
                listening.push_str(&l);
            }
        }
        rows.push([
            terminal(&p.name),
            pids.join(","),
            listening,
            where_text(v, &p, &all),
        ]);
    }
    let mut w = [0usize; 4];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    for r in &rows {
        line.clear();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i < 3 {
                for _ in c.chars().count()..=w[i] {
                    line.push(' ');
                }
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Every program holding a listener, each with the pids of its name among
/// the holders.
fn programs_of<'a>(v: &View<'a>) -> Vec<Prog<'a>> {
    let mut progs: Vec<Prog<'a>> = Vec::new();
    for x in v.sockets.iter().filter(|x| x.is_listening()) {
        for name in super::summary::programs(v, x) {
            let i = match progs.iter().position(|p| p.name == name) {
                Some(i) => i,
                None => {
                    progs.push(Prog {
                        name: name.clone(),
                        pids: Vec::new(),
                        socks: Vec::new(),
                    });
                    progs.len() - 1
                }
            };
            let p = &mut progs[i];
            p.socks.push(x);
            for (_, o) in v.owners_of(x) {
                let comm = v.procs.get(&o.pid).map(|i| &i.comm[..]).unwrap_or(b"");
                if comm == &name[..] && !p.pids.contains(&o.pid) {
                    p.pids.push(o.pid);
                }
            }
        }
    }
    progs
}

/// An inet listener's protocol and port packed in one u32, to sort and print
/// `tcp 80,443; udp 53`.
fn key(x: &Socket) -> Option<u32> {
    x.detail
        .is_none()
        .then(|| (x.proto as u32) << 16 | u32::from(x.local.port))
}

fn sort_keys(k: &mut Vec<u32>) {
    k.sort_unstable();
    k.dedup();
}

fn ports_text(keys: &[u32]) -> String {
    let mut s = String::new();
    let mut last: Option<u32> = None;
    for &k in keys {
        match last {
            Some(l) if l >> 16 == k >> 16 => s.push(','),
            _ => {
                if last.is_some() {
                    s.push_str("; ");
                }
                let proto = Proto::EVERY
                    .into_iter()
                    .find(|&p| p as u32 == k >> 16)
                    .unwrap_or(Proto::Tcp);
                s.push_str(proto.name());
                s.push(' ');
            }
        }
        let _ = write!(s, "{}", k & 0xffff);
        last = Some(k);
    }
    s
}

/// ss's local address of a packet or unix socket, with its netid:
/// `p_raw *:eth0`, `u_str /run/docker.sock`.
fn detail_local(x: &Socket) -> String {
    let mut s = String::new();
    match x.detail.as_deref() {
        Some(Detail::Packet {
            sock_type,
            protocol,
            ifindex,
            ifname,
            ..
        }) => {
            s.push_str(packet_netid(*sock_type));
            s.push(' ');
            super::push_packet_local(&mut s, *protocol, *ifindex, ifname.as_deref());
        }
        Some(Detail::Unix {
            sock_type, name, ..
        }) => {
            s.push_str(unix_netid(*sock_type));
            s.push(' ');
            match name {
                Some(n) => s.push_str(&terminal(n)),
                None => s.push('*'),
            }
        }
        _ => {}
    }
    s
}

/// Where a packet socket takes frames (its interface, `every interface`) or a
/// unix socket takes connections (`this host`: by name, never from another).
fn detail_where(d: &Detail, exposure: Exposure) -> String {
    match d {
        // Protocol 0: bound, but takes no frames.
        Detail::Packet { .. } if exposure == Exposure::Local => "no frames".into(),
        Detail::Packet { ifindex: 0, .. } => "every interface".into(),
        Detail::Packet {
            ifname: Some(n), ..
        } => terminal(n),
        Detail::Packet { ifindex, .. } => format!("if{ifindex}"),
        _ => "this host".into(),
    }
}

/// `IFACE ADDR` of one address a socket can be reached on: `?` before an IPv4
/// address reachable only if the socket is dual-stack, `ADDR:PORT` for a host
/// port that publishes it, `/PREFIX` for a local route of a whole prefix.
fn on_text(a: &IfAddr, cond: bool, port: Option<u16>) -> String {
    let mut s = String::new();
    if let Some(i) = &a.iface {
        s.push_str(&terminal(i.as_bytes()));
        s.push(' ');
    }
    if cond {
        s.push('?');
    }
    match port {
        Some(p) => super::push_endpoint(&mut s, &Endpoint { ip: a.ip, port: p }),
        None => {
            super::push_ip(&mut s, a.ip);
        }
    }
    if a.range {
        let _ = write!(s, "/{}", a.prefix.unwrap_or(32));
    }
    s
}

/// Where a program's listeners can be reached, grouped by verdict and
/// namespace, most exposed first: `eth0 203.0.113.7, eth1 10.0.0.5 (public)`.
/// When the groups listen on different ports, each says which:
/// `tcp 80: eth0 172.17.0.2 (private, web); tcp 9000: loopback only (local, web)`.
fn where_text(v: &View<'_>, p: &Prog<'_>, all: &[u32]) -> String {
    let mut groups: Vec<Group> = Vec::new();
    for x in &p.socks {
        let ns = v.ns(x);
        let nsl = if ns.host {
            String::new()
        } else {
            terminal(ns.label().as_bytes())
        };
        let mut on: Vec<(usize, String)> = Vec::new();
        let (reach, why, exposure) = match (x.detail.as_deref(), v.reach) {
            (Some(d), _) => {
                on.push((0, detail_where(d, v.exposure(x))));
                (None, None, Some(v.exposure(x).name()))
            }
            (None, Some(ctx)) => {
                let (r, why) = ctx.of(&SockRef::of(x), &mut |a, c, port| {
                    let rank = (3 - Reach::of_class(a.class) as usize) * 2 + usize::from(c);
                    on.push((rank, on_text(a, c, port)))
                });
                (Some(r), why, None)
            }
            // No verdict: the bound address and its exposure.
            (None, None) => {
                let mut a = String::new();
                super::push_endpoint(
                    &mut a,
                    &Endpoint {
                        ip: x.local.ip,
                        port: 0,
                    },
                );
                a.truncate(a.len() - 2); // ":*"
                on.push((0, a));
                (None, None, Some(v.exposure(x).name()))
            }
        };
        let g = match groups
            .iter()
            .position(|g| g.reach == reach && g.ns == nsl && g.exposure == exposure)
        {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    reach,
                    ns: nsl,
                    keys: Vec::new(),
                    on: Vec::new(),
                    why: None,
                    exposure,
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.keys.extend(key(x));
        for o in on {
            if !g.on.iter().any(|e| e.1 == o.1) {
                g.on.push(o);
            }
        }
        if g.why.is_none() {
            g.why = why;
        }
    }
    for g in &mut groups {
        sort_keys(&mut g.keys);
        g.on.sort_by_key(|e| e.0); // stable: first seen within a rank
    }
    let ported = groups.iter().any(|g| !g.keys.is_empty() && g.keys != all);
    // Most exposed first; the order of appearance within a verdict.
    let rank = |g: &Group| {
        g.reach.map_or(Reach::ALL.len(), |r| {
            Reach::ALL.iter().position(|&x| x == r).unwrap_or(0)
        })
    };
    let mut s = String::new();
    for k in 0..=Reach::ALL.len() {
        for g in groups.iter().filter(|g| rank(g) == k) {
            if !s.is_empty() {
                s.push_str("; ");
            }
            if ported && !g.keys.is_empty() {
                s.push_str(&ports_text(&g.keys));
                s.push_str(": ");
            }
            if g.on.is_empty() {
                s.push_str(match g.why {
                    Some(Why::Loopback) | None => "loopback only",
                    Some(w) => w.text(),
                });
            } else {
                for (i, (_, o)) in g.on.iter().take(SHOWN).enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    s.push_str(o);
                }
                if g.on.len() > SHOWN {
                    let _ = write!(s, ", +{}", g.on.len() - SHOWN);
                }
            }
            s.push_str(" (");
            s.push_str(
                g.reach
                    .map_or_else(|| g.exposure.unwrap_or("?"), Reach::name),
            );
            if !g.ns.is_empty() {
                s.push_str(", ");
                s.push_str(&g.ns);
            }
            s.push(')');
        }
    }
    s
}

/// `{"kind":"program","comm":…,"pids":[…],"listening":[…]}`: each listener with
/// its address, exposure, namespace and the listing's reach keys
/// (`reach`, `reach_reason`, `reachable_on`, `published_by`, `publishes`).
fn program_json(v: &View<'_>, p: &Prog<'_>, pids: &[String], line: &mut String) {
    line.push_str("{\"kind\":\"program\",");
    bytes_field(line, "comm", &p.name);
    line.push_str(",\"pids\":[");
    line.push_str(&pids.join(","));
    line.push_str("],\"listening\":[");
    for (i, x) in p.socks.iter().enumerate() {
        let ns = v.ns(x);
        if i > 0 {
            line.push(',');
        }
        // Packet and unix sockets have no address (as in the listing).
        let addr = match x.detail {
            Some(_) => String::new(),
            None => super::addr_text(x.local.ip),
        };
        let _ = write!(
            line,
            "{{\"proto\":\"{}\",\"family\":\"{}\",\"local_addr\":\"{addr}\",\"local_port\":{},\"exposure\":\"{}\",",
            x.proto.name(),
            x.family.name(),
            x.local.port,
            v.exposure(x).name(),
        );
        match v.reach {
            // reach_fields ends with a comma.
            Some(ctx) => reach_fields(v, ctx, x, line),
            None => line.push_str("\"reach\":\"unknown\","),
        }
        line.push_str("\"netns\":");
        line.push_str(&ns.inode.map_or("null".to_string(), |i| i.to_string()));
        line.push(',');
        bytes_field(line, "netns_label", ns.label().as_bytes());
        line.push('}');
    }
    line.push_str("]}\n");
}
