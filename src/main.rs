//! Thin binary: parse arguments, run, map the outcome to an exit status.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use openports::cli::{self, HELP, Parsed};
use openports::error::{Error, Exit};

fn main() -> ExitCode {
    let mut cfg = match cli::parse() {
        Ok(Parsed::Run(cfg)) => cfg,
        Ok(Parsed::Help) => {
            let _ = io::stdout().write_all(HELP.as_bytes());
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("openports {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            openports::render::diag(&mut io::stderr().lock(), &format!("openports: {e}"));
            return ExitCode::from(Exit::Error as u8);
        }
    };
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    cfg.color = terminal
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && cfg.format == cli::Format::Table;
    cfg.summary = terminal;
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut err = io::stderr().lock();
    match openports::run(&cfg, &mut out, &mut err) {
        Ok(code) => ExitCode::from(code as u8),
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            drop(out);
            openports::render::diag(&mut err, &format!("openports: {e}"));
            ExitCode::from(Exit::Error as u8)
        }
    }
}
