//! Command line: argument parsing, orchestration and exit codes
//! (0 = nothing at or above `--fail-on`, 1 = findings, 2 = usage, config or internal error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::catalog::catalog;
use crate::diagnostic::Level;
use crate::emit::{EmitOptions, Format, RunInfo};
use crate::outputs::{Output, Plan, Sink, write_out};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-jwtlint",
    bin_name = "cargo jwtlint",
    version,
    about = "Finds risky JWT usage in Rust code and Cargo manifests",
    long_about = "Finds risky JWT usage in Rust code and Cargo manifests.\n\nWith no PATH, lints the Cargo workspace (or package) containing the current directory. With PATHs, lints those files and directories. It never builds, runs or downloads anything of the project it checks.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files or directories to lint (default: the current workspace)
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Output format named as cargo names it: json (= rustc-json), short (= concise), human
    #[arg(long, value_enum, value_name = "FMT", conflicts_with = "format")]
    pub message_format: Option<MessageFormat>,
    /// Write the report to FILE instead of standard output (`-`: standard output)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file, used alone (default: jwtlint.toml, .jwtlint.toml or the metadata table of the project root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read no configuration of the repository (only the --config file, if given)
    #[arg(long)]
    pub isolated: bool,
    /// Print where the settings come from and the effective settings, then exit without linting
    #[arg(long)]
    pub show_settings: bool,
    /// Apply `exclude` to paths named on the command line too
    #[arg(long)]
    pub force_exclude: bool,
    /// Only run these rules (codes, code prefixes such as JWT1, or names; comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Also run these rules on top of the configured ones (for example the opt-in JWT301)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Do not run these rules (codes, prefixes or names; comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Lowest level that makes the run fail (exit 1)
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
    /// Colour the human output (default: auto, honouring CARGO_TERM_COLOR and NO_COLOR)
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Read extra advisories from a local RustSec advisory-db checkout
    #[arg(long, value_name = "PATH")]
    pub advisory_db: Option<PathBuf>,
    /// Always exit 0 when the run completes, even with findings
    #[arg(long)]
    pub exit_zero: bool,
    /// Findings in test code: hide (default; counted in the summary), note, or report
    #[arg(long, value_enum, value_name = "WHAT")]
    pub test_code: Option<crate::config::TestCode>,
    /// List the files that were not checked (human output); print the settings on stderr
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Report only findings that are not in this baseline file (see --write-baseline); entries
    /// that match nothing any more are listed on stderr
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (a versioned JSON baseline) and exit 0
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "add_allow"])]
    pub write_baseline: Option<PathBuf>,
    /// With --baseline: fail (exit 1) when baseline entries match no finding any more
    #[arg(long, requires = "baseline")]
    pub fail_on_stale: bool,
    /// Report only findings on lines added or changed since this git revision (HEAD~1, main,
    /// a commit id); the whole workspace is still analysed
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
    /// Write `// jwtlint: allow(CODE) REASON` (`#` in TOML) above each reported finding and
    /// exit 0; a second run adds nothing
    #[arg(long, value_name = "REASON")]
    pub add_allow: Option<String>,
    /// No summary line (in the human and concise outputs, and on stderr with --output)
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also write the report as SARIF to FILE, in the same run (= --report sarif=FILE)
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Also write the report as JSON to FILE, in the same run (= --report json=FILE)
    #[arg(long, value_name = "FILE")]
    pub json_output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE, in the same run (repeatable)
    #[arg(long, value_name = "FORMAT=FILE", value_parser = crate::outputs::parse_report_arg)]
    pub report: Vec<crate::outputs::Output>,
    /// SARIF `automationDetails.id` (default: none, so upload-sarif's `category` applies)
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
    /// Print the number of findings per rule and level instead of the findings
    #[arg(long)]
    pub statistics: bool,
    /// Do not append a job summary to $GITHUB_STEP_SUMMARY
    #[arg(long)]
    pub no_step_summary: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the rule catalogue
    Rules {
        /// Output format (human or json)
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Print a rule's documentation
    Explain {
        /// Rule code or name, e.g. JWT101 or unverified-decode
        rule: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

/// `--message-format`, with cargo's names.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MessageFormat {
    /// The human output
    Human,
    /// The concise one-line output
    Short,
    /// JSON lines as cargo and clippy print them (rustc-json)
    Json,
    /// rustc-json with ANSI colour in `rendered`
    JsonDiagnosticRenderedAnsi,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Arguments as given, without the `jwtlint` that cargo inserts for `cargo jwtlint`.
pub fn args() -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if a.get(1).map(|s| s == "jwtlint").unwrap_or(false) {
        a.remove(1);
    }
    a
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse_from(args()) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            let _ = writeln!(std::io::stderr(), "{}", msg.trim_end());
            2
        }
    }
}

