//! A policy applied to the listeners of a snapshot: which sockets no rule
//! allows, which rules allowed nothing.

use crate::model::kinds::{Access, Detail};
use crate::model::socket::Socket;
use crate::render::View;

use super::Policy;
use super::matches::{NetnsFacts, ProcFacts, Subject, UnixFacts};

/// Whether `check` looks at a socket (and `baseline` writes a rule for it).
pub fn is_checked(s: &Socket, include_loopback: bool) -> bool {
    s.is_listening()
        && (include_loopback
            || match s.unix_access() {
                // Unix sockets: those that someone beyond their owner may use,
                // or whose verdict is unknown (which may be anyone).
                Some(a) => a.beyond_owner() || matches!(a, Access::Unknown(_)),
                None => s.exposure().is_exposed(),
            })
}

/// The facts rules look at, for one socket of `v`.
pub fn subject<'a>(v: &'a View<'_>, s: &'a Socket) -> Subject<'a> {
    let ns = v.ns(s);
    let mut procs: Vec<ProcFacts<'a>> = Vec::new();
    let mut last = None;
    for (_, o) in v.owners_of(s) {
        if last == Some(o.pid) {
            continue;
        }
        last = Some(o.pid);
        if let Some(p) = v.procs.get(&o.pid) {
            procs.push(ProcFacts {
                comm: &p.comm,
                exe: p.exe.as_deref(),
                exe_id: p.exe_id,
                uid: p.uid,
                user: p.uid.and_then(|u| v.user_name(u)),
            });
        }
    }
    Subject {
        proto: s.proto,
        family: s.family,
        ip: s.local.ip,
        // A packet rule's "ports" are ethertypes.
        port: match s.detail.as_deref() {
            Some(Detail::Packet { protocol, .. }) => *protocol,
            _ => s.local.port,
        },
        netns: NetnsFacts {
            host: v.scope(s) == "host",
            inode: ns.inode,
            name: ns.name.as_deref(),
            container: ns.container.as_deref(),
        },
        procs,
        unix: s.unix_access().map(|access| {
            let name = |g: u32| v.groups.get(&g).map(String::as_str);
            UnixFacts {
                name: s.unix_name(),
                access,
                group_names: match access {
                    Access::Group(g) => [name(g), None],
                    Access::Groups(a, b) => [name(a), name(b)],
                    _ => [None, None],
                },
            }
        }),
        // An interface no file names matches no interface rule.
        iface: match s.detail.as_deref() {
            Some(Detail::Packet {
                ifindex, ifname, ..
            }) => Some((*ifindex != 0).then(|| ifname.as_deref().unwrap_or(b""))),
            _ => None,
        },
        reach: v.reach(s).map(|r| r.0),
    }
}

/// The result of checking listeners against a policy.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Indexes (into the checked sockets) of those no rule allows.
    pub violations: Vec<usize>,
    /// Per rule: whether it allowed at least one socket.
    pub used: Vec<bool>,
}

/// Check each of `checked` against every rule.
pub fn evaluate(v: &View<'_>, policy: &Policy, checked: &[&Socket]) -> Verdict {
    let mut verdict = Verdict {
        violations: Vec::new(),
        used: vec![false; policy.rules.len()],
    };
    for (k, s) in checked.iter().enumerate() {
        let subj = subject(v, s);
        let mut allowed = false;
        for (r, rule) in policy.rules.iter().enumerate() {
            if rule.matches(&subj) {
                verdict.used[r] = true;
                allowed = true;
            }
        }
        if !allowed {
            verdict.violations.push(k);
        }
    }
    verdict
}
