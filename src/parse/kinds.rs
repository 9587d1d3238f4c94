//! Pure parsers for the tables of the other socket kinds: packet sockets
//! (`net/packet`), unix sockets (`net/unix`), SCTP endpoints and associations
//! (`net/sctp/eps`, `net/sctp/assocs`), and the interface index → name lists
//! (`net/dev_mcast`, `net/igmp`, `net/if_inet6`). No I/O here.
//!
//! Formats, as read in torvalds/linux (mainline as of 2026; the formats have not
//! changed since the 2.6 kernels except where noted):
//! - `net/packet/af_packet.c`, `packet_seq_show`:
//!   `"%pK %-6d %-4d %04x   %-5d %1d %-6u %-6u %-6lu\n"` = sk, RefCnt, Type
//!   (decimal `SOCK_*`), Proto (`ntohs(po->num)`, 4 hex digits), Iface (ifindex,
//!   0 = every interface), R (running), Rmem, User, Inode.
//! - `net/unix/af_unix.c`, `unix_seq_show`: `"%pK: %08X %08X %08X %04X %02X %5lu"`
//!   = Num, RefCount, Protocol (always 0), Flags (`__SO_ACCEPTCON` = 0x10000 when
//!   listening), Type, St (`SS_*`), Inode; then, for a bound socket, one space and
//!   the name byte by byte: a path without its final NUL, or `@` and the abstract
//!   name, every NUL byte printed as `@`, nothing else escaped (a newline in a name
//!   ends the line early and the rest reads like another row).
//! - `net/sctp/proc.c`, `sctp_eps_seq_show`: `"%8pK %8pK %-3d %-3d %-4d %-5d %5u %5lu "`
//!   = ENDPT, SOCK, STY, SST, HBKT, LPORT, UID, INODE, then every valid local
//!   address, each `"%pI4 "` or `"%pI6 "` (`net/sctp/protocol.c`, `net/sctp/ipv6.c`).
//! - `net/sctp/proc.c`, `sctp_assocs_seq_show`: `"%8pK %8pK %-3d %-3d %-2d %-4d %4d
//!   %8d %8d %7u %5lu %-5d %5d "` = ASSOC, SOCK, STY, SST, ST, HBKT, ASSOC-ID,
//!   TX_QUEUE, RX_QUEUE, UID, INODE, LPORT, RPORT; then `" "`, the local addresses
//!   (the primary path's source prefixed with `*`), `"<-> "`, the remote addresses
//!   (the primary prefixed with `*`), and since Linux 2.6.3x a tab and counters.

use std::net::IpAddr;

use crate::parse::inet::{LineError, dec_u64};

/// Whitespace between fields ('\r' too: a table copied through CRLF still parses).
fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r'
}

/// Fields of a line, each with its 1-based column for error messages.
struct Fields<'a> {
    line: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(line: &'a [u8]) -> Self {
        Fields { line, pos: 0 }
    }

    fn skip_sep(&mut self) {
        while self.pos < self.line.len() && is_sep(self.line[self.pos]) {
            self.pos += 1;
        }
    }

    /// The next field, or `None` at the end of the line.
    fn try_next(&mut self) -> Option<(&'a [u8], usize)> {
        self.skip_sep();
        let start = self.pos;
        while self.pos < self.line.len() && !is_sep(self.line[self.pos]) {
            self.pos += 1;
        }
        (self.pos > start).then(|| (&self.line[start..self.pos], start + 1))
    }

    fn next(&mut self, what: &'static str) -> Result<(&'a [u8], usize), LineError> {
        let col = self.pos + 1;
        self.try_next().ok_or(LineError { col, what })
    }

    fn dec(&mut self, what: &'static str) -> Result<u64, LineError> {
        let (t, col) = self.next(what)?;
        dec_all(t).ok_or(LineError { col, what })
    }

    /// A decimal that the kernel prints with `%d`: a minus sign is accepted and
    /// the value must fit `max`.
    fn dec_max(&mut self, what: &'static str, max: u64) -> Result<u64, LineError> {
        let (t, col) = self.next(what)?;
        dec_all(t)
            .filter(|&v| v <= max)
            .ok_or(LineError { col, what })
    }

    fn signed(&mut self, what: &'static str) -> Result<i64, LineError> {
        let (t, col) = self.next(what)?;
        let (neg, digits) = match t.strip_prefix(b"-") {
            Some(d) => (true, d),
            None => (false, t),
        };
        let v = dec_all(digits)
            .and_then(|v| i64::try_from(v).ok())
            .ok_or(LineError { col, what })?;
        Ok(if neg { -v } else { v })
    }

    fn hex(&mut self, what: &'static str, max_digits: usize) -> Result<u64, LineError> {
        let (t, col) = self.next(what)?;
        hex_all(t, max_digits).ok_or(LineError { col, what })
    }
}

