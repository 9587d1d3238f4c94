//! Addresses of a namespace and the reach of a socket: on which (interface,
//! address) another host could connect to it, if no firewall drops the packet.
//! Data and pure functions only: the address files are read elsewhere.

use std::net::{IpAddr, Ipv4Addr};

use crate::model::exposure::{Exposure, classify};
use crate::model::socket::{Proto, Socket};
use crate::parse::addrs::{self as pa, FibKind};
use crate::parse::inet::{ByteOrder, LineError};

/// One address configured in a namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    /// Interface name; `None` for an IPv4 address no connected route names
    /// (a /32, `noprefixroute`): `/proc` has no other IPv4 address → interface map.
    pub iface: Option<String>,
    pub ip: IpAddr,
    /// Prefix length: IPv6 from `if_inet6`; IPv4 from the connected route.
    pub prefix: Option<u8>,
    pub class: Exposure,
    /// IPv6 `IFA_F_*` flags (0 for IPv4).
    pub flags: u32,
    /// A `local` route of a whole prefix (AnyIP, `ip route add local NET dev lo`):
    /// every address in `ip/prefix` is local.
    pub range: bool,
    /// An IPv4 broadcast address (only a socket bound to it receives there).
    pub broadcast: bool,
}

impl IfAddr {
    /// Whether the kernel accepts traffic to it: not a tentative (DAD still
    /// running) or duplicate IPv6 address.
    pub fn usable(&self) -> bool {
        let f = self.flags;
        f & pa::IFA_F_DADFAILED == 0
            && (f & pa::IFA_F_TENTATIVE == 0 || f & pa::IFA_F_OPTIMISTIC != 0)
    }

    fn contains(&self, ip: IpAddr) -> bool {
        if !self.range {
            return self.ip == ip;
        }
        match (self.ip, ip, self.prefix) {
            (IpAddr::V4(net), IpAddr::V4(a), Some(p)) => {
                let m = u32::MAX.checked_shl(32 - u32::from(p)).unwrap_or(0);
                u32::from(net) & m == u32::from(a) & m
            }
            _ => false,
        }
    }
}

/// What is known of a namespace's addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NsAddrs {
    /// Interfaces (`net/dev`, in its order).
    pub ifaces: Vec<String>,
    /// Addresses, IPv4 first, then IPv6, each in file order.
    pub addrs: Vec<IfAddr>,
    /// Whether the IPv4 (`fib_trie`) and IPv6 (`if_inet6`) addresses were read.
    pub v4_known: bool,
    pub v6_known: bool,
    /// `net.ipv6.bindv6only`, when it could be read for this namespace.
    pub bindv6only: Option<bool>,
    /// Firewall tables seen (`iptables`, `ip6tables`): reach ignores their rules.
    pub firewall: Vec<&'static str>,
}

/// Connected routes of a `net/route` file, and its malformed lines.
pub type Routes = (Vec<pa::Route>, Vec<(usize, LineError)>);

/// The files of one namespace (`None`: absent or unreadable). `fib_trie` and
/// `route` come parsed: they are streamed (a router's full table is large).
#[derive(Default)]
pub struct AddrFiles {
    pub if_inet6: Option<Vec<u8>>,
    pub fib_trie: Option<pa::FibTrie>,
    /// Connected routes, and the malformed lines.
    pub routes: Option<Routes>,
    pub dev: Option<Vec<u8>>,
    /// An absent file is "no IPv6"; an unreadable one is unknown.
    pub if_inet6_unreadable: bool,
    pub bindv6only: Option<Vec<u8>>,
    pub ip_tables_names: Option<Vec<u8>>,
    pub ip6_tables_names: Option<Vec<u8>>,
}

/// The connected routes of a whole `net/route` buffer (the reader streams the
/// file through [`pa::route_line`] the same way).
pub fn connected_routes(buf: &[u8], order: ByteOrder) -> Routes {
    let (mut v, mut bad) = (Vec::new(), Vec::new());
    for (n, line) in crate::parse::lines::Lines::new(buf).enumerate().skip(1) {
        route_row(n + 1, line, order, &mut v, &mut bad);
    }
    (v, bad)
}

