//! The report of `check`: violations as a table (stderr for the rest) or as
//! NDJSON objects told apart by `"kind"`.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use super::escape::terminal;
use super::json::{bytes_field, socket_object};
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
    /// rules, deleted executables and a count on `err`.
    pub fn table(&self, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        let v = self.violations;
        if !v.sockets.is_empty() {
            super::table::write(v, out)?;
        }
        out.flush()?;
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
        Ok(())
    }

    /// NDJSON on `out`: `violation` objects (a listing object plus `kind`),
    /// `stale_rule`, `deleted_exe`, then one `summary`.
    pub fn json(&self, out: &mut dyn Write) -> io::Result<()> {
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

fn deleted_json(v: &View<'_>, d: &Deleted<'_>, line: &mut String) {
    let _ = write!(line, "{{\"kind\":\"deleted_exe\",\"pid\":{},", d.pid);
    bytes_field(line, "comm", &d.info.comm);
    line.push(',');
    bytes_field(line, "exe", d.info.exe.as_deref().unwrap_or(b""));
    let _ = write!(line, ",\"replaced\":{}", d.info.exe_replaced);
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
