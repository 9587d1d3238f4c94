//! The decoder of build.rs's help stream, shared by build.rs (which checks
//! the round trip) and `help::text`.

/// Decode the stream: a byte below 0x80 is a literal; `0x80 | (n - 4)`
/// and a little-endian u16 distance copy n bytes from that far back.
pub fn unpack(packed: &[u8], len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(len);
    let mut i = 0;
    while let Some(&b) = packed.get(i) {
        if b < 0x80 {
            out.push(b);
            i += 1;
            continue;
        }
        let d = match packed.get(i + 1..i + 3) {
            Some(&[lo, hi]) => usize::from(u16::from_le_bytes([lo, hi])),
            _ => break,
        };
        // A distance of 0 or beyond the start is no copy: the text ends.
        let Some(from) = out.len().checked_sub(d).filter(|_| d > 0) else {
            break;
        };
        for k in from..from + usize::from(b & 0x7f) + 4 {
            out.push(out[k]);
        }
        i += 3;
    }
    out
}
