//! `openports baseline`: a policy allowing exactly today's listeners, so that a
//! later `check` reports what is new.

use crate::model::map::first_seen;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{count_hidden, listener_request};
use crate::cli::Config;
use crate::error::{Error, Exit};
use crate::model::kinds::{Access, Detail};
use crate::model::socket::{Proto, Socket};
use crate::policy::evaluate::is_checked;
use crate::policy::{self, AccessSel, Addr, NetnsSel, Qualifier, Rule, UserSel};
use crate::proc::ProcRoot;
use crate::render::baseline::{BaselineRule, write_rules};
use crate::render::escape::terminal;
use crate::render::{OwnerKind, View, listeners};

/// The qualifier that names `s`'s namespace most stably: `netns=host`, an
/// `ip netns` name, a container id (12 digits, matched as a prefix), or the
/// namespace inode; none when it could not be identified.
fn ns_qualifier(v: &View<'_>, s: &Socket) -> Option<Qualifier> {
    let ns = v.ns(s);
    if v.scope(s) == "host" {
        Some(Qualifier::Netns(NetnsSel::Host))
    } else if let Some(n) = &ns.name {
        Some(Qualifier::Netns(NetnsSel::Name(n.as_bytes().to_vec())))
    } else if let Some(c) = &ns.container {
        Some(Qualifier::Container(
            crate::model::netns::short_id(c).as_bytes().to_vec(),
        ))
    } else {
        ns.inode.map(|i| Qualifier::Netns(NetnsSel::Inode(i)))
    }
}

/// The rules of a baseline, in the view's order (namespace, protocol, port,
/// address), one per distinct listener, each with a note for the comment.
pub fn baseline_rules(v: &View<'_>, include_loopback: bool) -> Vec<BaselineRule> {
    let mut out = Vec::new();
    let mut texts = Vec::new();
    for s in v.sockets.iter().filter(|s| is_checked(s, include_loopback)) {
        let ns_qual = ns_qualifier(v, s);
        // The first holder by pid: the parent of forked workers.
        let comm = v
            .owners_of(s)
            .iter()
            .find_map(|(_, o)| v.procs.get(&o.pid))
            .map(|p| Qualifier::Comm(p.comm.clone()));
        let note = match v.owner_kind(s) {
            OwnerKind::Kernel => Some("kernel socket: no process holds it".into()),
            OwnerKind::Hidden => Some("owner hidden from openports".into()),
            OwnerKind::Unseen => Some(format!(
                "no visible holder: {}",
                v.unseen.unwrap_or_default()
            )),
            OwnerKind::None => Some("no owner".into()),
            OwnerKind::Process | OwnerKind::NotLooked => None,
        };
        let mut rule = Rule {
            proto: Some(s.proto),
            ports: policy::Ports::List(vec![(s.local.port, s.local.port)]),
            addr: Addr::Ip(s.local.ip),
            quals: ns_qual.iter().chain(&comm).cloned().collect(),
            ..Rule::default()
        };
        match s.detail.as_deref() {
            // A unix socket: its name, open to no more than today.
            Some(Detail::Unix { name, access, .. }) => {
                rule.ports = policy::Ports::Any;
                rule.addr = Addr::Any;
                rule.name = name.clone();
                match *access {
                    Access::Group(g) => {
                        rule.set(Qualifier::Group(match v.groups.get(&g) {
                            Some(n) => UserSel::Name(n.as_bytes().to_vec()),
                            None => UserSel::Uid(g),
                        }));
                    }
                    a => {
                        rule.set(Qualifier::Access(match a {
                            Access::Netns => AccessSel::Netns,
                            Access::Groups(..) => AccessSel::Group,
                            Access::Owner(_) => AccessSel::Owner,
                            Access::Root | Access::Gone | Access::Unnamed => AccessSel::Root,
                            _ => AccessSel::Anyone,
                        }));
                    }
                }
            }
            // A packet socket: its ethertype and interface.
            Some(Detail::Packet {
                protocol,
                ifindex,
                ifname,
                ..
            }) => {
                rule.ports = policy::Ports::List(vec![(*protocol, *protocol)]);
                rule.addr = Addr::Any;
                rule.iface = match (ifindex, ifname) {
                    (0, _) => Some(b"all".to_vec()),
                    (_, n) => n.clone(),
                };
            }
            None => {}
        }
        // A namespace that could not be identified (a non-root run) cannot be
        // named: a rule without netns= would allow the port in every one.
        let ns = v.ns(s);
        let disabled = ns_qual.is_none();
        let note = if disabled {
            Some(format!(
                "namespace {} could not be identified (run as root): a rule without netns= would allow every namespace{}",
                terminal(ns.label().as_bytes()),
                note.map(|n| format!("; {n}")).unwrap_or_default()
            ))
        } else {
            note
        };
        texts.push(rule.to_string());
        out.push(BaselineRule {
            rule,
            note,
            disabled,
        });
    }
    // One rule per distinct text, the first.
    let first = first_seen(&texts);
    out.into_iter()
        .zip(first)
        .filter_map(|(r, f)| f.then_some(r))
        .collect()
}

/// The host name from `ROOT/sys/kernel/hostname` (the UTS namespace of the
/// reader on a live system), or `unknown`.
fn hostname(root: &Path) -> String {
    ProcRoot::new(root)
        .and_then(|r| r.read_capped("sys/kernel/hostname", 256))
        .ok()
        .map(|h| h.trim_ascii().to_vec())
        .filter(|h| !h.is_empty())
        .map(|h| terminal(&h))
        .unwrap_or_else(|| "unknown".into())
}

