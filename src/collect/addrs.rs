//! Reading the address files of a namespace through the root seam: the same
//! per-namespace directories as the socket tables (`net`, `PID/net`,
//! `thread-self/net` of a thread that entered a namespace by its nsfs file).

use std::io;
use std::ops::ControlFlow;

use crate::model::reach::{AddrFiles, NsAddrs, route_row};
use crate::parse::addrs::FibTrie;
use crate::parse::lines::{Line, scan};
use crate::proc::ProcRoot;

/// Small files (if_inet6, dev, iptables names) are read whole up to this.
const SMALL_CAP: usize = 1 << 20;
/// Malformed-line warnings per file before they are summarised.
const MAX_WARNINGS: usize = 10;

/// Where a namespace's address files are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrDir {
    /// A directory below the root (`net`, `PID/net`). `sysctl`: whether the
    /// root's `sys/net/ipv6/bindv6only` answers for this namespace (ours).
    Dir(String, bool),
    /// An nsfs file to enter (`setns`) first, for a namespace no process is in,
    /// and the inode it had when discovered.
    Enter(std::path::PathBuf, Option<u64>),
}

fn small(src: &ProcRoot, rel: &str, warn: &mut Vec<String>) -> (Option<Vec<u8>>, bool) {
    match src.read_capped(rel, SMALL_CAP) {
        Ok(b) => (Some(b), false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (None, false),
        Err(e) => {
            warn.push(format!("{}: cannot read: {e}", src.path(rel).display()));
            (None, true)
        }
    }
}

/// Stream a file line by line (bounded memory); `Ok(false)` when it is absent.
fn stream(
    src: &ProcRoot,
    rel: &str,
    warn: &mut Vec<String>,
    f: &mut dyn FnMut(usize, &[u8]),
) -> bool {
    let file = match src.open(rel) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return false,
        Err(e) => {
            warn.push(format!("{}: cannot read: {e}", src.path(rel).display()));
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
    if let Some(w) =
        crate::collect::tables::cut_warning(&file, &src.path(rel).display().to_string())
    {
        warn.push(w);
    }
    match r {
        Ok(()) => true,
        Err(e) => {
            warn.push(format!("{}: read failed: {e}", src.path(rel).display()));
            false
        }
    }
}

/// `DIR/NAME` (one non-generic helper instead of a `format!` per file).
fn join(dir: &str, name: &str) -> String {
    let mut s = String::with_capacity(dir.len() + name.len() + 1);
    s.push_str(dir);
    s.push('/');
    s.push_str(name);
    s
}

/// Read the address files of the namespace whose `net/` is `dir` below the
/// root; `sysctl` when the root's `sys/net/ipv6/bindv6only` is this namespace's
/// (ours, or the entered thread's: net sysctls answer for the opener's namespace).
pub fn read_files(src: &ProcRoot, dir: &str, sysctl: bool, warn: &mut Vec<String>) -> AddrFiles {
    let order = src.byte_order();
    let (if_inet6, if_inet6_unreadable) = small(src, &join(dir, "if_inet6"), warn);
    let mut trie = FibTrie::default();
    let have_trie = stream(src, &join(dir, "fib_trie"), warn, &mut |n, l| {
        trie.line(n, l)
    });
    let (mut routes, mut bad) = (Vec::new(), Vec::new());
    let have_routes = stream(src, &join(dir, "route"), warn, &mut |n, l| {
        if n > 1 {
            route_row(n, l, order, &mut routes, &mut bad)
        }
    });
    AddrFiles {
        if_inet6,
        if_inet6_unreadable,
        fib_trie: have_trie.then_some(trie),
        routes: have_routes.then_some((routes, bad)),
        dev: small(src, &join(dir, "dev"), warn).0,
        bindv6only: if sysctl {
            small(src, "sys/net/ipv6/bindv6only", warn).0
        } else {
            None
        },
        ip_tables_names: small(src, &join(dir, "ip_tables_names"), warn).0,
        ip6_tables_names: small(src, &join(dir, "ip6_tables_names"), warn).0,
    }
}

/// Read and assemble one namespace; malformed lines become warnings naming
/// file and line.
pub fn read_ns(src: &ProcRoot, dir: &str, sysctl: bool, warn: &mut Vec<String>) -> NsAddrs {
    let files = read_files(src, dir, sysctl, warn);
    let (ns, bad) = NsAddrs::from_files(&files);
    // `bad` comes file by file: at most MAX_WARNINGS lines of each, then a count.
    let mut k = 0;
    while k < bad.len() {
        let file = bad[k].0;
        let n = bad[k..].iter().take_while(|b| b.0 == file).count();
        let path = src.path(join(dir, file));
        for (_, line, e) in &bad[k..k + n.min(MAX_WARNINGS)] {
            warn.push(format!("{}:{line}: {e}", path.display()));
        }
        if n > MAX_WARNINGS {
            warn.push(format!(
                "{}: {} more malformed lines skipped",
                path.display(),
                n - MAX_WARNINGS
            ));
        }
        k += n;
    }
    ns
}

/// Read every namespace of `dirs` (`None`: not to be read, or no way to read
/// it: its reach is unknown). Entered namespaces are read on one helper thread.
pub fn read_all(
    src: &ProcRoot,
    dirs: &[Option<AddrDir>],
    warn: &mut Vec<String>,
) -> Vec<Option<NsAddrs>> {
    let mut out: Vec<Option<NsAddrs>> = vec![None; dirs.len()];
    let mut enter = Vec::new();
    for (ix, d) in dirs.iter().enumerate() {
        match d {
            Some(AddrDir::Dir(dir, sysctl)) => out[ix] = Some(read_ns(src, dir, *sysctl, warn)),
            Some(AddrDir::Enter(p, ino)) => enter.push((ix, p.clone(), *ino)),
            None => {}
        }
    }
    if !enter.is_empty() {
        let results = crate::collect::namespaces::with_entered(&enter, |_, dir| {
            let mut w = Vec::new();
            let ns = read_ns(src, dir, true, &mut w);
            (ns, w)
        });
        for (ix, r) in results {
            // Failing to enter was already said by the table reader.
            if let Ok((ns, w)) = r {
                out[ix] = Some(ns);
                warn.extend(w);
            }
        }
    }
    out
}

/// `nf_tables` loaded (`/proc/modules`): nftables rules may filter traffic.
pub fn nf_tables_loaded(src: &ProcRoot) -> bool {
    src.read_capped("modules", 4 << 20)
        .is_ok_and(|m| crate::parse::lines::Lines::new(&m).any(|l| l.starts_with(b"nf_tables ")))
}

/// Where to read each namespace of `list` whose `wanted` is set: the same
/// directory the socket tables come from (ours: `net`; else a member's
/// `PID/net`), or its nsfs file to enter when no process is in it.
pub fn addr_dirs(
    src: &ProcRoot,
    list: &[crate::model::netns::Netns],
    wanted: &[bool],
) -> Vec<Option<AddrDir>> {
    list.iter()
        .zip(wanted)
        .map(|(ns, &want)| {
            if !want {
                return None;
            }
            if ns.is_self && src.path("net").is_dir() {
                return Some(AddrDir::Dir("net".into(), true));
            }
            if let Some(p) = ns
                .pids
                .iter()
                .find(|p| src.path(format!("{p}/net")).is_dir())
            {
                return Some(AddrDir::Dir(format!("{p}/net"), false));
            }
            match &ns.mount {
                Some(m) if src.is_live() => Some(AddrDir::Enter(m.clone(), ns.inode)),
                _ => None,
            }
        })
        .collect()
}

/// Link every `docker-proxy` host listener to the container listeners it
/// publishes. A forwarder is recognised by its comm and its command line
/// (`-host-ip … -host-port … -container-ip … -container-port …`).
pub fn link_forwarders(
    src: &ProcRoot,
    ctx: &mut crate::model::reach::ReachCtx,
    sockets: &[crate::model::socket::Socket],
    owners: &crate::model::owners::OwnerIndex,
    procs: &std::collections::HashMap<u32, crate::model::owners::ProcInfo>,
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
) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for (ns, a) in list.iter().zip(addrs) {
        if let Some(a) = a
            && !a.firewall.is_empty()
        {
            seen.push(format!(
                "{} in {}",
                a.firewall.join("/"),
                crate::render::escape::terminal(ns.label().as_bytes())
            ));
        }
    }
    if addrs.iter().any(Option::is_some) && nf_tables_loaded(src) {
        seen.push("nf_tables loaded".into());
    }
    (!seen.is_empty()).then(|| {
        format!(
            "a firewall is active ({}): reach is what the kernel would accept if no firewall drops it; the rules are not in /proc",
            seen.join(", ")
        )
    })
}
