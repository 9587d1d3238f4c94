//! Escaping of text that processes control (comm, cmdline, exe, names) before it
//! reaches a terminal or a JSON document.

use std::fmt::Write as _;

/// Characters that must not reach a terminal raw: C0/C1 controls and DEL, and
/// the bidirectional overrides that can reorder what a reader sees.
fn is_dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escape bytes for a terminal: printable text stays as it is; a backslash is
/// doubled; `\n`, `\t`, `\r` and other controls become `\n`, `\t`, `\r`, `\xNN`
/// (or `\u{NNNN}` for non-ASCII controls); bytes that are not UTF-8 become `\xNN`.
/// The result contains no control character.
pub fn terminal(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    push_terminal(&mut s, b, false);
    s
}

/// Like [`terminal`], for text inside double quotes: `"` also becomes `\"`, so a
/// name cannot close its quotes (as in ss's `users:(("name",pid=1,fd=3))`).
pub fn quoted(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    push_terminal(&mut s, b, true);
    s
}

fn push_terminal(s: &mut String, b: &[u8], quote: bool) {
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '"' if quote => s.push_str("\\\""),
                '\n' => s.push_str("\\n"),
                '\t' => s.push_str("\\t"),
                '\r' => s.push_str("\\r"),
                c if is_dangerous(c) && (c as u32) < 0x80 => {
                    let _ = write!(s, "\\x{:02x}", c as u32);
                }
                c if is_dangerous(c) => {
                    let _ = write!(s, "\\u{{{:04x}}}", c as u32);
                }
                c => s.push(c),
            }
        }
        for &byte in chunk.invalid() {
            let _ = write!(s, "\\x{byte:02x}");
        }
    }
}

/// Write `bytes` as a JSON string (with quotes). Valid UTF-8 is written losslessly
/// (controls, bidi overrides and C1 as `\uXXXX`, so a JSON line printed to a terminal
/// is inert too); invalid sequences become U+FFFD. Returns false when it was lossy,
/// so the caller can add the exact bytes in hex.
pub fn json_str(out: &mut String, bytes: &[u8]) -> bool {
    let mut lossless = true;
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if is_dangerous(c) => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        if !chunk.invalid().is_empty() {
            lossless = false;
            out.push('\u{FFFD}');
        }
    }
    out.push('"');
    lossless
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_controls_and_invalid_bytes() {
        assert_eq!(terminal(b"sshd"), "sshd");
        assert_eq!(terminal(b"evil\x1b[31mred\n"), "evil\\x1b[31mred\\n");
        assert_eq!(terminal(b"a\\b"), "a\\\\b");
        assert_eq!(terminal(b"\xff\xfeok"), "\\xff\\xfeok");
        assert_eq!(terminal("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(terminal("x\u{9b}y".as_bytes()), "x\\u{009b}y");
        assert_eq!(terminal("\u{202e}txt".as_bytes()), "\\u{202e}txt");
        assert_eq!(terminal(b"\x7f"), "\\x7f");
    }

    #[test]
    fn quoted_cannot_close_its_quotes() {
        assert_eq!(quoted(b"a\"),(\"x"), "a\\\"),(\\\"x");
    }

    #[test]
    fn json_strings() {
        let mut s = String::new();
        assert!(json_str(&mut s, b"a\"b\\c\n\x1b\x01"));
        assert_eq!(s, "\"a\\\"b\\\\c\\n\\u001b\\u0001\"");
        let mut s = String::new();
        assert!(!json_str(&mut s, b"x\xffy"));
        assert_eq!(s, "\"x\u{FFFD}y\"");
        assert_eq!(hex(b"\x00\xff"), "00ff");
    }
}