/// One row of `net/route` (not the header).
pub fn route_row(
    n: usize,
    line: &[u8],
    order: ByteOrder,
    v: &mut Vec<pa::Route>,
    bad: &mut Vec<(usize, LineError)>,
) {
    if crate::parse::inet::is_blank(line) {
        return;
    }
    match pa::route_line(line, order) {
        Ok(r) if r.is_connected() => v.push(r),
        Ok(_) => {}
        Err(e) => bad.push((n, e)),
    }
}

/// A malformed line: file name (below `net/`), line number, error.
pub type BadLine = (&'static str, usize, LineError);

fn lossy(b: &[u8]) -> String {
    crate::render::escape::terminal(b)
}

impl NsAddrs {
    /// Put the files of one namespace together (pure).
    pub fn from_files(f: &AddrFiles) -> (NsAddrs, Vec<BadLine>) {
        let mut bad: Vec<BadLine> = Vec::new();
        let mut ns = NsAddrs::default();
        if let Some(dev) = &f.dev {
            let (names, b) = pa::dev_names(dev);
            ns.ifaces = names.iter().map(|n| lossy(n)).collect();
            bad.extend(b.into_iter().map(|(n, e)| ("dev", n, e)));
        }
        let mut routes = Vec::new();
        if let Some((r, b)) = &f.routes {
            routes.extend(r.iter().cloned());
            bad.extend(b.iter().map(|(n, e)| ("route", *n, e.clone())));
        }
        let lo = ns.ifaces.iter().find(|n| *n == "lo").cloned();
        if let Some(trie) = &f.fib_trie {
            ns.v4_known = true;
            bad.extend(trie.bad.iter().map(|(n, e)| ("fib_trie", *n, e.clone())));
            for &(a, kind) in &trie.entries {
                let class = classify(IpAddr::V4(a));
                // The most specific connected route names the interface.
                let route = routes
                    .iter()
                    .filter(|r| r.contains(a))
                    .max_by_key(|r| r.prefix_len());
                let (iface, prefix) = match (kind, route) {
                    (FibKind::LocalRange(p), _) => (lo.clone(), Some(p)),
                    _ if class == Exposure::Loopback => (lo.clone(), Some(8)),
                    (_, Some(r)) => (Some(lossy(&r.iface)), Some(r.prefix_len() as u8)),
                    (_, None) => (None, None),
                };
                // 127.0.0.0/8 is the loopback range itself: listed as 127.0.0.1/8.
                if matches!(kind, FibKind::LocalRange(_)) && class == Exposure::Loopback {
                    continue;
                }
                ns.addrs.push(IfAddr {
                    iface,
                    ip: IpAddr::V4(a),
                    prefix,
                    class,
                    flags: 0,
                    range: matches!(kind, FibKind::LocalRange(_)),
                    broadcast: kind == FibKind::Broadcast,
                });
            }
        }
        match &f.if_inet6 {
            Some(buf) => {
                ns.v6_known = true;
                for (n, line) in crate::parse::lines::Lines::new(buf).enumerate() {
                    if crate::parse::inet::is_blank(line) {
                        continue;
                    }
                    match pa::if_inet6_line(line) {
                        Ok(r) => ns.addrs.push(IfAddr {
                            iface: Some(lossy(&r.ifname)),
                            ip: IpAddr::V6(r.addr),
                            prefix: Some(r.prefix),
                            class: classify(IpAddr::V6(r.addr)),
                            flags: r.flags,
                            range: false,
                            broadcast: false,
                        }),
                        Err(e) => bad.push(("if_inet6", n + 1, e)),
                    }
                }
            }
            // No if_inet6 beside a fib_trie: IPv6 is disabled (or not built),
            // so there is no IPv6 address. Neither file: nothing is known.
            None => ns.v6_known = !f.if_inet6_unreadable && f.fib_trie.is_some(),
        }
        ns.bindv6only = f.bindv6only.as_deref().and_then(pa::bindv6only);
        for (name, file) in [
            ("iptables", &f.ip_tables_names),
            ("ip6tables", &f.ip6_tables_names),
        ] {
            if file
                .as_ref()
                .is_some_and(|b| !crate::parse::inet::is_blank(b))
            {
                ns.firewall.push(name);
            }
        }
        (ns, bad)
    }

    fn known(&self, v6: bool) -> bool {
        if v6 { self.v6_known } else { self.v4_known }
    }
}

/// Who can reach a socket, from least to most (`check`'s `reach=` order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    Local,
    LinkLocal,
    Private,
    Public,
    /// The namespace's addresses could not be read.
    Unknown,
}

