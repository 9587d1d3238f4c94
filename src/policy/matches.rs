//! Whether a rule allows one socket, decided from plain facts about it
//! ([`Subject`]), so matching is tested without /proc.

use std::net::IpAddr;

use super::{Addr, NetnsSel, Ports, Rule, UserSel, canonical};
use crate::model::exposure::{Exposure, classify};
use crate::model::owners::ExeId;
use crate::model::socket::{Family, Proto};
use crate::parse::policy::mask;

/// The namespace of a socket, as far as rules can tell.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetnsFacts<'a> {
    /// The host namespace (PID 1's; or every namespace when PID 1's is unknown).
    pub host: bool,
    pub inode: Option<u64>,
    pub name: Option<&'a str>,
    pub container: Option<&'a str>,
}

/// One process holding a socket.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcFacts<'a> {
    pub comm: &'a [u8],
    /// Without ` (deleted)`.
    pub exe: Option<&'a [u8]>,
    /// What `exe=` compares: the running file's identity (live), or the
    /// path text (a fixture tree).
    pub exe_id: ExeId,
    pub uid: Option<u32>,
    pub user: Option<&'a str>,
}

/// One socket with what rules look at.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub proto: Proto,
    pub family: Family,
    pub ip: IpAddr,
    pub port: u16,
    pub netns: NetnsFacts<'a>,
    /// Every visible process holding it (none: a kernel socket, or hidden).
    pub procs: Vec<ProcFacts<'a>>,
}

fn is_hex_prefix(v: &[u8]) -> bool {
    v.iter().all(u8::is_ascii_hexdigit)
}

impl Rule {
    /// Whether the rule names a process (comm=, exe= or user=): it can only match
    /// sockets whose holders are visible.
    pub fn names_process(&self) -> bool {
        self.comm.is_some() || self.exe.is_some() || self.user.is_some()
    }

    /// Whether it can only ever match loopback sockets (checked only with
    /// `--include-loopback`).
    pub fn only_loopback(&self) -> bool {
        match &self.addr {
            Addr::Any => false,
            Addr::Class(c) => *c == Exposure::Loopback,
            Addr::Ip(ip) => classify(*ip) == Exposure::Loopback,
            Addr::Net(ip, len) => match ip {
                IpAddr::V4(a) => a.octets()[0] == 127 && *len >= 8,
                IpAddr::V6(a) => a.is_loopback() && *len == 128,
            },
        }
    }

    /// Whether the rule can match a socket of one of `protos` × `families`.
    pub fn applies_to(&self, protos: &[Proto], families: &[Family]) -> bool {
        self.proto.is_none_or(|p| protos.contains(&p))
            && self.family.is_none_or(|f| families.contains(&f))
    }

    /// Whether the rule allows the socket. Every part of the rule must match; the
    /// process qualifiers (comm=, exe=, user=) must all match one holder, and a
    /// socket held by several processes matches when any one of them does.
    pub fn matches(&self, s: &Subject<'_>) -> bool {
        self.proto.is_none_or(|p| p == s.proto)
            && self.family.is_none_or(|f| f == s.family)
            && self.port_matches(s.port)
            && self.addr_matches(s.ip)
            && self.netns_matches(&s.netns)
            && (!self.names_process() || s.procs.iter().any(|p| self.proc_matches(p)))
    }

    fn port_matches(&self, port: u16) -> bool {
        match &self.ports {
            Ports::Any => true,
            Ports::List(l) => l.iter().any(|&(lo, hi)| (lo..=hi).contains(&port)),
        }
    }

    fn addr_matches(&self, ip: IpAddr) -> bool {
        match self.addr {
            Addr::Any => true,
            Addr::Class(c) => classify(ip) == c,
            Addr::Ip(a) => canonical(a) == canonical(ip),
            Addr::Net(net, len) => {
                let ip = canonical(ip);
                ip.is_ipv4() == net.is_ipv4() && mask(ip, len) == net
            }
        }
    }

    fn netns_matches(&self, n: &NetnsFacts<'_>) -> bool {
        let ns_ok = match &self.netns {
            None => true,
            Some(NetnsSel::Host) => n.host,
            Some(NetnsSel::Inode(i)) => n.inode == Some(*i),
            Some(NetnsSel::Name(want)) => n.name.is_some_and(|x| x.as_bytes() == &want[..]),
        };
        let container_ok = match &self.container {
            None => true,
            Some(want) => n.container.is_some_and(|c| {
                let c = c.as_bytes();
                if is_hex_prefix(want) {
                    c.len() >= want.len() && c[..want.len()].eq_ignore_ascii_case(want)
                } else {
                    c == &want[..]
                }
            }),
        };
        ns_ok && container_ok
    }

    fn proc_matches(&self, p: &ProcFacts<'_>) -> bool {
        self.comm.as_ref().is_none_or(|c| p.comm == &c[..])
            && self.exe.as_ref().is_none_or(|e| match p.exe_id {
                // The file the kernel runs, never the path it shows: a bind
                // mount in a private mount namespace makes any path show any
                // binary, and a deleted or replaced file is not the one named.
                ExeId::File { dev, ino } => self.exe_file == Some((dev, ino)),
                ExeId::PathOnly => p.exe == Some(&e[..]),
                ExeId::Unknown => false,
            })
            && self.user.as_ref().is_none_or(|u| match u {
                UserSel::Uid(uid) => p.uid == Some(*uid),
                UserSel::Name(n) => p.user.is_some_and(|x| x.as_bytes() == &n[..]),
            })
    }
}