fn use_color(choice: Option<ColorChoice>, to_terminal: bool) -> bool {
    let choice =
        choice.unwrap_or_else(|| match std::env::var("CARGO_TERM_COLOR").ok().as_deref() {
            Some("always") => ColorChoice::Always,
            Some("never") => ColorChoice::Never,
            _ => ColorChoice::Auto,
        });
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    match &cli.command {
        Some(Command::Rules { format }) => {
            write_out(&Sink::Stdout, |w| print_rules(w, *format))?;
            return Ok(0);
        }
        Some(Command::Explain { rule }) => {
            let Some(r) = catalog().get(rule) else {
                return Err(format!(
                    "error: unknown rule `{rule}` (see `cargo jwtlint rules`)"
                ));
            };
            write_out(&Sink::Stdout, |w| {
                let default = if r.opt_in {
                    format!(
                        "{}, off unless selected (`--extend-select {}` or `extend-select = [\"{}\"]`)",
                        r.level.as_str(),
                        r.code,
                        r.code
                    )
                } else {
                    r.level.as_str().to_string()
                };
                writeln!(
                    w,
                    "# {} {}\n\n{}\n\nDefault level: {default}.\n",
                    r.code, r.name, r.summary
                )?;
                writeln!(w, "{}", r.docs)
            })?;
            return Ok(0);
        }
        None => {}
    }
    lint_command(&cli)
}

/// One workspace of the run with its configuration, and where its findings go in the report.
struct Analysis {
    unit: crate::workspaces::Unit,
    config: crate::config::Config,
    /// The workspace root relative to the report's base (`.` for the base itself).
    prefix: String,
}

impl Analysis {
    /// The path relative to this workspace's root of a report path that lies in it.
    fn own_path<'p>(&self, path: &'p str) -> Option<&'p str> {
        if self.prefix == "." {
            return Some(path);
        }
        path.strip_prefix(self.prefix.as_str())?.strip_prefix('/')
    }
}

/// The workspaces the run analyses, each with its configuration, and the report's base folder.
fn analyses(cli: &Cli, cwd: &std::path::Path) -> Result<(PathBuf, Vec<Analysis>), String> {
    let exclude_of = |root: &std::path::Path| -> crate::workspaces::Exclude {
        match settings(cli, root, None) {
            Ok(c) => Box::new(move |rel: &str| c.is_excluded(rel)),
            // The error is reported when the workspace's configuration is loaded for its run.
            Err(_) => Box::new(|_: &str| false),
        }
    };
    let plan = crate::workspaces::plan(&cli.paths, cwd, &exclude_of)?;
    let mut out = Vec::new();
    for unit in plan.units {
        let named = if cli.force_exclude || cli.paths.is_empty() {
            None
        } else if let Some(s) = &unit.scope {
            Some(s.rel.clone())
        } else if unit.loose {
            Some(
                unit.walk
                    .iter()
                    .map(|p| crate::discover::rel_path(&unit.root, p))
                    .collect(),
            )
        } else {
            None
        };
        let config = settings(cli, &unit.root, named)?;
        let prefix = crate::discover::rel_path(&plan.base, &unit.root);
        out.push(Analysis {
            unit,
            config,
            prefix,
        });
    }
    Ok((plan.base, out))
}

