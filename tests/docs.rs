//! The man page, the shell completions and `--help` describe the same flags:
//! for every command, the flags its `--help` lists are the flags bash completes
//! after it, and the man page's OPTIONS are the union of them all. zsh and fish
//! are compared the same way by tests/eco/completions.sh (make test-eco), which
//! needs those shells.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use common::{run, stdout};

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Flags in option lines of a help text: `  -N, --netns NS   text` gives -N and --netns.
fn help_flags(help: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for line in help.lines() {
        let t = line.trim_start();
        if !t.starts_with('-') || t.len() == line.len() {
            continue;
        }
        let spec = t.split("  ").next().unwrap_or("");
        for part in spec.split(", ") {
            let w = part.split([' ', '=']).next().unwrap_or("");
            if w.starts_with('-') {
                set.insert(w.to_string());
            }
        }
    }
    set
}

/// The commands `--help` lists in its usage lines (`openports NAME ...`).
fn commands(help: &str) -> Vec<String> {
    let mut v = Vec::new();
    let usage = help
        .split("\n\n")
        .find(|p| p.starts_with("Usage:"))
        .expect("a Usage: paragraph");
    for line in usage.lines() {
        let mut w = line
            .split_whitespace()
            .skip_while(|w| *w != "openports")
            .skip(1);
        if let Some(c) = w.next()
            && c.chars().all(|ch| ch.is_ascii_lowercase())
        {
            v.push(c.to_string());
        }
    }
    v
}

fn help_of(cmd: Option<&str>) -> String {
    let mut args: Vec<&str> = cmd.into_iter().collect();
    args.push("--help");
    let o = run(&args);
    assert!(o.status.success(), "{args:?}: {o:?}");
    stdout(&o)
}

/// What bash completes for `openports [CMD] -`, through the real completion
/// function.
fn bash_flags(cmd: Option<&str>) -> BTreeSet<String> {
    let words = match cmd {
        Some(c) => format!("openports {c} -"),
        None => "openports -".into(),
    };
    let script = format!(
        "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _openports; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        repo("completions/openports.bash").display()
    );
    let o = Command::new("bash")
        .args(["--norc", "-c", &script])
        .output()
        .expect("bash");
    assert!(o.status.success(), "{o:?}");
    stdout(&o).lines().map(str::to_string).collect()
}

/// The flags of the man page's OPTIONS section (`.It Fl t , Fl \-tcp`).
fn man_flags() -> BTreeSet<String> {
    let man = std::fs::read_to_string(repo("doc/openports.1")).unwrap();
    let opts = man
        .split("\n.Sh OPTIONS\n")
        .nth(1)
        .expect("an OPTIONS section");
    let opts = opts.split("\n.Sh ").next().unwrap();
    let mut set = BTreeSet::new();
    for line in opts.lines().filter(|l| l.starts_with(".It Fl ")) {
        let mut w = line.split_whitespace().peekable();
        while let Some(x) = w.next() {
            if x == "Fl"
                && let Some(f) = w.next()
            {
                let f = f.replace("\\-", "-");
                set.insert(format!("-{f}"));
            }
        }
    }
    set
}

fn diff(a: &BTreeSet<String>, b: &BTreeSet<String>) -> String {
    format!(
        "only in the first: {:?}; only in the second: {:?}",
        a.difference(b).collect::<Vec<_>>(),
        b.difference(a).collect::<Vec<_>>()
    )
}

#[test]
fn help_man_page_and_bash_completion_list_the_same_flags() {
    let main = help_of(None);
    let cmds = commands(&main);
    assert!(
        cmds.contains(&"check".to_string()) && cmds.contains(&"baseline".to_string()),
        "{cmds:?}"
    );
    let mut all = help_flags(&main);
    assert!(all.len() > 20, "{all:?}");
    assert_eq!(
        bash_flags(None),
        help_flags(&main),
        "openports --help vs bash: {}",
        diff(&help_flags(&main), &bash_flags(None))
    );
    for c in &cmds {
        let h = help_of(Some(c));
        assert_ne!(h, main, "`openports {c} --help` prints the general help");
        assert!(
            h.contains(&format!("openports {c}")),
            "{c} --help does not name its command:\n{h}"
        );
        let hf = help_flags(&h);
        let bf = bash_flags(Some(c));
        assert_eq!(bf, hf, "openports {c} --help vs bash: {}", diff(&hf, &bf));
        all.extend(hf);
    }
    let man = man_flags();
    assert_eq!(
        man,
        all,
        "man page vs --help of every command: {}",
        diff(&man, &all)
    );
}

#[test]
fn man_page_documents_every_command_and_exit_status() {
    let man = std::fs::read_to_string(repo("doc/openports.1")).unwrap();
    for c in commands(&help_of(None)) {
        assert!(
            man.contains(&format!(".It Cm {c}")),
            "the man page's COMMANDS lack {c}"
        );
    }
    for s in [
        ".Sh EXIT STATUS",
        ".Sh EXAMPLES",
        ".Sh FILES",
        ".Sh SEE ALSO",
        ".It 0",
        ".It 1",
        ".It 2",
    ] {
        assert!(man.contains(s), "the man page lacks {s}");
    }
}
