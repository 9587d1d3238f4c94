//! The `--help` texts. Their source is src/help/*.txt; build.rs packs them
//! into one LZ77 stream (format described there), unpacked here when a
//! text is asked for: 14 KiB of text, of which the binary holds a third.

include!(concat!(env!("OUT_DIR"), "/help.rs"));

mod unpack;
use unpack::unpack;

/// Which help text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Help {
    List,
    Watch,
    Check,
    Baseline,
    Addresses,
}

/// The text of `which`.
pub fn text(which: Help) -> String {
    let all = unpack(PACKED, LEN);
    let (start, end) = SPANS[which as usize];
    // build.rs checks that the texts are ASCII.
    String::from_utf8_lossy(&all[start..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_unpacks_whole() {
        let all = unpack(PACKED, LEN);
        assert_eq!(all.len(), LEN);
        assert!(PACKED.len() * 2 < LEN, "packed {} of {LEN}", PACKED.len());
        for (which, first) in [
            (Help::List, "openports - which ports are open"),
            (Help::Watch, "openports watch - poll every namespace"),
            (Help::Check, "openports check - compare"),
            (Help::Baseline, "openports baseline - print a policy"),
            (Help::Addresses, "openports addresses - every namespace's"),
        ] {
            let t = text(which);
            assert!(t.starts_with(first), "{which:?}: {t}");
            assert!(t.ends_with(".\n") && !t.contains('@'), "{which:?}: {t}");
        }
        // The shared blocks are expanded where they are named.
        assert!(text(Help::List).contains("  -t, --tcp            TCP sockets\n"));
        assert!(text(Help::Watch).contains("  -F, --filter FILE"));
        assert!(text(Help::Baseline).contains("      --include-loopback"));
    }

    #[test]
    fn overlapping_copies_repeat_and_bad_streams_stop() {
        // "ab" then copy 6 from 2 back: the copy reads what it writes.
        assert_eq!(unpack(&[b'a', b'b', 0x82, 2, 0], 8), b"abababab");
        // A distance of 0 or beyond the start, or a cut-off token, ends the text.
        assert_eq!(unpack(&[b'a', 0x80, 5, 0], 1), b"a");
        assert_eq!(unpack(&[b'a', 0x80, 0, 0], 1), b"a");
        assert_eq!(unpack(&[b'a', 0x80, 1], 1), b"a");
    }
}
