//! The policy language of `openports check` (issue 5): one `allow` rule per line.
//!
//! ```text
//! # proto  port(s)     [address]     [who]
//! allow tcp 22
//! allow tcp 80,443     0.0.0.0       comm=nginx
//! allow udp 68         *             exe=/usr/sbin/dhclient
//! allow tcp 8000-8100  netns=host
//! allow tcp 5432       container=3f2a9c
//! ```
//!
//! The grammar is [`crate::parse::policy`]: bytes in, a [`Policy`] or a
//! `PolicyError` (line, column, what was expected) out, no I/O. [`Rule::matches`] decides whether a rule allows one
//! socket from plain facts about it ([`Subject`]), so matching is tested without
//! /proc. [`Rule`]'s `Display` is the canonical text of a rule and parses back to
//! the same rule (`baseline` writes policies with it).

pub mod evaluate;
pub mod matches;
pub mod qualifier;

pub use qualifier::{Key, Qualifier};

use std::fmt;
use std::net::IpAddr;

use crate::model::exposure::Exposure;
use crate::model::socket::{Family, Proto};
use crate::parse::policy::all_digits;

/// A parsed policy: its rules in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub rules: Vec<Rule>,
}

/// Which local ports a rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ports {
    /// `*`
    Any,
    /// `22`, `80,443`, `8000-8100`: inclusive ranges (a single port is `(p, p)`).
    List(Vec<(u16, u16)>),
}

/// Which local addresses a rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    /// No address, or `*`.
    Any,
    /// Exactly this bound address (`0.0.0.0` is the IPv4 wildcard bind, not "any").
    Ip(IpAddr),
    /// A network in CIDR notation, host bits cleared.
    Net(IpAddr, u8),
    /// Any address of an exposure class (`wildcard`, `public`, `private`, …).
    Class(Exposure),
}

/// `netns=`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetnsSel {
    /// `netns=host`: the namespace of PID 1.
    Host,
    /// `netns=4026532329`: an nsfs inode.
    Inode(u64),
    /// `netns=blue`: a name in /run/netns (`ip netns add blue`).
    Name(Vec<u8>),
}

/// `user=`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserSel {
    Uid(u32),
    Name(Vec<u8>),
}

/// `access=`: the widest a unix socket's access may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessSel {
    /// Anything (also an undecided verdict).
    Anyone,
    /// An abstract name (anyone in the namespace), or a group, the owner, root.
    Netns,
    /// A group, the owner, or root.
    Group,
    Owner,
    Root,
}

impl AccessSel {
    pub const ALL: [AccessSel; 5] = [
        AccessSel::Anyone,
        AccessSel::Netns,
        AccessSel::Group,
        AccessSel::Owner,
        AccessSel::Root,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AccessSel::Anyone => "anyone",
            AccessSel::Netns => "netns",
            AccessSel::Group => "group",
            AccessSel::Owner => "owner",
            AccessSel::Root => "root",
        }
    }
}

/// One `allow` line: the positional columns (protocol, ports, address, or a
/// unix rule's name, a packet rule's interface), then its qualifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// 1-based line in the policy file (0 for a rule made in code).
    pub line: usize,
    /// `None`: `any`.
    pub proto: Option<Proto>,
    /// `tcp4`, `udp6`, …; `None`: both families.
    pub family: Option<Family>,
    pub ports: Ports,
    pub addr: Addr,
    /// `allow unix NAME`: a path or `@abstract` name, a prefix when it ends in
    /// `*`; `None`: `*`.
    pub name: Option<Vec<u8>>,
    /// `allow packet ETHERTYPES IFACE`: an interface, or `all` (bound to every
    /// interface); `None`: any.
    pub iface: Option<Vec<u8>>,
    /// The `KEY=VALUE` qualifiers ([`qualifier`]): at most one per key, in
    /// [`Key`] order (add them with [`Rule::set`], which keeps it).
    pub quals: Vec<Qualifier>,
}

impl Default for Rule {
    /// `allow any *`
    fn default() -> Rule {
        Rule {
            line: 0,
            proto: None,
            family: None,
            ports: Ports::Any,
            addr: Addr::Any,
            name: None,
            iface: None,
            quals: Vec::new(),
        }
    }
}

impl Rule {
    /// The qualifier with key `k`, if the rule has one.
    pub fn get(&self, k: Key) -> Option<&Qualifier> {
        self.quals.iter().find(|q| q.key() == k)
    }

