//! Where a run's report goes: the main output (`--format` or `--message-format`, to `-o FILE`,
//! `-o -` or standard output), the extra outputs of the same run (`--sarif-output`,
//! `--json-output`, `--report FORMAT=FILE`), the summary line on standard error when the main
//! output is a file, and the GitHub job summary (`$GITHUB_STEP_SUMMARY`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostic::Report;
use crate::emit::{self, EmitOptions, Format, GithubLinks};

/// Standard output or a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sink {
    Stdout,
    File(PathBuf),
}

impl Sink {
    /// `-o FILE`: `-` (or no `-o`) is standard output.
    pub fn of(path: Option<&Path>) -> Sink {
        match path {
            Some(p) if p != Path::new("-") => Sink::File(p.to_path_buf()),
            _ => Sink::Stdout,
        }
    }
}

/// One report in one format to one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub sink: Sink,
}

/// Everything one run writes.
#[derive(Clone, Debug)]
pub struct Plan {
    pub main: Output,
    pub extra: Vec<Output>,
    /// `--statistics`: the main output is the counts per rule instead of the findings.
    pub statistics: bool,
    /// Append the job summary when `$GITHUB_STEP_SUMMARY` names a file.
    pub step_summary: bool,
    /// `-q`: no summary line, on standard output or standard error.
    pub quiet: bool,
}

/// `--report FORMAT=FILE`.
pub fn parse_report_arg(s: &str) -> Result<Output, String> {
    let (format, file) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=FILE, got `{s}`"))?;
    let format = <Format as clap::ValueEnum>::from_str(format, true)
        .map_err(|_| format!("unknown format `{format}`"))?;
    if file.is_empty() {
        return Err("the file name is empty".to_string());
    }
    Ok(Output {
        format,
        sink: Sink::of(Some(Path::new(file))),
    })
}

impl Plan {
    /// Checks what cannot work: two outputs on standard output, one file named twice, and
    /// `--statistics` with a format that has no statistics form.
    pub fn check(&self) -> Result<(), String> {
        let all: Vec<&Output> = std::iter::once(&self.main).chain(&self.extra).collect();
        if all.iter().filter(|o| o.sink == Sink::Stdout).count() > 1 {
            return Err(
                "error: only one output can go to standard output (`-`); give the others a file"
                    .to_string(),
            );
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for o in &all {
            if let Sink::File(p) = &o.sink {
                let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                if files.contains(&abs) {
                    return Err(format!(
                        "error: {} is named as the output twice",
                        p.display()
                    ));
                }
                files.push(abs);
            }
        }
        if self.statistics
            && !matches!(
                self.main.format,
                Format::Human | Format::Concise | Format::Json
            )
        {
            return Err(format!(
                "error: --statistics works with --format human, concise or json, not {}",
                self.main.format.as_str()
            ));
        }
        Ok(())
    }

    /// Writes every output, then the summary line on standard error (main output in a file,
    /// unless `-q`) and the job summary.
    pub fn write(&self, report: &Report, opts: &EmitOptions) -> Result<(), String> {
        let main = &self.main;
        write_out(&main.sink, |w| {
            if self.statistics {
                emit::emit_statistics(report, main.format == Format::Json, opts, w)
            } else {
                emit::emit(report, main.format, opts, w)
            }
        })?;
        let plain = EmitOptions {
            color: false,
            ..opts.clone()
        };
        for o in &self.extra {
            write_out(&o.sink, |w| emit::emit(report, o.format, &plain, w))?;
        }
        if matches!(main.sink, Sink::File(_)) && !self.quiet {
            let line = emit::summary_line(report, opts.verbose);
            let _ = writeln!(std::io::stderr(), "{line}");
        }
        if self.step_summary {
            append_step_summary(report, &plain);
        }
        Ok(())
    }
}

/// Appends the job summary to `$GITHUB_STEP_SUMMARY`, when it is set. A summary that cannot be
/// written is a warning: the report itself was written and decides the exit code.
fn append_step_summary(report: &Report, opts: &EmitOptions) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let root = opts.root.clone().unwrap_or_default();
    let links = GithubLinks::from_vars(|k| std::env::var(k).ok(), &root);
    let res = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            emit::step_summary(report, links.as_ref(), opts, &mut w)?;
            w.flush()
        });
    if let Err(e) = res {
        let _ = writeln!(
            std::io::stderr(),
            "warning: cannot append the job summary to $GITHUB_STEP_SUMMARY: {e}"
        );
    }
}

/// Runs `f` on a buffered writer to the sink; a closed pipe is not an error.
pub fn write_out(
    sink: &Sink,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let res = match sink {
        Sink::File(p) => {
            let file = std::fs::File::create(p)
                .map_err(|e| format!("error: cannot write {}: {e}", p.display()))?;
            let mut w = std::io::BufWriter::new(file);
            f(&mut w).and_then(|_| w.flush())
        }
        Sink::Stdout => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            f(&mut w).and_then(|_| w.flush())
        }
    };
    match res {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("error: cannot write the report: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_arguments_name_a_format_and_a_file() {
        assert_eq!(
            parse_report_arg("sarif=out/j.sarif"),
            Ok(Output {
                format: Format::Sarif,
                sink: Sink::File("out/j.sarif".into())
            })
        );
        assert_eq!(
            parse_report_arg("rustc-json=-").map(|o| o.sink),
            Ok(Sink::Stdout)
        );
        assert!(parse_report_arg("xml=a").is_err());
        assert!(parse_report_arg("sarif").is_err());
        assert!(parse_report_arg("sarif=").is_err());
    }

    #[test]
    fn one_stdout_and_distinct_files() {
        let out = |format, sink| Output { format, sink };
        let mut plan = Plan {
            main: out(Format::Human, Sink::Stdout),
            extra: vec![out(Format::Sarif, Sink::File("a".into()))],
            statistics: false,
            step_summary: false,
            quiet: false,
        };
        assert!(plan.check().is_ok());
        plan.extra.push(out(Format::Json, Sink::Stdout));
        assert!(plan.check().unwrap_err().contains("standard output"));
        plan.extra[1] = out(Format::Json, Sink::File("./a".into()));
        assert!(plan.check().unwrap_err().contains("twice"));
        plan.extra.pop();
        plan.statistics = true;
        assert!(plan.check().is_ok());
        plan.main.format = Format::Sarif;
        assert!(plan.check().unwrap_err().contains("--statistics"));
    }
}
