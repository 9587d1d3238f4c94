//! `openports watch`: poll every namespace at an interval and print one event
//! per change: a socket `opened` or `closed`, its holders changed (`owners`),
//! or its reach changed (`reach`); the first poll prints what is there as
//! `present` (unless `--changes-only`). With `--policy P`, only listeners the
//! policy does not allow (`violation`), and their `closed`.
//!
//! Each poll is one whole collection through [`crate::collect::collect`] (so it
//! sees namespaces come and go), compared with the previous one; only those two
//! snapshots are kept, so memory is bounded by what is open, not by how long it
//! runs. Polling cannot see a socket that opens and closes between two polls:
//! the kernel offers no event for `listen()`.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::cli::{Config, Format, Watch};
use crate::collect::{Request, Snapshot, collect};
use crate::error::{Error, Exit};
use crate::model::socket::{Endpoint, Family, Proto, Socket};
use crate::policy::Policy;
use crate::policy::evaluate::{evaluate, is_checked};
use crate::proc::sys::{self, Wake};
use crate::render::table::Lead;
use crate::render::{self, OwnerKind, View, diagnostics};

/// What identifies a socket from one poll to the next.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    /// The namespace inode, or its label when it has none (unprivileged runs).
    ns: Result<u64, String>,
    proto: Proto,
    family: Family,
    local: Endpoint,
    remote: Endpoint,
    inode: u64,
}

/// What a change of is an event: the holders (pid and name) and the reach
/// (the verdict, the addresses it is reachable on, what publishes it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Facts {
    owner: OwnerKind,
    holders: Vec<(u32, Vec<u8>)>,
    reach: String,
}

/// One poll: the snapshot and, per socket shown (in output order), its key and
/// facts.
struct Poll {
    c: Snapshot,
    keys: Vec<Key>,
    facts: Vec<Facts>,
    /// Positions in `keys`, sorted by key, the last of equal keys first (a
    /// sorted index instead of a hash map of keys: about 2 KiB less code,
    /// README "Size").
    index: Vec<usize>,
}

impl Poll {
    /// The position of `k` in `keys` (the last, if it is there twice).
    fn find(&self, k: &Key) -> Option<usize> {
        let at = self.index.partition_point(|&j| self.keys[j] < *k);
        self.index.get(at).copied().filter(|&j| self.keys[j] == *k)
    }
}

fn key(v: &View<'_>, s: &Socket) -> Key {
    let ns = v.ns(s);
    Key {
        ns: ns.inode.ok_or_else(|| ns.label()),
        proto: s.proto,
        family: s.family,
        local: s.local,
        remote: s.remote,
        inode: s.inode,
    }
}

/// The reach of a socket as JSON shows it (issue 12): its verdict, the
/// (interface, address) pairs it is reachable on, who publishes it.
fn reach(v: &View<'_>, s: &Socket) -> String {
    let mut r = String::new();
    if let Some(ctx) = v.reach {
        render::json::reach_fields(v, ctx, s, &mut r);
    }
    r
}

fn facts(v: &View<'_>, s: &Socket) -> Facts {
    let mut holders: Vec<(u32, Vec<u8>)> = v
        .owners_of(s)
        .iter()
        .map(|(_, o)| {
            let comm = v.procs.get(&o.pid).map(|p| p.comm.clone());
            (o.pid, comm.unwrap_or_default())
        })
        .collect();
    holders.dedup();
    Facts {
        owner: v.owner_kind(s),
        holders,
        reach: reach(v, s),
    }
}

fn ownerless(f: &Facts, s: &Socket) -> bool {
    s.inode != 0
        && matches!(
            f.owner,
            OwnerKind::Kernel | OwnerKind::Hidden | OwnerKind::Unseen
        )
}

/// `2026-12-01T22:51:07.123Z`
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = super::baseline::civil_from_days((secs / 86_400) as i64);
    let r = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        r / 3600,
        r % 3600 / 60,
        r % 60,
        d.subsec_millis()
    )
}