/// Every byte a decimal digit, no overflow.
fn dec_all(t: &[u8]) -> Option<u64> {
    match dec_u64(t) {
        Ok((b"", v)) => Some(v),
        _ => None,
    }
}

/// Every byte a hex digit, at most `max` of them.
fn hex_all(t: &[u8], max: usize) -> Option<u64> {
    if t.is_empty() || t.len() > max {
        return None;
    }
    t.iter().try_fold(0u64, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some((acc << 4) | u64::from(d))
    })
}

/// A kernel pointer printed with `%pK` (zeroed or hashed: never an identity).
const PTR_DIGITS: usize = 16;

/// A row of `/proc/net/packet`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketRow {
    /// `SOCK_RAW` (3), `SOCK_DGRAM` (2), or `SOCK_PACKET` (10, the obsolete kind).
    pub sock_type: u16,
    /// Ethertype in host order: 0x0003 `ETH_P_ALL` (every frame), 0 (none yet).
    pub protocol: u16,
    /// Interface index; 0 = every interface.
    pub ifindex: u32,
    /// Hooked into the receive path (R = 1).
    pub running: bool,
    pub rmem: u32,
    pub uid: u32,
    pub inode: u64,
}

/// Parse one data line of `/proc/net/packet` (not the header).
pub fn packet_line(line: &[u8]) -> Result<PacketRow, LineError> {
    let mut f = Fields::new(line);
    f.hex("socket pointer in hex", PTR_DIGITS)?;
    f.signed("RefCnt (decimal)")?;
    let sock_type = f.dec_max("Type (decimal SOCK_* number)", u64::from(u16::MAX))? as u16;
    let protocol = f.hex("Proto (4 hex digits)", 4)? as u16;
    let ifindex = f.dec_max("Iface (decimal interface index)", u64::from(u32::MAX))? as u32;
    let running = f.dec_max("R (0 or 1)", 1)? == 1;
    let rmem = f.dec_max("Rmem (decimal)", u64::from(u32::MAX))? as u32;
    let uid = f.dec_max("User (decimal uid)", u64::from(u32::MAX))? as u32;
    let inode = f.dec("Inode (decimal)")?;
    Ok(PacketRow {
        sock_type,
        protocol,
        ifindex,
        running,
        rmem,
        uid,
        inode,
    })
}

/// `sun_path` is 108 bytes: a printed name (with its `@` for an abstract one)
/// is never longer.
pub const UNIX_NAME_MAX: usize = 108;

/// `__SO_ACCEPTCON`: the socket listens.
pub const UNIX_ACCEPTCON: u32 = 1 << 16;

/// A row of `/proc/net/unix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixRow<'a> {
    pub refcnt: u32,
    pub flags: u32,
    /// `SOCK_STREAM` (1), `SOCK_DGRAM` (2), `SOCK_SEQPACKET` (5).
    pub sock_type: u16,
    /// `SS_UNCONNECTED` (1), `SS_CONNECTING` (2), `SS_CONNECTED` (3),
    /// `SS_DISCONNECTING` (4).
    pub st: u8,
    pub inode: u64,
    /// The name as printed: a path, or `@` and an abstract name (NULs as `@`);
    /// `None` for an unbound socket.
    pub name: Option<&'a [u8]>,
}

impl UnixRow<'_> {
    pub fn listening(&self) -> bool {
        self.flags & UNIX_ACCEPTCON != 0
    }
}

