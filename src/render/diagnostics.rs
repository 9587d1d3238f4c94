//! Diagnostics on stderr: the one place where a [`Warning`] becomes text. Every
//! path, name and error a warning carries is escaped here ([`escape::terminal`]
//! for paths and labels, and the whole line through [`super::diag`]); each
//! distinct warning is printed once.

use crate::model::map::first_seen;
use std::fmt;
use std::io::Write;

use super::{OwnerKind, View, escape};
use crate::collect::Snapshot;
use crate::model::warning::{HiddenReason, HiddenThen, Names, Warning};

/// A path or label as shown.
struct Shown<'a>(&'a [u8]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape::terminal(self.0))
    }
}

fn path(p: &[u8]) -> Shown<'_> {
    Shown(p)
}

/// Labels, escaped, joined with `, `.
fn labels(l: &[String]) -> String {
    l.iter()
        .map(|l| escape::terminal(l.as_bytes()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When some processes could not be placed by their namespace link (a non-root
/// run), "a namespace with no process" only means none was identified in it:
/// its processes may be among those of the unidentified namespaces.
fn unplaced(f: &mut fmt::Formatter<'_>, anon: &[String]) -> fmt::Result {
    if anon.is_empty() {
        return Ok(());
    }
    write!(
        f,
        " (no process was identified in them: the processes whose namespace links are unreadable without root, listed under {}, may be theirs)",
        labels(anon)
    )
}

impl fmt::Display for HiddenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiddenReason::FdsUnreadable { processes, root } => write!(
                f,
                "the fds of {processes} processes could not be read{}",
                if *root {
                    " (no ptrace access: missing CAP_SYS_PTRACE, a user namespace, or an LSM)"
                } else {
                    " (not running as root: run as root to see them)"
                }
            ),
            HiddenReason::Hidepid { root } => write!(
                f,
                "{} is mounted with hidepid, so other users' processes are invisible",
                path(root)
            ),
        }
    }
}

/// The text of a warning, without the `openports: ` prefix.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::MalformedLine {
                path: p,
                line,
                column,
                expected,
            } => write!(
                f,
                "{}:{line}: column {column}: expected {expected}",
                path(p)
            ),
            Warning::LineTooLong { path: p, line, max } => {
                write!(f, "{}:{line}: line longer than {max} bytes", path(p))
            }
            Warning::WrongFamily { path: p, line } => write!(
                f,
                "{}:{line}: address of the wrong family for this table",
                path(p)
            ),
            Warning::MoreMalformed { path: p, count } => {
                write!(f, "{}: {count} more malformed lines skipped", path(p))
            }
            Warning::Truncated { path: p, max_mib } => write!(
                f,
                "{}: larger than {max_mib} MiB (or growing while read): the rest was not read",
                path(p)
            ),
            Warning::Unreadable { path: p, error } => {
                write!(f, "{}: cannot read: {error}", path(p))
            }
            Warning::ReadFailed { path: p, error } => {
                write!(f, "{}: read failed: {error}", path(p))
            }
            Warning::ForgedRows {
                path: p,
                line,
                inode,
                first,
            } => write!(
                f,
                "{}:{line}: inode {inode} is also on line {first} with other fields: a socket name with a newline may be forging rows",
                path(p)
            ),
            Warning::MaybeForged {
                path: p,
                line,
                inode,
                full_visibility,
            } => write!(
                f,
                "{}:{line}: this row may be forged: it could be the end of the previous row's socket name (a name may contain a newline), and no process{} holds inode {inode}",
                path(p),
                if *full_visibility {
                    ""
                } else {
                    " that could be read"
                }
            ),
            Warning::NamesUnreadable {
                path: p,
                error,
                names,
            } => write!(
                f,
                "cannot read {}: {error}: {}",
                path(p),
                match names {
                    Names::Users => "users are shown as uids",
                    Names::Groups => "groups are shown as gids",
                }
            ),
            Warning::NoReadPath {
                namespaces,
                unplaced: anon,
            } => {
                write!(
                    f,
                    "{} network namespace(s) with no process to read their tables through: {}",
                    namespaces.len(),
                    labels(namespaces)
                )?;
                unplaced(f, anon)
            }
            Warning::NamespaceNotEnterable {
                namespaces,
                error,
                unplaced: anon,
            } => {
                write!(
                    f,
                    "{} network namespace(s) with no process could not be entered: {}: {error}{}",
                    namespaces.len(),
                    labels(namespaces),
                    if error.raw_os_error() == Some(libc::EPERM) {
                        " (entering a namespace needs root)"
                    } else {
                        ""
                    }
                )?;
                unplaced(f, anon)
            }
            Warning::AnonymousNamespaces {
                processes,
                labels: l,
            } => write!(
                f,
                "the namespace links of {processes} processes are not readable (not root): {} network namespace(s) were told apart by /proc/PID/net alone, have no inode (netns null) and no name, and are labelled {}",
                l.len(),
                labels(l)
            ),
            Warning::Firewall { tables, nf_tables } => {
                let mut seen: Vec<String> = tables
                    .iter()
                    .map(|(t, ns)| {
                        format!("{} in {}", t.join("/"), escape::terminal(ns.as_bytes()))
                    })
                    .collect();
                if *nf_tables {
                    seen.push("nf_tables loaded".into());
                }
                write!(
                    f,
                    "a firewall is active ({}): reach is what the kernel would accept if no firewall drops it; the rules are not in /proc",
                    seen.join(", ")
                )
            }
            Warning::HiddenOwners {
                count,
                reasons,
                then,
            } => {
                let why = reasons
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                match then {
                    HiddenThen::Sockets => {
                        write!(f, "owners of {count} sockets may be hidden: {why}")
                    }
                    HiddenThen::CheckRules => write!(
                        f,
                        "owners of {} may be hidden: {why}; rules naming a process (comm=, exe=, user=) cannot match them",
                        super::listeners(*count)
                    ),
                    HiddenThen::BaselineRules => write!(
                        f,
                        "owners of {} may be hidden: {why}; their rules name no process",
                        super::listeners(*count)
                    ),
                }
            }
            Warning::NoVisibleHolder { count, why } => write!(
                f,
                "{count} sockets have no visible holder, which does not make them kernel sockets: {why}"
            ),
            Warning::UnknownReach { count, namespaces } => write!(
                f,
                "reach of {count} socket{} is unknown (the addresses of {} could not be read): counted as exposed",
                if *count == 1 { "" } else { "s" },
                labels(namespaces)
            ),
            Warning::ExeUnreadable {
                policy,
                line,
                exe,
                error,
            } => write!(
                f,
                "{}:{line}: exe={}: {error}: the rule matches no process",
                path(policy),
                path(exe)
            ),
            Warning::NoUserNames { passwd } => write!(
                f,
                "no user names in {}: rules with user=NAME cannot match",
                path(passwd)
            ),
        }
    }
}

