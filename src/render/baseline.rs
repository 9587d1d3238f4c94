//! The policy text `baseline` writes.

use std::fmt::Write as _;

use crate::policy::Rule;

/// One line of a baseline.
#[derive(Debug)]
pub struct BaselineRule {
    pub rule: Rule,
    /// A trailing comment (why the rule names no process, …).
    pub note: Option<String>,
    /// Written commented out: as a rule it would allow more than was seen (a
    /// namespace that could not be named would make it allow every namespace).
    pub disabled: bool,
}

/// Rules one per line, their columns aligned, notes as trailing comments.
pub fn write_rules(text: &mut String, rules: &[BaselineRule]) {
    let cols: Vec<[String; 4]> = rules.iter().map(|b| b.rule.columns()).collect();
    let mut width = [0usize; 3];
    for c in &cols {
        for k in 0..3 {
            width[k] = width[k].max(c[k].chars().count());
        }
    }
    for (c, b) in cols.iter().zip(rules) {
        let mut line = String::from(if b.disabled { "# allow" } else { "allow" });
        for k in 0..3 {
            let _ = write!(line, " {:w$}", c[k], w = width[k]);
        }
        let _ = write!(line, " {}", c[3]);
        let mut line = line.trim_end().to_string();
        if let Some(n) = &b.note {
            let _ = write!(line, "  # {n}");
        }
        text.push_str(&line);
        text.push('\n');
    }
}