/// Parse one data line of `/proc/net/unix` (not the header).
pub fn unix_line(line: &[u8]) -> Result<UnixRow<'_>, LineError> {
    let mut f = Fields::new(line);
    let (num, col) = f.next("socket pointer followed by ':'")?;
    let bad_num = LineError {
        col,
        what: "socket pointer followed by ':'",
    };
    let ptr = num.strip_suffix(b":").ok_or(bad_num.clone())?;
    hex_all(ptr, PTR_DIGITS).ok_or(bad_num)?;
    let refcnt = f.hex("RefCount (8 hex digits)", 8)? as u32;
    f.hex("Protocol (8 hex digits)", 8)?;
    let flags = f.hex("Flags (8 hex digits)", 8)? as u32;
    let sock_type = f.hex("Type (4 hex digits)", 4)? as u16;
    let st = f.hex("St (2 hex digits)", 2)? as u8;
    let inode = f.dec("Inode (decimal)")?;
    // The name is the rest of the line after exactly one space: it may itself
    // start with or contain spaces.
    let rest = &line[f.pos..];
    let name = match rest {
        [] => None,
        [b' ', name @ ..] if !name.is_empty() && name != b"\r" => Some(name),
        // Trailing padding or a CRLF line end: no name.
        _ if rest.iter().all(|&b| is_sep(b)) => None,
        _ => {
            return Err(LineError {
                col: f.pos + 1,
                what: "one space before the socket name",
            });
        }
    };
    if let Some(n) = name
        && n.len() > UNIX_NAME_MAX
    {
        return Err(LineError {
            col: f.pos + 2,
            what: "a socket name of at most 108 bytes",
        });
    }
    Ok(UnixRow {
        refcnt,
        flags,
        sock_type,
        st,
        inode,
        name,
    })
}

/// An address as `%pI4` (dotted quad) or `%pI6` (eight groups of four hex digits)
/// prints it.
fn sctp_addr(t: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(t).ok()?;
    // std accepts both forms, and also shorter IPv6 forms the kernel never prints.
    if s.len() > 39 {
        return None;
    }
    s.parse().ok()
}

/// A row of `/proc/net/sctp/eps`: one endpoint (a bound, listening SCTP socket).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SctpEpRow {
    /// `sctp_sk(sk)->type`: 0 one-to-many (`SOCK_SEQPACKET`), 2 one-to-one
    /// (`SOCK_STREAM`).
    pub sty: u8,
    /// `sk->sk_state`, a TCP state number (0x0A LISTEN).
    pub sst: u8,
    pub lport: u16,
    pub uid: u32,
    pub inode: u64,
    /// Every local address the endpoint is bound to (several when multi-homed).
    pub laddrs: Vec<IpAddr>,
}

fn sctp_head(f: &mut Fields<'_>, what_first: &'static str) -> Result<(u8, u8), LineError> {
    f.hex(what_first, PTR_DIGITS)?;
    f.hex("socket pointer in hex", PTR_DIGITS)?;
    let sty = f.dec_max("STY (decimal)", 255)? as u8;
    let sst = f.dec_max("SST (decimal)", 255)? as u8;
    Ok((sty, sst))
}

/// Parse one data line of `/proc/net/sctp/eps` (not the header).
pub fn sctp_ep_line(line: &[u8]) -> Result<SctpEpRow, LineError> {
    let mut f = Fields::new(line);
    let (sty, sst) = sctp_head(&mut f, "endpoint pointer in hex")?;
    f.dec("HBKT (decimal)")?;
    let lport = f.dec_max("LPORT (decimal)", u64::from(u16::MAX))? as u16;
    let uid = f.dec_max("UID (decimal)", u64::from(u32::MAX))? as u32;
    let inode = f.dec("INODE (decimal)")?;
    let mut laddrs = Vec::new();
    while let Some((t, col)) = f.try_next() {
        laddrs.push(sctp_addr(t).ok_or(LineError {
            col,
            what: "a local IPv4 or IPv6 address",
        })?);
    }
    if laddrs.is_empty() {
        return Err(LineError {
            col: line.len() + 1,
            what: "at least one local address",
        });
    }
    Ok(SctpEpRow {
        sty,
        sst,
        lport,
        uid,
        inode,
        laddrs,
    })
}

