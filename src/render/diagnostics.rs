//! Diagnostics on stderr: the warnings a run gathered, and the notice about
//! owners that may be hidden.

use std::io::Write;

use super::{OwnerKind, View};
use crate::collect::Snapshot;

pub fn print_diagnostics(c: &Snapshot, err: &mut dyn Write) {
    for w in &c.warnings {
        super::diag(err, &format!("openports: {w}"));
    }
}

/// `--exposed` and the summary count sockets of unknown reach as exposed: say
/// so, and which namespaces' addresses could not be read.
pub fn unknown_reach_notice(view: &View<'_>, err: &mut dyn Write) {
    let mut n = 0;
    let mut where_: Vec<String> = Vec::new();
    // Packet and unix sockets are listed by their exposure, not by reach.
    for s in view.sockets.iter().filter(|s| s.detail.is_none()) {
        if view
            .reach(s)
            .is_some_and(|r| r.0 == crate::model::reach::Reach::Unknown)
        {
            n += 1;
            let l = super::escape::terminal(view.ns(s).label().as_bytes());
            if !where_.contains(&l) {
                where_.push(l);
            }
        }
    }
    if n > 0 {
        let _ = writeln!(
            err,
            "openports: reach of {n} socket{} is unknown (the addresses of {} could not be read): counted as exposed",
            if n == 1 { "" } else { "s" },
            where_.join(", ")
        );
    }
}

/// How many of the sockets have no listed owner for this reason.
fn count(c: &Snapshot, view: &View<'_>, kind: OwnerKind) -> usize {
    c.sockets
        .iter()
        .filter(|s| view.owner_kind(s) == kind)
        .count()
}

pub fn hidden_notice(c: &Snapshot, view: &View<'_>, err: &mut dyn Write) {
    let hidden = count(c, view, OwnerKind::Hidden);
    if hidden > 0 {
        super::diag(
            err,
            &format!(
                "openports: owners of {hidden} sockets may be hidden: {}",
                c.hidden_reasons.join("; ")
            ),
        );
    }
}

/// One notice when sockets without a holder are not called kernel sockets,
/// with the reason (a child PID namespace, fds in flight).
pub fn unseen_notice(c: &Snapshot, view: &View<'_>, err: &mut dyn Write) {
    let n = count(c, view, OwnerKind::Unseen);
    if let (true, Some(why)) = (n > 0, &c.unseen) {
        super::diag(
            err,
            &format!(
                "openports: {n} sockets have no visible holder, which does not make them kernel sockets: {why}"
            ),
        );
    }
}