/// The events of one poll, for sockets of one snapshot.
struct Batch {
    sockets: Vec<Socket>,
    events: Vec<&'static str>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            sockets: Vec::new(),
            events: Vec::new(),
        }
    }

    fn push(&mut self, s: &Socket, event: &'static str) {
        self.sockets.push(s.clone());
        self.events.push(event);
    }
}

struct Printer<'a> {
    cfg: &'a Config,
    widths: Vec<usize>,
    header: bool,
    line: String,
}

impl Printer<'_> {
    fn print(
        &mut self,
        c: &Snapshot,
        b: &Batch,
        time: &str,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let view = View {
            sockets: &b.sockets,
            // One layout for the whole stream: the namespace is always shown,
            // and who can reach each socket (what the events are about).
            netns_column: true,
            exposure_column: true,
            ..c.view(self.cfg)
        };
        match self.cfg.format {
            Format::Table => {
                if b.sockets.is_empty() && !self.header {
                    return Ok(());
                }
                let lead: Vec<Lead<'_>> = b.events.iter().map(|e| [time, *e]).collect();
                render::table::write_rows(&view, &lead, &mut self.widths, self.header, out)?;
                self.header = false;
            }
            // Refused by the command line.
            Format::Prometheus => {}
            Format::Json => {
                for (s, e) in b.sockets.iter().zip(&b.events) {
                    self.line.clear();
                    let mut o = render::json::Obj::open(&mut self.line);
                    o.str("event", e).str("time", time).object("socket", |o| {
                        o.socket(&view, s);
                    });
                    o.close();
                    self.line.push('\n');
                    out.write_all(self.line.as_bytes())?;
                }
            }
        }
        Ok(())
    }
}

/// The sockets of `c` that `watch --policy` reports: checked listeners no rule
/// allows.
fn violations(c: &Snapshot, cfg: &Config, pol: &Policy) -> Vec<bool> {
    let view = c.view(cfg);
    let checked: Vec<usize> = (0..c.sockets.len())
        .filter(|&i| is_checked(&c.sockets[i], cfg.include_loopback))
        .collect();
    let refs: Vec<&Socket> = checked.iter().map(|&i| &c.sockets[i]).collect();
    let mut bad = vec![false; c.sockets.len()];
    for k in evaluate(&view, pol, &refs).violations {
        bad[checked[k]] = true;
    }
    bad
}

fn poll(req: &Request, cfg: &Config, pol: Option<&Policy>) -> Result<Poll, Error> {
    let mut c = collect(req)?;
    if let Some(pol) = pol {
        let bad = violations(&c, cfg, pol);
        let mut k = 0;
        c.sockets.retain(|_| {
            k += 1;
            bad[k - 1]
        });
    }
    let view = c.view(cfg);
    let keys: Vec<Key> = c.sockets.iter().map(|s| key(&view, s)).collect();
    let facts = c.sockets.iter().map(|s| facts(&view, s)).collect();
    let mut index: Vec<usize> = (0..keys.len()).collect();
    index.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]).then(b.cmp(&a)));
    Ok(Poll {
        c,
        keys,
        facts,
        index,
    })
}

