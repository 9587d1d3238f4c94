//! Output: the table and NDJSON writers. Both read a [`View`] and write to any
//! `impl Write`; all escaping of untrusted text happens here (see [`escape`]).

pub mod addresses;
pub mod baseline;
pub mod by_process;
pub mod check;
pub mod diagnostics;
pub mod escape;
pub mod json;
pub mod output;
pub mod prometheus;
pub mod summary;
pub mod table;

use crate::model::map::{ById, IdNames};
use std::net::IpAddr;

use crate::model::exposure::Exposure;
use crate::model::netns::Netns;
use crate::model::owners::{Owner, OwnerIndex, ProcInfo};
use crate::model::reach::{Reach, ReachCtx, SockRef, Why};
use crate::model::socket::{Endpoint, Socket};

/// Why a socket has no listed owner, or that it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerKind {
    /// At least one process holds it.
    Process,
    /// inode ≠ 0, every process visible, and none holds it: a kernel socket.
    Kernel,
    /// Not every process's fds could be read: the holder may be hidden.
    Hidden,
    /// Every fd was read and none holds it, but that does not make it a kernel
    /// socket: not every process is in this /proc (a child PID namespace), or
    /// fds are in flight in unix socket messages. [`View::unseen`] says which.
    Unseen,
    /// inode 0: TIME-WAIT and request sockets belong to no file.
    None,
    /// Owners were not looked up (`--no-processes`).
    NotLooked,
}

impl OwnerKind {
    pub fn name(self) -> Option<&'static str> {
        match self {
            OwnerKind::Process => Some("process"),
            OwnerKind::Kernel => Some("kernel"),
            OwnerKind::Hidden => Some("hidden"),
            OwnerKind::Unseen => Some("no_visible_holder"),
            OwnerKind::None => Some("none"),
            OwnerKind::NotLooked => None,
        }
    }
}

/// Everything the writers need: sockets in output order and what they refer to.
pub struct View<'a> {
    pub sockets: &'a [Socket],
    pub namespaces: &'a [Netns],
    /// `None` with `--no-processes`.
    pub owners: Option<&'a OwnerIndex>,
    pub procs: &'a ById<ProcInfo>,
    pub users: &'a IdNames,
    /// gid → name, for unix socket files.
    pub groups: &'a IdNames,
    /// Every process's fds could be read.
    pub full_visibility: bool,
    /// Why, although every fd could be read, a socket without a holder is not
    /// known to be a kernel socket (a child PID namespace, fds in flight).
    pub unseen: Option<&'a str>,
    pub extended: bool,
    pub header: bool,
    pub color: bool,
    /// Show the Netns column.
    pub netns_column: bool,
    /// Show the Exposure column (exposure and reach) without `-e`: `watch`,
    /// whose events are about who can reach a socket.
    pub exposure_column: bool,
    /// Addresses and published ports, when something needs reach.
    pub reach: Option<&'a ReachCtx>,
}

impl View<'_> {
    pub fn owners_of(&self, s: &Socket) -> &[(u64, Owner)] {
        match self.owners {
            Some(ix) if s.inode != 0 => ix.get(s.inode),
            _ => &[],
        }
    }

    pub fn owner_kind(&self, s: &Socket) -> OwnerKind {
        if self.owners.is_none() {
            OwnerKind::NotLooked
        } else if s.inode == 0 {
            OwnerKind::None
        } else if !self.owners_of(s).is_empty() {
            OwnerKind::Process
        } else if !self.full_visibility {
            OwnerKind::Hidden
        } else if self.unseen.is_some() {
            OwnerKind::Unseen
        } else {
            OwnerKind::Kernel
        }
    }

    /// Why a socket has no listed holder, for JSON's `owner_reason`.
    pub fn owner_reason(&self, s: &Socket) -> Option<&str> {
        match self.owner_kind(s) {
            OwnerKind::Unseen => self.unseen,
            _ => None,
        }
    }

    pub fn ns(&self, s: &Socket) -> &Netns {
        &self.namespaces[s.ns as usize]
    }

    pub fn exposure(&self, s: &Socket) -> Exposure {
        s.exposure()
    }

    /// "host" for the host namespace, "netns" for any other (a container's
    /// wildcard is not host exposure).
    pub fn scope(&self, s: &Socket) -> &'static str {
        if self.ns(s).host { "host" } else { "netns" }
    }

    /// Who can reach `s` (`None` when reach was not computed for this run).
    pub fn reach(&self, s: &Socket) -> Option<(Reach, Option<Why>)> {
        Some(self.reach?.verdict(&SockRef::of(s)))
    }

    pub fn user_name(&self, uid: u32) -> Option<&str> {
        self.users.get(&uid).map(String::as_str)
    }
}

