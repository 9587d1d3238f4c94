//! `openports check POLICY` and `openports baseline` (issue 5): the policy
//! engine around [`crate::policy`].
//!
//! `check` reads the listeners (listening TCP, unconnected UDP; loopback only
//! with `--include-loopback`) of every namespace, and reports each one that no
//! rule allows (a violation: exit 1), each rule that allowed nothing (stale),
//! and each process behind a checked listener whose executable was deleted or
//! replaced after it started. `baseline` writes a policy allowing exactly
//! today's listeners, so that a later `check` reports what is new.
//!
//! Output of `check`: the table of violations on stdout (nothing when there is
//! none), stale rules and warnings on stderr; with `-j`, one JSON object per line
//! on stdout, told apart by `"kind"`: `violation`, `stale_rule`, `deleted_exe`
//! and a final `summary`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::{Command, Config, Format, States};
use crate::error::{Error, Exit};
use crate::exposure::{Exposure, classify};
use crate::owners::ProcInfo;
use crate::policy::{self, Addr, NetnsFacts, NetnsSel, Policy, ProcFacts, Rule, Subject, UserSel};
use crate::render::escape::terminal;
use crate::render::json::{bytes_field, socket_object};
use crate::render::{self, OwnerKind, View, addr_text, push_endpoint};
use crate::socket::{Proto, Socket};
use crate::source::ProcRoot;

/// A policy larger than this is refused (a policy is a few hundred lines).
const MAX_POLICY: u64 = 16 << 20;

/// Whether `check` looks at a socket (and `baseline` writes a rule for it).
pub fn is_checked(s: &Socket, include_loopback: bool) -> bool {
    s.is_listening() && (include_loopback || classify(s.local.ip) != Exposure::Loopback)
}

/// The configuration to collect with: listeners only, loopback included (the
/// check filters it). The protocols and families are the command line's: the
/// command line says what is checked, the policy what is allowed.
fn listener_config(cfg: &Config) -> Config {
    let mut c = cfg.clone();
    c.states = States::Listening;
    c.exposed = false;
    c
}

/// How the policy is named in messages: its path (escaped), or `-` for stdin.
fn policy_name(path: &Path) -> String {
    terminal(path.as_os_str().as_encoded_bytes())
}

fn read_policy(path: &Path, name: &str) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    let r = if path == Path::new("-") {
        io::stdin()
            .lock()
            .take(MAX_POLICY + 1)
            .read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_POLICY + 1).read_to_end(&mut buf))
    };
    r.map_err(|e| Error::Fatal(format!("cannot read policy {name}: {e}")))?;
    if buf.len() as u64 > MAX_POLICY {
        return Err(Error::Fatal(format!(
            "policy {name} is larger than {} MiB",
            MAX_POLICY >> 20
        )));
    }
    Ok(buf)
}

/// Load and parse a policy; a syntax error is `FILE:LINE:COL: expected …, found …`.
pub fn load_policy(path: &Path) -> Result<Policy, Error> {
    let name = policy_name(path);
    let src = read_policy(path, &name)?;
    policy::parse(&src).map_err(|e| Error::Fatal(format!("{name}:{e}")))
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
                uid: p.uid,
                user: p.uid.and_then(|u| v.user_name(u)),
            });
        }
    }
    Subject {
        proto: s.proto,
        family: s.family,
        ip: s.local.ip,
        port: s.local.port,
        netns: NetnsFacts {
            host: v.scope(s) == "host",
            inode: ns.inode,
            name: ns.name.as_deref(),
            container: ns.container.as_deref(),
        },
        procs,
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

/// A process behind checked listeners whose executable is gone.
struct Deleted<'a> {
    pid: u32,
    info: &'a ProcInfo,
    sockets: Vec<&'a Socket>,
}

