//! The report of `check`: violations as a table (stderr for the rest) or as
//! NDJSON objects told apart by `"kind"`.

use std::io::{self, Write};
use std::path::Path;

use super::escape::terminal;
use super::json::Obj;
use super::{View, addr_text, listeners, push_endpoint};
use crate::model::owners::ProcInfo;
use crate::model::socket::Socket;
use crate::policy::Rule;

/// A process behind checked listeners whose executable is gone.
pub struct Deleted<'a> {
    pub pid: u32,
    pub info: &'a ProcInfo,
    pub sockets: Vec<&'a Socket>,
}

/// What `check` found, ready to print.
pub struct Report<'a> {
    pub name: &'a str,
    pub path: &'a Path,
    pub rules: usize,
    pub checked: usize,
    /// A view whose sockets are the violations.
    pub violations: &'a View<'a>,
    pub stale: &'a [&'a Rule],
    pub deleted: &'a [Deleted<'a>],
    pub hidden: usize,
}

impl Report<'_> {
    /// The violations as a table on `out` (nothing when there is none); stale
    /// rules, deleted executables and a count on `err` ([`Report::notices`]).
    pub fn table(&self, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        let v = self.violations;
        if !v.sockets.is_empty() {
            super::table::write(v, out)?;
        }
        out.flush()?;
        self.notices(err);
        Ok(())
    }

    /// On `err`, what the table and the metrics do not show: each stale rule,
    /// each process running a deleted executable, and how many listeners were
    /// not allowed.
    pub fn notices(&self, err: &mut dyn Write) {
        let v = self.violations;
        for r in self.stale {
            super::diag(err, &format!("stale rule at {}:{}: {r}", self.name, r.line));
        }
        for d in self.deleted {
            super::diag(err, &deleted_text(d));
        }
        if !v.sockets.is_empty() {
            super::diag(
                err,
                &format!(
                    "openports: {} of {} not allowed by {}",
                    v.sockets.len(),
                    listeners(self.checked),
                    self.name
                ),
            );
        }
    }

    /// NDJSON on `out`: `violation` objects (a listing object plus `kind`),
    /// `stale_rule`, `deleted_exe`, then one `summary`.
    pub fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let v = self.violations;
        let policy = self.path.as_os_str().as_encoded_bytes();
        let mut line = String::new();
        let mut emit = |write: &mut dyn FnMut(&mut Obj<'_>)| {
            line.clear();
            let mut o = Obj::open(&mut line);
            write(&mut o);
            o.close();
            line.push('\n');
            out.write_all(line.as_bytes())
        };
        for s in v.sockets {
            emit(&mut |o| {
                o.str("kind", "violation").socket(v, s);
            })?;
        }
        for r in self.stale {
            emit(&mut |o| {
                o.str("kind", "stale_rule")
                    .bytes("policy", policy)
                    .num("line", r.line)
                    .str("rule", &r.to_string());
            })?;
        }
        for d in self.deleted {
            emit(&mut |o| deleted_json(v, d, o))?;
        }
        emit(&mut |o| {
            o.str("kind", "summary")
                .bytes("policy", policy)
                .num("rules", self.rules)
                .num("checked", self.checked)
                .num("violations", v.sockets.len())
                .num("stale_rules", self.stale.len())
                .num("deleted_exe", self.deleted.len())
                .num("hidden_owners", self.hidden)
                .num("exit", if v.sockets.is_empty() { 0 } else { 1 });
        })?;
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
/// (`replaced executable EXE (the path now names another file)` when it was).
pub(crate) fn deleted_text(d: &Deleted<'_>) -> String {
    let replaced = d.info.exe_replaced;
    format!(
        "warning: pid {} ({}) runs {} executable {}{}, listening on {}",
        d.pid,
        terminal(&d.info.comm),
        if replaced { "replaced" } else { "deleted" },
        terminal(d.info.exe.as_deref().unwrap_or(b"?")),
        if replaced {
            " (the path now names another file)"
        } else {
            ""
        },
        listener_list(&d.sockets)
    )
}

fn deleted_json(v: &View<'_>, d: &Deleted<'_>, o: &mut Obj<'_>) {
    o.str("kind", "deleted_exe")
        .num("pid", d.pid)
        .bytes("comm", &d.info.comm)
        .bytes("exe", d.info.exe.as_deref().unwrap_or(b""))
        .num("replaced", d.info.exe_replaced)
        .objects("listeners", &d.sockets, |l, s| {
            l.str("proto", s.proto.name())
                .str("local_addr", &addr_text(s.local.ip))
                .num("local_port", s.local.port)
                .opt_num("netns", v.ns(s).inode);
        });
}