impl Reach {
    pub const ALL: [Reach; 5] = [
        Reach::Public,
        Reach::Private,
        Reach::LinkLocal,
        Reach::Local,
        Reach::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reach::Local => "local",
            Reach::LinkLocal => "link-local",
            Reach::Private => "private",
            Reach::Public => "public",
            Reach::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Reach> {
        Reach::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s))
    }

    /// What an address of `class` lets another host do.
    pub fn of_class(class: Exposure) -> Reach {
        match class {
            Exposure::Public => Reach::Public,
            Exposure::Private | Exposure::Reserved | Exposure::Multicast | Exposure::Interface => {
                Reach::Private
            }
            Exposure::LinkLocal => Reach::LinkLocal,
            Exposure::Loopback | Exposure::Wildcard | Exposure::Local => Reach::Local,
        }
    }
}

/// Why a socket's reach is `local` or `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Bound to a loopback address.
    Loopback,
    /// Bound to an address that is not configured in its namespace (IP_FREEBIND,
    /// or removed after bind).
    NotConfigured,
    /// A wildcard bind in a namespace with no address but loopback.
    NoAddress,
    /// The namespace's addresses could not be read.
    Unknown,
    /// A unix socket, or a packet socket that takes no frames from another host.
    NotInet,
}

impl Why {
    pub fn text(self) -> &'static str {
        match self {
            Why::Loopback => "loopback",
            Why::NotConfigured => "address not configured",
            Why::NoAddress => "no address but loopback",
            Why::Unknown => "addresses unknown",
            Why::NotInet => "not reachable over the network",
        }
    }
}

/// Whether an IPv6 wildcard socket also takes IPv4 traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V4Side {
    /// No: a `0.0.0.0` socket on the same port takes the namespace's IPv4
    /// traffic (it outscores a dual-stack `::` in the kernel's lookup, and the
    /// two never share a SO_REUSEPORT group), or a TCP listener of another uid on
    /// an IPv4 address of the port proves the `::` one IPv6-only (a dual-stack
    /// bind would have conflicted).
    No,
    /// Only if the socket is not IPV6_V6ONLY, which `/proc` does not show.
    Conditional,
}