fn deleted_exes<'a>(v: &View<'a>, checked: &[&'a Socket]) -> Vec<Deleted<'a>> {
    let mut by_pid: BTreeMap<u32, Deleted<'a>> = BTreeMap::new();
    for &s in checked {
        for (_, o) in v.owners_of(s) {
            let Some(info) = v.procs.get(&o.pid).filter(|p| p.exe_deleted) else {
                continue;
            };
            let d = by_pid.entry(o.pid).or_insert_with(|| Deleted {
                pid: o.pid,
                info,
                sockets: Vec::new(),
            });
            if !d.sockets.iter().any(|x| std::ptr::eq(*x, s)) {
                d.sockets.push(s);
            }
        }
    }
    by_pid.into_values().collect()
}

pub fn run_check(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let Command::Check { policy: path } = &cfg.command else {
        return Err(Error::Usage(
            "check needs a POLICY file (see --help)".into(),
        ));
    };
    let name = policy_name(path);
    let pol = load_policy(path)?;
    if !cfg.processes
        && let Some(r) = pol.rules.iter().find(|r| r.names_process())
    {
        return Err(Error::Fatal(format!(
            "{name}:{}: the rule names a process (comm=, exe= or user=), which --no-processes does not look up",
            r.line
        )));
    }
    let mut ccfg = listener_config(cfg);
    // user= needs each holder's uid and the user names, which collect reads
    // for the extended output (the output itself follows `cfg`).
    ccfg.extended |= pol.rules.iter().any(|r| r.user.is_some());
    let c = crate::collect(&ccfg)?;
    crate::print_diagnostics(&c, err);

    if c.users.is_empty()
        && c.owners.is_some()
        && pol
            .rules
            .iter()
            .any(|r| matches!(r.user, Some(UserSel::Name(_))))
    {
        let _ = writeln!(
            err,
            "openports: no user names in {}: rules with user=NAME cannot match",
            terminal(cfg.passwd.as_os_str().as_encoded_bytes())
        );
    }
    let view = c.view(cfg);

    let checked: Vec<&Socket> = c
        .sockets
        .iter()
        .filter(|s| is_checked(s, cfg.include_loopback))
        .collect();
    let verdict = evaluate(&view, &pol, &checked);
    let violations: Vec<Socket> = verdict
        .violations
        .iter()
        .map(|&k| checked[k].clone())
        .collect();
    // Staleness is only judged when every namespace was read.
    let stale: Vec<&Rule> = if cfg.netns.is_empty() {
        pol.rules
            .iter()
            .zip(&verdict.used)
            .filter(|(r, used)| {
                !**used
                    && r.applies_to(&ccfg.protos, &ccfg.families)
                    && (cfg.include_loopback || !r.only_loopback())
            })
            .map(|(r, _)| r)
            .collect()
    } else {
        Vec::new()
    };
    let deleted = deleted_exes(&view, &checked);
    let hidden = count_hidden(&view, &checked);

    let first_ns = checked.first().map(|s| s.ns);
    let vview = View {
        sockets: &violations,
        netns_column: cfg.extended || checked.iter().any(|s| Some(s.ns) != first_ns),
        ..c.view(cfg)
    };
    let report = Report {
        name: &name,
        path,
        rules: pol.rules.len(),
        checked: checked.len(),
        violations: &vview,
        stale: &stale,
        deleted: &deleted,
        hidden,
    };
    let written = match cfg.format {
        Format::Table => report.table(out, err),
        Format::Json => report.json(out),
    };
    let exit = if violations.is_empty() {
        Exit::Ok
    } else {
        Exit::Violations
    };
    match written {
        Ok(()) => {}
        // A reader that stopped early (`check P | head`) does not change the
        // verdict: a cron job or a CI step under `set -o pipefail` still sees 1.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(exit),
        Err(e) => return Err(Error::Output(e)),
    }
    if hidden > 0 {
        let _ = writeln!(
            err,
            "openports: owners of {} may be hidden: {}; rules naming a process (comm=, exe=, user=) cannot match them",
            listeners(hidden),
            c.hidden_reasons.join("; ")
        );
    }
    Ok(exit)
}

/// `1 listener`, `2 listeners`.
fn listeners(n: usize) -> String {
    format!("{n} listener{}", if n == 1 { "" } else { "s" })
}

fn count_hidden(v: &View<'_>, checked: &[&Socket]) -> usize {
    checked
        .iter()
        .filter(|s| v.owner_kind(s) == OwnerKind::Hidden)
        .count()
}

/// What `check` found, ready to print.
struct Report<'a> {
    name: &'a str,
    path: &'a Path,
    rules: usize,
    checked: usize,
    /// A view whose sockets are the violations.
    violations: &'a View<'a>,
    stale: &'a [&'a Rule],
    deleted: &'a [Deleted<'a>],
    hidden: usize,
}

