//! Which sockets a run shows: a pure predicate, cheap checks first.

use super::Request;
use crate::model::socket::{Family, Proto, Socket, state};
use crate::parse::ssfilter::{Expr, Side, mask};
use std::net::IpAddr;

#[derive(Clone, Debug)]
pub struct Filter {
    protos: [bool; 7],
    families: [bool; 2],
    all_states: bool,
    exposed: bool,
    /// `state`/`exclude` of a filter expression: replaces `-l`/`-a`.
    states: Option<u16>,
    expr: Option<Expr>,
    /// The namespaces' address files are wanted (reach, `addresses`).
    addrs: bool,
    /// The kernel's socket counters are wanted (`-s`).
    counters: bool,
}

fn proto_ix(p: Proto) -> usize {
    p as usize
}

fn family_ix(f: Family) -> usize {
    f as usize
}

impl Filter {
    /// Whether each namespace's address files are read (a job per namespace).
    pub fn wants_addrs(&self) -> bool {
        self.addrs
    }

    pub fn wants_counters(&self) -> bool {
        self.counters
    }

    pub fn new(cfg: &Request) -> Filter {
        let mut f = Filter {
            protos: [false; 7],
            families: [false; 2],
            all_states: cfg.all_states,
            exposed: cfg.exposed,
            states: cfg.states,
            expr: cfg.expr.clone(),
            addrs: cfg.reach,
            counters: cfg.counters,
        };
        for &p in &cfg.protos {
            f.protos[proto_ix(p)] = true;
        }
        for &fam in &cfg.families {
            f.families[family_ix(fam)] = true;
        }
        f
    }

    /// Whether the table of `proto`/`family` needs reading at all. `-4`/`-6`
    /// restrict the inet families only.
    pub fn wants_table(&self, proto: Proto, family: Family) -> bool {
        self.protos[proto_ix(proto)]
            && match family {
                Family::Inet | Family::Inet6 => self.families[family_ix(family)],
                Family::Packet | Family::Unix => true,
            }
    }

    /// Whether sockets of `proto` are wanted at all.
    pub fn wants(&self, proto: Proto) -> bool {
        self.protos[proto_ix(proto)]
    }

    /// Every state is wanted (`-a`).
    /// More than the listening states are wanted.
    pub fn all_states(&self) -> bool {
        !self.listeners_only()
    }

    /// Only listening sockets are wanted: the TCP tables may stop after their
    /// listening part.
    pub fn listeners_only(&self) -> bool {
        match self.states {
            Some(m) => m & !(1 << state::LISTEN | 1 << state::CLOSE) == 0,
            None => !self.all_states,
        }
    }

    pub fn matches(&self, s: &Socket) -> bool {
        self.wants_table(s.proto, s.family)
            && match self.states {
                Some(m) => s.state < 16 && m & (1 << s.state) != 0,
                None => self.all_states || s.is_listening(),
            }
            && (!self.exposed || s.proto == Proto::Unix || s.exposure().is_exposed())
            && self.expr.as_ref().is_none_or(|e| eval(e, s))
    }
}
/// Whether a socket satisfies an ss filter expression (ss's `run_ssfilter`
/// together with the kernel's `inet_diag_bc_run`, which ss also applies).
pub fn eval(e: &Expr, s: &Socket) -> bool {
    let end = |side| match side {
        Side::Local => &s.local,
        Side::Remote => &s.remote,
    };
    match e {
        Expr::And(a, b) => eval(a, s) && eval(b, s),
        Expr::Or(a, b) => eval(a, s) || eval(b, s),
        Expr::Not(a) => !eval(a, s),
        Expr::PortGe(side, p) => end(*side).port >= *p,
        Expr::PortLe(side, p) => end(*side).port <= *p,
        Expr::Host { side, net, port } => {
            let ep = end(*side);
            port.is_none_or(|p| ep.port == p) && net.is_none_or(|(n, len)| in_net(ep.ip, n, len))
        }
    }
}

/// `ip` is in `net/len`; an IPv4-mapped IPv6 address is in an IPv4 network, an
/// IPv4 address never in an IPv6 one.
fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    let ip = match (ip, net) {
        (IpAddr::V6(a), IpAddr::V4(_)) => match a.to_ipv4_mapped() {
            Some(m) => IpAddr::V4(m),
            None => return false,
        },
        (IpAddr::V4(_), IpAddr::V6(_)) => return false,
        _ => ip,
    };
    mask(ip, len) == net
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::socket::Endpoint;

    fn sock(local: &str, lport: u16, remote: &str, rport: u16) -> Socket {
        let ip = |a: &str| a.parse().unwrap();
        Socket {
            ns: 0,
            proto: Proto::Tcp,
            family: if local.contains(':') {
                Family::Inet6
            } else {
                Family::Inet
            },
            state: state::ESTABLISHED,
            local: Endpoint {
                ip: ip(local),
                port: lport,
            },
            remote: Endpoint {
                ip: ip(remote),
                port: rport,
            },
            recv_q: 0,
            send_q: 0,
            uid: 0,
            inode: 1,
            detail: None,
        }
    }

    fn ok(expr: &str, s: &Socket) -> bool {
        let f =
            crate::parse::ssfilter::parse(expr.as_bytes(), None, &|_| Err(String::new())).unwrap();
        eval(&f.expr.unwrap(), s)
    }

    #[test]
    fn prefixes_follow_inet_diag_bc_run() {
        let mapped = sock("::ffff:127.0.0.1", 8080, "::ffff:127.0.0.1", 40000);
        let v4 = sock("10.1.2.3", 80, "10.1.2.3", 50000);
        let v6 = sock("fd00::1", 2000, "fd00::1", 50001);
        // An IPv4 prefix matches IPv4-mapped IPv6 sockets…
        assert!(ok("src 127.0.0.0/8", &mapped));
        assert!(ok("src 0.0.0.0/0", &mapped));
        // …an IPv6 prefix never an IPv4 socket, a zero-length one only its family.
        assert!(!ok("src ::/0", &v4));
        assert!(ok("src ::/0", &v6));
        assert!(!ok("src 0.0.0.0/0", &v6));
        assert!(ok("src *", &v6) && ok("src *", &v4));
        assert!(ok("src [::ffff:127.0.0.1]", &mapped));
        assert!(!ok(
            "src [::ffff:127.0.0.1]",
            &sock("127.0.0.1", 1, "127.0.0.1", 2)
        ));
        // Host bits of the prefix do not matter; ports must all match.
        assert!(ok("src 10.1.2.200/24", &v4));
        assert!(ok("src 10.1.2.3:80", &v4) && !ok("src 10.1.2.3:81", &v4));
        assert!(ok("dst 10.1.2.3:50000", &v4));
        assert!(ok("sport > 79 and sport < 81 and dport >= 50000", &v4));
        assert!(!ok("not sport = 80", &v4));
    }
}
