//! Exposure class of a local address: who could reach a socket bound there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exposure {
    Loopback,
    Wildcard,
    LinkLocal,
    Private,
    Multicast,
    Public,
    /// A packet socket bound to one interface other than `lo`: it sees the
    /// frames other hosts send there.
    Interface,
    /// Reachable from this host only: unix sockets, packet sockets that take
    /// no frames.
    Local,
}

impl Exposure {
    pub const ALL: [Exposure; 8] = [
        Exposure::Wildcard,
        Exposure::Public,
        Exposure::Private,
        Exposure::LinkLocal,
        Exposure::Multicast,
        Exposure::Interface,
        Exposure::Loopback,
        Exposure::Local,
    ];

    /// Reachable from other hosts (everything but loopback and local).
    pub fn is_exposed(self) -> bool {
        !matches!(self, Exposure::Loopback | Exposure::Local)
    }

    pub fn name(self) -> &'static str {
        match self {
            Exposure::Loopback => "loopback",
            Exposure::Wildcard => "wildcard",
            Exposure::LinkLocal => "link-local",
            Exposure::Private => "private",
            Exposure::Multicast => "multicast",
            Exposure::Public => "public",
            Exposure::Interface => "interface",
            Exposure::Local => "local",
        }
    }
}

/// Classify an address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is classified by its
/// IPv4 address.
pub fn classify(ip: IpAddr) -> Exposure {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Exposure {
    let o = ip.octets();
    if ip.is_unspecified() {
        Exposure::Wildcard
    } else if o[0] == 127 {
        Exposure::Loopback
    } else if o[0] == 169 && o[1] == 254 {
        Exposure::LinkLocal
    } else if o[0] == 10
        || (o[0] == 172 && (16..=31).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 100 && (64..=127).contains(&o[1]))
    {
        Exposure::Private
    } else if (224..=239).contains(&o[0]) {
        Exposure::Multicast
    } else {
        Exposure::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> Exposure {
    let s = ip.segments();
    if ip.is_unspecified() {
        Exposure::Wildcard
    } else if ip.is_loopback() {
        Exposure::Loopback
    } else if s[0] & 0xffc0 == 0xfe80 {
        Exposure::LinkLocal
    } else if s[0] & 0xfe00 == 0xfc00 {
        Exposure::Private
    } else if s[0] & 0xff00 == 0xff00 {
        Exposure::Multicast
    } else {
        Exposure::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Exposure {
        classify(s.parse().unwrap())
    }

    #[test]
    fn ipv4_class_boundaries() {
        use Exposure::*;
        for (a, want) in [
            ("0.0.0.0", Wildcard),
            ("127.0.0.1", Loopback),
            ("127.0.0.0", Loopback),
            ("127.255.255.255", Loopback),
            ("126.255.255.255", Public),
            ("128.0.0.1", Public),
            ("169.254.0.1", LinkLocal),
            ("169.253.255.255", Public),
            ("169.255.0.0", Public),
            ("10.0.0.1", Private),
            ("11.0.0.1", Public),
            ("172.15.255.255", Public),
            ("172.16.0.0", Private),
            ("172.31.255.255", Private),
            ("172.32.0.0", Public),
            ("192.168.1.1", Private),
            ("192.169.0.1", Public),
            ("100.63.255.255", Public),
            ("100.64.0.0", Private),
            ("100.127.255.255", Private),
            ("100.128.0.0", Public),
            ("224.0.0.1", Multicast),
            ("239.255.255.255", Multicast),
            ("240.0.0.1", Public),
            ("8.8.8.8", Public),
        ] {
            assert_eq!(c(a), want, "{a}");
        }
    }

    #[test]
    fn ipv6_class_boundaries() {
        use Exposure::*;
        for (a, want) in [
            ("::", Wildcard),
            ("::1", Loopback),
            ("::2", Public),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:127.255.255.255", Loopback),
            ("::ffff:128.0.0.1", Public),
            ("::ffff:0.0.0.0", Wildcard),
            ("::ffff:10.1.2.3", Private),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("fec0::1", Public),
            ("fc00::1", Private),
            ("fdff::1", Private),
            ("fe00::1", Public),
            ("ff02::1", Multicast),
            ("2001:db8::1", Public),
        ] {
            assert_eq!(c(a), want, "{a}");
        }
    }
}
