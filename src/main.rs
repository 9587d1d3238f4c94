//! Thin binary: parse arguments, run, map the outcome to an exit status.

use std::io::{self, Write};
use std::process::ExitCode;

use openports::cli::{self, Parsed};
use openports::error::{Error, Exit};
use openports::proc::sys::{self, Stdout};
use openports::render::escape::terminal as terminal_text;
use openports::render::output::AtomicFile;

fn main() -> ExitCode {
    sys::report_traps();
    let mut cfg = match cli::parse() {
        Ok(Parsed::Run(cfg)) => cfg,
        Ok(Parsed::Help(which)) => {
            let _ = Stdout.write_all(openports::help::text(which).as_bytes());
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            let _ =
                Stdout.write_all(concat!("openports ", env!("CARGO_PKG_VERSION"), "\n").as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            openports::render::diag(&mut io::stderr().lock(), &format!("openports: {e}"));
            return ExitCode::from(Exit::Error as u8);
        }
    };
    let terminal = sys::stdout_is_terminal() && cfg.output.is_none();
    cfg.color = terminal
        && sys::getenv(c"NO_COLOR").is_none_or(|v| v.is_empty())
        && cfg.format == cli::Format::Table;
    cfg.summary = terminal;
    let mut err = io::stderr().lock();
    let result = match &cfg.output {
        // -o FILE: renamed over FILE only when the run succeeded.
        Some(path) => match AtomicFile::create(path) {
            Ok(mut f) => openports::run(&cfg, &mut f, &mut err)
                .and_then(|code| f.commit().map(|()| code).map_err(Error::Output)),
            Err(e) => Err(Error::Fatal(format!(
                "cannot write {}: {e}",
                terminal_text(path.as_os_str().as_encoded_bytes())
            ))),
        },
        None => {
            let mut out = io::BufWriter::with_capacity(64 * 1024, Stdout);
            openports::run(&cfg, &mut out, &mut err)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            openports::render::diag(&mut err, &format!("openports: {e}"));
            ExitCode::from(Exit::Error as u8)
        }
    }
}
