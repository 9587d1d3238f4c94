//! The fuzz targets on stable: every seed (from testdata/), every corpus file
//! (fuzz/corpus/<target>/, grown by `make fuzz`) and every saved crash
//! (fuzz/regressions/<target>/) goes through the same harness bodies that
//! cargo-fuzz runs, so CI catches a regression without nightly.
//!
//! `make fuzz-seed` writes the seeds into fuzz/corpus/ through `write_seed_corpus`.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn target(name: &str) -> &'static harness::Target {
    harness::TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no harness for fuzz target {name}"))
}

/// Run every (target, label, input); report all failures at once.
fn replay(inputs: impl IntoIterator<Item = (String, String, Vec<u8>)>) -> usize {
    let mut n = 0;
    let mut failed = Vec::new();
    for (t, label, data) in inputs {
        let t = target(&t);
        n += 1;
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| (t.body)(&data))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed.push(format!("{} {label}: {msg}", t.name));
        }
    }
    harness::clean_scratch();
    assert!(
        failed.is_empty(),
        "{} inputs fail:\n{}",
        failed.len(),
        failed.join("\n")
    );
    n
}

fn dir_inputs(base: &Path) -> Vec<(String, String, Vec<u8>)> {
    let mut v = Vec::new();
    for t in harness::TARGETS {
        let Ok(rd) = std::fs::read_dir(base.join(t.name)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue; // README and other notes
            }
            if let Ok(b) = std::fs::read(&f) {
                v.push((t.name.to_string(), f.display().to_string(), b));
            }
        }
    }
    v
}

#[test]
fn every_fuzz_target_has_a_harness_body_and_a_bin() {
    let manifest = std::fs::read_to_string(repo().join("fuzz/Cargo.toml")).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(repo().join("fuzz/fuzz_targets"))
        .unwrap()
        .flatten()
        .filter_map(|e| Some(e.file_name().to_str()?.strip_suffix(".rs")?.to_string()))
        .collect();
    files.sort();
    let mut names: Vec<String> = harness::TARGETS
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(files, names, "fuzz/fuzz_targets/*.rs vs harness TARGETS");
    for n in &names {
        assert!(
            manifest.contains(&format!("name = \"{n}\"\npath = \"fuzz_targets/{n}.rs\"")),
            "fuzz/Cargo.toml has no [[bin]] for {n}"
        );
    }
}

#[test]
fn seeds_from_testdata() {
    let seeds = harness::seeds(&repo().join("testdata"));
    for t in harness::TARGETS {
        assert!(
            seeds.iter().any(|s| s.0 == t.name),
            "no seed for {}",
            t.name
        );
    }
    let n = replay(seeds.into_iter().map(|(t, l, b)| (t.to_string(), l, b)));
    eprintln!("replayed {n} seeds");
}

#[test]
fn saved_crashes() {
    let n = replay(dir_inputs(&repo().join("fuzz/regressions")));
    eprintln!("replayed {n} saved crashes");
}

#[test]
fn corpus() {
    let n = replay(dir_inputs(&repo().join("fuzz/corpus")));
    eprintln!("replayed {n} corpus files");
}

/// `make fuzz-seed`: copy the seeds into fuzz/corpus/<target>/ (names start
/// with `seed-`; files the fuzzer added are kept).
#[test]
#[ignore = "writes fuzz/corpus; run by make fuzz-seed"]
fn write_seed_corpus() {
    let base = repo().join("fuzz/corpus");
    let mut n = 0;
    for (t, name, data) in harness::seeds(&repo().join("testdata")) {
        let dir = base.join(t);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
        n += 1;
    }
    eprintln!("wrote {n} seeds to {}", base.display());
}

// ---------------------------------------------------------------------------
// Crashes found by fuzzing, each with its cause. The input files are in
// fuzz/regressions/<target>/ and replayed by `saved_crashes` above; these tests
// state the fixed behaviour directly.

use openports::parse::inet::{ByteOrder, TableKind, inet_line};

/// inet_tcp, inet_udp (fuzz/regressions/inet_*/optional-field-shift-*): the
/// trailing fields after the inode are optional, and `Cursor::optional` put the
/// cursor back when one did not parse. The next optional parser then read the
/// same text into a later field's slot: in `… 1001 1 0 -000 10 0` the rto text
/// `-000` failed as unsigned and was read again as ssthresh = 0, so re-printing
/// the row and parsing it gave a different row. Fixed in src/parse/inet.rs: the first
/// trailing field that does not parse ends the row.
#[test]
fn crash_optional_field_read_into_a_later_slot() {
    let line = b"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 -000 10 0";
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let r = inet_line(line, TableKind::Tcp, order).unwrap();
        assert_eq!((r.inode, r.refcnt, r.pointer), (1001, Some(1), Some(0)));
        assert_eq!(
            (r.rto, r.ato, r.quick_pingpong, r.cwnd, r.ssthresh),
            (None, None, None, None, None)
        );
    }
    // A UDP row read as TCP: `2` is rto, `-000` cannot be ato, so nothing after it.
    let line = b" 801: 00000000:0801 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 0 0000000000001006 2 -000000000000000 0";
    let r = inet_line(line, TableKind::Tcp, ByteOrder::Little).unwrap();
    assert_eq!((r.rto, r.ato, r.ssthresh), (Some(2), None, None));
    for name in [
        "inet_tcp/optional-field-shift-d35236b4",
        "inet_udp/optional-field-shift-0d62a88d",
    ] {
        let data = std::fs::read(repo().join("fuzz/regressions").join(name)).unwrap();
        (target(name.split('/').next().unwrap()).body)(&data);
    }
}

/// procfiles (fuzz/regressions/procfiles/mountinfo-octal-overflow-*):
/// `netns::unescape_octal` decodes `\ooo` in mount points in `u8` arithmetic, so
/// `\563` overflows: a panic with overflow checks (debug builds, fuzzing), a
/// silently wrong byte in release. The kernel only writes `\000`..`\377`, so a
/// backslash followed by a larger number is text. Fixed in
/// src/parse/mountinfo.rs: only `\000`..`\377` are escapes.
#[test]
fn crash_mountinfo_octal_escape_overflow() {
    let mi = b"29 1 0:4 net:[4026532600] /run/netns/a\\563\\134 rw - nsfs nsfs rw\n";
    assert_eq!(
        openports::parse::mountinfo::nsfs_mounts(mi),
        vec![(4026532600, b"/run/netns/a\\563\\".to_vec())]
    );
    let data =
        std::fs::read(repo().join("fuzz/regressions/procfiles/mountinfo-octal-overflow-cfd6cec1"))
            .unwrap();
    let _ = openports::parse::mountinfo::nsfs_mounts(&data);
}
