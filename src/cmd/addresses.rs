//! `openports addresses`: the interfaces and addresses of every namespace (what
//! `ip -br addr` shows, for all namespaces, without iproute2).

use std::io::Write;

use crate::cli::{Config, Format};
use crate::collect::{Request, collect_addresses};
use crate::error::{Error, Exit};
use crate::render::addresses;

pub fn run_addresses(
    cfg: &Config,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Exit, Error> {
    // The address files only: no socket table, no fd walk.
    let req = Request {
        protos: Vec::new(),
        processes: false,
        reach: true,
        ..super::listing_request(cfg)
    };
    let snap = collect_addresses(&req)?;
    crate::render::diagnostics::print(err, &snap.warnings);
    match cfg.format {
        Format::Table => addresses::table(
            &snap.namespaces,
            &snap.addrs,
            &snap.selected,
            cfg.header,
            out,
        )?,
        Format::Json => addresses::json(&snap.namespaces, &snap.addrs, &snap.selected, out)?,
        // Refused by the command line.
        Format::Prometheus => return Err(Error::Usage("addresses writes no metrics".into())),
    }
    out.flush()?;
    Ok(Exit::Ok)
}
