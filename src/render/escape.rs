//! Escaping of text that processes control (comm, cmdline, exe, names) before it
//! reaches a terminal or a JSON document.

use std::fmt::Write as _;

/// Characters that must not reach a terminal raw: C0/C1 controls and DEL; every
/// format character (Unicode category Cf: bidi marks, embeddings, overrides and
/// isolates, zero-width spaces and joiners, the BOM, tags, invisible operators),
/// the line and paragraph separators (U+2028, U+2029: a line break to some
/// readers); other invisible or blank-looking characters (combining grapheme
/// joiner, Hangul fillers, variation selectors, spaces other than U+0020) that
/// can make a name look like another or hide a field.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0xA0 | 0xAD | 0x34F | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891
            | 0x8E2 | 0x115F..=0x1160 | 0x1680 | 0x17B4..=0x17B5 | 0x180B..=0x180F
            | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x206F | 0x3000 | 0x3164
            | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD
            | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF)
}

/// Make a message that mixes our words with text from outside (paths, names,
/// arguments) safe for a terminal: dangerous characters and bytes that are not
/// UTF-8 become `\xNN` / `\u{NNNN}`; everything else, backslashes included,
/// stays, so text already escaped with [`terminal`] passes unchanged. Every
/// error and warning goes through this on its way to stderr.
pub fn message(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_dangerous(c) {
                push_code(&mut s, c);
            } else {
                s.push(c);
            }
        }
        for &byte in chunk.invalid() {
            let _ = write!(s, "\\x{byte:02x}");
        }
    }
    s
}

/// `\xNN` for an ASCII control, `\u{NNNN}` for any other character.
fn push_code(s: &mut String, c: char) {
    if (c as u32) < 0x80 {
        let _ = write!(s, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(s, "\\u{{{:04x}}}", c as u32);
    }
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

/// [`terminal`] (or [`quoted`] when `quote`) appended to `s`.
pub fn push_terminal(s: &mut String, b: &[u8], quote: bool) {
    // Most names are printable ASCII with nothing to escape: one copy.
    if b.iter()
        .all(|&c| (0x20..0x7f).contains(&c) && c != b'\\' && !(quote && c == b'"'))
        && let Ok(plain) = std::str::from_utf8(b)
    {
        return s.push_str(plain);
    }
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '"' if quote => s.push_str("\\\""),
                '\n' => s.push_str("\\n"),
                '\t' => s.push_str("\\t"),
                '\r' => s.push_str("\\r"),
                c if is_dangerous(c) => push_code(s, c),
                c => s.push(c),
            }
        }
        for &byte in chunk.invalid() {
            let _ = write!(s, "\\x{byte:02x}");
        }
    }
}

/// Write `bytes` as a JSON string (with quotes). Valid UTF-8 is written losslessly
/// (every [`is_dangerous`] character as `\uXXXX`, astral ones as a surrogate pair:
/// a JSON line printed to a terminal is inert too, and U+2028/U+2029 cannot split
/// a line for an NDJSON reader); invalid sequences become U+FFFD. Returns false when it was lossy,
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
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
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

    /// The invisible and bidi characters of issue 13 and the rest of the format
    /// characters: escaped on a terminal, in messages, and in JSON (astral ones
    /// as surrogate pairs, so the JSON stays valid).
    #[test]
    fn invisible_and_bidi_characters_are_escaped_everywhere() {
        for c in [
            '\u{200B}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{2028}',
            '\u{2029}',
            '\u{FEFF}',
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{00AD}',
            '\u{2060}',
            '\u{180E}',
            '\u{034F}',
            '\u{FE0F}',
            '\u{3164}',
            '\u{00A0}',
            '\u{E0041}',
            '\u{1D173}',
        ] {
            let raw = format!("a{c}b");
            let t = terminal(raw.as_bytes());
            assert!(!t.contains(c), "{t:?}");
            assert_eq!(t, format!("a\\u{{{:04x}}}b", c as u32));
            assert!(!message(raw.as_bytes()).contains(c));
            let mut j = String::new();
            assert!(json_str(&mut j, raw.as_bytes()));
            assert!(!j.contains(c), "{j:?}");
            assert!(j.is_ascii(), "{j:?}");
        }
        let mut j = String::new();
        json_str(&mut j, "x\u{E0041}".as_bytes());
        assert_eq!(j, "\"x\\udb40\\udc41\"");
        // Visible text passes: accents, CJK, emoji, plain space.
        assert_eq!(terminal("é 中 🙂".as_bytes()), "é 中 🙂");
    }

    #[test]
    fn messages_keep_backslashes_and_escape_the_rest() {
        assert_eq!(message(b"--proc-root \x1b[31m"), "--proc-root \\x1b[31m");
        assert_eq!(message(b"-N \x1b]0;t\x07"), "-N \\x1b]0;t\\x07");
        assert_eq!(message(b"a\\x1b\xff"), "a\\x1b\\xff");
        // Idempotent on what terminal() made.
        let t = terminal(b"e\x1b\n\xfe\\");
        assert_eq!(message(t.as_bytes()), t);
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
