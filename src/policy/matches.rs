//! Whether a rule allows one socket, decided from plain facts about it
//! ([`Subject`]), so matching is tested without /proc.

use std::net::IpAddr;

use super::{Addr, Ports, Qualifier, Rule, canonical};
use crate::model::exposure::{Exposure, classify};
use crate::model::kinds::Access;
use crate::model::owners::ExeId;
use crate::model::reach::Reach;
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
    /// A unix socket's name and who may connect, with the names of the groups
    /// its verdict names.
    pub unix: Option<UnixFacts<'a>>,
    /// A packet socket's interface: `None` when bound to every interface.
    pub iface: Option<Option<&'a [u8]>>,
    /// Who can reach it (`None`: not computed, matches no `reach=`).
    pub reach: Option<Reach>,
}

/// What unix rules look at.
#[derive(Clone, Copy, Debug)]
pub struct UnixFacts<'a> {
    pub name: Option<&'a [u8]>,
    pub access: Access,
    /// gid → name for the groups `access` names.
    pub group_names: [Option<&'a str>; 2],
}

impl Rule {
    /// Whether the rule names a process (comm=, exe= or user=): it can only match
    /// sockets whose holders are visible.
    pub fn names_process(&self) -> bool {
        self.quals.iter().any(Qualifier::names_process)
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
            && self.kind_matches(s)
            && if self.names_process() {
                s.procs
                    .iter()
                    .any(|p| self.quals.iter().all(|q| q.matches(s, Some(p))))
            } else {
                self.quals.iter().all(|q| q.matches(s, None))
            }
    }

    /// The parts only unix and packet rules have.
    fn kind_matches(&self, s: &Subject<'_>) -> bool {
        let name_ok = match (&self.name, s.unix.and_then(|u| u.name)) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(p), Some(n)) => match p.strip_suffix(b"*") {
                Some(prefix) => n.starts_with(prefix),
                None => n == &p[..],
            },
        };
        let iface_ok = match (&self.iface, s.iface) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(w), Some(None)) => w == b"all",
            (Some(w), Some(Some(i))) => i == &w[..],
        };
        name_ok && iface_ok
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
}
