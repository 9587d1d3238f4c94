//! Pure parsers for the address files of a network namespace: `net/if_inet6`,
//! `net/fib_trie`, `net/route`, `net/dev`, `sys/net/ipv6/bindv6only`, and the
//! command line of a port forwarder (`docker-proxy`). Formats as printed by
//! Linux 6.18 (torvalds/linux e32ac25, checked back to 2.6):
//!
//! - `if_inet6`: `net/ipv6/addrconf.c` `if6_seq_show`,
//!   `"%pi6 %02x %02x %02x %02x %8s\n"`: the address as 32 hex digits in network
//!   order, then ifindex, prefix length, scope and flags, all **hex**, `%02x`
//!   being a minimum width; the name right-aligned.
//! - `fib_trie`: `net/ipv4/fib_trie.c` `fib_trie_seq_show`: per table a
//!   `Main:`/`Local:`/`Id N:` line (`<local>:`/`<main>:` before 2.6.27), inner
//!   nodes `+-- A.B.C.D/N …`, leaves `|-- A.B.C.D`, then one line per alias
//!   `/N SCOPE TYPE[ tos=N]`. A configured address is a `/32 host LOCAL` alias.
//! - `route`: `fib_route_seq_show`, the main table, tab-separated
//!   `"%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u"` padded to 127
//!   columns; the `%08X` words are network-order values printed as host-order
//!   integers, like the socket tables.
//! - `dev`: `net/core/net-procfs.c` `dev_seq_show`: two header lines, then
//!   `"%*s: %7llu …"`, the name right-aligned in 6 columns (older kernels wrote
//!   `eth0:1234` with no blank after the colon).

use std::net::{Ipv4Addr, Ipv6Addr};

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{take_while_m_n, take_while1};
use nom::character::complete::char;

use crate::parse::inet::{ByteOrder, LineError, decode_word};
use crate::parse::lines::Lines;

type Res<'a, O> = IResult<&'a [u8], O>;

fn blank(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r'
}

fn skip_blank(i: &[u8]) -> &[u8] {
    &i[i.iter().take_while(|&&b| blank(b)).count()..]
}

fn err(line: &[u8], at: &[u8], what: &'static str) -> LineError {
    LineError {
        col: line.len() - at.len() + 1,
        what,
    }
}

fn hex_val(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        _ => d - b'A' + 10,
    }
}

/// A hex number of 1..=`max` digits.
fn hex_num(max: usize) -> impl Fn(&[u8]) -> Res<'_, u32> {
    move |i| {
        let (rest, d) = take_while_m_n(1, max, |b: u8| b.is_ascii_hexdigit()).parse(i)?;
        if rest.first().is_some_and(u8::is_ascii_hexdigit) {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::TooLarge,
            )));
        }
        Ok((
            rest,
            d.iter().fold(0, |a, &b| (a << 4) | u32::from(hex_val(b))),
        ))
    }
}

fn dec_u8(i: &[u8]) -> Res<'_, u8> {
    let (rest, d) = take_while_m_n(1, 3, |b: u8| b.is_ascii_digit()).parse(i)?;
    let v = d.iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    match u8::try_from(v) {
        Ok(v) if !rest.first().is_some_and(u8::is_ascii_digit) => Ok((rest, v)),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TooLarge,
        ))),
    }
}

/// Dotted quad `A.B.C.D`.
fn ipv4(i: &[u8]) -> Res<'_, Ipv4Addr> {
    let (i, (a, _, b, _, c, _, d)) = (
        dec_u8,
        char('.'),
        dec_u8,
        char('.'),
        dec_u8,
        char('.'),
        dec_u8,
    )
        .parse(i)?;
    Ok((i, Ipv4Addr::new(a, b, c, d)))
}

/// An interface name as the kernel prints it: up to 15 bytes (IFNAMSIZ - 1),
/// no blank, `/` or `:` (`dev_valid_name`); we only refuse blanks and control
/// bytes, and cap the length.
fn ifname(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|b: u8| b > b' ' && b != 0x7f).parse(i)
}

/// The fields of a row after `i`, separated by blanks: each parsed by
/// `field(k, text)` into `out[k]`; `what[k]` names it in an error.
fn fields<'a>(
    line: &[u8],
    mut i: &'a [u8],
    what: &[&'static str],
    out: &mut [u32],
    field: impl Fn(usize, &'a [u8]) -> Res<'a, u32>,
) -> Result<&'a [u8], LineError> {
    for (k, w) in what.iter().enumerate() {
        let at = skip_blank(i);
        if at.len() == i.len() {
            return Err(err(line, i, w));
        }
        let (r, v) = field(k, at).map_err(|_| err(line, at, w))?;
        out[k] = v;
        i = r;
    }
    Ok(i)
}