/// Seconds since the epoch: `SOURCE_DATE_EPOCH` when set (reproducible output),
/// else the system clock.
fn now() -> u64 {
    crate::proc::sys::getenv(c"SOURCE_DATE_EPOCH")
        .and_then(|s| std::str::from_utf8(&s).ok()?.trim().parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(secs: u64) -> String {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let r = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        r / 3600,
        r % 3600 / 60,
        r % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

pub(crate) fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The options a later `check` needs to read the same listeners as this
/// baseline (protocols, families, loopback, namespaces), as command-line text.
fn same_options(cfg: &Config) -> String {
    use crate::cli::NsSelector;
    use crate::model::socket::Family;
    let mut o = String::new();
    if cfg.protos != [Proto::Tcp, Proto::Udp] {
        for p in &cfg.protos {
            o.push_str(match p {
                Proto::Tcp => " -t",
                Proto::Udp => " -u",
                Proto::UdpLite => " --udplite",
                Proto::Raw => " -w",
                Proto::Sctp => " -S",
                Proto::Packet => " -0",
                Proto::Unix => " -x",
            });
        }
    }
    match &cfg.families[..] {
        [Family::Inet] => o.push_str(" -4"),
        [Family::Inet6] => o.push_str(" -6"),
        _ => {}
    }
    if cfg.include_loopback {
        o.push_str(" --include-loopback");
    }
    for n in &cfg.netns {
        let _ = match n {
            NsSelector::SelfNs => write!(o, " -N self"),
            NsSelector::Host => write!(o, " -N host"),
            NsSelector::Pid(p) => write!(o, " -N pid:{p}"),
            NsSelector::Inode(i) => write!(o, " -N {i}"),
            NsSelector::Name(n) => write!(o, " -N {}", shell_quote(n.as_bytes())),
        };
    }
    o
}

/// A word for a POSIX shell: bare when it is plain, else in single quotes; a
/// word holding characters that must not appear raw (controls, invisible ones:
/// a newline would end the baseline's comment) in `$'…'` with `\xNN` escapes,
/// which bash, zsh, ksh and BusyBox ash read back to the same bytes.
pub fn shell_quote(w: &[u8]) -> String {
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"_./:@%+=,-".contains(b);
    if !w.is_empty() && w.iter().all(plain) {
        return String::from_utf8_lossy(w).into_owned();
    }
    let safe =
        std::str::from_utf8(w).is_ok_and(|s| !s.chars().any(crate::render::escape::is_dangerous));
    if safe {
        return format!("'{}'", String::from_utf8_lossy(w).replace('\'', "'\\''"));
    }
    let mut q = String::from("$'");
    for &b in w {
        if b.is_ascii_graphic() && b != b'\'' && b != b'\\' || b == b' ' {
            q.push(char::from(b));
        } else {
            let _ = write!(q, "\\x{b:02x}");
        }
    }
    q.push('\'');
    q
}

pub fn run_baseline(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let req = listener_request(cfg);
    let c = crate::collect::collect(&req)?;
    crate::render::diagnostics::print_diagnostics(&c, err);
    let view = c.view(cfg);
    let rules = baseline_rules(&view, cfg.include_loopback);
    let checked: Vec<&Socket> = c
        .sockets
        .iter()
        .filter(|s| is_checked(s, cfg.include_loopback))
        .collect();
    let hidden = count_hidden(&view, &checked);

    let mut text = String::new();
    let _ = writeln!(
        text,
        "# openports baseline of {}, taken {}",
        hostname(&cfg.root),
        utc(now())
    );
    let protos: Vec<&str> = req.protos.iter().map(|p| p.name()).collect();
    let families = match &req.families[..] {
        [crate::model::socket::Family::Inet] => ", IPv4 only",
        [crate::model::socket::Family::Inet6] => ", IPv6 only",
        _ => "",
    };
    let _ = writeln!(
        text,
        "# Allows exactly the {} listeners seen then ({}{families}).",
        and_list(&protos),
        if cfg.include_loopback {
            "loopback included"
        } else {
            "loopback excluded"
        }
    );
    let _ = writeln!(
        text,
        "# Check later with: openports check FILE{}\n# (exit 0: nothing new; exit 1: the new listeners are listed).",
        same_options(cfg)
    );
    if hidden > 0 {
        let _ = writeln!(
            text,
            "# The owners of {} were hidden: their rules name no process.",
            listeners(hidden)
        );
    }
    let disabled = rules.iter().filter(|r| r.disabled).count();
    if disabled > 0 {
        let _ = writeln!(
            text,
            "# {disabled} rule(s) are commented out: their namespaces could not be identified\n# (run as root), and a rule without netns= would allow the port in every namespace."
        );
    }
    write_rules(&mut text, &rules);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if hidden > 0 {
        let w = crate::model::warning::Warning::HiddenOwners {
            count: hidden,
            reasons: c.hidden_reasons.clone(),
            then: crate::model::warning::HiddenThen::BaselineRules,
        };
        crate::render::diagnostics::print(err, &[w]);
    }
    crate::render::diagnostics::unseen_notice(&c, &view, err);
    Ok(Exit::Ok)
}
