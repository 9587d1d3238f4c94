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

use std::io::{self, Write};
use std::path::Path;

use super::{count_hidden, listener_request};
use crate::cli::{Command, Config, Format};
use crate::collect::Request;
use crate::error::{Error, Exit};
use crate::model::socket::Socket;
use crate::model::warning::{HiddenThen, Warning};
use crate::parse;
use crate::policy::evaluate::{evaluate, is_checked};
use crate::policy::{Key, Policy, Qualifier, Rule, UserSel};
use crate::render::View;
use crate::render::check::{Deleted, Report};
use crate::render::escape::terminal;
use crate::render::prometheus::{self, CheckMetrics};

/// A policy larger than this is refused (a policy is a few hundred lines).
const MAX_POLICY: u64 = 16 << 20;

/// How the policy is named in messages: its path (escaped), or `-` for stdin.
fn policy_name(path: &Path) -> String {
    terminal(path.as_os_str().as_encoded_bytes())
}

fn read_policy(path: &Path, name: &str) -> Result<Vec<u8>, Error> {
    use crate::proc::{read_all_capped, read_regular};
    // `-` is stdin, whatever it is (a pipe, a terminal); a named policy must be
    // a regular file: a FIFO would hang the run, a device never end.
    let r = if path == Path::new("-") {
        crate::proc::sys::stdin_file().and_then(|f| read_all_capped(f, MAX_POLICY))
    } else {
        read_regular(path, MAX_POLICY)
    };
    r.map_err(|e| Error::Fatal(format!("cannot read policy {name}: {e}")))
}

/// Load and parse a policy; a syntax error is `FILE:LINE:COL: expected …, found …`.
pub fn load_policy(path: &Path) -> Result<Policy, Error> {
    let name = policy_name(path);
    let src = read_policy(path, &name)?;
    parse::policy::parse(&src).map_err(|e| Error::Fatal(format!("{name}:{e}")))
}

pub(crate) fn deleted_exes<'a>(v: &View<'a>, checked: &[&'a Socket]) -> Vec<Deleted<'a>> {
    // Sorted by pid (a BTreeMap costs about 1 KiB more code, README "Size").
    let mut by_pid: Vec<Deleted<'a>> = Vec::new();
    for &s in checked {
        for (_, o) in v.owners_of(s) {
            let Some(info) = v.procs.get(&o.pid).filter(|p| p.exe_deleted) else {
                continue;
            };
            let i = match by_pid.binary_search_by_key(&o.pid, |d| d.pid) {
                Ok(i) => i,
                Err(i) => {
                    by_pid.insert(
                        i,
                        Deleted {
                            pid: o.pid,
                            info,
                            sockets: Vec::new(),
                        },
                    );
                    i
                }
            };
            let d = &mut by_pid[i];
            if !d.sockets.iter().any(|x| std::ptr::eq(*x, s)) {
                d.sockets.push(s);
            }
        }
    }
    by_pid
}

pub fn run_check(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let Command::Check { policy: path } = &cfg.command else {
        return Err(Error::Usage(
            "check needs a POLICY file (see --help)".into(),
        ));
    };
    let started = std::time::Instant::now();
    let name = policy_name(path);
    let mut pol = load_policy(path)?;
    // On a live system exe= compares the running file with the file the path
    // names here; a fixture tree records paths only.
    if crate::proc::ProcRoot::new(&cfg.root).is_ok_and(|r| r.is_live()) {
        let policy = path.as_os_str().as_encoded_bytes();
        for r in &mut pol.rules {
            let line = r.line;
            let Some(Qualifier::Exe { path, file }) =
                r.quals.iter_mut().find(|q| q.key() == Key::Exe)
            else {
                continue;
            };
            match crate::proc::file_id(path) {
                Ok(id) => *file = Some(id),
                Err(error) => {
                    let w = Warning::ExeUnreadable {
                        policy: policy.to_vec(),
                        line,
                        exe: path.clone(),
                        error,
                    };
                    crate::render::diagnostics::print(err, &[w]);
                }
            }
        }
    }
    if !cfg.processes
        && let Some(r) = pol.rules.iter().find(|r| r.names_process())
    {
        return Err(Error::Fatal(format!(
            "{name}:{}: the rule names a process (comm=, exe= or user=), which --no-processes does not look up",
            r.line
        )));
    }
    let base = listener_request(cfg);
    let req = Request {
        // user= needs each holder's uid and the user names (the output
        // itself follows `cfg`).
        details: base.details || pol.rules.iter().any(|r| r.get(Key::User).is_some()),
        ..base
    };
    let c = crate::collect::collect(&req)?;
    crate::render::diagnostics::print_diagnostics(&c, err);

    if c.users.is_empty()
        && c.owners.is_some()
        && pol
            .rules
            .iter()
            .any(|r| matches!(r.get(Key::User), Some(Qualifier::User(UserSel::Name(_)))))
    {
        let passwd = cfg.passwd.as_os_str().as_encoded_bytes().to_vec();
        crate::render::diagnostics::print(err, &[Warning::NoUserNames { passwd }]);
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
                    && r.applies_to(&req.protos, &req.families)
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
        Format::Prometheus => {
            let listeners: Vec<Socket> = checked.iter().map(|&s| s.clone()).collect();
            let m = CheckMetrics {
                policy: path.as_os_str().as_encoded_bytes(),
                rules: pol.rules.len(),
                violations: &violations,
                stale_rules: stale.len(),
            };
            let lview = View {
                sockets: &listeners,
                ..c.view(cfg)
            };
            let written = prometheus::write(&lview, Some(&m), started.elapsed(), out);
            if written.is_ok() {
                report.notices(err);
            }
            written
        }
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
        let w = Warning::HiddenOwners {
            count: hidden,
            reasons: c.hidden_reasons.clone(),
            then: HiddenThen::CheckRules,
        };
        crate::render::diagnostics::print(err, &[w]);
    }
    crate::render::diagnostics::unseen_notice(&c, &view, err);
    Ok(exit)
}
