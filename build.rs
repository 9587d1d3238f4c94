//! Packs the `--help` texts (src/help/*.txt) into one LZ77 stream, which
//! `src/help.rs` unpacks when a help text is needed (README, "Size": the
//! texts are 14 KiB as plain strings, shared blocks repeated; packed they
//! are a third of that). Build-time only: nothing here is in the binary.
//!
//! Source: each command's file; a line `@NAME` stands for src/help/NAME.txt
//! (a block several texts share). Format of the stream, read front to back:
//! a byte below 0x80 is itself; a byte `0x80 | (n - 4)` is followed by a
//! little-endian u16 distance d and means "copy n bytes (4..=131) starting
//! d bytes back" (the copy may overlap what it writes). The texts must be
//! ASCII, so every literal is below 0x80.

#[path = "src/help/unpack.rs"]
mod unpack;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// The texts, in the order of `help::Help`'s variants.
const TEXTS: [&str; 5] = ["list", "watch", "check", "baseline", "addresses"];
const MIN: usize = 4;
const MAX: usize = 131;

fn main() {
    let dir = Path::new("src/help");
    println!("cargo::rerun-if-changed=src/help");
    let mut all = Vec::new();
    let mut spans = String::new();
    for name in TEXTS {
        let start = all.len();
        all.extend_from_slice(&expand(dir, name));
        write!(spans, "({start}, {}), ", all.len()).unwrap();
    }
    if let Some(b) = all.iter().find(|b| !b.is_ascii()) {
        panic!("src/help: the help texts must be ASCII (found byte {b:#x})");
    }
    assert!(
        all.len() <= usize::from(u16::MAX),
        "src/help: over 64 KiB of text"
    );
    let packed = pack(&all);
    assert_eq!(
        unpack::unpack(&packed, all.len()),
        all,
        "the help packer does not round-trip"
    );
    let out = Path::new(&std::env::var_os("OUT_DIR").unwrap()).join("help.rs");
    let code = format!(
        "/// The packed texts (build.rs).\nconst PACKED: &[u8; {}] = &{:?};\n\
         /// Unpacked length.\nconst LEN: usize = {};\n\
         /// Each text's range in the unpacked bytes, in `Help` order.\nconst SPANS: [(usize, usize); {}] = [{spans}];\n",
        packed.len(),
        packed,
        all.len(),
        TEXTS.len()
    );
    fs::write(out, code).unwrap();
}

/// `name`'s text with its `@BLOCK` lines replaced by the blocks.
fn expand(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(format!("{name}.txt"));
    println!("cargo::rerun-if-changed={}", path.display());
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for line in text.split_inclusive('\n') {
        match line.strip_prefix('@') {
            Some(block) => out.extend_from_slice(&expand(dir, block.trim_end())),
            None => out.extend_from_slice(line.as_bytes()),
        }
    }
    out
}

/// Greedy LZ77: at each position the longest earlier match of at least
/// MIN bytes, else a literal. Candidates are found through the positions
/// of each 4-byte prefix (the texts are small).
fn pack(data: &[u8]) -> Vec<u8> {
    let key = |at: usize| data.get(at..at + MIN);
    let mut seen: HashMap<&[u8], Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let (mut best, mut from) = (0, 0);
        for &j in key(i)
            .and_then(|k| seen.get(k))
            .map_or(&[][..], Vec::as_slice)
        {
            let n = (0..MAX.min(data.len() - i))
                .take_while(|&k| data[j + k] == data[i + k])
                .count();
            if n > best {
                (best, from) = (n, j);
            }
        }
        let step = if best >= MIN {
            out.push(0x80 | (best - MIN) as u8);
            out.extend_from_slice(&((i - from) as u16).to_le_bytes());
            best
        } else {
            out.push(data[i]);
            1
        };
        for at in i..i + step {
            if let Some(k) = key(at) {
                seen.entry(k).or_default().push(at);
            }
        }
        i += step;
    }
    out
}
