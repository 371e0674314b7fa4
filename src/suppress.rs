//! Suppressions, applied once, centrally, after every rule has run: comment directives
//! (`// jwtlint: allow(JWT101, unverified-decode) reason` in Rust, `# jwtlint: allow(..) reason` in
//! TOML, block comments, `allow-file(..)`, `until=` dates, advisory ids; see [`scan`]), config
//! `per-path-ignores` and `[advisories] ignore`. What a directive accepts is tracked per entry, so
//! an entry that matches nothing is reported (JWT002) even when another entry of the same comment
//! is used; a directive that cannot be honoured (unknown rule, no reason, expired, bad date) is
//! reported as JWT003. Both obey the rule selection and configured levels.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::catalog::catalog;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Label, Suppressed, SuppressedBy};
use crate::source::SourceText;

mod reach;
mod scan;

pub use reach::from_tree as reach_from_tree;
pub use scan::{Allowed, Directive, Reach, Until, scan};

/// Today's date for `until=`: `JWTLINT_TODAY=YYYY-MM-DD` when set (for reproducible runs and
/// tests), else the system clock's local date.
pub fn today() -> Result<Date, String> {
    match std::env::var("JWTLINT_TODAY") {
        Ok(s) if !s.is_empty() => s.parse::<Date>().map_err(|_| {
            format!(
                "error: JWTLINT_TODAY must be a date written YYYY-MM-DD, not `{}`",
                crate::emit::sanitize::inline(&s)
            )
        }),
        _ => Ok(jiff::Zoned::now().date()),
    }
}

/// Whether a directive applies today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Active,
    /// `until=` lies in the past.
    Expired(Date),
    /// `until=` is not a date.
    BadDate,
}

fn state(d: &Directive, today: Date) -> State {
    match &d.until {
        Until::Forever => State::Active,
        Until::Date(u) if *u >= today => State::Active,
        Until::Date(u) => State::Expired(*u),
        Until::Invalid(_) => State::BadDate,
    }
}

/// What the directives and the config accepted of one finding.
#[derive(Default)]
struct Acceptance {
    /// A directive entry without an advisory id named the rule.
    whole: bool,
    /// Advisory ids (of the finding) some entry or config ignore accepted.
    advisories: Vec<String>,
    notes: Vec<String>,
    /// Advisory ids `[advisories] ignore` accepted, with the entry's reason (audit trail).
    by_config: Vec<(String, String)>,
    /// The first directive that accepted (part of) the finding (for SARIF's audit trail).
    first: Option<usize>,
}