    /// Add `q` in its place; returns the qualifier of the same key it
    /// replaces, if any.
    pub fn set(&mut self, q: Qualifier) -> Option<Qualifier> {
        match self.quals.binary_search_by_key(&q.key(), Qualifier::key) {
            Ok(n) => Some(std::mem::replace(&mut self.quals[n], q)),
            Err(n) => {
                self.quals.insert(n, q);
                None
            }
        }
    }

    /// `self` with `q` added (see [`Rule::set`]).
    pub fn with(mut self, q: Qualifier) -> Rule {
        self.set(q);
        self
    }
}

// ---------------------------------------------------------------------------
// Canonical text

/// A qualifier value as policy text: bare when that reads back the same, else
/// double-quoted with escapes. Controls, bidi overrides, C1 characters and bytes
/// that are not UTF-8 become `\xHH`, so the text is safe on a terminal.
pub fn quote_value(v: &[u8]) -> String {
    let safe =
        |c: char| !crate::render::escape::is_dangerous(c) && !matches!(c, ' ' | '"' | '\\' | '#');
    if let Ok(s) = std::str::from_utf8(v)
        && !s.is_empty()
        && s.chars().all(safe)
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for chunk in v.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                ' ' | '#' => out.push(c),
                c if !safe(c) => {
                    let mut b = [0u8; 4];
                    for byte in c.encode_utf8(&mut b).bytes() {
                        out.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out.push('"');
    out
}

/// A name that would read back as a keyword or a number is quoted.
pub(crate) fn quote_name(v: &[u8]) -> String {
    if all_digits(v) || v.eq_ignore_ascii_case(b"host") {
        let q = quote_value(v);
        if q.starts_with('"') {
            q
        } else {
            format!("\"{q}\"")
        }
    } else {
        quote_value(v)
    }
}

pub fn proto_text(proto: Option<Proto>, family: Option<Family>) -> String {
    let p = proto.map_or("any", Proto::name);
    match family {
        None | Some(Family::Packet | Family::Unix) => p.to_string(),
        Some(Family::Inet) => format!("{p}4"),
        Some(Family::Inet6) => format!("{p}6"),
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ports::Any => f.write_str("*"),
            Ports::List(l) => {
                for (n, &(lo, hi)) in l.iter().enumerate() {
                    if n > 0 {
                        f.write_str(",")?;
                    }
                    if lo == hi {
                        write!(f, "{lo}")?;
                    } else {
                        write!(f, "{lo}-{hi}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// The ethertypes of a packet rule: ss's names where it has one (`all` for
/// ETH_P_ALL), else `0xHHHH`.
fn ethertypes_text(p: &Ports) -> String {
    let one = |e: u16| match crate::parse::kinds::ethertype_name(e) {
        Some("*") => "all".to_string(),
        Some(n) => n.to_string(),
        None => format!("{e:#06x}"),
    };
    match p {
        Ports::Any => "*".into(),
        Ports::List(l) => l
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    one(lo)
                } else {
                    format!("{lo:#06x}-{hi:#06x}")
                }
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Any => f.write_str("*"),
            Addr::Ip(ip) => f.write_str(&crate::render::addr_text(*ip)),
            Addr::Net(ip, len) => write!(f, "{}/{len}", crate::render::addr_text(*ip)),
            Addr::Class(c) => f.write_str(c.name()),
        }
    }
}

impl Rule {
    /// The canonical text in four columns: protocol, ports, address (empty for
    /// any), qualifiers (in [`Key`] order, blank-separated).
    pub fn columns(&self) -> [String; 4] {
        let addr = if self.addr == Addr::Any {
            String::new()
        } else {
            self.addr.to_string()
        };
        let q: Vec<String> = self.quals.iter().map(Qualifier::to_string).collect();
        let (ports, addr) = match self.proto {
            Some(Proto::Unix) => (
                self.name.as_deref().map_or("*".into(), quote_value),
                String::new(),
            ),
            Some(Proto::Packet) => (
                ethertypes_text(&self.ports),
                self.iface.as_deref().map(quote_value).unwrap_or_default(),
            ),
            _ => (self.ports.to_string(), addr),
        };
        [
            proto_text(self.proto, self.family),
            ports,
            addr,
            q.join(" "),
        ]
    }
}

impl fmt::Display for Rule {
    /// The canonical text: `allow PROTO PORTS [ADDRESS] [KEY=VALUE ...]`.
    /// Parses back to the same rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("allow")?;
        for c in self.columns() {
            if !c.is_empty() {
                write!(f, " {c}")?;
            }
        }
        Ok(())
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4: the socket is reached over IPv4.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
