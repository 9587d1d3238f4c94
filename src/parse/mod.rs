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
pub mod sockstat;
pub mod ssfilter;

/// Parse a whole byte string as a decimal u32 (`"1234"`); anything else is `None`.
pub fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Parse a whole byte string as a decimal i64, with an optional `-`.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}