/// One row of `net/if_inet6`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct If6Row {
    pub addr: Ipv6Addr,
    pub ifindex: u32,
    pub prefix: u8,
    /// 0x00 global, 0x10 host, 0x20 link, 0x40 site (`IPV6_ADDR_*` scope bits).
    pub scope: u32,
    /// `IFA_F_*`: 0x01 temporary, 0x02 nodad, 0x04 optimistic, 0x08 dadfailed,
    /// 0x20 deprecated, 0x40 tentative, 0x80 permanent.
    pub flags: u32,
    pub ifname: Vec<u8>,
}

pub const IFA_F_DADFAILED: u32 = 0x08;
pub const IFA_F_OPTIMISTIC: u32 = 0x04;
pub const IFA_F_TENTATIVE: u32 = 0x40;

/// Parse one `if_inet6` row: `fe8000000000000000fc00fffe000001 04 40 20 80     eth0`.
pub fn if_inet6_line(line: &[u8]) -> Result<If6Row, LineError> {
    let i = skip_blank(line);
    let (rest, hex) = take_while_m_n(32, 32, |b: u8| b.is_ascii_hexdigit())
        .parse(i)
        .map_err(|_: nom::Err<nom::error::Error<&[u8]>>| {
            err(line, i, "an IPv6 address of 32 hex digits")
        })?;
    let mut bytes = [0u8; 16];
    for (k, pair) in hex.chunks(2).enumerate() {
        bytes[k] = (hex_val(pair[0]) << 4) | hex_val(pair[1]);
    }
    let mut nums = [0u32; 4];
    let what = [
        "a hex interface index",
        "a hex prefix length",
        "a hex scope",
        "hex flags",
    ];
    let i = fields(line, rest, &what, &mut nums, |_, at| hex_num(8)(at))?;
    if nums[1] > 128 {
        return Err(err(line, i, "a prefix length of at most 128"));
    }
    let at = skip_blank(i);
    let (r, name) = ifname(at).map_err(|_| err(line, at, "an interface name"))?;
    if name.len() > 15 {
        return Err(err(line, at, "an interface name of at most 15 bytes"));
    }
    if !skip_blank(r).is_empty() {
        return Err(err(line, r, "the end of the line"));
    }
    Ok(If6Row {
        addr: Ipv6Addr::from(bytes),
        ifindex: nums[0],
        prefix: nums[1] as u8,
        scope: nums[2],
        flags: nums[3],
        ifname: name.to_vec(),
    })
}

/// What an alias line of a `fib_trie` leaf says about its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FibKind {
    /// `/32 host LOCAL`: an address configured in the namespace.
    Local,
    /// `/N host LOCAL` with N < 32: every address of the prefix is local
    /// (`ip route add local 10.9.0.0/24 dev lo`, and 127.0.0.0/8).
    LocalRange(u8),
    /// `/32 link BROADCAST`: a broadcast address of a configured network.
    Broadcast,
}

/// A `fib_trie` file read line by line (it can be large on a router with a
/// full table: the reader streams it): local and broadcast entries in file
/// order, each once, and the malformed lines (1-based number, error).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FibTrie {
    leaf: Option<Ipv4Addr>,
    pub entries: Vec<(Ipv4Addr, FibKind)>,
    pub bad: Vec<(usize, LineError)>,
}