/// A row of `/proc/net/sctp/assocs`: one association.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SctpAssocRow {
    pub sty: u8,
    pub sst: u8,
    /// `enum sctp_state`: 0 CLOSED, 1 COOKIE_WAIT, 2 COOKIE_ECHOED, 3 ESTABLISHED,
    /// 4 SHUTDOWN_PENDING, 5 SHUTDOWN_SENT, 6 SHUTDOWN_RECEIVED, 7 SHUTDOWN_ACK_SENT.
    pub st: u8,
    pub assoc_id: u32,
    pub tx_queue: u32,
    pub rx_queue: u32,
    pub uid: u32,
    pub inode: u64,
    pub lport: u16,
    pub rport: u16,
    /// Local addresses, the primary path's source marked `true`.
    pub laddrs: Vec<(IpAddr, bool)>,
    /// Peer addresses, the primary marked `true`.
    pub raddrs: Vec<(IpAddr, bool)>,
}

impl SctpAssocRow {
    /// The primary peer address (the first one when none is marked).
    pub fn primary_peer(&self) -> Option<IpAddr> {
        self.raddrs
            .iter()
            .find(|a| a.1)
            .or(self.raddrs.first())
            .map(|a| a.0)
    }
}

/// Parse one data line of `/proc/net/sctp/assocs` (not the header).
pub fn sctp_assoc_line(line: &[u8]) -> Result<SctpAssocRow, LineError> {
    let mut f = Fields::new(line);
    let (sty, sst) = sctp_head(&mut f, "association pointer in hex")?;
    let st = f.dec_max("ST (decimal)", 255)? as u8;
    f.dec("HBKT (decimal)")?;
    let assoc_id = f.signed("ASSOC-ID (decimal)")? as u32;
    let tx_queue = f.signed("TX_QUEUE (decimal)")?.max(0) as u32;
    let rx_queue = f.signed("RX_QUEUE (decimal)")?.max(0) as u32;
    let uid = f.dec_max("UID (decimal)", u64::from(u32::MAX))? as u32;
    let inode = f.dec("INODE (decimal)")?;
    let lport = f.dec_max("LPORT (decimal)", u64::from(u16::MAX))? as u16;
    let rport = f.dec_max("RPORT (decimal)", u64::from(u16::MAX))? as u16;
    let mut laddrs = Vec::new();
    let mut raddrs = Vec::new();
    let mut remote = false;
    while let Some((t, col)) = f.try_next() {
        if t == b"<->" && !remote {
            remote = true;
            continue;
        }
        let (primary, a) = match t.strip_prefix(b"*") {
            Some(a) => (true, a),
            None => (false, t),
        };
        match sctp_addr(a) {
            Some(ip) if remote => raddrs.push((ip, primary)),
            Some(ip) => laddrs.push((ip, primary)),
            // The counters after the remote addresses (newer kernels).
            None if remote && !raddrs.is_empty() => break,
            None => {
                return Err(LineError {
                    col,
                    what: if remote {
                        "a remote IPv4 or IPv6 address"
                    } else {
                        "a local IPv4 or IPv6 address, or '<->'"
                    },
                });
            }
        }
    }
    if laddrs.is_empty() || raddrs.is_empty() {
        return Err(LineError {
            col: line.len() + 1,
            what: "local addresses '<->' remote addresses",
        });
    }
    Ok(SctpAssocRow {
        sty,
        sst,
        st,
        assoc_id,
        tx_queue,
        rx_queue,
        uid,
        inode,
        lport,
        rport,
        laddrs,
        raddrs,
    })
}

/// A valid interface name (`dev_valid_name`: 1–15 bytes, no '/', ':' or blank).
fn ifname(t: &[u8]) -> Option<&[u8]> {
    let ok = !t.is_empty()
        && t.len() < 16
        && t != b"."
        && t != b".."
        && t.iter()
            .all(|&b| b > b' ' && b != b'/' && b != b':' && b != 0x7f);
    ok.then_some(t)
}