/// ss's local address of a packet socket: `PROTO:IFACE` (`*` for ETH_P_ALL and
/// for every interface, `[N]` for a protocol ss has no name for, `ifN` for an
/// interface no file of the namespace names).
pub fn push_packet_local(out: &mut String, protocol: u16, ifindex: u32, ifname: Option<&[u8]>) {
    match crate::parse::kinds::ethertype_name(protocol) {
        Some(n) => out.push_str(n),
        None => {
            out.push('[');
            push_u64(out, protocol.into());
            out.push(']');
        }
    }
    out.push(':');
    match (ifindex, ifname) {
        (0, _) => out.push('*'),
        (_, Some(n)) => out.push_str(&escape::terminal(n)),
        (i, None) => {
            out.push_str("if");
            push_u64(out, i.into());
        }
    }
}

/// Who may connect to a unix socket, in words (the table's Access column).
pub fn push_access(v: &View<'_>, access: crate::model::kinds::Access, out: &mut String) {
    use crate::model::kinds::Access;
    let group = |out: &mut String, g: u32| match v.groups.get(&g) {
        Some(n) => out.push_str(&escape::terminal(n.as_bytes())),
        None => push_u64(out, g.into()),
    };
    match access {
        Access::Anyone => out.push_str("anyone"),
        Access::Group(g) => {
            out.push_str("group ");
            group(out, g);
        }
        Access::Groups(a, b) => {
            out.push_str("groups ");
            group(out, a);
            out.push('+');
            group(out, b);
        }
        Access::Owner(u) => {
            out.push_str("owner ");
            match v.user_name(u) {
                Some(n) => out.push_str(&escape::terminal(n.as_bytes())),
                None => push_u64(out, u.into()),
            }
        }
        Access::Root => out.push_str("root only"),
        Access::Netns => out.push_str("anyone in this network namespace"),
        Access::Gone => out.push_str("nobody (path gone)"),
        Access::Unknown(why) if v.extended => {
            out.push_str("unknown: ");
            out.push_str(why);
        }
        Access::Unknown(_) => out.push_str("unknown"),
        Access::Unnamed => out.push('-'),
    }
}

/// Write one diagnostic line (an error, a warning, a notice) to `err`, made
/// safe for a terminal by [`escape::message`]: whatever a message quotes from
/// outside, no control or invisible character reaches stderr raw.
pub fn diag(err: &mut dyn std::io::Write, line: &str) {
    let mut s = escape::message(line.as_bytes());
    s.push('\n');
    let _ = err.write_all(s.as_bytes());
}

/// Address text without brackets (JSON `local_addr`).
pub fn addr_text(ip: IpAddr) -> String {
    let mut s = String::with_capacity(16);
    push_ip(&mut s, ip);
    s
}

/// `addr:port` as ss prints it: IPv6 in brackets, port 0 as `*`.
pub fn push_endpoint(s: &mut String, e: &Endpoint) {
    match e.ip {
        IpAddr::V4(_) => push_ip(s, e.ip),
        IpAddr::V6(_) => {
            s.push('[');
            push_ip(s, e.ip);
            s.push(']');
        }
    }
    if e.port == 0 {
        s.push_str(":*");
    } else {
        s.push(':');
        push_u64(s, e.port.into());
    }
}

