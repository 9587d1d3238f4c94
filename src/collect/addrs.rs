//! Reading the address files of a namespace through the root seam: the same
//! per-namespace directories as the socket tables (`net`, `PID/net`,
//! `thread-self/net` of a thread that entered a namespace by its nsfs file).

use std::io;
use std::ops::ControlFlow;

use crate::collect::netdir::NetDir;
use crate::model::reach::{AddrFiles, NsAddrs, route_row};
use crate::model::warning::Warning;
use crate::parse::addrs::FibTrie;
use crate::parse::lines::{Line, scan};
use crate::proc::ProcRoot;

/// Small files (if_inet6, dev, iptables names) are read whole up to this.
const SMALL_CAP: usize = 1 << 20;
/// Malformed-line warnings per file before they are summarised.
const MAX_WARNINGS: usize = 10;

fn small(
    src: &ProcRoot,
    dir: &NetDir,
    name: &str,
    warn: &mut Vec<Warning>,
) -> (Option<Vec<u8>>, bool) {
    match dir.read_capped(src, name, SMALL_CAP) {
        Ok(b) => (Some(b), false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (None, false),
        Err(error) => {
            let path = dir.shown(src, name);
            warn.push(Warning::Unreadable { path, error });
            (None, true)
        }
    }
}

/// Stream a file line by line (bounded memory); `false` when it is absent.
fn stream(
    src: &ProcRoot,
    dir: &NetDir,
    name: &str,
    warn: &mut Vec<Warning>,
    f: &mut dyn FnMut(usize, &[u8]),
) -> bool {
    let file = match dir.open(src, name) {
        Ok(Some(file)) => file,
        Ok(None) => return false,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return false,
        Err(error) => {
            let path = dir.shown(src, name);
            warn.push(Warning::Unreadable { path, error });
            return false;
        }
    };
    let mut file = std::io::Read::take(file, crate::collect::tables::MAX_TABLE);
    let r = scan(&mut file, 64 * 1024, 4096, |l| {
        if let Line::Text(n, t) = l {
            f(n, t);
        }
        ControlFlow::Continue(())
    });
    if let Some(w) = crate::collect::tables::cut_warning(&file, &dir.shown(src, name)) {
        warn.push(w);
    }
    match r {
        Ok(()) => true,
        Err(error) => {
            let path = dir.shown(src, name);
            warn.push(Warning::ReadFailed { path, error });
            false
        }
    }
}

/// Read the address files of the namespace whose `net/` is `dir`. The root's
/// `sys/net/ipv6/bindv6only` is read when it answers for this namespace: for
/// our own `net` and for a thread that entered the namespace (net sysctls
/// answer for the opener's namespace); through a member's `net/`, unknown.
pub fn read_files(src: &ProcRoot, dir: &NetDir, warn: &mut Vec<Warning>) -> AddrFiles {
    let order = src.byte_order();
    let (if_inet6, if_inet6_unreadable) = small(src, dir, "if_inet6", warn);
    let mut trie = FibTrie::default();
    let have_trie = stream(src, dir, "fib_trie", warn, &mut |n, l| trie.line(n, l));
    let (mut routes, mut bad) = (Vec::new(), Vec::new());
    let have_routes = stream(src, dir, "route", warn, &mut |n, l| {
        if n > 1 {
            route_row(n, l, order, &mut routes, &mut bad)
        }
    });
    let sysctl = matches!(dir, NetDir::Path(_));
    AddrFiles {
        if_inet6,
        if_inet6_unreadable,
        fib_trie: have_trie.then_some(trie),
        routes: have_routes.then_some((routes, bad)),
        dev: small(src, dir, "dev", warn).0,
        bindv6only: if sysctl {
            src.read_capped("sys/net/ipv6/bindv6only", 16).ok()
        } else {
            None
        },
        ip_tables_names: small(src, dir, "ip_tables_names", warn).0,
        ip6_tables_names: small(src, dir, "ip6_tables_names", warn).0,
    }
}

/// Read and assemble one namespace (the reader of [`NetFile::Addrs`] jobs);
/// malformed lines become warnings naming file and line.
///
/// [`NetFile::Addrs`]: super::plan::NetFile::Addrs
pub fn read_netdir(src: &ProcRoot, dir: &NetDir, warn: &mut Vec<Warning>) -> NsAddrs {
    let files = read_files(src, dir, warn);
    let (ns, bad) = NsAddrs::from_files(&files);
    // `bad` comes file by file: at most MAX_WARNINGS lines of each, then a count.
    let mut k = 0;
    while k < bad.len() {
        let file = bad[k].0;
        let n = bad[k..].iter().take_while(|b| b.0 == file).count();
        let path = dir.shown(src, file);
        for (_, line, e) in &bad[k..k + n.min(MAX_WARNINGS)] {
            warn.push(crate::collect::tables::malformed(&path, *line, e));
        }
        if n > MAX_WARNINGS {
            warn.push(Warning::MoreMalformed {
                path,
                count: n - MAX_WARNINGS,
            });
        }
        k += n;
    }
    ns
}

/// `nf_tables` loaded (`/proc/modules`): nftables rules may filter traffic.
pub fn nf_tables_loaded(src: &ProcRoot) -> bool {
    src.read_capped("modules", 4 << 20)
        .is_ok_and(|m| crate::parse::lines::Lines::new(&m).any(|l| l.starts_with(b"nf_tables ")))
}

/// Link every `docker-proxy` host listener to the container listeners it
/// publishes. A forwarder is recognised by its comm and its command line
/// (`-host-ip … -host-port … -container-ip … -container-port …`).
pub fn link_forwarders(
    src: &ProcRoot,
    ctx: &mut crate::model::reach::ReachCtx,
    sockets: &[crate::model::socket::Socket],
    owners: &crate::model::owners::OwnerIndex,
    procs: &crate::model::map::ById<crate::model::owners::ProcInfo>,
) {
    // A few forwarders at most: a vector, not a hash map (code size).
    let mut cmdlines: Vec<(u32, Option<crate::parse::addrs::Forward>)> = Vec::new();
    for s in sockets.iter().filter(|s| s.is_listening() && s.inode != 0) {
        for (_, o) in owners.get(s.inode) {
            if procs.get(&o.pid).is_none_or(|p| p.comm != b"docker-proxy") {
                continue;
            }
            let k = match cmdlines.iter().position(|c| c.0 == o.pid) {
                Some(k) => k,
                None => {
                    let f = src
                        .read_capped(format!("{}/cmdline", o.pid), 64 * 1024)
                        .ok()
                        .and_then(|argv| crate::parse::addrs::docker_proxy(&argv));
                    cmdlines.push((o.pid, f));
                    cmdlines.len() - 1
                }
            };
            let fwd = &cmdlines[k].1;
            if let Some(f) = fwd.as_ref()
                && f.host_port == s.local.port
                && f.proto == s.proto.name().as_bytes()
            {
                ctx.link(o.pid, crate::model::reach::SockRef::of(s), f, sockets);
            }
        }
    }
}

/// The notice, once, when a firewall is evidently active (iptables tables in a
/// namespace, `nf_tables` loaded): its rules are not in /proc.
pub fn firewall_notice(
    src: &ProcRoot,
    list: &[crate::model::netns::Netns],
    addrs: &[Option<NsAddrs>],
) -> Option<Warning> {
    let mut tables = Vec::new();
    for (ns, a) in list.iter().zip(addrs) {
        if let Some(a) = a
            && !a.firewall.is_empty()
        {
            tables.push((a.firewall.clone(), ns.label()));
        }
    }
    let nf_tables = addrs.iter().any(Option::is_some) && nf_tables_loaded(src);
    (!tables.is_empty() || nf_tables).then_some(Warning::Firewall { tables, nf_tables })
}
