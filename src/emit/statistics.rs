//! `--statistics`: how many findings each rule has, per level (a rule's findings in test code
//! can be notes while its others are errors). Also the table of the GitHub step summary.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::sanitize::inline;
use super::{EmitOptions, name_of, summary_line};
use crate::diagnostic::{Level, Report};

/// The findings of one rule at one level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub count: usize,
}

/// Counts per rule and level: most findings first, then by code, then the higher level first.
pub fn statistics(report: &Report) -> Vec<RuleCount> {
    let mut counts: BTreeMap<(&str, Level), (&str, usize)> = BTreeMap::new();
    for d in &report.diagnostics {
        counts
            .entry((&d.code, d.level))
            .or_insert((name_of(d), 0))
            .1 += 1;
    }
    let mut out: Vec<RuleCount> = counts
        .into_iter()
        .map(|((code, level), (name, count))| RuleCount {
            code: code.to_string(),
            name: name.to_string(),
            level,
            count,
        })
        .collect();
    out.sort_by(|a, b| (b.count, &a.code, b.level).cmp(&(a.count, &b.code, a.level)));
    out
}

/// The statistics as text (`   3  JWT101  unverified-decode  error`, then the summary line
/// unless `-q`) or, with `json`, as one JSON array of [`RuleCount`].
pub fn emit_statistics(
    report: &Report,
    json: bool,
    opts: &EmitOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let counts = statistics(report);
    if json {
        serde_json::to_writer_pretty(&mut *out, &counts)?;
        return writeln!(out);
    }
    let width = counts
        .iter()
        .map(|c| c.count.to_string().len())
        .max()
        .unwrap_or(1);
    let name_width = counts.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &counts {
        writeln!(
            out,
            "{:>width$}  {}  {:name_width$}  {}",
            c.count,
            inline(&c.code),
            inline(&c.name),
            c.level.as_str()
        )?;
    }
    if !opts.quiet {
        writeln!(out, "{}", summary_line(report, opts.verbose))?;
    }
    Ok(())
}
