//! Exposure class of a local address: who could reach a socket bound there.
//! Classes follow the IANA special-purpose address registries
//! (iana-ipv4-special-registry, iana-ipv6-special-registry): `public` only for
//! globally reachable unicast; documentation, benchmarking and the other
//! ranges the registries mark not globally reachable are `reserved`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exposure {
    Loopback,
    Wildcard,
    LinkLocal,
    Private,
    Multicast,
    Reserved,
    Public,
    /// A packet socket bound to one interface other than `lo`: it sees the
    /// frames other hosts send there.
    Interface,
    /// Reachable from this host only: unix sockets, packet sockets that take
    /// no frames.
    Local,
}

impl Exposure {
    pub const ALL: [Exposure; 9] = [
        Exposure::Wildcard,
        Exposure::Public,
        Exposure::Reserved,
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
            Exposure::Reserved => "reserved",
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
    } else if o[0] == 0                                          // 0.0.0.0/8 "this network"
        || (o[0] == 192 && o[1] == 0 && o[2] == 0 && !matches!(o[3], 9 | 10)) // 192.0.0.0/24 but PCP, TURN anycast
        || (o[0] == 192 && o[1] == 0 && o[2] == 2)               // TEST-NET-1
        || (o[0] == 192 && o[1] == 88 && o[2] == 99)             // deprecated 6to4 relay anycast
        || (o[0] == 198 && (o[1] & 0xfe) == 18)                  // 198.18.0.0/15 benchmarking
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)            // TEST-NET-2
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)             // TEST-NET-3
        || o[0] >= 240
    // 240.0.0.0/4 reserved, 255.255.255.255 limited broadcast
    {
        Exposure::Reserved
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
    } else if s[0] & 0xffc0 == 0xfec0 {
        // Deprecated site-local: not globally reachable, a site's own network.
        Exposure::Private
    } else if s[0] & 0xff00 == 0xff00 {
        Exposure::Multicast
    } else if ipv6_globally_reachable(&s) {
        Exposure::Public
    } else {
        Exposure::Reserved
    }
}

/// Global unicast (2000::/3) minus the ranges the IANA registry marks not
/// globally reachable, plus the well-known NAT64 prefix 64:ff9b::/96.
fn ipv6_globally_reachable(s: &[u16; 8]) -> bool {
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return true; // 64:ff9b::/96 (64:ff9b:1::/48 is local-use)
    }
    if s[0] & 0xe000 != 0x2000 {
        return false; // ::/8 and the other unassigned space are reserved by the IETF
    }
    match (s[0], s[1]) {
        // 2001::/23 IETF protocol assignments: Teredo (2001::/32), AMT
        // (2001:3::/32), AS112 (2001:4:112::/48), ORCHIDv2 (2001:20::/28),
        // drone DETs (2001:30::/28) and 2001:1::1..3 are reachable.
        (0x2001, b) if b < 0x200 => {
            b == 0
                || b == 3
                || (b == 4 && s[2] == 0x112)
                || (0x20..=0x3f).contains(&b)
                || (b == 1 && s[2..7] == [0; 5] && (1..=3).contains(&s[7]))
        }
        (0x2001, 0xdb8) => false,           // documentation
        (0x3fff, b) if b < 0x1000 => false, // 3fff::/20 documentation
        _ => true,
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
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Reserved),
            ("8.8.8.8", Public),
            // IANA IPv4 special-purpose registry: not globally reachable.
            ("0.1.2.3", Reserved),
            ("192.0.0.8", Reserved),
            ("192.0.0.9", Public),
            ("192.0.0.10", Public),
            ("192.0.2.2", Reserved),
            ("192.0.3.1", Public),
            ("192.31.196.1", Public),
            ("192.88.99.1", Reserved),
            ("198.17.255.255", Public),
            ("198.18.0.1", Reserved),
            ("198.19.255.255", Reserved),
            ("198.20.0.0", Public),
            ("198.51.100.7", Reserved),
            ("203.0.113.7", Reserved),
            ("203.0.114.1", Public),
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
            ("::2", Reserved),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:127.255.255.255", Loopback),
            ("::ffff:128.0.0.1", Public),
            ("::ffff:0.0.0.0", Wildcard),
            ("::ffff:10.1.2.3", Private),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("fec0::1", Private),
            ("fc00::1", Private),
            ("fdff::1", Private),
            ("fe00::1", Reserved),
            ("ff02::1", Multicast),
            ("2001:db8::1", Reserved),
            ("2a00:1450::1", Public),
            ("2001::1", Public),
            ("2001:2::1", Reserved),
            ("2001:3::1", Public),
            ("2001:4:112::1", Public),
            ("2001:10::1", Reserved),
            ("2001:20::1", Public),
            ("2001:1::1", Public),
            ("2001:1::4", Reserved),
            ("2002::1", Public),
            ("3fff::1", Reserved),
            ("3fff:1000::1", Public),
            ("64:ff9b::808:808", Public),
            ("64:ff9b:1::1", Reserved),
            ("100::1", Reserved),
            ("5f00::1", Reserved),
            ("4000::1", Reserved),
        ] {
            assert_eq!(c(a), want, "{a}");
        }
    }
}