/// An address as core's `Display` writes it (RFC 5952 for IPv6: lower-case
/// hex, the first longest run of two or more zero groups as `::`, an
/// IPv4-mapped address as `::ffff:a.b.c.d`), by hand: core's goes through
/// the formatting machinery, which cost more than parsing the row, and its
/// code is larger (README, "Size").
pub fn push_ip(s: &mut String, ip: IpAddr) {
    let v6 = match ip {
        IpAddr::V4(a) => return push_v4(s, a.octets()),
        IpAddr::V6(a) => a,
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        s.push_str("::ffff:");
        return push_v4(s, v4.octets());
    }
    let g = v6.segments();
    // The first longest run of zero groups: (start, length).
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, &x) in g.iter().enumerate() {
        run = if x != 0 {
            (i + 1, 0)
        } else {
            (run.0, run.1 + 1)
        };
        if run.1 > best.1 {
            best = run;
        }
    }
    let hex = |s: &mut String, groups: &[u16]| {
        for (i, &x) in groups.iter().enumerate() {
            if i > 0 {
                s.push(':');
            }
            let digits = (16 - (x | 1).leading_zeros() as usize).div_ceil(4);
            for k in (0..digits).rev() {
                s.push(char::from(
                    b"0123456789abcdef"[usize::from(x >> (4 * k)) & 15],
                ));
            }
        }
    };
    if best.1 > 1 {
        hex(s, &g[..best.0]);
        s.push_str("::");
        hex(s, &g[best.0 + best.1..]);
    } else {
        hex(s, &g);
    }
}

fn push_v4(s: &mut String, [a, b, c, d]: [u8; 4]) {
    push_u64(s, a.into());
    for x in [b, c, d] {
        s.push('.');
        push_u64(s, x.into());
    }
}

/// Append a number in decimal (a hot path of big tables: no formatting
/// machinery, 32-bit division when the value allows).
pub fn push_u64(s: &mut String, v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut small = match u32::try_from(v) {
        Ok(x) => x,
        Err(_) => {
            let mut v = v;
            while v > u64::from(u32::MAX) {
                i -= 1;
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            v as u32
        }
    };
    loop {
        i -= 1;
        buf[i] = b'0' + (small % 10) as u8;
        small /= 10;
        if small == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        s.push(char::from(d));
    }
}

/// `1 listener`, `2 listeners`.
pub fn listeners(n: usize) -> String {
    format!("{n} listener{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_numbers_as_display_writes_them() {
        for (ip, port) in [
            ("0.0.0.0", 0u16),
            ("127.0.0.1", 8080),
            ("255.255.255.255", 65535),
            ("10.0.0.5", 1),
            ("::", 0),
            ("::ffff:127.0.0.1", 22),
            ("fe80::1", 443),
            ("::1", 53),
            ("::127.0.0.1", 53),
            ("1::", 2),
            ("1:0:0:2::3", 2),
            ("1:0:2:0:3:0:4:0", 2),
            ("2001:db8:0:0:1:0:0:1", 80),
            ("2001:db8:85a3:8d3:1319:8a2e:370:7348", 443),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1),
            ("0:0:1::", 1),
            ("a:b0:c00:d000::", 1),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let mut s = String::new();
            push_endpoint(&mut s, &Endpoint { ip, port });
            let want = match (ip, port) {
                (IpAddr::V4(a), 0) => format!("{a}:*"),
                (IpAddr::V4(a), p) => format!("{a}:{p}"),
                (IpAddr::V6(a), 0) => format!("[{a}]:*"),
                (IpAddr::V6(a), p) => format!("[{a}]:{p}"),
            };
            assert_eq!(s, want);
            assert_eq!(addr_text(ip), ip.to_string());
        }
        for v in [0u64, 9, 10, 4294967295, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }
}
