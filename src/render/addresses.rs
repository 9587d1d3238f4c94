//! `openports addresses`: every namespace's interfaces and addresses, as a
//! table (`Netns Interface Address Class`) or one JSON object per address.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::terminal;
use super::json::bytes_field;
use crate::model::netns::Netns;
use crate::model::reach::{IfAddr, NsAddrs};

/// One row: an address, an interface without one, or a namespace (or family)
/// whose addresses could not be read.
enum Row<'a> {
    Addr(&'a IfAddr),
    NoAddr(&'a str),
    Unknown(&'static str),
}

/// The rows of one namespace, interface by interface (`net/dev` order; IPv4,
/// then IPv6), then addresses no connected route ties to an interface.
fn rows(a: Option<&NsAddrs>) -> Vec<Row<'_>> {
    let Some(a) = a else {
        return vec![Row::Unknown("addresses")];
    };
    let shown = |x: &&IfAddr| !x.broadcast;
    let mut v = Vec::new();
    for name in &a.ifaces {
        let start = v.len();
        v.extend(
            a.addrs
                .iter()
                .filter(shown)
                .filter(|x| x.iface.as_deref() == Some(name))
                .map(Row::Addr),
        );
        if v.len() == start {
            v.push(Row::NoAddr(name));
        }
    }
    // Named by if_inet6 but absent from net/dev, or with no interface at all.
    v.extend(
        a.addrs
            .iter()
            .filter(shown)
            .filter(|x| x.iface.as_ref().is_none_or(|i| !a.ifaces.contains(i)))
            .map(Row::Addr),
    );
    if !a.v4_known {
        v.push(Row::Unknown("IPv4"));
    }
    if !a.v6_known {
        v.push(Row::Unknown("IPv6"));
    }
    v
}

fn addr_cell(x: &IfAddr) -> String {
    let mut s = super::addr_text(x.ip);
    if let Some(p) = x.prefix {
        s.push('/');
        super::push_u64(&mut s, p.into());
    }
    s
}

/// Names of the `IFA_F_*` flags worth knowing (`if_inet6`).
fn flag_names(f: u32) -> impl Iterator<Item = &'static str> {
    [
        (0x01, "temporary"),
        (0x02, "nodad"),
        (0x04, "optimistic"),
        (0x08, "dadfailed"),
        (0x20, "deprecated"),
        (0x40, "tentative"),
        (0x80, "permanent"),
    ]
    .into_iter()
    .filter(move |(bit, _)| f & bit != 0)
    .map(|(_, n)| n)
}

pub fn table(
    namespaces: &[Netns],
    addrs: &[Option<NsAddrs>],
    selected: &[bool],
    header: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut cells: Vec<[String; 4]> = Vec::new();
    if header {
        cells.push(["Netns", "Interface", "Address", "Class"].map(String::from));
    }
    for ((ns, a), _) in namespaces.iter().zip(addrs).zip(selected).filter(|x| *x.1) {
        let label = terminal(ns.label().as_bytes());
        for r in rows(a.as_ref()) {
            let (i, ad, c) = match r {
                Row::Addr(x) => {
                    let mut class = x.class.name().to_string();
                    if x.range {
                        class.push_str(" (local route)");
                    } else if !x.usable() {
                        class.push_str(" (not usable yet)");
                    }
                    (
                        x.iface
                            .as_deref()
                            .map_or("?".into(), |i| terminal(i.as_bytes())),
                        addr_cell(x),
                        class,
                    )
                }
                Row::NoAddr(name) => (terminal(name.as_bytes()), "-".into(), "-".into()),
                Row::Unknown(what) => ("?".into(), format!("{what} unknown"), "unknown".into()),
            };
            cells.push([label.clone(), i, ad, c]);
        }
    }
    let mut w = [0usize; 4];
    for c in &cells {
        for k in 0..4 {
            w[k] = w[k].max(c[k].chars().count());
        }
    }
    let mut line = String::new();
    for c in &cells {
        line.clear();
        for k in 0..3 {
            line.push_str(&c[k]);
            for _ in c[k].chars().count()..=w[k] {
                line.push(' ');
            }
        }
        line.push_str(&c[3]);
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

pub fn json(
    namespaces: &[Netns],
    addrs: &[Option<NsAddrs>],
    selected: &[bool],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut line = String::new();
    let opt = |line: &mut String, key: &str, v: Option<&str>| match v {
        Some(s) => bytes_field(line, key, s.as_bytes()),
        None => {
            let _ = write!(line, "\"{key}\":null");
        }
    };
    for ((ns, a), _) in namespaces.iter().zip(addrs).zip(selected).filter(|x| *x.1) {
        for r in rows(a.as_ref()) {
            line.clear();
            line.push_str("{\"netns\":");
            match ns.inode {
                Some(i) => super::push_u64(&mut line, i),
                None => line.push_str("null"),
            }
            line.push(',');
            opt(&mut line, "netns_name", ns.name.as_deref());
            line.push(',');
            opt(&mut line, "container", ns.container.as_deref());
            line.push_str(if ns.host {
                ",\"host_netns\":true,"
            } else {
                ",\"host_netns\":false,"
            });
            // (iface, addr, family, prefix, class, loopback, local_range, usable, flags)
            let (iface, x, class) = match r {
                Row::Addr(x) => (x.iface.as_deref(), Some(x), Some(x.class.name())),
                Row::NoAddr(name) => (Some(name), None, None),
                Row::Unknown(_) => (None, None, Some("unknown")),
            };
            opt(&mut line, "iface", iface);
            line.push_str(",\"addr\":");
            match x {
                Some(x) => {
                    line.push('"');
                    super::push_ip(&mut line, x.ip);
                    line.push_str(if x.ip.is_ipv4() {
                        "\",\"family\":\"inet\",\"prefix\":"
                    } else {
                        "\",\"family\":\"inet6\",\"prefix\":"
                    });
                    match x.prefix {
                        Some(p) => super::push_u64(&mut line, p.into()),
                        None => line.push_str("null"),
                    }
                }
                None => {
                    let fam = match r {
                        Row::Unknown("IPv4") => "\"inet\"",
                        Row::Unknown("IPv6") => "\"inet6\"",
                        _ => "null",
                    };
                    let _ = write!(line, "null,\"family\":{fam},\"prefix\":null");
                }
            }
            line.push_str(",\"class\":");
            match class {
                Some(c) => {
                    line.push('"');
                    line.push_str(c);
                    line.push('"');
                }
                None => line.push_str("null"),
            }
            let flag = |b: bool| if b { "true" } else { "false" };
            let _ = write!(
                line,
                ",\"loopback\":{},\"local_range\":{},\"usable\":{},\"flags\":[",
                flag(x.is_some_and(|x| x.class == crate::model::exposure::Exposure::Loopback)),
                flag(x.is_some_and(|x| x.range)),
                flag(x.is_some_and(|x| x.usable()))
            );
            for (k, f) in flag_names(x.map_or(0, |x| x.flags)).enumerate() {
                if k > 0 {
                    line.push(',');
                }
                line.push('"');
                line.push_str(f);
                line.push('"');
            }
            line.push_str("]}\n");
            out.write_all(line.as_bytes())?;
        }
    }
    Ok(())
}