/// Lints every workspace of the run into one report, each narrowed to its PATHs.
fn lint_all(
    cli: &Cli,
    analyses: &[Analysis],
    today: jiff::civil::Date,
) -> crate::diagnostic::Report {
    let mut report = crate::diagnostic::Report::default();
    for a in analyses {
        let req = crate::lint::LintRequest {
            root: a.unit.root.clone(),
            paths: a.unit.walk.clone(),
            config: a.config.clone(),
            advisory_db: cli.advisory_db.clone(),
            today,
            nested: a.unit.nested_rel(),
            all_test_code: a.prefix != "." && crate::detect::is_test_path(&a.prefix),
        };
        let mut one = crate::lint::run(&req);
        if let Some(s) = &a.unit.scope {
            s.filter(&mut one);
        }
        report.absorb(one, &a.prefix);
    }
    report.finish();
    report
}

/// The settings of each workspace, as `--show-settings` and `-v` print them.
fn show_all(analyses: &[Analysis]) -> String {
    analyses
        .iter()
        .map(|a| crate::config_show::show_settings(&a.config, &a.unit.root))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lints, narrows the report (PATHs, baseline, diff base), then writes a baseline, adds
/// directives or emits the report.
fn lint_command(cli: &Cli) -> Result<i32, String> {
    let plan = plan(cli)?;
    plan.check()?;
    let cwd = std::env::current_dir()
        .map_err(|e| format!("error: cannot read the current directory: {e}"))?;
    let (root, analyses) = analyses(cli, &cwd)?;
    if cli.show_settings {
        write_out(&Sink::Stdout, |w| {
            w.write_all(show_all(&analyses).as_bytes())
        })?;
        return Ok(0);
    }
    if cli.verbose {
        let _ = std::io::stderr().write_all(show_all(&analyses).as_bytes());
    }
    if analyses.iter().any(|a| a.config.enabled.is_empty()) {
        return Err(empty_selection(cli));
    }
    if let Some(db) = &cli.advisory_db
        && !db.is_dir()
    {
        return Err(format!(
            "error: --advisory-db {}: not a directory",
            db.display()
        ));
    }
    if let Some(r) = &cli.add_allow {
        crate::add_allow::check_reason(r)?;
    }
    let baseline = cli
        .baseline
        .as_deref()
        .map(crate::baseline::read)
        .transpose()?;
    let run_info = run_info(&analyses, &root);
    // Refuse rather than parse on small stacks (see `worker_pool`).
    crate::lint::worker_pool()?;
    let mut report = lint_all(cli, &analyses, crate::suppress::today()?);
    if let Some(file) = &cli.write_baseline {
        let b = crate::baseline::of_report(&report);
        crate::baseline::write(file, &b)?;
        eprintln!(
            "wrote {} finding{} to the baseline {}",
            b.findings.len(),
            plural(b.findings.len()),
            crate::emit::sanitize::inline(&file.display().to_string())
        );
        return Ok(0);
    }
    let stale = match &baseline {
        Some(b) => apply_baseline(&mut report, b, &analyses),
        None => 0,
    };
    if let Some(rev) = &cli.diff_base {
        let changes = crate::diffbase::changes(&root, rev, &report)?;
        crate::diffbase::filter(&mut report, &changes);
    }
    if let Some(reason) = &cli.add_allow {
        print_added(&crate::add_allow::apply(&root, &report, reason));
        return Ok(0);
    }
    let stale_fails = stale > 0 && cli.fail_on_stale;
    emit_and_exit(cli, &plan, &report, root, run_info, stale_fails)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Applies the baseline and lists its stale entries on stderr; returns how many are stale.
fn apply_baseline(
    report: &mut crate::diagnostic::Report,
    b: &crate::baseline::Baseline,
    analyses: &[Analysis],
) -> usize {
    use crate::emit::sanitize::inline;
    // An entry is in play when the workspace it lies in (the deepest) ran its rule on its path.
    let in_play = |e: &crate::baseline::Entry| {
        analyses
            .iter()
            .filter_map(|a| a.own_path(&e.path).map(|p| (a, p)))
            .max_by_key(|(a, _)| {
                if a.prefix == "." {
                    0
                } else {
                    a.prefix.len() + 1
                }
            })
            .is_some_and(|(a, p)| {
                a.config.enabled.contains(&e.code)
                    && a.unit.scope.as_ref().is_none_or(|s| s.covers(p))
            })
    };
    let out = crate::baseline::apply(report, b, in_play);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "baseline: {} finding{} accepted by the baseline, {} entr{} no longer match{}",
        out.matched,
        plural(out.matched),
        out.stale.len(),
        if out.stale.len() == 1 { "y" } else { "ies" },
        if out.stale.len() == 1 { "es" } else { "" },
    );
    for e in &out.stale {
        let _ = writeln!(
            err,
            "  stale: {}:{}: {} {}",
            inline(&e.path),
            e.line,
            inline(&e.code),
            inline(&e.message)
        );
    }
    if !out.stale.is_empty() {
        let _ = writeln!(
            err,
            "  (rewrite the baseline with --write-baseline to drop them)"
        );
    }
    out.stale.len()
}

fn print_added(out: &crate::add_allow::Outcome) {
    use crate::add_allow::Skip;
    use crate::emit::sanitize::inline;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "added {} suppression{} in {} file{}",
        out.added,
        plural(out.added),
        out.files,
        plural(out.files)
    );
    for (file, why) in &out.skipped {
        let why = match why {
            Skip::Lockfile => "Cargo.lock is rewritten by cargo; accept advisories with `[advisories] ignore` in the configuration".to_string(),
            Skip::Symlink => "it is a symlink".to_string(),
            Skip::Changed => "it changed since it was linted; run again".to_string(),
            Skip::InsideLiteral => "a finding's line starts inside a multi-line string".to_string(),
            Skip::Io(e) => e.clone(),
        };
        let _ = writeln!(err, "  not changed: {}: {}", inline(file), inline(&why));
    }
}

