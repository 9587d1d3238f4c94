//! Whether a rule allows one socket, decided from plain facts about it
//! ([`Subject`]), so matching is tested without /proc.

use std::net::IpAddr;

use super::{AccessSel, Addr, NetnsSel, Ports, Rule, UserSel, canonical};
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
            && self.kind_matches(s)
            && self
                .reach
                .is_none_or(|max| s.reach.is_some_and(|r| r <= max))
            && (!self.names_process() || s.procs.iter().any(|p| self.proc_matches(p)))
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
        name_ok && iface_ok && self.access_ok(s.unix.as_ref())
    }

    /// `access=` and `group=`: the socket is open to no more than they say.
    fn access_ok(&self, u: Option<&UnixFacts<'_>>) -> bool {
        if self.access.is_none() && self.group.is_none() {
            return true;
        }
        let Some(u) = u else { return false };
        // How wide: 4 anyone, 3 a group, 2 the owner, 1 root, 0 nobody.
        let rank = match u.access {
            Access::Anyone | Access::Netns | Access::Unknown(_) => 4,
            Access::Group(_) | Access::Groups(..) => 3,
            Access::Owner(_) => 2,
            Access::Root => 1,
            Access::Gone | Access::Unnamed => 0,
        };
        let access_ok = match self.access {
            None | Some(AccessSel::Anyone) => true,
            Some(AccessSel::Netns) => rank <= 3 || u.access == Access::Netns,
            Some(AccessSel::Group) => rank <= 3,
            Some(AccessSel::Owner) => rank <= 2,
            Some(AccessSel::Root) => rank <= 1,
        };
        let gids = match u.access {
            Access::Group(g) => [Some(g), None],
            Access::Groups(a, b) => [Some(a), Some(b)],
            _ => [None, None],
        };
        let group_ok = match &self.group {
            None => true,
            Some(_) if rank <= 2 => true,
            Some(sel) => gids.iter().zip(u.group_names).any(|(g, n)| match sel {
                UserSel::Uid(want) => *g == Some(*want),
                UserSel::Name(want) => g.is_some() && n.is_some_and(|n| n.as_bytes() == &want[..]),
            }),
        };
        access_ok && group_ok
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
