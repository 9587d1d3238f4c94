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
    if b.len() > 10 {
        return None;
    }
    u32::try_from(digits_u64(b)?).ok()
}

/// A whole byte string of one or more decimal digits as a u64 (`None` on
/// anything else or on overflow): every fd name and socket link of the fd
/// walk goes through here.
pub fn digits_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// Parse a whole byte string as a decimal i64, with an optional `-`.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fd names of `/proc/PID/fd` and the numbers of `socket:[N]` links.
    #[test]
    fn decimal_names_and_their_limits() {
        assert_eq!(parse_u32(b"3"), Some(3));
        assert_eq!(parse_u32(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32(b"4294967296"), None);
        assert_eq!(parse_u32(b"00000000001"), None); // 11 digits
        assert_eq!(parse_u32(b""), None);
        assert_eq!(parse_u32(b"."), None);
        assert_eq!(parse_u32(b"1a"), None);
        assert_eq!(parse_u32(b"-1"), None);
        assert_eq!(digits_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(digits_u64(b"18446744073709551616"), None);
        assert_eq!(digits_u64(b"0031337"), Some(31337));
        assert_eq!(digits_u64(b"12 "), None);
    }
}