fn emit_and_exit(
    cli: &Cli,
    plan: &Plan,
    report: &crate::diagnostic::Report,
    root: PathBuf,
    run: RunInfo,
    stale_fails: bool,
) -> Result<i32, String> {
    let fail_on = match cli.fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
        FailOn::Note => Level::Note,
    };
    let opts = EmitOptions {
        color: main_color(cli, &plan.main),
        fail_on,
        verbose: cli.verbose,
        quiet: cli.quiet,
        root: Some(root),
        sarif_category: cli.sarif_category.clone(),
        run,
    };
    plan.write(report, &opts)?;
    if cli.exit_zero {
        return Ok(0);
    }
    Ok(if report.count_at_or_above(fail_on) > 0 || stale_fails {
        1
    } else {
        0
    })
}

/// The configuration (see [`crate::config::load`]) with the command line's selection and
/// test-code policy applied, and the paths named on the command line (which `exclude` spares).
fn settings(
    cli: &Cli,
    root: &std::path::Path,
    named: Option<Vec<String>>,
) -> Result<crate::config::Config, String> {
    use crate::config::{Lookup, resolve_selectors};
    let lookup = if cli.isolated {
        Lookup::Isolated
    } else {
        Lookup::Project
    };
    let mut config =
        crate::config::load(root, cli.config.as_deref(), lookup).map_err(|e| e.render())?;
    if !cli.select.is_empty() {
        config.enabled =
            resolve_selectors(&cli.select).map_err(|e| format!("error: --select: {e}"))?;
    }
    if !cli.extend_select.is_empty() {
        let extra = resolve_selectors(&cli.extend_select)
            .map_err(|e| format!("error: --extend-select: {e}"))?;
        for c in extra {
            if !config.enabled.contains(&c) {
                config.enabled.push(c);
            }
        }
    }
    if !cli.ignore.is_empty() {
        let ignore = resolve_selectors(&cli.ignore).map_err(|e| format!("error: --ignore: {e}"))?;
        config.enabled.retain(|c| !ignore.contains(c));
    }
    if let Some(t) = cli.test_code {
        config.test_code = t;
    }
    if let Some(named) = named {
        config.named = named;
    }
    Ok(config)
}

