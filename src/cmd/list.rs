//! `openports` (no subcommand): list the sockets the options select.

use std::io::Write;

use super::listing_request;
use crate::cli::{Config, Format, Report};
use crate::collect::{Request, collect};
use crate::error::{Error, Exit};
use crate::render::{self, diagnostics, summary};

pub fn run_list(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    match cfg.report {
        Report::Sockets => {}
        Report::Summary => return run_summary(cfg, out, err),
        Report::ByProcess => {
            if !cfg.processes {
                return Err(Error::Usage(
                    "--by-process needs the owners that --no-processes skips".into(),
                ));
            }
            let c = collect(&listing_request(cfg))?;
            diagnostics::print_diagnostics(&c, err);
            let mut view = c.view(cfg);
            view.header = cfg.header;
            render::by_process::write(&view, cfg.format, out)?;
            out.flush()?;
            diagnostics::hidden_notice(&c, &view, err);
            return Ok(Exit::Ok);
        }
    }
    let started = std::time::Instant::now();
    let c = collect(&listing_request(cfg))?;
    diagnostics::print_diagnostics(&c, err);
    let view = c.view(cfg);
    match cfg.format {
        Format::Table => render::table::write(&view, out)?,
        Format::Json => render::json::write(&view, out)?,
        Format::Prometheus => render::prometheus::write(&view, None, started.elapsed(), out)?,
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

/// `-s`: every state of the tables is counted (a `state` filter still
/// applies), with the kernel's counters of each namespace shown.
fn run_summary(cfg: &Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<Exit, Error> {
    let c = collect(&Request {
        all_states: true,
        ..listing_request(cfg)
    })?;
    diagnostics::print_diagnostics(&c, err);
    let view = c.view(cfg);
    summary::write_summary(&view, &c.selected, &c.counters, cfg.format, out)?;
    out.flush()?;
    Ok(Exit::Ok)
}