/// The reach of a socket bound to `ip` in a namespace with addresses `ns`
/// (`None`: not read). `v4` applies to an IPv6 wildcard socket. `each` gets every
/// (address, conditional) it is reachable on, in the namespace's order.
pub fn reach<'a>(
    ip: IpAddr,
    ns: Option<&'a NsAddrs>,
    v4: V4Side,
    each: &mut dyn FnMut(&'a IfAddr, bool),
) -> (Reach, Option<Why>) {
    let (ip, mapped) = match ip {
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v) => (IpAddr::V4(v), true),
            None => (ip, false),
        },
        v4 => (v4, false),
    };
    let class = classify(ip);
    if class == Exposure::Loopback {
        return (Reach::Local, Some(Why::Loopback));
    }
    let Some(ns) = ns else {
        return (Reach::Unknown, Some(Why::Unknown));
    };
    let v6 = ip.is_ipv6();
    let wildcard = ip.is_unspecified()
        || class == Exposure::Multicast
        || ip == IpAddr::V4(Ipv4Addr::BROADCAST);
    // A dual-stack `::` also needs the IPv4 addresses.
    let with_v4 = wildcard && v6 && !mapped && v4 == V4Side::Conditional;
    if !ns.known(v6) || (with_v4 && !ns.v4_known) {
        return (Reach::Unknown, Some(Why::Unknown));
    }
    let counts_conditional = ns.bindv6only != Some(true);
    let mut best: Option<Reach> = None;
    let mut add = |a: &'a IfAddr, cond: bool| {
        each(a, cond);
        if !cond || counts_conditional {
            best = best.max(Some(Reach::of_class(a.class)));
        }
    };
    if wildcard {
        for a in &ns.addrs {
            if a.class == Exposure::Loopback || a.broadcast || !a.usable() {
                continue;
            }
            if a.ip.is_ipv6() == v6 {
                add(a, false);
            }
        }
        if with_v4 {
            for a in ns.addrs.iter().filter(|a| a.ip.is_ipv4()) {
                if a.class != Exposure::Loopback && !a.broadcast {
                    add(a, true);
                }
            }
        }
        return match best {
            Some(r) => (r, None),
            None => (Reach::Local, Some(Why::NoAddress)),
        };
    }
    let mut found = false;
    for a in ns.addrs.iter().filter(|a| a.contains(ip)) {
        found = true;
        add(a, false);
    }
    match best {
        Some(r) => (r, None),
        // Configured but only on loopback (127.x is caught above; a /32 on lo is not).
        None if found => (Reach::Local, None),
        None => (Reach::Local, Some(Why::NotConfigured)),
    }
}

/// What kind of socket, for reach: an inet one is reached at its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockKind {
    Inet,
    /// A unix socket: never from another host.
    Unix,
    /// A packet socket taking frames from every interface (`any`), from one
    /// other than `lo` (`one`, named by its first 15 bytes when a file of the
    /// namespace names it), or none from another host.
    Packet {
        any: bool,
        one: bool,
        iface: Option<([u8; 15], u8)>,
    },
}

/// A socket, as far as reach needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockRef {
    pub ns: u32,
    pub proto: Proto,
    pub ip: IpAddr,
    pub port: u16,
    pub uid: u32,
    pub inode: u64,
    pub kind: SockKind,
}

impl SockRef {
    pub fn of(s: &Socket) -> SockRef {
        use crate::model::kinds::Detail;
        let kind = match s.detail.as_deref() {
            None => SockKind::Inet,
            Some(Detail::Unix { .. }) => SockKind::Unix,
            Some(Detail::Packet { ifname, .. }) => {
                let ex = s.exposure();
                let iface = match (ex, ifname) {
                    (Exposure::Interface, Some(n)) => {
                        let mut b = [0u8; 15];
                        let len = n.len().min(15);
                        b[..len].copy_from_slice(&n[..len]);
                        Some((b, len as u8))
                    }
                    _ => None,
                };
                SockKind::Packet {
                    any: ex == Exposure::Wildcard,
                    one: ex == Exposure::Interface,
                    iface,
                }
            }
        };
        SockRef {
            ns: s.ns,
            proto: s.proto,
            ip: s.local.ip,
            port: s.local.port,
            uid: s.uid,
            inode: s.inode,
            kind,
        }
    }

    fn key(&self) -> (u32, Proto, u64) {
        (self.ns, self.proto, self.inode)
    }
}

/// A host listener of a forwarder that publishes a container's port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    pub pid: u32,
    pub host: SockRef,
}

/// Where a forwarder's host listener sends its connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forwarding {
    /// The namespace that has the container address, when it was found.
    pub ns: Option<u32>,
    pub to: IpAddr,
    pub port: u16,
}