/// The main output and the extra ones, as the flags name them.
fn plan(cli: &Cli) -> Result<Plan, String> {
    let format = match cli.message_format {
        None => cli.format,
        Some(MessageFormat::Human) => Format::Human,
        Some(MessageFormat::Short) => Format::Concise,
        Some(MessageFormat::Json | MessageFormat::JsonDiagnosticRenderedAnsi) => Format::RustcJson,
    };
    let mut extra = Vec::new();
    let shorthands = [
        (Format::Sarif, &cli.sarif_output),
        (Format::Json, &cli.json_output),
    ];
    for (format, file) in shorthands {
        if let Some(f) = file {
            extra.push(Output {
                format,
                sink: Sink::of(Some(f)),
            });
        }
    }
    extra.extend(cli.report.iter().cloned());
    Ok(Plan {
        main: Output {
            format,
            sink: Sink::of(cli.output.as_deref()),
        },
        extra,
        statistics: cli.statistics,
        step_summary: !cli.no_step_summary,
        quiet: cli.quiet,
    })
}

/// Colour of the main output: the human output on a terminal (or as `--color` says), and the
/// `rendered` text of rustc-json only when asked for (`--color always` or
/// `--message-format json-diagnostic-rendered-ansi`).
fn main_color(cli: &Cli, main: &Output) -> bool {
    match main.format {
        Format::Human => {
            let to_terminal = main.sink == Sink::Stdout && std::io::stdout().is_terminal();
            use_color(cli.color, to_terminal)
        }
        Format::RustcJson => {
            cli.message_format == Some(MessageFormat::JsonDiagnosticRenderedAnsi)
                || cli.color == Some(ColorChoice::Always)
        }
        _ => false,
    }
}

/// What SARIF's `invocations` say about the configuration: every file read, and the rules
/// that ran in no workspace.
fn run_info(analyses: &[Analysis], root: &std::path::Path) -> RunInfo {
    let mut config_files: Vec<String> = analyses
        .iter()
        .filter_map(|a| a.config.source.as_ref())
        .map(|f| crate::discover::rel_path(root, f))
        .collect();
    config_files.sort();
    config_files.dedup();
    let rules_off = catalog()
        .rules
        .iter()
        .filter(|r| !analyses.iter().any(|a| a.config.enabled.contains(&r.code)))
        .map(|r| r.code.clone())
        .collect();
    RunInfo {
        config_files,
        rules_off,
    }
}

/// The usage error of a run whose rule selection is empty: it would check nothing and pass.
fn empty_selection(cli: &Cli) -> String {
    let why = if !cli.select.is_empty() && cli.select.iter().all(|s| s.trim().is_empty()) {
        "`--select` names no rule"
    } else {
        "the selection (`--select`, `--ignore` and the configuration's `select`/`ignore`) leaves none"
    };
    format!(
        "error: no rule would run: {why}; give codes (JWT101), prefixes (JWT1), names or ALL (see `cargo jwtlint rules`)"
    )
}

fn print_rules(w: &mut dyn Write, format: Format) -> std::io::Result<()> {
    if format == Format::Json {
        let rules: Vec<serde_json::Value> = catalog()
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "level": r.level.as_str(), "summary": r.summary,
                    "tags": r.tags, "precision": r.precision, "security_severity": r.security_severity,
                    "opt_in": r.opt_in,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *w, &serde_json::json!({ "rules": rules }))?;
        return writeln!(w);
    }
    let width = catalog()
        .rules
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(10);
    for r in &catalog().rules {
        let level = if r.opt_in {
            format!("{} (opt-in)", r.level.as_str())
        } else {
            r.level.as_str().to_string()
        };
        writeln!(
            w,
            "{}  {:width$}  {:18}  {}",
            r.code, r.name, level, r.summary
        )?;
    }
    Ok(())
}
