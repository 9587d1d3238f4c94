//! The one-line summary printed to a terminal after the table.

use super::{OwnerKind, View};
use crate::collect::Collected;
use crate::model::kinds::Access;
use crate::model::reach::{Reach, SockRef};
use crate::model::socket::Socket;

/// One line for a person at a terminal: how many listeners, where, how exposed,
/// and what deserves a look (hidden owners, deleted executables).
pub fn summary(c: &Collected, view: &View<'_>) -> String {
    use crate::model::exposure::Exposure;
    let listening: Vec<&Socket> = c.sockets.iter().filter(|s| s.is_listening()).collect();
    let mut ns: Vec<u32> = listening.iter().map(|s| s.ns).collect();
    ns.sort_unstable();
    ns.dedup();
    let mut by_class: Vec<String> = Vec::new();
    let mut exposed = 0;
    let mut public: Vec<String> = Vec::new();
    if let Some(ctx) = view.reach {
        // Inet listeners by reach: who could connect, and the public addresses
        // they would use. Packet and unix sockets by exposure, below.
        let mut counts = [0usize; 5];
        for s in listening.iter().filter(|s| s.detail.is_none()) {
            let (r, _) = ctx.of(&SockRef::of(s), &mut |a, _, _| {
                if a.class == Exposure::Public {
                    let t = match &a.iface {
                        Some(i) => format!("{} ({})", a.ip, super::escape::terminal(i.as_bytes())),
                        None => a.ip.to_string(),
                    };
                    if !public.contains(&t) {
                        public.push(t);
                    }
                }
            });
            counts[r as usize] += 1;
        }
        for r in Reach::ALL {
            if r != Reach::Local && counts[r as usize] > 0 {
                exposed += counts[r as usize];
                by_class.push(format!("{} {}", r.name(), counts[r as usize]));
            }
        }
    }
    for class in Exposure::ALL {
        // Reachable from this host only: not exposed.
        if !class.is_exposed() {
            continue;
        }
        let n = listening
            .iter()
            .filter(|s| view.reach.is_none() || s.detail.is_some())
            .filter(|s| view.exposure(s) == class)
            .count();
        if n > 0 {
            exposed += n;
            by_class.push(format!("{} {n}", class.name()));
        }
    }
    let hidden = listening
        .iter()
        .filter(|s| view.owner_kind(s) == OwnerKind::Hidden)
        .count();
    let deleted = listening
        .iter()
        .filter(|s| {
            view.owners_of(s)
                .iter()
                .any(|(_, o)| c.procs.get(&o.pid).is_some_and(|p| p.exe_deleted))
        })
        .count();
    let mut line = format!(
        "openports: {} listening sockets in {} namespace{}; {exposed} exposed",
        listening.len(),
        ns.len(),
        if ns.len() == 1 { "" } else { "s" }
    );
    if !by_class.is_empty() {
        line.push_str(&format!(" ({})", by_class.join(", ")));
    }
    if !public.is_empty() {
        line.push_str(&format!(" on public {}", public.join(", ")));
    }
    // Unix sockets are never reachable from other hosts; what matters is who on
    // this host may connect.
    let open_unix = listening
        .iter()
        .filter(|s| {
            s.unix_access()
                .is_some_and(|a| matches!(a, Access::Anyone | Access::Netns))
        })
        .count();
    if open_unix > 0 {
        line.push_str(&format!(
            "; {open_unix} unix socket{} anyone can connect to",
            if open_unix == 1 { "" } else { "s" }
        ));
    }
    if c.owners.is_some() {
        line.push_str(&format!(
            "; {hidden} with hidden owners; {deleted} held by deleted executables"
        ));
    }
    line
}