pub fn run_watch(
    cfg: &Config,
    w: &Watch,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    let pol = match &w.policy {
        Some(p) => Some(super::check::load_policy(p)?),
        None => None,
    };
    // A policy is about listeners, as in check.
    let req = match pol {
        Some(_) => super::listener_request(cfg),
        None => super::listing_request(cfg),
    };
    let term = sys::catch_terminate()
        .map_err(|e| Error::Fatal(format!("cannot catch SIGINT/SIGTERM: {e}")))?;
    let mut printer = Printer {
        cfg,
        widths: Vec::new(),
        header: cfg.header,
        line: String::new(),
    };
    let mut prev: Option<Poll> = None;
    // New sockets seen without an owner, reported one poll later.
    let (mut deferred, mut next_deferred): (Vec<Key>, Vec<Key>) = (Vec::new(), Vec::new());
    let mut warned: Vec<String> = Vec::new();
    let mut polls = 0u64;
    loop {
        let started = Instant::now();
        let cur = match poll(&req, cfg, pol.as_ref()) {
            Ok(c) => c,
            Err(e) if prev.is_none() => return Err(e),
            // Later, a failed poll (a `-N` namespace deleted, /proc briefly
            // unusable) is said once and retried at the next interval.
            Err(e) => {
                let e = e.to_string();
                if !warned.contains(&e) {
                    // Escaped like every message (it may name a path or namespace).
                    diagnostics::print_line(err, &e);
                    warned.push(e);
                }
                match term.wait(w.interval) {
                    Wake::Timeout => continue,
                    Wake::Signal | Wake::Closed => return Ok(Exit::Ok),
                }
            }
        };
        let time = rfc3339(SystemTime::now());
        // A warning is printed when it first appears, not every poll.
        let now = diagnostics::lines(&cur.c.warnings);
        for w in &now {
            if !warned.contains(w) {
                diagnostics::print_line(err, w);
            }
        }
        warned = now;
        if prev.is_none() {
            let view = cur.c.view(cfg);
            diagnostics::hidden_notice(&cur.c, &view, err);
        }
        let (mut gone, mut now) = (Batch::new(), Batch::new());
        match &prev {
            None if w.changes_only => {}
            None => {
                let word = if pol.is_some() {
                    "violation"
                } else {
                    "present"
                };
                for s in &cur.c.sockets {
                    now.push(s, word);
                }
            }
            Some(p) => {
                let new_word = if pol.is_some() { "violation" } else { "opened" };
                for (i, k) in p.keys.iter().enumerate() {
                    if cur.find(k).is_none() {
                        if deferred.contains(k) {
                            // Seen once without an owner and gone: it was
                            // there. (A violation is only said once its
                            // owner is known: it may be allowed then.)
                            if pol.is_some() {
                                continue;
                            }
                            gone.push(&p.c.sockets[i], new_word);
                        }
                        gone.push(&p.c.sockets[i], "closed");
                    }
                }
                for (i, k) in cur.keys.iter().enumerate() {
                    let (f, s) = (&cur.facts[i], &cur.c.sockets[i]);
                    let word = match p.find(k).map(|j| &p.facts[j]) {
                        // The tables and the fd walk are not one atomic
                        // read: a socket created during the walk is in the
                        // tables before its holder's fd is seen. A new socket
                        // without an owner waits one poll for it.
                        None if ownerless(f, s) => {
                            next_deferred.push(k.clone());
                            continue;
                        }
                        None => new_word,
                        Some(_) if deferred.contains(k) => new_word,
                        // With a policy, only new violations are printed.
                        Some(_) if pol.is_some() => continue,
                        Some(old) if old.holders != f.holders || old.owner != f.owner => "owners",
                        Some(old) if old.reach != f.reach => "reach",
                        Some(_) => continue,
                    };
                    now.push(s, word);
                }
            }
        }
        deferred = std::mem::take(&mut next_deferred);
        // Within a poll: what closed first, then the rest, each in table order.
        if let Some(p) = &prev {
            printer.print(&p.c, &gone, &time, out)?;
        }
        printer.print(&cur.c, &now, &time, out)?;
        out.flush()?;
        prev = Some(cur);
        polls += 1;
        if w.count.is_some_and(|n| polls >= n) {
            return Ok(Exit::Ok);
        }
        let spent = started.elapsed();
        match term.wait(
            w.interval
                .saturating_sub(spent)
                .max(Duration::from_millis(10)),
        ) {
            Wake::Timeout => {}
            Wake::Signal | Wake::Closed => return Ok(Exit::Ok),
        }
    }
}
