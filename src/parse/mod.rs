//! Every pure parser: bytes in, values or a located error out, no I/O (so each
//! is unit-tested on captured lines and fuzzed).

pub mod addrs;
pub mod cgroup;
pub mod inet;
pub mod kinds;
pub mod lines;
pub mod links;
pub mod mountinfo;
pub mod passwd;
pub mod policy;
pub mod process;

/// Parse a whole byte string as a decimal u32 (`"1234"`); anything else is `None`.
pub fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}
