//! One flow per subcommand: collect what it needs, apply it, hand the result
//! to a writer in [`crate::render`]. `list` (the default), `check POLICY`,
//! `baseline`.

pub mod addresses;
pub mod baseline;
pub mod check;
pub mod list;
pub mod watch;

use std::io::Write;

use crate::cli::{Command, Config, States};
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

/// The configuration to collect with: listeners only, loopback included (the
/// check filters it). The protocols and families are the command line's: the
/// command line says what is checked, the policy what is allowed.
fn listener_config(cfg: &Config) -> Config {
    let mut c = cfg.clone();
    c.states = States::Listening;
    c.filter.states = None;
    c.exposed = false;
    c
}

fn count_hidden(v: &View<'_>, checked: &[&Socket]) -> usize {
    checked
        .iter()
        .filter(|s| v.owner_kind(s) == OwnerKind::Hidden)
        .count()
}

#[cfg(test)]
mod tests;
