//! `--format prometheus`: the Prometheus text exposition format (version
//! 0.0.4), for node_exporter's textfile collector. Every series is a gauge:
//!
//! - `openports_listener{proto,family,address,port,netns,netns_inode,container,program,exposure,reach}`:
//!   listening sockets with these labels (1; more when sockets share every
//!   label, as SO_REUSEPORT groups do, since a series must be unique);
//! - `openports_listeners{exposure,reach,netns}`: counts by exposure class, reach
//!   and namespace;
//! - `openports_namespaces`, `openports_hidden_owner_listeners`,
//!   `openports_deleted_exe_listeners`;
//! - with `check`: `openports_check_violation{policy,…}` per violating
//!   listener, `openports_check_violations`, `openports_check_rules`,
//!   `openports_check_stale_rules`;
//! - `openports_scrape_duration_seconds`: how long the run took.
//!
//! Label values are the table's text (controls, bidi overrides and bytes that
//! are not UTF-8 escaped as `\xNN`, so the file is valid UTF-8 and inert on a
//! terminal), then escaped for the format: `\` as `\\`, `"` as `\"`, newline as `\n`.

use std::io::{self, Write};
use std::time::Duration;

use super::escape::terminal;
use super::{OwnerKind, View, addr_text, push_u64};
use crate::model::socket::Socket;

/// What `check` adds to the metrics.
pub struct CheckMetrics<'a> {
    /// The policy's path as given (a label value).
    pub policy: &'a [u8],
    pub rules: usize,
    pub violations: &'a [Socket],
    pub stale_rules: usize,
}

/// Append `"value"` escaped for the exposition format.
fn push_value(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn label(out: &mut String, key: &str, v: &str) {
    if !out.is_empty() {
        out.push(',');
    }
    out.push_str(key);
    out.push('=');
    push_value(out, v);
}

/// The program label: the name of the holder with the lowest pid (the parent of
/// forked workers), else why there is none, as the table says it.
fn program(v: &View<'_>, s: &Socket) -> String {
    match v.owner_kind(s) {
        OwnerKind::Process => {
            let pid = v.owners_of(s).iter().map(|(_, o)| o.pid).min();
            pid.and_then(|p| v.procs.get(&p))
                .map(|p| terminal(&p.comm))
                .unwrap_or_default()
        }
        OwnerKind::Kernel => "[kernel]".into(),
        OwnerKind::Hidden => "[hidden]".into(),
        OwnerKind::Unseen => "[no visible holder]".into(),
        OwnerKind::None => "[none]".into(),
        OwnerKind::NotLooked => String::new(),
    }
}

fn netns_label(v: &View<'_>, s: &Socket) -> String {
    terminal(v.ns(s).label().as_bytes())
}

/// The labels of one listener, without braces.
fn listener_labels(v: &View<'_>, s: &Socket, out: &mut String) {
    let ns = v.ns(s);
    label(out, "proto", s.proto.name());
    label(out, "family", s.family.name());
    // Packet and unix sockets have no address (as in JSON).
    let addr = match s.detail {
        Some(_) => String::new(),
        None => addr_text(s.local.ip),
    };
    label(out, "address", &addr);
    let mut n = String::new();
    push_u64(&mut n, s.local.port.into());
    label(out, "port", &n);
    label(out, "netns", &netns_label(v, s));
    n.clear();
    if let Some(i) = ns.inode {
        push_u64(&mut n, i);
    }
    label(out, "netns_inode", &n);
    let container = ns.container.as_deref().map(|c| terminal(c.as_bytes()));
    label(out, "container", container.as_deref().unwrap_or(""));
    label(out, "program", &program(v, s));
    label(out, "exposure", v.exposure(s).name());
    label(out, "reach", reach(v, s));
}

/// Who can reach the listener (README, "Reach"); empty when not computed.
fn reach(v: &View<'_>, s: &Socket) -> &'static str {
    v.reach(s).map_or("", |(r, _)| r.name())
}

fn family(out: &mut String, name: &str, help: &str) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    out.push_str(help);
    out.push_str("\n# TYPE ");
    out.push_str(name);
    out.push_str(" gauge\n");
}

fn sample(out: &mut String, name: &str, labels: &str, value: u64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        out.push_str(labels);
        out.push('}');
    }
    out.push(' ');
    push_u64(out, value);
    out.push('\n');
}

