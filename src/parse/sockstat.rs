//! The kernel's socket counters that `ss -s` prints, per network namespace:
//! `net/sockstat` and `net/sockstat6` (`net/ipv4/proc.c` `sockstat_seq_show`,
//! `net/ipv6/proc.c` `sockstat6_seq_show`) and `CurrEstab` of `net/snmp`.
//!
//! ```text
//! sockets: used 17
//! TCP: inuse 1 orphan 0 tw 2 alloc 1 mem 0
//! UDP: inuse 0 mem 0
//! ```

/// What `ss -s` reads (iproute2 `struct ssummary`, plus UDP-Lite).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// `sockets: used` (every socket of the namespace, any family).
    pub sockets: i64,
    pub tcp_inuse: i64,
    /// Global, not per namespace.
    pub tcp_orphan: i64,
    pub tcp_tw: i64,
    /// Global, not per namespace.
    pub tcp_alloc: i64,
    pub udp: i64,
    pub udplite: i64,
    pub raw: i64,
    pub frag: i64,
    pub tcp6: i64,
    pub udp6: i64,
    pub udplite6: i64,
    pub raw6: i64,
    pub frag6: i64,
    /// `Tcp: CurrEstab` of `net/snmp`.
    pub estab: i64,
}

/// The value after `name` on the line that starts with `section`
/// (`TCP:` `inuse` → the number after `inuse`).
pub fn field(text: &[u8], section: &[u8], name: &[u8]) -> Option<i64> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let mut w = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
        if w.next()? != section {
            return None;
        }
        while let Some(k) = w.next() {
            let v = w.next()?;
            if k == name {
                return super::parse_i64(v);
            }
        }
        None
    })
}

/// A value of `net/snmp`: a header line `Tcp: Name Name …` followed by a
/// value line `Tcp: 1 200 …`.
pub fn snmp(text: &[u8], section: &[u8], name: &[u8]) -> Option<i64> {
    fn words(l: &[u8]) -> Vec<&[u8]> {
        l.split(|&b| b == b' ').filter(|w| !w.is_empty()).collect()
    }
    let mut lines = text.split(|&b| b == b'\n');
    while let Some(head) = lines.next() {
        let h = words(head);
        if h.first() != Some(&section) {
            continue;
        }
        let vals = words(lines.next()?);
        if vals.first() != Some(&section) {
            return None;
        }
        let at = h.iter().position(|&w| w == name)?;
        return super::parse_i64(vals.get(at)?);
    }
    None
}

/// The counters from the three files' contents (missing ones read as empty).
pub fn counters(sockstat: &[u8], sockstat6: &[u8], snmp_text: &[u8]) -> Counters {
    let f = |t, s: &[u8], n: &[u8]| field(t, s, n).unwrap_or(0);
    Counters {
        sockets: f(sockstat, b"sockets:", b"used"),
        tcp_inuse: f(sockstat, b"TCP:", b"inuse"),
        tcp_orphan: f(sockstat, b"TCP:", b"orphan"),
        tcp_tw: f(sockstat, b"TCP:", b"tw"),
        tcp_alloc: f(sockstat, b"TCP:", b"alloc"),
        udp: f(sockstat, b"UDP:", b"inuse"),
        udplite: f(sockstat, b"UDPLITE:", b"inuse"),
        raw: f(sockstat, b"RAW:", b"inuse"),
        frag: f(sockstat, b"FRAG:", b"inuse"),
        tcp6: f(sockstat6, b"TCP6:", b"inuse"),
        udp6: f(sockstat6, b"UDP6:", b"inuse"),
        udplite6: f(sockstat6, b"UDPLITE6:", b"inuse"),
        raw6: f(sockstat6, b"RAW6:", b"inuse"),
        frag6: f(sockstat6, b"FRAG6:", b"inuse"),
        estab: snmp(snmp_text, b"Tcp:", b"CurrEstab").unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured on Linux 6.18 (x86_64), the host namespace.
    const SOCKSTAT: &[u8] = b"sockets: used 17\nTCP: inuse 1 orphan 0 tw 2 alloc 1 mem 0\nUDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n";
    const SOCKSTAT6: &[u8] =
        b"TCP6: inuse 2\nUDP6: inuse 0\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";
    const SNMP: &[u8] = b"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits\nIp: 2 64 1527578 0 0 0 0 0 1527578 1520278 0 0 0 0 0 0 0 0 0 1520278\nIcmpMsg: InType3\nIcmpMsg: 1\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\nTcp: 1 200 120000 -1 251621 251564 3 5 2 1527439 1520147 0 0 21 0\n";

    #[test]
    fn linux_6_18_sockstat_sockstat6_snmp() {
        let c = counters(SOCKSTAT, SOCKSTAT6, SNMP);
        assert_eq!(
            c,
            Counters {
                sockets: 17,
                tcp_inuse: 1,
                tcp_tw: 2,
                tcp_alloc: 1,
                tcp6: 2,
                estab: 2,
                ..Counters::default()
            }
        );
        assert_eq!(snmp(SNMP, b"Tcp:", b"MaxConn"), Some(-1));
        assert_eq!(field(SOCKSTAT, b"FRAG:", b"memory"), Some(0));
    }

    #[test]
    fn missing_and_malformed_read_as_nothing() {
        assert_eq!(counters(b"", b"", b""), Counters::default());
        assert_eq!(field(b"TCP: inuse\n", b"TCP:", b"inuse"), None);
        assert_eq!(field(b"TCP: inuse x\n", b"TCP:", b"inuse"), None);
        assert_eq!(snmp(b"Tcp: CurrEstab\n", b"Tcp:", b"CurrEstab"), None);
        assert_eq!(
            snmp(b"Tcp: CurrEstab\nUdp: 3\n", b"Tcp:", b"CurrEstab"),
            None
        );
        assert_eq!(
            snmp(b"Tcp: A CurrEstab\nTcp: 1\n", b"Tcp:", b"CurrEstab"),
            None
        );
    }
}