/// The distinct lines of `warnings`, in order (a warning said twice, e.g. by
/// two readers of one file, is one line).
pub fn lines(warnings: &[Warning]) -> Vec<String> {
    let texts: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    let first = first_seen(&texts);
    texts
        .into_iter()
        .zip(first)
        .filter_map(|(t, f)| f.then_some(t))
        .collect()
}

/// Print one warning's line (made by [`lines`]).
pub fn print_line(err: &mut dyn Write, text: &str) {
    super::diag(err, &format!("openports: {text}"));
}

/// Print each distinct warning once, in order.
pub fn print(err: &mut dyn Write, warnings: &[Warning]) {
    for t in lines(warnings) {
        print_line(err, &t);
    }
}

/// The warnings a run gathered.
pub fn print_diagnostics(c: &Snapshot, err: &mut dyn Write) {
    print(err, &c.warnings);
}

/// `--exposed` and the summary count sockets of unknown reach as exposed: say
/// so, and which namespaces' addresses could not be read.
pub fn unknown_reach_notice(view: &View<'_>, err: &mut dyn Write) {
    let mut count = 0;
    let mut namespaces: Vec<String> = Vec::new();
    // Packet and unix sockets are listed by their exposure, not by reach.
    for s in view.sockets.iter().filter(|s| s.detail.is_none()) {
        if view
            .reach(s)
            .is_some_and(|r| r.0 == crate::model::reach::Reach::Unknown)
        {
            count += 1;
            let l = view.ns(s).label();
            if !namespaces.contains(&l) {
                namespaces.push(l);
            }
        }
    }
    if count > 0 {
        print(err, &[Warning::UnknownReach { count, namespaces }]);
    }
}