impl Report<'_> {
    /// The violations as a table on `out` (nothing when there is none); stale
    /// rules, deleted executables and a count on `err`.
    fn table(&self, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        let v = self.violations;
        if !v.sockets.is_empty() {
            render::table::write(v, out)?;
        }
        out.flush()?;
        for r in self.stale {
            let _ = writeln!(err, "stale rule at {}:{}: {r}", self.name, r.line);
        }
        for d in self.deleted {
            let _ = writeln!(err, "{}", deleted_text(d));
        }
        if !v.sockets.is_empty() {
            let _ = writeln!(
                err,
                "openports: {} of {} not allowed by {}",
                v.sockets.len(),
                listeners(self.checked),
                self.name
            );
        }
        Ok(())
    }

    /// NDJSON on `out`: `violation` objects (a listing object plus `kind`),
    /// `stale_rule`, `deleted_exe`, then one `summary`.
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let v = self.violations;
        let policy = self.path.as_os_str().as_encoded_bytes();
        let mut line = String::new();
        for s in v.sockets {
            line.clear();
            line.push_str("{\"kind\":\"violation\",");
            let start = line.len();
            socket_object(v, s, &mut line);
            line.remove(start); // the object's own '{'
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        for r in self.stale {
            line.clear();
            line.push_str("{\"kind\":\"stale_rule\",");
            bytes_field(&mut line, "policy", policy);
            let _ = write!(line, ",\"line\":{},", r.line);
            bytes_field(&mut line, "rule", r.to_string().as_bytes());
            line.push_str("}\n");
            out.write_all(line.as_bytes())?;
        }
        for d in self.deleted {
            line.clear();
            deleted_json(v, d, &mut line);
            out.write_all(line.as_bytes())?;
        }
        line.clear();
        line.push_str("{\"kind\":\"summary\",");
        bytes_field(&mut line, "policy", policy);
        let _ = writeln!(
            line,
            ",\"rules\":{},\"checked\":{},\"violations\":{},\"stale_rules\":{},\"deleted_exe\":{},\"hidden_owners\":{},\"exit\":{}}}",
            self.rules,
            self.checked,
            v.sockets.len(),
            self.stale.len(),
            self.deleted.len(),
            self.hidden,
            if v.sockets.is_empty() { 0 } else { 1 }
        );
        out.write_all(line.as_bytes())?;
        out.flush()
    }
}

fn listener_list(sockets: &[&Socket]) -> String {
    let mut s = String::new();
    for (n, sock) in sockets.iter().enumerate() {
        if n > 0 {
            s.push_str(", ");
        }
        s.push_str(sock.proto.name());
        s.push(' ');
        push_endpoint(&mut s, &sock.local);
    }
    s
}

/// `warning: pid N (COMM) runs deleted executable EXE, listening on tcp 0.0.0.0:80`
fn deleted_text(d: &Deleted<'_>) -> String {
    format!(
        "warning: pid {} ({}) runs deleted executable {}, listening on {}",
        d.pid,
        terminal(&d.info.comm),
        terminal(d.info.exe.as_deref().unwrap_or(b"?")),
        listener_list(&d.sockets)
    )
}

