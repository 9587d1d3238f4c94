//! One flow per subcommand: build the [`Request`] of what it needs from its
//! options (the [`Config`] is never changed), collect it, apply it, hand the
//! result to a writer in [`crate::render`]. `list` (the default), `check POLICY`,
//! `baseline`.

pub mod addresses;
pub mod baseline;
pub mod check;
pub mod list;
pub mod watch;

use std::io::Write;

use crate::cli::{Command, Config, Format, Report, States};
use crate::collect::Request;
use crate::error::{Error, Exit};
use crate::model::socket::Socket;
use crate::render::{OwnerKind, View};

/// Run the configured command, writing results to `out` and diagnostics to `err`.
/// Returns the exit status.
pub fn run(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    match &cfg.command {
        Command::List => list::run_list(cfg, out, err),
        Command::Check { .. } => check::run_check(cfg, out, err),
        Command::Baseline => baseline::run_baseline(cfg, out, err),
        Command::Addresses => addresses::run_addresses(cfg, out, err),
        Command::Watch(w) => watch::run_watch(cfg, w, out, err),
    }
}

/// What the listing of `cfg` reads: what its options say (list, watch).
pub fn listing_request(cfg: &Config) -> Request {
    Request {
        root: cfg.root.clone(),
        byte_order: cfg.byte_order,
        passwd: cfg.passwd.clone(),
        group: cfg.group.clone(),
        protos: cfg.protos.clone(),
        families: cfg.families.clone(),
        all_states: cfg.states == States::All,
        states: cfg.filter.states,
        expr: cfg.filter.expr.clone(),
        exposed: cfg.exposed,
        netns: cfg.netns.clone(),
        processes: cfg.processes,
        details: cfg.extended || cfg.format == Format::Json,
        reach: cfg.needs_reach(),
        counters: cfg.report == Report::Summary,
    }
}

/// What a policy is checked against (check, baseline, watch --policy):
/// listeners only, loopback included (the check filters it), whatever the
/// states and `--exposed` say. The protocols and families are the command
/// line's: the command line says what is checked, the policy what is allowed.
fn listener_request(cfg: &Config) -> Request {
    Request {
        all_states: false,
        states: None,
        exposed: false,
        reach: cfg.shows_reach(),
        ..listing_request(cfg)
    }
}

fn count_hidden(v: &View<'_>, checked: &[&Socket]) -> usize {
    checked
        .iter()
        .filter(|s| v.owner_kind(s) == OwnerKind::Hidden)
        .count()
}

#[cfg(test)]
mod tests;