/// How many of the sockets have no listed owner for this reason.
fn count(c: &Snapshot, view: &View<'_>, kind: OwnerKind) -> usize {
    c.sockets
        .iter()
        .filter(|s| view.owner_kind(s) == kind)
        .count()
}

/// The notice about sockets shown without their owners, if any.
pub fn hidden_notice(c: &Snapshot, view: &View<'_>, err: &mut dyn Write) {
    let count = count(c, view, OwnerKind::Hidden);
    if count > 0 {
        print(
            err,
            &[Warning::HiddenOwners {
                count,
                reasons: c.hidden_reasons.clone(),
                then: HiddenThen::Sockets,
            }],
        );
    }
}

/// One notice when sockets without a holder are not called kernel sockets,
/// with the reason (a child PID namespace, fds in flight).
pub fn unseen_notice(c: &Snapshot, view: &View<'_>, err: &mut dyn Write) {
    let count = count(c, view, OwnerKind::Unseen);
    if let (true, Some(why)) = (count > 0, &c.unseen) {
        let why = why.clone();
        print(err, &[Warning::NoVisibleHolder { count, why }]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(ws: &[Warning]) -> String {
        let mut out = Vec::new();
        print(&mut out, ws);
        String::from_utf8(out).unwrap()
    }

    /// Paths and labels are escaped where the line is made, not before.
    #[test]
    fn a_path_is_escaped_when_the_warning_is_rendered() {
        let w = Warning::MalformedLine {
            path: b"/p/ro\not\x1b[2J/net/tcp".to_vec(),
            line: 3,
            column: 7,
            expected: "local ADDR:PORT in hex",
        };
        assert_eq!(
            printed(&[w]),
            "openports: /p/ro\\not\\x1b[2J/net/tcp:3: column 7: expected local ADDR:PORT in hex\n"
        );
        let w = Warning::NoReadPath {
            namespaces: vec!["a\tb".into()],
            unplaced: vec![],
        };
        assert!(printed(&[w]).contains(": a\\tb\n"));
    }

    /// The same warning said twice (two readers of one file) is one line;
    /// different ones keep their order.
    #[test]
    fn each_distinct_warning_is_printed_once() {
        let w = |line| Warning::WrongFamily {
            path: b"t".to_vec(),
            line,
        };
        let text = printed(&[w(2), w(1), w(2)]);
        assert_eq!(
            text,
            "openports: t:2: address of the wrong family for this table\n\
             openports: t:1: address of the wrong family for this table\n"
        );
    }

    /// One hidden-owners notice, worded for the command that gives it.
    #[test]
    fn hidden_owners_say_what_they_mean_for_each_command() {
        let reasons = vec![
            HiddenReason::FdsUnreadable {
                processes: 3,
                root: false,
            },
            HiddenReason::Hidepid {
                root: b"/proc".to_vec(),
            },
        ];
        let w = |count, then| {
            Warning::HiddenOwners {
                count,
                reasons: reasons.clone(),
                then,
            }
            .to_string()
        };
        let why = "the fds of 3 processes could not be read (not running as root: run as root to see them); /proc is mounted with hidepid, so other users' processes are invisible";
        assert_eq!(
            w(2, HiddenThen::Sockets),
            format!("owners of 2 sockets may be hidden: {why}")
        );
        assert_eq!(
            w(1, HiddenThen::CheckRules),
            format!(
                "owners of 1 listener may be hidden: {why}; rules naming a process (comm=, exe=, user=) cannot match them"
            )
        );
        assert_eq!(
            w(2, HiddenThen::BaselineRules),
            format!("owners of 2 listeners may be hidden: {why}; their rules name no process")
        );
    }
}
