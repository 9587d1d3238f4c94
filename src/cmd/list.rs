//! `openports` (no subcommand): list the sockets the options select.

use std::io::Write;

use crate::cli::{Config, Format};
use crate::collect::collect;
use crate::error::{Error, Exit};
use crate::render::{self, diagnostics, summary};

pub fn run_list(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let c = collect(cfg)?;
    diagnostics::print_diagnostics(&c, err);
    let view = c.view(cfg);
    match cfg.format {
        Format::Table => render::table::write(&view, out)?,
        Format::Json => render::json::write(&view, out)?,
    }
    out.flush()?;
    diagnostics::hidden_notice(&c, &view, err);
    if cfg.exposed || cfg.summary {
        diagnostics::unknown_reach_notice(&view, err);
    }
    diagnostics::unseen_notice(&c, &view, err);
    if cfg.summary {
        crate::render::diag(err, &summary::summary(&c, &view));
    }
    Ok(Exit::Ok)
}