impl FibTrie {
    /// Feed line `n` (1-based).
    pub fn line(&mut self, n: usize, line: &[u8]) {
        let t = skip_blank(line);
        if let Some(r) = t.strip_prefix(b"|-- ") {
            match ipv4(r) {
                Ok((rest, a)) if skip_blank(rest).is_empty() => self.leaf = Some(a),
                _ => {
                    self.leaf = None;
                    self.bad.push((n, err(line, r, "an IPv4 address")));
                }
            }
        } else if let Some(r) = t.strip_prefix(b"/") {
            match fib_alias(r) {
                Ok((plen, _scope, kind)) => {
                    let entry = match (kind, plen) {
                        (b"LOCAL", 32) => Some(FibKind::Local),
                        (b"LOCAL", p) => Some(FibKind::LocalRange(p)),
                        (b"BROADCAST", 32) => Some(FibKind::Broadcast),
                        _ => None,
                    };
                    if let (Some(a), Some(k)) = (self.leaf, entry)
                        && !self.entries.contains(&(a, k))
                    {
                        self.entries.push((a, k));
                    }
                }
                Err(at) => self.bad.push((n, err(line, at, "`/PREFIX SCOPE TYPE`"))),
            }
        } else if t.starts_with(b"+-- ") {
            // An inner node: the leaves below it follow.
        } else if t.is_empty() || t.ends_with(b":") {
            // A table name (`Main:`, `Local:`, `Id 100:`, `<local>:`).
            self.leaf = None;
        } else {
            self.bad
                .push((n, err(line, t, "a `+--`, `|--` or `/N` line")));
        }
    }
}

/// A whole `fib_trie` buffer (tests, fuzzing).
pub fn fib_trie(buf: &[u8]) -> FibTrie {
    let mut t = FibTrie::default();
    for (n, line) in Lines::new(buf).enumerate() {
        t.line(n + 1, line);
    }
    t
}

/// `N SCOPE TYPE[ tos=N]` after the `/` of an alias line.
type Alias<'a> = (u8, &'a [u8], &'a [u8]);

fn fib_alias(r: &[u8]) -> Result<Alias<'_>, &[u8]> {
    let (rest, plen) = dec_u8(r).map_err(|_| r)?;
    if plen > 32 {
        return Err(r);
    }
    let word = |i| take_while1::<_, _, nom::error::Error<&[u8]>>(|b: u8| !blank(b)).parse(i);
    let a = skip_blank(rest);
    if a.len() == rest.len() {
        return Err(rest);
    }
    let (rest, scope) = word(a).map_err(|_| a)?;
    let b = skip_blank(rest);
    if b.len() == rest.len() {
        return Err(rest);
    }
    let (_, kind) = word(b).map_err(|_| b)?;
    Ok((plen, scope, kind))
}

/// A route of `net/route`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub iface: Vec<u8>,
    pub dest: Ipv4Addr,
    pub gateway: Ipv4Addr,
    pub flags: u32,
    pub mask: Ipv4Addr,
}

pub const RTF_GATEWAY: u32 = 0x0002;
pub const RTF_REJECT: u32 = 0x0200;

impl Route {
    /// A route to a directly connected network: it names the interface of the
    /// local addresses inside it.
    pub fn is_connected(&self) -> bool {
        self.flags & (RTF_GATEWAY | RTF_REJECT) == 0 && self.iface != b"*"
    }

    pub fn prefix_len(&self) -> u32 {
        u32::from(self.mask).leading_ones()
    }

    pub fn contains(&self, a: Ipv4Addr) -> bool {
        u32::from(a) & u32::from(self.mask) == u32::from(self.dest) & u32::from(self.mask)
    }
}

/// Parse a `net/route` row (after the header line). `order` is the byte order of
/// the kernel that printed it.
pub fn route_line(line: &[u8], order: ByteOrder) -> Result<Route, LineError> {
    let i = skip_blank(line);
    let (i, iface) = ifname(i).map_err(|_| err(line, i, "an interface name"))?;
    let mut w = [0u32; 7];
    let what = [
        "a hex destination",
        "a hex gateway",
        "hex flags",
        "a reference count",
        "a use count",
        "a metric",
        "a hex mask",
    ];
    fields(line, i, &what, &mut w, |k, at| match k {
        0 | 1 | 6 => hex_num(8)(at),
        2 => hex_num(4)(at),
        // RefCnt, Use, Metric: decimal, possibly negative; not used.
        _ => take_while1(|b: u8| b.is_ascii_digit() || b == b'-')
            .parse(at)
            .map(|(r, _)| (r, 0)),
    })?;
    // MTU, Window, IRTT follow; older kernels had the same eleven columns.
    let v4 = |x: u32| Ipv4Addr::from(decode_word(x, order));
    Ok(Route {
        iface: iface.to_vec(),
        dest: v4(w[0]),
        gateway: v4(w[1]),
        flags: w[2],
        mask: v4(w[6]),
    })
}