/// One series per distinct label set, counted, in a stable (sorted) order.
/// (Sorted and counted in runs: a BTreeMap of strings costs about 1 KiB more
/// code, README "Size".)
fn counted(mut sets: Vec<String>) -> Vec<(String, u64)> {
    sets.sort_unstable();
    let mut m: Vec<(String, u64)> = Vec::new();
    for s in sets {
        match m.last_mut() {
            Some((last, n)) if *last == s => *n += 1,
            _ => m.push((s, 1)),
        }
    }
    m
}

/// Write the metrics of the listeners in `v` (and of a check) to `out`.
pub fn write(
    v: &View<'_>,
    check: Option<&CheckMetrics<'_>>,
    elapsed: Duration,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut o = String::with_capacity(256 + v.sockets.len() * 200);
    let policy = check.map(|c| {
        let mut l = String::new();
        label(&mut l, "policy", &terminal(c.policy));
        l
    });
    let labels_of = |s: &Socket, prefix: Option<&str>| {
        let mut l = prefix.unwrap_or("").to_string();
        listener_labels(v, s, &mut l);
        l
    };

    family(
        &mut o,
        "openports_listener",
        "Listening sockets with these labels (1, or more when sockets share every label).",
    );
    for (l, n) in counted(v.sockets.iter().map(|s| labels_of(s, None)).collect()) {
        sample(&mut o, "openports_listener", &l, n);
    }

    family(
        &mut o,
        "openports_listeners",
        "Listening sockets by exposure class, reach and network namespace.",
    );
    let by_class = v.sockets.iter().map(|s| {
        let mut l = String::new();
        label(&mut l, "exposure", v.exposure(s).name());
        label(&mut l, "reach", reach(v, s));
        label(&mut l, "netns", &netns_label(v, s));
        l
    });
    for (l, n) in counted(by_class.collect()) {
        sample(&mut o, "openports_listeners", &l, n);
    }

    family(&mut o, "openports_namespaces", "Network namespaces found.");
    sample(
        &mut o,
        "openports_namespaces",
        "",
        v.namespaces.len() as u64,
    );
    family(
        &mut o,
        "openports_hidden_owner_listeners",
        "Listeners whose holder may be hidden (not root, hidepid, no ptrace access).",
    );
    let hidden = v
        .sockets
        .iter()
        .filter(|s| v.owner_kind(s) == OwnerKind::Hidden);
    sample(
        &mut o,
        "openports_hidden_owner_listeners",
        "",
        hidden.count() as u64,
    );
    family(
        &mut o,
        "openports_deleted_exe_listeners",
        "Listeners held by a process whose executable was deleted or replaced after it started.",
    );
    let deleted = v.sockets.iter().filter(|s| {
        v.owners_of(s)
            .iter()
            .any(|(_, o)| v.procs.get(&o.pid).is_some_and(|p| p.exe_deleted))
    });
    sample(
        &mut o,
        "openports_deleted_exe_listeners",
        "",
        deleted.count() as u64,
    );

    if let (Some(c), Some(p)) = (check, policy.as_deref()) {
        family(
            &mut o,
            "openports_check_violation",
            "A checked listener that no rule of the policy allows.",
        );
        for (l, n) in counted(c.violations.iter().map(|s| labels_of(s, Some(p))).collect()) {
            sample(&mut o, "openports_check_violation", &l, n);
        }
        family(
            &mut o,
            "openports_check_violations",
            "Checked listeners that no rule allows.",
        );
        sample(
            &mut o,
            "openports_check_violations",
            p,
            c.violations.len() as u64,
        );
        family(&mut o, "openports_check_rules", "Rules in the policy.");
        sample(&mut o, "openports_check_rules", p, c.rules as u64);
        family(
            &mut o,
            "openports_check_stale_rules",
            "Rules that allowed no listener.",
        );
        sample(
            &mut o,
            "openports_check_stale_rules",
            p,
            c.stale_rules as u64,
        );
    }

    family(
        &mut o,
        "openports_scrape_duration_seconds",
        "How long openports took to read the system.",
    );
    o.push_str("openports_scrape_duration_seconds ");
    push_u64(&mut o, elapsed.as_secs());
    o.push('.');
    let micros = elapsed.subsec_micros();
    for d in [100_000, 10_000, 1_000, 100, 10, 1] {
        o.push(char::from(b'0' + (micros / d % 10) as u8));
    }
    o.push('\n');
    out.write_all(o.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escaped_as_the_exposition_format_says() {
        let mut s = String::new();
        label(&mut s, "program", r#"a\b"c"#);
        label(&mut s, "x", "l1\nl2");
        assert_eq!(s, r#"program="a\\b\"c",x="l1\nl2""#);
    }
}
