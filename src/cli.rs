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
    /// Configuration file (default: jwtlint.toml searched upward, or [workspace.metadata.jwtlint])
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// List the files that were not checked (human output)
    #[arg(long, short = 'v')]
    pub verbose: bool,
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
    let plan = plan(&cli)?;
    plan.check()?;
    let cwd = std::env::current_dir()
        .map_err(|e| format!("error: cannot read the current directory: {e}"))?;
    let (root, paths, scope) = targets(&cli.paths, &cwd)?;
    let config = configure(&cli, &root)?;
    let run_info = run_info(&config, &root);
    let req = crate::lint::LintRequest {
        root: root.clone(),
        paths,
        config,
        advisory_db: cli.advisory_db.clone(),
    };
    let mut report = crate::lint::run(&req);
    if let Some(s) = &scope {
        s.filter(&mut report);
    }
    let fail_on = match cli.fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
        FailOn::Note => Level::Note,
    };
    let opts = EmitOptions {
        color: main_color(&cli, &plan.main),
        fail_on,
        verbose: cli.verbose,
        quiet: cli.quiet,
        root: Some(root),
        sarif_category: cli.sarif_category.clone(),
        run: run_info,
    };
    plan.write(&report, &opts)?;
    if cli.exit_zero {
        return Ok(0);
    }
    Ok(if report.count_at_or_above(fail_on) > 0 {
        1
    } else {
        0
    })
}

/// The configuration with the command line's selection and test-code choice applied.
fn configure(cli: &Cli, root: &std::path::Path) -> Result<crate::config::Config, String> {
    let mut config = crate::config::load(root, cli.config.as_deref()).map_err(|e| e.render())?;
    if !cli.select.is_empty() {
        config.enabled = crate::config::resolve_selectors(&cli.select)
            .map_err(|e| format!("error: --select: {e}"))?;
    }
    if !cli.extend_select.is_empty() {
        let extra = crate::config::resolve_selectors(&cli.extend_select)
            .map_err(|e| format!("error: --extend-select: {e}"))?;
        for c in extra {
            if !config.enabled.contains(&c) {
                config.enabled.push(c);
            }
        }
    }
    if !cli.ignore.is_empty() {
        let ignore = crate::config::resolve_selectors(&cli.ignore)
            .map_err(|e| format!("error: --ignore: {e}"))?;
        config.enabled.retain(|c| !ignore.contains(c));
    }
    if let Some(t) = cli.test_code {
        config.test_code = t;
    }
    if config.enabled.is_empty() {
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

/// What SARIF's `invocations` say about the configuration.
fn run_info(config: &crate::config::Config, root: &std::path::Path) -> RunInfo {
    let config_file = config.source.as_ref().map(|f| match f.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => f.display().to_string(),
    });
    let rules_off = catalog()
        .rules
        .iter()
        .filter(|r| !config.enabled.contains(&r.code))
        .map(|r| r.code.clone())
        .collect();
    RunInfo {
        config_file,
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

/// What a run covers: the project root, the paths to walk, and (for PATHs inside one Cargo
/// project) the scope that filters the whole workspace's findings down to those paths.
fn targets(
    given: &[PathBuf],
    cwd: &std::path::Path,
) -> Result<(PathBuf, Vec<PathBuf>, Option<crate::scope::Scope>), String> {
    if given.is_empty() {
        let root = crate::discover::find_project_root(cwd).ok_or_else(|| {
            "error: no Cargo.toml found in this directory or any parent; run inside a Cargo project or pass PATHs to lint".to_string()
        })?;
        return Ok((root.clone(), vec![root], None));
    }
    let given: Vec<PathBuf> = given.iter().map(|p| cwd.join(p)).collect();
    Ok(match crate::scope::Scope::of(&given) {
        // Paths inside one project: analyse the whole workspace, report what lies in them.
        Some(s) => (s.root.clone(), s.walk_paths(), Some(s)),
        None => (cwd.to_path_buf(), given, None),
    })
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