/// Interface names of `net/dev` (skipping the two header lines), in file order.
pub fn dev_names(buf: &[u8]) -> (Vec<Vec<u8>>, Vec<(usize, LineError)>) {
    let mut names = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in Lines::new(buf).enumerate().skip(2) {
        let t = skip_blank(line);
        if t.is_empty() {
            continue;
        }
        match memchr::memchr(b':', t) {
            Some(c) if c > 0 && c <= 15 && !t[..c].iter().any(|&b| b <= b' ' || b == 0x7f) => {
                names.push(t[..c].to_vec());
            }
            _ => bad.push((n + 1, err(line, t, "`NAME:` and counters"))),
        }
    }
    (names, bad)
}

/// `sys/net/ipv6/bindv6only`: `0` or `1` and a newline.
pub fn bindv6only(buf: &[u8]) -> Option<bool> {
    match skip_blank(buf.strip_suffix(b"\n").unwrap_or(buf)) {
        b"0" => Some(false),
        b"1" => Some(true),
        _ => None,
    }
}

/// A port a forwarder publishes: what it listens on and where it forwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    pub proto: Vec<u8>,
    pub host_ip: std::net::IpAddr,
    pub host_port: u16,
    pub container_ip: std::net::IpAddr,
    pub container_port: u16,
}