fn deleted_json(v: &View<'_>, d: &Deleted<'_>, line: &mut String) {
    let _ = write!(line, "{{\"kind\":\"deleted_exe\",\"pid\":{},", d.pid);
    bytes_field(line, "comm", &d.info.comm);
    line.push(',');
    bytes_field(line, "exe", d.info.exe.as_deref().unwrap_or(b""));
    line.push_str(",\"listeners\":[");
    for (n, s) in d.sockets.iter().enumerate() {
        if n > 0 {
            line.push(',');
        }
        let _ = write!(
            line,
            "{{\"proto\":\"{}\",\"local_addr\":\"{}\",\"local_port\":{},\"netns\":",
            s.proto.name(),
            addr_text(s.local.ip),
            s.local.port
        );
        match v.ns(s).inode {
            Some(i) => {
                let _ = write!(line, "{i}}}");
            }
            None => line.push_str("null}"),
        }
    }
    line.push_str("]}\n");
}

// ---------------------------------------------------------------------------
// baseline

/// The namespace qualifiers that name `s`'s namespace most stably: `netns=host`,
/// an `ip netns` name, a container id (12 digits, matched as a prefix), or the
/// namespace inode.
fn ns_qualifiers(v: &View<'_>, s: &Socket) -> (Option<NetnsSel>, Option<Vec<u8>>) {
    let ns = v.ns(s);
    if v.scope(s) == "host" {
        (Some(NetnsSel::Host), None)
    } else if let Some(n) = &ns.name {
        (Some(NetnsSel::Name(n.as_bytes().to_vec())), None)
    } else if let Some(c) = &ns.container {
        let id = if c.len() > 12 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
            &c[..12]
        } else {
            &c[..]
        };
        (None, Some(id.as_bytes().to_vec()))
    } else {
        (ns.inode.map(NetnsSel::Inode), None)
    }
}

