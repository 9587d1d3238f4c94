//! The error type: what stops a run. Warnings that don't stop it are
//! `model::warning::Warning`s, carried in the snapshot.

use std::fmt;
use std::io;

#[derive(Debug)]
pub enum Error {
    /// The command line is wrong (exit 2).
    Usage(String),
    /// The run cannot proceed: no /proc, bad policy, unknown namespace (exit 2).
    Fatal(String),
    /// Writing the output failed (a closed pipe is not an error: exit 0).
    Output(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Fatal(m) => f.write_str(m),
            Error::Output(e) => write!(f, "writing output: {e}"),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Output(e)
    }
}

/// Exit statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// `check` found violations.
    Violations = 1,
    /// Usage error or fatal error.
    Error = 2,
}

/// An `io::Error` of `kind` that reads `msg`. Not `io::Error::new(kind, msg)`
/// with a string: that boxes std's private string error, whose `Debug`
/// escapes every character and so links Unicode tables (README, "Size").
pub fn io_error(kind: io::ErrorKind, msg: impl Into<String>) -> io::Error {
    io::Error::new(kind, Msg(msg.into()))
}

/// The message of an [`io_error`].
struct Msg(String);

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Msg {}