/// IPv4 listeners of one (namespace, protocol, port), for the dual-stack question.
#[derive(Clone, Copy, Debug, Default)]
struct V4Peers {
    wildcard: bool,
    uid: Option<u32>,
    mixed: bool,
}

/// What reach needs beyond one socket: each namespace's addresses, the IPv4
/// listeners beside IPv6 wildcards, and published container ports.
#[derive(Debug, Default)]
pub struct ReachCtx {
    /// Per namespace index; `None`: not read (reach unknown).
    pub addrs: Vec<Option<NsAddrs>>,
    /// (namespace, protocol, port) of IPv4 listeners, sorted for binary search
    /// (a plain vector: a hash map of this key costs kilobytes of code).
    v4: Vec<(u64, V4Peers)>,
    /// Container listener (ns, proto, inode) → a host listener publishing it
    /// (a few entries: searched linearly).
    pub published_by: Vec<((u32, Proto, u64), Publisher)>,
    /// Host listener (ns, proto, inode) → where it forwards.
    pub forwards: Vec<((u32, Proto, u64), Forwarding)>,
}

/// The v4 key: namespace, protocol and port in one integer.
fn v4_key(ns: u32, proto: Proto, port: u16) -> u64 {
    (u64::from(ns) << 24) | ((proto as u64) << 16) | u64::from(port)
}

impl ReachCtx {
    /// `sockets`: every socket read (their IPv4 listeners decide whether an
    /// IPv6 wildcard on the same port can take IPv4).
    pub fn new(addrs: Vec<Option<NsAddrs>>, sockets: &[Socket]) -> ReachCtx {
        let mut v4: Vec<(u64, V4Peers)> = sockets
            .iter()
            .filter(|s| s.is_listening() && s.local.ip.is_ipv4() && s.detail.is_none())
            .map(|s| {
                let p = V4Peers {
                    wildcard: s.local.ip.is_unspecified(),
                    uid: Some(s.uid),
                    mixed: false,
                };
                (v4_key(s.ns, s.proto, s.local.port), p)
            })
            .collect();
        v4.sort_unstable_by_key(|e| e.0);
        v4.dedup_by(|b, a| {
            if a.0 != b.0 {
                return false;
            }
            a.1.wildcard |= b.1.wildcard;
            a.1.mixed |= b.1.mixed || a.1.uid != b.1.uid;
            true
        });
        ReachCtx {
            addrs,
            v4,
            ..ReachCtx::default()
        }
    }

    /// Whether an IPv6 socket on `s`'s port can also take IPv4 traffic.
    pub fn v4_side(&self, s: &SockRef) -> V4Side {
        let k = v4_key(s.ns, s.proto, s.port);
        let found = self.v4.binary_search_by_key(&k, |e| e.0).ok();
        match found.map(|i| &self.v4[i].1) {
            Some(p) if p.wildcard => V4Side::No,
            Some(p) if s.proto == Proto::Tcp && (p.mixed || p.uid != Some(s.uid)) => V4Side::No,
            _ => V4Side::Conditional,
        }
    }

    fn own<'s>(
        &'s self,
        s: &SockRef,
        each: &mut dyn FnMut(&'s IfAddr, bool),
    ) -> (Reach, Option<Why>) {
        let ns = self.addrs.get(s.ns as usize).and_then(Option::as_ref);
        match s.kind {
            SockKind::Inet => reach(s.ip, ns, self.v4_side(s), each),
            SockKind::Unix => (Reach::Local, Some(Why::NotInet)),
            SockKind::Packet { any, one, iface } => packet_reach(ns, any, one, iface, each),
        }
    }

