//! Diagnostics on stderr: the warnings a run gathered, and the notice about
//! owners that may be hidden.

use std::io::Write;

use super::{OwnerKind, View};
use crate::collect::Collected;

pub fn print_diagnostics(c: &Collected, err: &mut dyn Write) {
    for w in &c.warnings {
        super::diag(err, &format!("openports: {w}"));
    }
}

pub fn hidden_notice(c: &Collected, view: &View<'_>, err: &mut dyn Write) {
    let hidden = c
        .sockets
        .iter()
        .filter(|s| view.owner_kind(s) == OwnerKind::Hidden)
        .count();
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
