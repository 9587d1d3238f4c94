//! The man page, the shell completions and `--help` describe the same flags:
//! for every command, the flags its `--help` lists are the flags bash completes
//! after it, and the man page's OPTIONS are the union of them all. zsh and fish
//! are compared the same way by tests/eco/completions.sh (make test-eco), which
//! needs those shells.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use common::{run, stderr, stdout};

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

/// Each flag of the option lines of a help text with whether it takes a value
/// (`-N, --netns NS` gives (-N, true) and (--netns, true)).
fn help_flags_with_values(help: &str) -> Vec<(String, bool)> {
    let mut v = Vec::new();
    for line in help.lines() {
        let t = line.trim_start();
        if !t.starts_with('-') || t.len() == line.len() {
            continue;
        }
        let spec = t.split("  ").next().unwrap_or("");
        let takes = spec.split(", ").last().unwrap_or("").contains([' ', '=']);
        for part in spec.split(", ") {
            let w = part.split([' ', '=']).next().unwrap_or("");
            if w.starts_with('-') {
                v.push((w.to_string(), takes));
            }
        }
    }
    v
}

/// `check`, `baseline`, `watch` and `addresses` take exactly the flags their
/// --help lists (which the test above compares with bash and the man page):
/// every other flag of the listing is refused with exit 2, and so is a filter
/// expression, except after `watch`.
#[test]
fn commands_refuse_what_their_help_does_not_list() {
    let pol = common::testdata().join("policy").join("complete.policy");
    let pol = pol.to_str().unwrap();
    let root = common::testdata().join("policy").join("proc");
    let root = root.to_str().unwrap();
    let value = |f: &str| match f {
        "-A" | "--query" => "tcp",
        "-N" | "--netns" => "self",
        "--format" => "table",
        "--byte-order" => "little",
        "--proc-root" => root,
        _ => "/nonexistent/openports-docs-test",
    };
    let main = help_of(None);
    for (cmd, head) in [
        ("check", vec!["check", pol]),
        ("baseline", vec!["baseline"]),
        ("watch", vec!["watch", "--count", "1"]),
        ("addresses", vec!["addresses"]),
    ] {
        let own = help_flags(&help_of(Some(cmd)));
        for (f, takes) in help_flags_with_values(&main) {
            let mut args = head.clone();
            args.push(&f);
            if takes {
                args.push(value(&f));
            }
            args.extend(["--proc-root", root]);
            let o = run(&args);
            let err = stderr(&o);
            let refused = err.contains(&format!("{cmd} does not take {f} "))
                || (cmd == "baseline" && err.contains("baseline writes a policy file"))
                || (cmd == "watch" && err.contains("no -o"));
            assert_eq!(
                refused,
                !own.contains(&f),
                "openports {}: {err}",
                args.join(" ")
            );
            if refused {
                assert_eq!(o.status.code(), Some(2), "{args:?}");
            }
        }
        let mut args = head.clone();
        args.extend(["--proc-root", root, "sport", "=", ":22"]);
        let o = run(&args);
        if cmd == "watch" {
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        } else {
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            assert!(stderr(&o).contains("takes no filter expression"), "{o:?}");
        }
    }
}