/// The rules of a baseline, in the view's order (namespace, protocol, port,
/// address), one per distinct listener, each with a note for the comment.
pub fn baseline_rules(v: &View<'_>, include_loopback: bool) -> Vec<(Rule, Option<&'static str>)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for s in v.sockets.iter().filter(|s| is_checked(s, include_loopback)) {
        let (netns, container) = ns_qualifiers(v, s);
        // The first holder by pid: the parent of forked workers.
        let comm = v
            .owners_of(s)
            .iter()
            .find_map(|(_, o)| v.procs.get(&o.pid))
            .map(|p| p.comm.clone());
        let note = match v.owner_kind(s) {
            OwnerKind::Kernel => Some("kernel socket: no process holds it"),
            OwnerKind::Hidden => Some("owner hidden from openports"),
            OwnerKind::None => Some("no owner"),
            OwnerKind::Process | OwnerKind::NotLooked => None,
        };
        let rule = Rule {
            proto: Some(s.proto),
            ports: policy::Ports::List(vec![(s.local.port, s.local.port)]),
            addr: Addr::Ip(s.local.ip),
            netns,
            container,
            comm,
            ..Rule::default()
        };
        if seen.insert(rule.to_string()) {
            out.push((rule, note));
        }
    }
    out
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
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
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
fn civil_from_days(days: i64) -> (i64, u32, u32) {
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

fn and_list(items: &[&str]) -> String {
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
    use crate::socket::Family;
    let mut o = String::new();
    if cfg.protos != [Proto::Tcp, Proto::Udp] {
        for p in &cfg.protos {
            o.push_str(match p {
                Proto::Tcp => " -t",
                Proto::Udp => " -u",
                Proto::UdpLite => " --udplite",
                Proto::Raw => " -w",
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
            NsSelector::Pid(p) => write!(o, " -N pid:{p}"),
            NsSelector::Inode(i) => write!(o, " -N {i}"),
            NsSelector::Name(n) => write!(o, " -N {}", terminal(n.as_bytes())),
        };
    }
    o
}

/// Rules one per line, their columns aligned, notes as trailing comments.
pub fn write_rules(text: &mut String, rules: &[(Rule, Option<&str>)]) {
    let cols: Vec<[String; 4]> = rules.iter().map(|(r, _)| r.columns()).collect();
    let mut width = [0usize; 3];
    for c in &cols {
        for k in 0..3 {
            width[k] = width[k].max(c[k].chars().count());
        }
    }
    for (c, (_, note)) in cols.iter().zip(rules) {
        let mut line = String::from("allow");
        for k in 0..3 {
            let _ = write!(line, " {:w$}", c[k], w = width[k]);
        }
        let _ = write!(line, " {}", c[3]);
        let mut line = line.trim_end().to_string();
        if let Some(n) = note {
            let _ = write!(line, "  # {n}");
        }
        text.push_str(&line);
        text.push('\n');
    }
}

pub fn run_baseline(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    if cfg.format == Format::Json {
        return Err(Error::Usage(
            "baseline writes a policy file, not JSON: drop -j (see --help)".into(),
        ));
    }
    let ccfg = listener_config(cfg);
    let c = crate::collect(&ccfg)?;
    crate::print_diagnostics(&c, err);
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
    let protos: Vec<&str> = ccfg.protos.iter().map(|p| p.name()).collect();
    let families = match &ccfg.families[..] {
        [crate::socket::Family::Inet] => ", IPv4 only",
        [crate::socket::Family::Inet6] => ", IPv6 only",
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
    write_rules(&mut text, &rules);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if hidden > 0 {
        let _ = writeln!(
            err,
            "openports: owners of {} may be hidden: {}; their rules name no process",
            listeners(hidden),
            c.hidden_reasons.join("; ")
        );
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_agree_with_gnu_date() {
        // `date -u -d @N '+%Y-%m-%d %H:%M:%S'`
        for (secs, want) in [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_400, "2000-02-29 00:00:00 UTC"),
            (1_709_251_199, "2024-02-29 23:59:59 UTC"),
            (4_102_444_800, "2100-01-01 00:00:00 UTC"),
            (1_234_567_890, "2009-02-13 23:31:30 UTC"),
            (253_402_300_799, "9999-12-31 23:59:59 UTC"),
        ] {
            assert_eq!(utc(secs), want, "{secs}");
        }
    }

    #[test]
    fn civil_from_days_is_consecutive() {
        // Every day of 1969..=2401 follows the previous one.
        let mut prev = civil_from_days(-366);
        for d in -365..158_000 {
            let cur = civil_from_days(d);
            let next_in_month = (prev.0, prev.1, prev.2 + 1);
            let next_month = (prev.0, prev.1 + 1, 1);
            let next_year = (prev.0 + 1, 1, 1);
            assert!(
                cur == next_in_month || cur == next_month || cur == next_year,
                "{prev:?} -> {cur:?}"
            );
            prev = cur;
        }
    }

    use crate::netns::Netns;
    use crate::owners::{Owner, OwnerIndex};
    use crate::socket::{Endpoint, Family, state};
    use std::collections::HashMap;
    use std::net::IpAddr;

    struct World {
        sockets: Vec<Socket>,
        namespaces: Vec<Netns>,
        owners: OwnerIndex,
        procs: HashMap<u32, ProcInfo>,
        users: HashMap<u32, String>,
    }

    fn sock(ns: u32, proto: Proto, ip: &str, port: u16, st: u8, inode: u64) -> Socket {
        let ip: IpAddr = ip.parse().unwrap();
        let unspecified: IpAddr = if ip.is_ipv4() {
            "0.0.0.0".parse().unwrap()
        } else {
            "::".parse().unwrap()
        };
        Socket {
            ns,
            proto,
            family: if ip.is_ipv4() {
                Family::Inet
            } else {
                Family::Inet6
            },
            state: st,
            local: Endpoint { ip, port },
            remote: Endpoint {
                ip: unspecified,
                port: 0,
            },
            recv_q: 0,
            send_q: 0,
            uid: 0,
            inode,
        }
    }

    fn info(comm: &str, uid: u32, exe: &str, deleted: bool) -> ProcInfo {
        ProcInfo {
            comm: comm.as_bytes().to_vec(),
            uid: Some(uid),
            exe: Some(exe.as_bytes().to_vec()),
            exe_deleted: deleted,
            cmdline: None,
        }
    }

    /// Host, a container, an `ip netns` namespace named like a number, and one
    /// named "host"; forked workers, a kernel socket, a loopback listener, a
    /// connection, a deleted executable and a comm with a quote and a blank.
    fn world() -> World {
        let ns = |inode, host: bool| Netns {
            inode: Some(inode),
            host,
            ..Netns::default()
        };
        let namespaces = vec![
            ns(4026531840, true),
            Netns {
                container: Some("3f2a9c0d1e2b4a5c6d7e8f9a".into()),
                ..ns(4026532500, false)
            },
            Netns {
                name: Some("42".into()),
                ..ns(4026532600, false)
            },
            Netns {
                name: Some("host".into()),
                ..ns(4026532700, false)
            },
            ns(4026532800, false),
        ];
        let sockets = vec![
            sock(0, Proto::Tcp, "0.0.0.0", 22, state::LISTEN, 1),
            sock(0, Proto::Tcp, "::", 22, state::LISTEN, 2),
            sock(0, Proto::Tcp, "0.0.0.0", 80, state::LISTEN, 3),
            sock(0, Proto::Tcp, "127.0.0.1", 5432, state::LISTEN, 4),
            sock(0, Proto::Tcp, "10.0.0.5", 22, state::ESTABLISHED, 5),
            sock(0, Proto::Udp, "0.0.0.0", 4789, state::CLOSE, 6),
            sock(0, Proto::Udp, "::ffff:10.0.0.5", 5353, state::CLOSE, 7),
            sock(1, Proto::Tcp, "0.0.0.0", 8080, state::LISTEN, 8),
            sock(2, Proto::Tcp, "0.0.0.0", 8080, state::LISTEN, 9),
            sock(3, Proto::Tcp, "fe80::1", 8080, state::LISTEN, 10),
            sock(4, Proto::Udp, "0.0.0.0", 53, state::CLOSE, 11),
        ];
        let o = |pid, fd| Owner { pid, fd };
        let owners = OwnerIndex::from_entries(vec![
            (1, o(100, 3)),
            (2, o(100, 4)),
            (3, o(200, 6)),
            (3, o(201, 6)),
            (4, o(300, 5)),
            (5, o(101, 4)),
            (7, o(400, 9)),
            (8, o(500, 3)),
            (9, o(600, 3)),
            (10, o(700, 3)),
            (11, o(800, 3)),
        ]);
        let procs = HashMap::from([
            (100, info("sshd", 0, "/usr/sbin/sshd", false)),
            (101, info("sshd", 0, "/usr/sbin/sshd", false)),
            (200, info("nginx", 0, "/usr/sbin/nginx", true)),
            (201, info("nginx", 33, "/usr/sbin/nginx", true)),
            (300, info("postgres", 105, "/usr/bin/postgres", true)),
            (
                400,
                info("avahi-daemon", 0, "/usr/sbin/avahi-daemon", false),
            ),
            (500, info("my \"app\"", 1000, "/app/server", false)),
            (600, info("42", 0, "/bin/x", false)),
            (700, info("h\x1b[0m", 0, "/bin/y", false)),
            (800, info("dnsmasq", 0, "/usr/sbin/dnsmasq", false)),
        ]);
        let users = HashMap::from([(0, "root".into()), (33, "www-data".into())]);
        World {
            sockets,
            namespaces,
            owners,
            procs,
            users,
        }
    }

    fn view(w: &World) -> View<'_> {
        View {
            sockets: &w.sockets,
            namespaces: &w.namespaces,
            owners: Some(&w.owners),
            procs: &w.procs,
            users: &w.users,
            full_visibility: true,
            extended: false,
            header: true,
            color: false,
            netns_column: true,
        }
    }

    fn checked<'a>(v: &View<'a>, loopback: bool) -> Vec<&'a Socket> {
        v.sockets
            .iter()
            .filter(|s| is_checked(s, loopback))
            .collect()
    }

    #[test]
    fn baseline_text_parses_back_and_allows_exactly_the_listeners() {
        let w = world();
        let v = view(&w);
        for loopback in [false, true] {
            let mut text = String::new();
            write_rules(&mut text, &baseline_rules(&v, loopback));
            let pol = policy::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let ch = checked(&v, loopback);
            assert_eq!(ch.len(), if loopback { 10 } else { 9 });
            assert_eq!(pol.rules.len(), ch.len(), "{text}");
            let verdict = evaluate(&v, &pol, &ch);
            assert_eq!(verdict.violations, Vec::<usize>::new(), "{text}");
            assert!(verdict.used.iter().all(|&u| u), "{text}");
            // Each rule allows its own listener and no other.
            for (k, r) in pol.rules.iter().enumerate() {
                let hits: Vec<usize> = (0..ch.len())
                    .filter(|&i| r.matches(&subject(&v, ch[i])))
                    .collect();
                assert_eq!(hits, vec![k], "{r}");
            }
        }
    }

    #[test]
    fn baseline_rules_name_namespaces_and_first_holder() {
        let w = world();
        let v = view(&w);
        let mut text = String::new();
        write_rules(&mut text, &baseline_rules(&v, false));
        assert_eq!(
            text,
            "\
allow tcp 22   0.0.0.0         netns=host comm=sshd
allow tcp 22   ::              netns=host comm=sshd
allow tcp 80   0.0.0.0         netns=host comm=nginx
allow udp 4789 0.0.0.0         netns=host  # kernel socket: no process holds it
allow udp 5353 ::ffff:10.0.0.5 netns=host comm=avahi-daemon
allow tcp 8080 0.0.0.0         container=3f2a9c0d1e2b comm=\"my \\\"app\\\"\"
allow tcp 8080 0.0.0.0         netns=\"42\" comm=42
allow tcp 8080 fe80::1         netns=\"host\" comm=\"h\\x1b[0m\"
allow udp 53   0.0.0.0         netns=4026532800 comm=dnsmasq
"
        );
    }

    #[test]
    fn violations_and_deleted_executables() {
        let w = world();
        let v = view(&w);
        let ch = checked(&v, false);
        let pol = policy::parse(
            b"allow tcp 22 comm=sshd\nallow udp * netns=host\nallow tcp 8080 container=3f2a9c\nallow tcp 9999\n",
        )
        .unwrap();
        let verdict = evaluate(&v, &pol, &ch);
        let ports: Vec<(u16, u32)> = verdict
            .violations
            .iter()
            .map(|&k| (ch[k].local.port, ch[k].ns))
            .collect();
        assert_eq!(ports, vec![(80, 0), (8080, 2), (8080, 3), (53, 4)]);
        assert_eq!(verdict.used, vec![true, true, true, false]);
        // nginx's two processes both hold 0.0.0.0:80; postgres is on loopback,
        // so it is not checked and not warned about.
        let d = deleted_exes(&v, &ch);
        let got: Vec<(u32, usize)> = d.iter().map(|d| (d.pid, d.sockets.len())).collect();
        assert_eq!(got, vec![(200, 1), (201, 1)]);
        assert_eq!(
            deleted_text(&d[0]),
            "warning: pid 200 (nginx) runs deleted executable /usr/sbin/nginx, listening on tcp 0.0.0.0:80"
        );
        let d = deleted_exes(&v, &checked(&v, true));
        assert_eq!(
            d.iter().map(|d| d.pid).collect::<Vec<_>>(),
            vec![200, 201, 300]
        );
    }

    #[test]
    fn and_list_joins() {
        assert_eq!(and_list(&["tcp"]), "tcp");
        assert_eq!(and_list(&["tcp", "udp"]), "tcp and udp");
        assert_eq!(and_list(&["tcp", "udp", "raw"]), "tcp, udp and raw");
    }
}
