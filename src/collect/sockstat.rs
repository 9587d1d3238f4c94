//! The reader of [`NetFile::Sockstat`] jobs: the counters `ss -s` prints,
//! read per namespace like its tables (through a member process's `net/`,
//! ours, or a thread that entered the namespace by its nsfs file).
//!
//! [`NetFile::Sockstat`]: super::plan::NetFile::Sockstat

use super::netdir::NetDir;
use crate::parse::sockstat::{Counters, counters};
use crate::proc::ProcRoot;

/// These files are a few hundred bytes.
const CAP: usize = 64 * 1024;

/// The counters of the namespace whose `net/` is `dir`; `None` without a
/// readable `sockstat` (a fixture tree without it, a namespace that is gone).
pub fn read_netdir(src: &ProcRoot, dir: &NetDir) -> Option<Counters> {
    let read = |f: &str| dir.read_capped(src, f, CAP).ok();
    let main = read("sockstat")?;
    let v6 = read("sockstat6").unwrap_or_default();
    let snmp = read("snmp").unwrap_or_default();
    Some(counters(&main, &v6, &snmp))
}
