//! `openports check POLICY` and `openports baseline` (being written; see issue 5).

use std::io::Write;

use crate::cli::Config;
use crate::error::{Error, Exit};

pub fn run_check(_cfg: &Config, _out: &mut dyn Write, _err: &mut dyn Write) -> Result<Exit, Error> {
    Err(Error::Usage("check is not implemented yet".into()))
}

pub fn run_baseline(
    _cfg: &Config,
    _out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<Exit, Error> {
    Err(Error::Usage("baseline is not implemented yet".into()))
}
