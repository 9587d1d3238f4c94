//! Thin binary: parse arguments, run, map the outcome to an exit status.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use openports::cli::{self, Parsed};
use openports::error::{Error, Exit};
use openports::render::escape::terminal as terminal_text;
use openports::render::output::AtomicFile;

fn main() -> ExitCode {
    let mut cfg = match cli::parse() {
        Ok(Parsed::Run(cfg)) => cfg,
        Ok(Parsed::Help(text)) => {
            let _ = io::stdout().write_all(text.as_bytes());
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
    let terminal = stdout.is_terminal() && cfg.output.is_none();
    cfg.color = terminal
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
            let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
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

/// musl's `pthread_setname_np`, for the calling thread, which is the only one
/// std names (`std::sys::thread::set_name` passes `pthread_self()`; openports
/// names no thread, so it is never called here at all). Defined here so the
/// static link does not take musl's, whose other-thread branch formats
/// `/proc/self/task/%d/comm` with `snprintf` and so links all of musl's printf
/// and float formatting (about 9 KiB; README, "Size"). Same results as musl's
/// for the calling thread: ERANGE over 15 bytes, else `prctl(PR_SET_NAME)`.
/// Another thread's name cannot be set here (ESRCH): its kernel tid is
/// private to musl.
///
/// # Safety
/// `name` must point to a NUL-terminated string (the C contract).
#[cfg(all(target_os = "linux", target_env = "musl"))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pthread_setname_np(
    thread: libc::pthread_t,
    name: *const libc::c_char,
) -> libc::c_int {
    // SAFETY: `name` is NUL-terminated (above); prctl copies at most 16 bytes.
    unsafe {
        if libc::strnlen(name, 16) > 15 {
            return libc::ERANGE;
        }
        if thread != libc::pthread_self() {
            return libc::ESRCH;
        }
        if libc::prctl(libc::PR_SET_NAME, name as libc::c_ulong, 0, 0, 0) != 0 {
            return *libc::__errno_location();
        }
    }
    0
}