/// Interface index → name pairs from one of the per-namespace files that list
/// them. `net/dev_mcast` (`net/core/dev_addr_lists.c`, `dev_mc_seq_show`:
/// `"%-4d %-15s %-5d %-5d %*phN\n"`, no header); `net/igmp` (`net/ipv4/igmp.c`,
/// `igmp_mc_seq_show`: a header, then per device `"%d\t%-10s: %5d %7s\n"` and
/// group lines starting with a tab); `net/if_inet6` (`net/ipv6/addrconf.c`,
/// `if6_seq_show`: `"%pi6 %02x %02x %02x %02x %8s\n"`, the index in hex).
/// Lines that do not have the shape are skipped: these files only help naming.
pub fn ifindex_names(file: IfFile, data: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut out: Vec<(u32, Vec<u8>)> = Vec::new();
    for line in crate::parse::lines::Lines::new(data) {
        let mut f = Fields::new(line);
        let pair = match file {
            IfFile::DevMcast => (|| {
                let ix = dec_all(f.try_next()?.0)?;
                Some((ix, ifname(f.try_next()?.0)?))
            })(),
            IfFile::Igmp => (|| {
                if line.first() == Some(&b'\t') {
                    return None;
                }
                let ix = dec_all(f.try_next()?.0)?;
                let name = f.try_next()?.0;
                // "%-10s:" — the colon follows the padded name, or the name
                // directly when it is 10 bytes or longer.
                let name = name.strip_suffix(b":").unwrap_or(name);
                Some((ix, ifname(name)?))
            })(),
            IfFile::IfInet6 => (|| {
                let addr = f.try_next()?.0;
                if addr.len() != 32 {
                    return None;
                }
                let ix = hex_all(f.try_next()?.0, 8)?;
                for _ in 0..3 {
                    f.try_next()?;
                }
                Some((ix, ifname(f.try_next()?.0)?))
            })(),
        };
        if let Some((ix, name)) = pair
            && let Ok(ix) = u32::try_from(ix)
            && !out.iter().any(|(i, _)| *i == ix)
        {
            out.push((ix, name.to_vec()));
        }
    }
    out
}

/// Which file [`ifindex_names`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfFile {
    DevMcast,
    Igmp,
    IfInet6,
}

/// The name `ss` gives a packet socket's protocol (iproute2 `lib/ll_proto.c`,
/// `ll_proto_n2a`, first match in `llproto_names`; ss prints `*` for
/// `ETH_P_ALL`), or `None` where ss prints the number as `[N]`.
pub fn ethertype_name(p: u16) -> Option<&'static str> {
    Some(match p {
        0x0003 => "*",
        0x0060 => "loop",
        0x0200 => "pup",
        0x0201 => "pupat",
        0x0800 => "ip",
        0x0805 => "x25",
        0x0806 => "arp",
        0x08FF => "bpq",
        0x0a00 => "ieeepup",
        0x0a01 => "ieeepupat",
        0x6000 => "dec",
        0x6001 => "dna_dl",
        0x6002 => "dna_rc",
        0x6003 => "dna_rt",
        0x6004 => "lat",
        0x6005 => "diag",
        0x6006 => "cust",
        0x6007 => "sca",
        0x8035 => "rarp",
        0x809B => "atalk",
        0x80F3 => "aarp",
        0x8137 => "ipx",
        0x86DD => "ipv6",
        0x8863 => "ppp_disc",
        0x8864 => "ppp_ses",
        0x884c => "atmmpoa",
        0x8884 => "atmfate",
        0x0001 => "802_3",
        0x0002 => "ax25",
        0x0004 => "802_2",
        0x0005 => "snap",
        0x0006 => "ddcmp",
        0x0007 => "wan_ppp",
        0x0008 => "ppp_mp",
        0x0009 => "localtalk",
        0x000C => "can",
        0x0010 => "ppptalk",
        0x0011 => "tr_802_2",
        0x0015 => "mobitex",
        0x0016 => "control",
        0x0017 => "irda",
        0x0018 => "econet",
        0x88CA => "tipc",
        0x8892 => "profinet",
        0x88A2 => "aoe",
        0x88A4 => "ethercat",
        0x8100 => "802.1Q",
        0x88A8 => "802.1ad",
        0x8847 => "mpls_uc",
        0x8848 => "mpls_mc",
        0x6558 => "teb",
        0x8902 => "cfm",
        0x88cc => "LLDP",
        _ => return None,
    })
}

#[cfg(test)]
#[path = "kinds_tests.rs"]
mod tests;
