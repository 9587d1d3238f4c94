//! The policy text `baseline` writes.

use std::fmt::Write as _;

use crate::policy::Rule;

/// Rules one per line, their columns aligned, notes as trailing comments.
pub fn write_rules(text: &mut String, rules: &[(Rule, Option<&str>)]) {
    let cols: Vec<[String; 4]> = rules.iter().map(|(r, _)| r.columns()).collect();
    let mut width = [0usize; 3];
    for c in &cols {
        for k in 0..3 {
            width[k] = width[k].max(c[k].chars().count());
        }
    }
    for (c, (_, note)) in cols.iter().zip(rules) {
        let mut line = String::from("allow");
        for k in 0..3 {
            let _ = write!(line, " {:w$}", c[k], w = width[k]);
        }
        let _ = write!(line, " {}", c[3]);
        let mut line = line.trim_end().to_string();
        if let Some(n) = note {
            let _ = write!(line, "  # {n}");
        }
        text.push_str(&line);
        text.push('\n');
    }
}