/// The forwarding of a `docker-proxy` command line (NUL-separated argv, as in
/// `/proc/PID/cmdline`): `docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port
/// 8080 -container-ip 172.17.0.2 -container-port 80`. Go's flag package also
/// takes `--flag`, `-flag=value`; `-proto` defaults to tcp and `-host-ip` to
/// the wildcard of the container address's family... it is always given by
/// dockerd, so a missing one is `None`.
pub fn docker_proxy(cmdline: &[u8]) -> Option<Forward> {
    let mut args = cmdline.split(|&b| b == 0).filter(|a| !a.is_empty());
    let argv0 = args.next()?;
    let base = argv0.rsplit(|&b| b == b'/').next()?;
    if base != b"docker-proxy" {
        return None;
    }
    let (mut proto, mut hip, mut hport, mut cip, mut cport) = (None, None, None, None, None);
    let mut pending: Option<&[u8]> = None;
    let parse_ip = |v: &[u8]| {
        std::str::from_utf8(v)
            .ok()?
            .parse::<std::net::IpAddr>()
            .ok()
    };
    let parse_port = |v: &[u8]| std::str::from_utf8(v).ok()?.parse::<u16>().ok();
    for a in args {
        let (key, val) = match pending.take() {
            Some(k) => (k, a),
            None => {
                let Some(flag) = a.strip_prefix(b"--").or_else(|| a.strip_prefix(b"-")) else {
                    continue;
                };
                match memchr::memchr(b'=', flag) {
                    Some(eq) => (&flag[..eq], &flag[eq + 1..]),
                    None => {
                        if matches!(
                            flag,
                            b"proto"
                                | b"host-ip"
                                | b"host-port"
                                | b"container-ip"
                                | b"container-port"
                        ) {
                            pending = Some(flag);
                        }
                        continue;
                    }
                }
            }
        };
        match key {
            b"proto" => proto = Some(val.to_vec()),
            b"host-ip" => hip = parse_ip(val),
            b"host-port" => hport = parse_port(val),
            b"container-ip" => cip = parse_ip(val),
            b"container-port" => cport = parse_port(val),
            _ => {}
        }
    }
    Some(Forward {
        proto: proto.unwrap_or_else(|| b"tcp".to_vec()),
        host_ip: hip?,
        host_port: hport?,
        container_ip: cip?,
        container_port: cport?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a4(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn linux_6_18_if_inet6_host_rows() {
        // testdata/addrs-linux-6.18/host/net/if_inet6 (this machine).
        let r = if_inet6_line(b"fe8000000000000000fc00fffe000001 04 40 20 80     eth0").unwrap();
        assert_eq!(r.addr, "fe80::fc:ff:fe00:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!((r.ifindex, r.prefix, r.scope, r.flags), (4, 64, 0x20, 0x80));
        assert_eq!(r.ifname, b"eth0");
        let lo = if_inet6_line(b"00000000000000000000000000000001 01 80 10 80       lo").unwrap();
        assert_eq!(lo.addr, Ipv6Addr::LOCALHOST);
        assert_eq!((lo.prefix, lo.scope), (128, 0x10));
        let ula = if_inet6_line(b"fd000000000000000000000000000002 04 40 00 82     eth0").unwrap();
        assert_eq!(ula.addr, "fd00::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(ula.flags, 0x82);
    }

    #[test]
    fn linux_6_18_if_inet6_namespace_tentative_link_local() {
        // testdata/addrs-linux-6.18/server: the kernel's own link-local address
        // while DAD runs (0x40 tentative).
        let r = if_inet6_line(b"fe80000000000000640498fffeab8139 02 40 20 c0     eth0").unwrap();
        assert_eq!(r.flags & IFA_F_TENTATIVE, IFA_F_TENTATIVE);
        assert_eq!(r.ifindex, 2);
    }

    #[test]
    fn if_inet6_wide_ifindex_and_long_name() {
        // `%02x` is a minimum width: ifindex 0x1a2 prints three digits.
        let r = if_inet6_line(b"fd770000000000000000000000000001 1a2 40 00 80 veth1234567890a")
            .unwrap();
        assert_eq!(r.ifindex, 0x1a2);
        assert_eq!(r.ifname, b"veth1234567890a");
    }

    #[test]
    fn if_inet6_rejects_malformed() {
        for bad in [
            &b""[..],
            b"fe80 04 40 20 80 eth0",
            b"fe8000000000000000fc00fffe000001 04 40 20 80",
            b"fe8000000000000000fc00fffe000001 04 ff 20 80 eth0",
            b"fe8000000000000000fc00fffe000001 04 40 20 zz eth0",
            b"fe8000000000000000fc00fffe000001 04 40 20 80 eth0 extra",
            b"fe8000000000000000fc00fffe0000011 04 40 20 80 eth0",
            b"fe8000000000000000fc00fffe000001 123456789 40 20 80 eth0",
        ] {
            assert!(
                if_inet6_line(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    const SERVER_FIB_TRIE: &[u8] =
        include_bytes!("../../testdata/addrs-linux-6.18/server/net/fib_trie");

    #[test]
    fn linux_6_18_fib_trie_server_namespace() {
        let FibTrie {
            entries: v, bad, ..
        } = fib_trie(SERVER_FIB_TRIE);
        assert!(bad.is_empty(), "{bad:?}");
        let local: Vec<Ipv4Addr> = v
            .iter()
            .filter(|e| e.1 == FibKind::Local)
            .map(|e| e.0)
            .collect();
        assert_eq!(
            local,
            [
                "10.77.0.1",
                "10.77.0.9",
                "10.79.0.1",
                "10.255.0.1",
                "127.0.0.1",
                "198.18.0.1"
            ]
            .map(a4)
        );
        assert!(v.contains(&(a4("127.0.0.0"), FibKind::LocalRange(8))));
        assert!(v.contains(&(a4("10.77.0.255"), FibKind::Broadcast)));
        // The /24 link UNICAST route of 10.77.0.0 is not an address.
        assert!(!v.iter().any(|e| e.0 == a4("10.77.0.0")));
    }

    #[test]
    fn linux_6_18_fib_trie_lo_down_is_empty() {
        let FibTrie {
            entries: v, bad, ..
        } = fib_trie(include_bytes!(
            "../../testdata/addrs-linux-6.18/lo-down/net/fib_trie"
        ));
        assert!(v.is_empty() && bad.is_empty());
    }

    #[test]
    fn linux_2_6_fib_trie_old_table_names_and_tos() {
        // 2.6.2x (fib_trie.c of that time) printed `<local>:` / `<main>:` and
        // `/%d %s %s` from the leaf info, `tos=%d` after it when set.
        let old = b"<local>:\n  +-- 0.0.0.0/0 2 0 2\n    |-- 127.0.0.1\n      /32 host LOCAL\n    |-- 192.168.1.20\n      /32 host LOCAL\n    |-- 192.168.1.255\n      /32 link BROADCAST\n<main>:\n    |-- 192.168.1.0\n      /24 link UNICAST tos=16\n";
        let FibTrie {
            entries: v, bad, ..
        } = fib_trie(old);
        assert!(bad.is_empty(), "{bad:?}");
        assert!(v.contains(&(a4("192.168.1.20"), FibKind::Local)));
        assert!(v.contains(&(a4("192.168.1.255"), FibKind::Broadcast)));
    }

    #[test]
    fn fib_trie_malformed_leaf_is_reported_and_its_aliases_dropped() {
        let FibTrie {
            entries: v, bad, ..
        } = fib_trie(b"Main:\n  |-- 10.0.0.300\n     /32 host LOCAL\n  |-- 10.0.0.1\n     /32\n");
        assert!(v.is_empty());
        assert_eq!(bad.iter().map(|b| b.0).collect::<Vec<_>>(), vec![2, 5]);
    }

    #[test]
    fn linux_6_18_route_rows_native_order() {
        // testdata/addrs-linux-6.18/host/net/route.
        let lines: Vec<&[u8]> = Lines::new(include_bytes!(
            "../../testdata/addrs-linux-6.18/host/net/route"
        ))
        .collect();
        let def = route_line(lines[1], ByteOrder::Little).unwrap();
        assert_eq!(def.iface, b"eth0");
        assert_eq!(def.gateway, a4("192.0.2.1"));
        assert!(!def.is_connected());
        let net = route_line(lines[2], ByteOrder::Little).unwrap();
        assert_eq!(
            (net.dest, net.mask, net.prefix_len()),
            (a4("192.0.2.0"), a4("255.255.255.0"), 24)
        );
        assert!(
            net.is_connected() && net.contains(a4("192.0.2.2")) && !net.contains(a4("192.0.3.2"))
        );
    }

    #[test]
    fn route_big_endian_words() {
        let r = route_line(
            b"eth0\tC0A80100\t00000000\t0001\t0\t0\t0\tFFFFFF00\t0\t0\t0",
            ByteOrder::Big,
        )
        .unwrap();
        assert_eq!((r.dest, r.prefix_len()), (a4("192.168.1.0"), 24));
    }

    #[test]
    fn route_rejects_malformed() {
        for bad in [
            &b"eth0"[..],
            b"eth0\tZZ\t0\t1\t0\t0\t0\t0",
            b"eth0\t0\t0\t12345\t0\t0\t0\t0",
        ] {
            assert!(route_line(bad, ByteOrder::Little).is_err());
        }
    }

    #[test]
    fn linux_6_18_dev_names_and_old_form() {
        let (n, bad) = dev_names(include_bytes!(
            "../../testdata/addrs-linux-6.18/host/net/dev"
        ));
        assert!(bad.is_empty());
        assert_eq!(
            n,
            vec![
                b"lo".to_vec(),
                b"ifb0".to_vec(),
                b"ifb1".to_vec(),
                b"eth0".to_vec()
            ]
        );
        // 2.4/2.6: no blank after the colon once the counter is wide.
        let old =
            b"Inter-|   Receive\n face |bytes\n  eth0:1234567890 5 0 0 0 0 0 0 1 2 0 0 0 0 0 0\n";
        assert_eq!(dev_names(old).0, vec![b"eth0".to_vec()]);
        assert_eq!(dev_names(b"h1\nh2\n  no colon here\n").1.len(), 1);
    }

    #[test]
    fn bindv6only_values() {
        assert_eq!(bindv6only(b"0\n"), Some(false));
        assert_eq!(bindv6only(b"1\n"), Some(true));
        assert_eq!(bindv6only(b""), None);
        assert_eq!(bindv6only(b"2\n"), None);
    }

    #[test]
    fn docker_proxy_argv_forms() {
        let argv = |a: &[&str]| a.join("\0").into_bytes();
        let f = docker_proxy(&argv(&[
            "/usr/bin/docker-proxy",
            "-proto",
            "tcp",
            "-host-ip",
            "0.0.0.0",
            "-host-port",
            "8080",
            "-container-ip",
            "172.17.0.2",
            "-container-port",
            "80",
            "",
        ]))
        .unwrap();
        assert_eq!(f.host_ip, "0.0.0.0".parse::<std::net::IpAddr>().unwrap());
        assert_eq!((f.host_port, f.container_port), (8080, 80));
        assert_eq!(f.proto, b"tcp");
        let g = docker_proxy(&argv(&[
            "docker-proxy",
            "--proto=udp",
            "-host-ip=::",
            "-host-port=53",
            "-container-ip=172.17.0.3",
            "-container-port=5353",
            "-use-listen-fd",
        ]))
        .unwrap();
        assert_eq!(
            (g.proto.as_slice(), g.host_port, g.container_port),
            (&b"udp"[..], 53, 5353)
        );
        assert!(docker_proxy(&argv(&["/bin/sh", "-host-ip", "0.0.0.0"])).is_none());
        assert!(
            docker_proxy(&argv(&["docker-proxy", "-proto", "tcp", "-host-port", "x"])).is_none()
        );
    }
}
