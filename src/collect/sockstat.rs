//! The counters `ss -s` prints, read per namespace through the same paths as
//! its tables: a member process's `net/`, ours, or the namespace entered by
//! its nsfs file.

use crate::model::netns::Netns;
use crate::parse::sockstat::{Counters, counters};
use crate::proc::ProcRoot;

/// These files are a few hundred bytes.
const CAP: usize = 64 * 1024;

fn read_dir(src: &ProcRoot, dir: &str) -> Option<Counters> {
    let read = |f: &str| src.read_capped(format!("{dir}/{f}"), CAP).ok();
    let main = read("sockstat")?;
    let v6 = read("sockstat6").unwrap_or_default();
    let snmp = read("snmp").unwrap_or_default();
    Some(counters(&main, &v6, &snmp))
}

/// The counters of each namespace (`None` where they could not be read: a
/// fixture tree without them, a namespace that is gone).
pub fn read(src: &ProcRoot, list: &[Netns]) -> Vec<Option<Counters>> {
    let mut out = vec![None; list.len()];
    let mut enter = Vec::new();
    for (ix, ns) in list.iter().enumerate() {
        let dir = super::ns_dir(src, ns);
        match (dir, &ns.mount) {
            (Some(d), _) => out[ix] = read_dir(src, &d),
            (None, Some(m)) if src.is_live() => enter.push((ix, m.clone(), ns.inode)),
            _ => {}
        }
    }
    for (ix, r) in super::namespaces::with_entered(&enter, |_, dir| read_dir(src, dir)) {
        out[ix] = r.ok().flatten();
    }
    out
}