/// Applies directives and config ignores; returns the kept diagnostics (plus JWT002/JWT003
/// findings for stale or malformed directives) and the suppressed ones with what silenced them.
pub fn apply(
    diags: Vec<Diagnostic>,
    directives: &[Directive],
    sources: &mut BTreeMap<String, std::sync::Arc<SourceText>>,
    cfg: &Config,
    today: Date,
    config_rel: Option<&str>,
) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    let mut ignores_used = vec![false; cfg.advisory_ignores.len()];
    let states: Vec<State> = directives.iter().map(|d| state(d, today)).collect();
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.allowed.len()])
        .collect();
    let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in directives.iter().enumerate() {
        if states[i] == State::Active {
            by_file.entry(d.file.as_str()).or_default().push(i);
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for mut d in diags {
        if cfg.ignored_for(&d.primary.file, &d.code) {
            suppressed.push(Suppressed {
                diagnostic: d,
                by: SuppressedBy::Config,
            });
            continue;
        }
        let line = sources
            .get(&d.primary.file)
            .map(|s| s.line_of(d.primary.span.start))
            .unwrap_or(1);
        let here = by_file.get(d.primary.file.as_str()).map(Vec::as_slice);
        let mut acc = Acceptance::default();
        if d.code != "JWT000" {
            for &i in here.unwrap_or(&[]) {
                if accept_by_directive(&d, line, &directives[i], &mut used[i], &mut acc) {
                    acc.first.get_or_insert(i);
                }
            }
        }
        accept_by_config(&d, cfg, today, &mut acc, &mut ignores_used);
        if fully_accepted(&d, &acc) {
            let by = match acc.first {
                Some(i) => SuppressedBy::Directive {
                    at: Label {
                        file: directives[i].file.clone(),
                        span: directives[i].span.clone(),
                        message: String::new(),
                    },
                    reason: directives[i].reason.clone(),
                },
                None if !acc.by_config.is_empty() => SuppressedBy::AdvisoryIgnore {
                    accepted: acc.by_config,
                },
                None => SuppressedBy::Config,
            };
            suppressed.push(Suppressed { diagnostic: d, by });
            continue;
        }
        if !acc.advisories.is_empty() {
            acc.notes.push(format!(
                "accepted here: {}; the other advisories of this finding are not",
                acc.advisories.join(", ")
            ));
        }
        d.notes.extend(acc.notes);
        kept.push(d);
    }
    for (i, dir) in directives.iter().enumerate() {
        kept.extend(directive_findings(dir, states[i], &used[i], cfg));
    }
    // Only a run of the rule the ignores are for can tell that one matched nothing.
    if let Some(rel) = config_rel.filter(|_| cfg.enabled.iter().any(|c| c == "JWT012")) {
        let unused = unused_ignores(cfg, &ignores_used, rel);
        if !unused.is_empty()
            && let Some(text) = &cfg.source_text
        {
            sources
                .entry(rel.to_string())
                .or_insert_with(|| std::sync::Arc::new(SourceText::new(text.to_string())));
        }
        kept.extend(unused);
    }
    (kept, suppressed)
}

/// JWT002 for each `[advisories] ignore` entry of the configuration file (at `rel`) that
/// accepted no finding.
fn unused_ignores(cfg: &Config, used: &[bool], rel: &str) -> Vec<Diagnostic> {
    let out = cfg
        .advisory_ignores
        .iter()
        .zip(used)
        .filter(|(_, u)| !**u)
        .map(|(ig, _)| {
            Diagnostic::new(
                "JWT002",
                rel,
                ig.span.clone(),
                format!(
                    "this `[advisories] ignore` of {} matches no finding",
                    ig.id
                ),
            )
            .with_label("unused advisory ignore")
            .with_help("remove the entry (no dependency of this workspace is affected by that advisory any more)")
        })
        .collect();
    finish(out, cfg)
}

fn fully_accepted(d: &Diagnostic, acc: &Acceptance) -> bool {
    acc.whole
        || (!d.advisories.is_empty()
            && d.advisories
                .iter()
                .all(|a| acc.advisories.iter().any(|x| a.is_named(x))))
}

/// Marks the entries of one active directive that accept (part of) the finding `d` on `line`;
/// true when one did.
fn accept_by_directive(
    d: &Diagnostic,
    line: usize,
    dir: &Directive,
    used: &mut [bool],
    acc: &mut Acceptance,
) -> bool {
    let covers = match &dir.reach {
        Reach::Lines(r) => r.contains(&line),
        Reach::File => true,
    };
    if !covers {
        return false;
    }
    let mut accepted = false;
    for (k, a) in dir.allowed.iter().enumerate() {
        if !names_rule(&a.name, &d.code) {
            continue;
        }
        match &a.advisory {
            None => {
                used[k] = true;
                acc.whole = true;
                accepted = true;
            }
            Some(id) => {
                if let Some(adv) = d.advisories.iter().find(|x| x.is_named(id)) {
                    used[k] = true;
                    acc.advisories.push(adv.id.clone());
                    accepted = true;
                }
            }
        }
    }
    accepted
}

/// `[advisories] ignore`: entries in force accept the advisories they name; an expired entry
/// leaves a note on the finding it no longer accepts.
fn accept_by_config(
    d: &Diagnostic,
    cfg: &Config,
    today: Date,
    acc: &mut Acceptance,
    used: &mut [bool],
) {
    for (ig, used) in cfg.advisory_ignores.iter().zip(used) {
        let Some(adv) = d.advisories.iter().find(|a| a.is_named(&ig.id)) else {
            continue;
        };
        *used = true;
        match ig.until {
            Some(u) if u < today => acc.notes.push(format!(
                "the configuration's `[advisories] ignore` of {} expired on {u}, so it is reported again",
                ig.id
            )),
            _ => {
                acc.advisories.push(adv.id.clone());
                acc.by_config.push((adv.id.clone(), ig.reason.clone()));
            }
        }
    }
}

/// The JWT002/JWT003 findings about one directive, for the codes that are enabled.
fn directive_findings(
    dir: &Directive,
    state: State,
    used: &[bool],
    cfg: &Config,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let unknown: Vec<&str> = dir
        .allowed
        .iter()
        .filter(|a| catalog().get(&a.name).is_none())
        .map(|a| a.name.as_str())
        .collect();
    if !unknown.is_empty() || dir.allowed.is_empty() {
        out.push(invalid(dir, &unknown_names(&unknown), "unknown rule"));
        return finish(out, cfg);
    }
    match state {
        State::Expired(u) => out.push(invalid(
            dir,
            &format!(
                "expired on {u}, so it no longer applies and what it accepted is reported again"
            ),
            "expired suppression",
        )),
        State::BadDate => out.push(invalid(
            dir,
            "has an `until=` that is not a date written YYYY-MM-DD, so it applies to nothing",
            "bad date",
        )),
        State::Active => {
            for (a, _) in dir.allowed.iter().zip(used).filter(|(_, u)| !**u) {
                if catalog()
                    .get(&a.name)
                    .is_some_and(|r| cfg.enabled.contains(&r.code))
                {
                    out.push(unused(dir, a));
                }
            }
        }
    }
    if dir.reason.is_empty() && cfg.require_reason {
        out.push(
            Diagnostic::new(
                "JWT003",
                &dir.file,
                dir.span.clone(),
                "this suppression gives no reason; say why the finding is safe here",
            )
            .with_label("reason missing"),
        );
    }
    finish(out, cfg)
}

fn unknown_names(unknown: &[&str]) -> String {
    if unknown.is_empty() {
        return "names no rule, so it suppresses nothing".to_string();
    }
    format!(
        "names unknown rule{} {}, so it suppresses nothing",
        if unknown.len() > 1 { "s" } else { "" },
        unknown
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn invalid(dir: &Directive, what: &str, label: &str) -> Diagnostic {
    Diagnostic::new(
        "JWT003",
        &dir.file,
        dir.span.clone(),
        format!("this suppression {what}"),
    )
    .with_label(label)
}

fn unused(dir: &Directive, a: &Allowed) -> Diagnostic {
    let what = match &a.advisory {
        Some(id) => format!("{}: {id}", a.name),
        None => a.name.clone(),
    };
    let others = dir.allowed.len() > 1;
    Diagnostic::new(
        "JWT002",
        &dir.file,
        dir.span.clone(),
        if others {
            format!("the {what} entry of this suppression matches no finding")
        } else {
            format!("this suppression of {what} matches no finding")
        },
    )
    .with_label("unused suppression")
}

/// Only the suppression findings whose rule is on, at their configured level.
fn finish(mut out: Vec<Diagnostic>, cfg: &Config) -> Vec<Diagnostic> {
    out.retain(|d| cfg.enabled.contains(&d.code));
    for d in &mut out {
        if let Some(l) = cfg.levels.get(&d.code) {
            d.level = *l;
        }
    }
    out
}

fn names_rule(name: &str, code: &str) -> bool {
    catalog().get(name).map(|r| r.code == code).unwrap_or(false)
}