    /// The reach of a socket, including the host listeners that publish it;
    /// `each` gets every (address, conditional, host port when published).
    pub fn of<'s>(
        &'s self,
        s: &SockRef,
        each: &mut dyn FnMut(&'s IfAddr, bool, Option<u16>),
    ) -> (Reach, Option<Why>) {
        let (mut r, mut why) = self.own(s, &mut |a, c| each(a, c, None));
        for p in self.publishers(s) {
            let port = Some(p.host.port);
            let (hr, hw) = self.own(&p.host, &mut |a, c| each(a, c, port));
            if hr > r || (r == Reach::Local && hr == Reach::Local && why == Some(Why::NoAddress)) {
                (r, why) = (hr, hw);
            }
        }
        (r, why)
    }

    pub fn verdict(&self, s: &SockRef) -> (Reach, Option<Why>) {
        self.of(s, &mut |_, _, _| {})
    }

    pub fn publishers(&self, s: &SockRef) -> impl Iterator<Item = &Publisher> {
        let k = s.key();
        self.published_by
            .iter()
            .filter(move |e| e.0 == k)
            .map(|e| &e.1)
    }

    pub fn forwarding(&self, s: &SockRef) -> Option<&Forwarding> {
        let k = s.key();
        self.forwards.iter().find(|e| e.0 == k).map(|e| &e.1)
    }

    /// Link a forwarder's host listener `host` (held by `pid`) to the container
    /// listeners it forwards to: those in the namespace that has `f.container_ip`,
    /// on `f.container_port`, bound to that address or a wildcard.
    pub fn link(&mut self, pid: u32, host: SockRef, f: &pa::Forward, sockets: &[Socket]) {
        let to = match f.container_ip {
            IpAddr::V6(a) => a.to_ipv4_mapped().map_or(f.container_ip, IpAddr::V4),
            v4 => v4,
        };
        let ns = self.addrs.iter().position(|a| {
            a.as_ref()
                .is_some_and(|a| a.addrs.iter().any(|x| x.ip == to && !x.broadcast))
        });
        let fwd = Forwarding {
            ns: ns.map(|n| n as u32),
            to,
            port: f.container_port,
        };
        if self.forwarding(&host).is_none() {
            self.forwards.push((host.key(), fwd));
        }
        let Some(ns) = ns else { return };
        for s in sockets {
            let bound = match s.local.ip {
                IpAddr::V6(a) => a.to_ipv4_mapped().map_or(s.local.ip, IpAddr::V4),
                v4 => v4,
            };
            if s.ns as usize == ns
                && s.proto == host.proto
                && s.is_listening()
                && s.local.port == f.container_port
                && (bound == to || bound.is_unspecified())
                && s.inode != 0
            {
                let e = (SockRef::of(s).key(), Publisher { pid, host });
                if !self.published_by.contains(&e) {
                    self.published_by.push(e);
                }
            }
        }
    }
}

/// A packet socket sees the frames other hosts send to its interfaces: its
/// reach is that of their addresses; on an interface without one, of the link.
fn packet_reach<'a>(
    ns: Option<&'a NsAddrs>,
    any: bool,
    one: bool,
    iface: Option<([u8; 15], u8)>,
    each: &mut dyn FnMut(&'a IfAddr, bool),
) -> (Reach, Option<Why>) {
    let name = iface.map(|(b, n)| b[..n as usize].to_vec());
    if !any && !one {
        return (Reach::Local, Some(Why::NotInet));
    }
    if one && name.is_none() {
        // An interface no file of the namespace names: frames from its link.
        return (Reach::LinkLocal, None);
    }
    let Some(ns) = ns.filter(|n| n.v4_known && n.v6_known) else {
        return (Reach::Unknown, Some(Why::Unknown));
    };
    let mut best = None;
    for a in &ns.addrs {
        let on = match (&name, &a.iface) {
            (Some(want), Some(have)) => want.as_slice() == have.as_bytes(),
            (Some(_), None) => false,
            (None, _) => true,
        };
        if on && a.class != Exposure::Loopback && !a.broadcast {
            each(a, false);
            best = best.max(Some(Reach::of_class(a.class)));
        }
    }
    match best {
        Some(r) => (r, None),
        // Frames still come from the link of an interface without an address.
        None if name.is_some() || ns.ifaces.iter().any(|i| i != "lo") => (Reach::LinkLocal, None),
        None => (Reach::Local, Some(Why::NoAddress)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(case: &str) -> AddrFiles {
        let d = format!(
            "{}/testdata/addrs-linux-6.18/{case}",
            env!("CARGO_MANIFEST_DIR")
        );
        let r = |f: &str| std::fs::read(format!("{d}/{f}")).ok();
        AddrFiles {
            if_inet6: r("net/if_inet6"),
            fib_trie: r("net/fib_trie").map(|b| pa::fib_trie(&b)),
            routes: r("net/route").map(|b| connected_routes(&b, ByteOrder::Little)),
            dev: r("net/dev"),
            if_inet6_unreadable: false,
            bindv6only: r("sys/net/ipv6/bindv6only"),
            ip_tables_names: r("net/ip_tables_names"),
            ip6_tables_names: r("net/ip6_tables_names"),
        }
    }

    fn ns(case: &str) -> NsAddrs {
        let (n, bad) = NsAddrs::from_files(&files(case));
        assert!(bad.is_empty(), "{bad:?}");
        n
    }

    fn on(ip: &str, n: Option<&NsAddrs>, v4: V4Side) -> (Reach, Option<Why>, Vec<String>) {
        let mut v = Vec::new();
        let (r, w) = reach(ip.parse().unwrap(), n, v4, &mut |a, c| {
            v.push(format!(
                "{} {}{}",
                a.iface.as_deref().unwrap_or("?"),
                a.ip,
                if c { " if-dual-stack" } else { "" }
            ))
        });
        (r, w, v)
    }

    #[test]
    fn linux_6_18_server_namespace_addresses() {
        let n = ns("server");
        let shown: Vec<String> = n
            .addrs
            .iter()
            .map(|a| {
                format!(
                    "{} {}/{} {}",
                    a.iface.as_deref().unwrap_or("?"),
                    a.ip,
                    a.prefix.map_or("?".into(), |p| p.to_string()),
                    a.class.name()
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "eth0 10.77.0.1/24 private",
                "eth0 10.77.0.9/24 private",
                "eth0 10.77.0.255/24 private",
                // noprefixroute and a /32 on lo: no connected route names them.
                "? 10.79.0.1/? private",
                "? 10.79.0.255/? private",
                "? 10.255.0.1/? private",
                "lo 127.0.0.1/8 loopback",
                "lo 127.255.255.255/8 loopback",
                "eth0 198.18.0.1/15 reserved",
                "eth0 198.19.255.255/15 reserved",
                "eth0 fe80::77:1/64 link-local",
                "eth0 fe80::6404:98ff:feab:8139/64 link-local",
                "lo ::1/128 loopback",
                "eth0 fd77::1/64 private",
            ]
        );
        assert_eq!(n.ifaces, ["lo", "eth0", "eth1"]);
        assert_eq!(n.bindv6only, Some(false));
        assert!(n.firewall.is_empty());
    }

    #[test]
    fn linux_6_18_server_reach() {
        let n = ns("server");
        let (r, w, v) = on("0.0.0.0", Some(&n), V4Side::No);
        assert_eq!((r, w), (Reach::Private, None));
        assert_eq!(
            v,
            [
                "eth0 10.77.0.1",
                "eth0 10.77.0.9",
                "? 10.79.0.1",
                "? 10.255.0.1",
                "eth0 198.18.0.1"
            ]
        );
        // `::`: the tentative kernel link-local address is skipped; IPv4 conditional.
        let (r, _, v) = on("::", Some(&n), V4Side::Conditional);
        assert_eq!(r, Reach::Private);
        assert_eq!(
            v,
            [
                "eth0 fe80::77:1",
                "eth0 fd77::1",
                "eth0 10.77.0.1 if-dual-stack",
                "eth0 10.77.0.9 if-dual-stack",
                "? 10.79.0.1 if-dual-stack",
                "? 10.255.0.1 if-dual-stack",
                "eth0 198.18.0.1 if-dual-stack",
            ]
        );
        assert_eq!(on("::", Some(&n), V4Side::No).2.len(), 2);
        assert_eq!(on("fe80::77:1", Some(&n), V4Side::No).0, Reach::LinkLocal);
        assert_eq!(on("198.18.0.1", Some(&n), V4Side::No).0, Reach::Private);
        assert_eq!(
            on("::ffff:10.77.0.9", Some(&n), V4Side::No).2,
            ["eth0 10.77.0.9"]
        );
        assert_eq!(
            on("10.77.0.50", Some(&n), V4Side::No),
            (Reach::Local, Some(Why::NotConfigured), vec![])
        );
        assert_eq!(on("127.0.0.1", Some(&n), V4Side::No).1, Some(Why::Loopback));
        assert_eq!(on("0.0.0.0", None, V4Side::No).0, Reach::Unknown);
    }

    #[test]
    fn linux_6_18_lo_only_and_lo_down_namespaces_are_local() {
        for case in ["lo-only", "lo-down"] {
            let n = ns(case);
            for ip in ["0.0.0.0", "::"] {
                assert_eq!(
                    on(ip, Some(&n), V4Side::Conditional),
                    (Reach::Local, Some(Why::NoAddress), vec![]),
                    "{case} {ip}"
                );
            }
        }
    }

    #[test]
    fn linux_6_18_ipv6_disabled_namespace() {
        let n = ns("no-ipv6");
        assert!(n.v6_known && n.addrs.iter().all(|a| a.ip.is_ipv4()));
        assert_eq!(on("0.0.0.0", Some(&n), V4Side::No).2, ["eth0 10.78.0.1"]);
    }

    #[test]
    fn linux_6_18_bindv6only_namespace_keeps_conditional_entries_out_of_the_verdict() {
        let mut n = ns("v6only");
        assert_eq!(n.bindv6only, Some(true));
        n.addrs.push(IfAddr {
            iface: Some("eth0".into()),
            ip: "192.168.5.5".parse().unwrap(),
            prefix: Some(24),
            class: Exposure::Private,
            flags: 0,
            range: false,
            broadcast: false,
        });
        let (r, _, v) = on("::", Some(&n), V4Side::Conditional);
        assert_eq!((r, v.len()), (Reach::Local, 1));
    }

    #[test]
    fn missing_fib_trie_makes_ipv4_unknown() {
        let mut f = files("server");
        f.fib_trie = None;
        let (n, _) = NsAddrs::from_files(&f);
        assert_eq!(on("0.0.0.0", Some(&n), V4Side::No).0, Reach::Unknown);
        assert_eq!(on("::", Some(&n), V4Side::Conditional).0, Reach::Unknown);
        assert_eq!(on("::", Some(&n), V4Side::No).0, Reach::Private);
    }

    #[test]
    fn local_route_range_any_ip() {
        let f = AddrFiles {
            fib_trie: Some(pa::fib_trie(
                b"Local:\n  |-- 10.9.0.0\n     /24 host LOCAL\n",
            )),
            dev: Some(b"h\nh\n    lo: 0 0\n".to_vec()),
            ..AddrFiles::default()
        };
        let (n, bad) = NsAddrs::from_files(&f);
        assert!(bad.is_empty());
        assert_eq!(on("10.9.0.77", Some(&n), V4Side::No).0, Reach::Private);
        assert_eq!(on("0.0.0.0", Some(&n), V4Side::No).2, ["lo 10.9.0.0"]);
    }

    #[test]
    fn reach_names_round_trip_and_order() {
        for r in Reach::ALL {
            assert_eq!(Reach::parse(r.name()), Some(r));
        }
        assert!(Reach::Local < Reach::LinkLocal && Reach::Private < Reach::Public);
        assert!(Reach::Public < Reach::Unknown);
    }
}
