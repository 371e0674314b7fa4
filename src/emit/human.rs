//! `--format human`: rustc-like diagnostics rendered by codespan-reporting, then a summary line.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, Severity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{self, WriteColor};
use codespan_reporting::term::{self, Chars, Config};

use super::excerpt::{Excerpt, needs_window};
use super::sanitize::{SafeSource, inline};
use super::{EmitOptions, plural};
use crate::diagnostic::{Diagnostic, Label, Level, Report};

/// The files codespan reads: every source of the report, plus an empty text for each file a
/// label names that has no source (so the header and `-->` line still render). Names and texts
/// are sanitised (see [`super::sanitize`]); labels are mapped onto the sanitised text.
struct HumanFiles<'r> {
    files: Vec<HumanFile<'r>>,
    ids: BTreeMap<&'r str, usize>,
}

struct HumanFile<'r> {
    /// The name as printed.
    name: Cow<'r, str>,
    /// The text without a leading BOM (codespan would count it as a column), made safe to print.
    text: SafeSource<'r>,
    /// Bytes cut from the front of the original text (3 for a BOM).
    shift: usize,
    line_starts: Vec<usize>,
}

impl<'r> HumanFiles<'r> {
    fn new(report: &'r Report) -> HumanFiles<'r> {
        let mut files = HumanFiles {
            files: Vec::new(),
            ids: BTreeMap::new(),
        };
        for (name, src) in &report.sources {
            files.add(name, &src.text);
        }
        for d in &report.diagnostics {
            for l in std::iter::once(&d.primary).chain(&d.secondary) {
                if !files.ids.contains_key(l.file.as_str()) {
                    files.add(&l.file, "");
                }
            }
        }
        files
    }

    fn add(&mut self, name: &'r str, text: &'r str) {
        let (text, shift) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, 3),
            None => (text, 0),
        };
        let text = SafeSource::new(text);
        let line_starts = codespan_reporting::files::line_starts(&text.text).collect();
        self.ids.insert(name, self.files.len());
        self.files.push(HumanFile {
            name: inline(name),
            text,
            shift,
            line_starts,
        });
    }

    fn get(&self, id: usize) -> Result<&HumanFile<'r>, FilesError> {
        self.files.get(id).ok_or(FilesError::FileMissing)
    }

    /// The file id and a byte range of the label that is valid in the registered text.
    fn locate(&self, label: &Label) -> (usize, Range<usize>) {
        let id = self.ids[label.file.as_str()];
        let f = &self.files[id];
        let text = &f.text.text;
        let fix = |b: usize| {
            let mut b = f.text.offset(b.saturating_sub(f.shift)).min(text.len());
            while !text.is_char_boundary(b) {
                b -= 1;
            }
            b
        };
        let start = fix(label.span.start);
        let end = fix(label.span.end).max(start);
        (id, start..end)
    }
}

/// What one diagnostic's snippet reads: the whole files, plus a window for each label on a
/// line too long to show whole (see [`super::excerpt`]); window ids follow the files' ids.
struct Shown<'f, 'r> {
    whole: &'f HumanFiles<'r>,
    windows: Vec<(&'f str, Excerpt)>,
}

impl<'f, 'r> Shown<'f, 'r> {
    fn window(&self, id: usize) -> Option<&(&'f str, Excerpt)> {
        id.checked_sub(self.whole.files.len())
            .and_then(|i| self.windows.get(i))
    }

    /// The file id and range of a label: in its whole file, or in a new window.
    fn place(&mut self, report: &Report, label: &Label) -> (usize, Range<usize>) {
        let src = report.source(&label.file);
        match src.filter(|src| needs_window(src, label)) {
            Some(src) => {
                let e = Excerpt::new(src, label);
                let range = e.label.clone();
                let name = &self.whole.files[self.whole.ids[label.file.as_str()]].name;
                self.windows.push((name, e));
                (self.whole.files.len() + self.windows.len() - 1, range)
            }
            None => self.whole.locate(label),
        }
    }
}

impl<'a> Files<'a> for Shown<'_, '_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        match self.window(id) {
            Some((name, _)) => Ok(name),
            None => Ok(&self.whole.get(id)?.name),
        }
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        match self.window(id) {
            Some((_, e)) => Ok(&e.text),
            None => Ok(&self.whole.get(id)?.text.text),
        }
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        if self.window(id).is_some() {
            return Ok(0);
        }
        let f = self.whole.get(id)?;
        Ok(f.line_starts
            .binary_search(&byte_index)
            .unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        if let Some((_, e)) = self.window(id) {
            return Ok(0..e.text.len());
        }
        let f = self.whole.get(id)?;
        let start_of = |i: usize| match i.cmp(&f.line_starts.len()) {
            std::cmp::Ordering::Less => Ok(f.line_starts[i]),
            std::cmp::Ordering::Equal => Ok(f.text.text.len()),
            std::cmp::Ordering::Greater => Err(FilesError::LineTooLarge {
                given: i,
                max: f.line_starts.len() - 1,
            }),
        };
        Ok(start_of(line_index)?..start_of(line_index + 1)?)
    }

    fn line_number(&'a self, id: usize, line_index: usize) -> Result<usize, FilesError> {
        Ok(self.window(id).map_or(line_index + 1, |(_, e)| e.line))
    }

    fn column_number(
        &'a self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        if let Some((_, e)) = self.window(id) {
            return Ok(e.column(byte_index));
        }
        let range = self.line_range(id, line_index)?;
        let source = self.source(id)?;
        Ok(codespan_reporting::files::column_index(source, range, byte_index) + 1)
    }
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Note => Severity::Note,
    }
}

fn to_codespan(report: &Report, files: &mut Shown<'_, '_>, d: &Diagnostic) -> CsDiagnostic<usize> {
    let readable = |l: &Label| report.sources.contains_key(&l.file);
    let mut labels = Vec::new();
    let mut unreadable = Vec::new();
    if readable(&d.primary) {
        let (id, range) = files.place(report, &d.primary);
        labels.push(CsLabel::primary(id, range).with_message(inline(&d.primary.message)));
    }
    for l in &d.secondary {
        if readable(l) {
            let (id, range) = files.place(report, l);
            labels.push(CsLabel::secondary(id, range).with_message(inline(&l.message)));
        } else if l.message.is_empty() {
            unreadable.push(format!("note: see {}", inline(&l.file)));
        } else {
            unreadable.push(format!("note: {}: {}", inline(&l.file), inline(&l.message)));
        }
    }
    let mut notes: Vec<String> = d
        .help
        .iter()
        .map(|h| format!("help: {}", inline(h)))
        .collect();
    notes.extend(d.notes.iter().map(|n| format!("note: {}", inline(n))));
    notes.extend(unreadable);
    CsDiagnostic::new(severity(d.level))
        .with_code(inline(&d.code))
        .with_message(inline(&d.message))
        .with_labels(labels)
        .with_notes(notes)
}

pub(super) fn emit(report: &Report, opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    let renderer = Renderer::new(report, opts.color);
    for d in &report.diagnostics {
        renderer.render(d, out)?;
    }
    let unchecked = unchecked_files(report);
    if opts.verbose {
        for f in &unchecked {
            writeln!(out, "not checked: {}", inline(f))?;
        }
    }
    if opts.quiet {
        return Ok(());
    }
    writeln!(out, "{}", summary(report, unchecked.len(), opts.verbose))
}

/// Renders single diagnostics of one report the way the human output shows them (also the
/// `rendered` text of `rustc-json`).
pub(super) struct Renderer<'r> {
    report: &'r Report,
    files: HumanFiles<'r>,
    config: Config,
    color: bool,
}

impl<'r> Renderer<'r> {
    pub(super) fn new(report: &'r Report, color: bool) -> Renderer<'r> {
        Renderer {
            report,
            files: HumanFiles::new(report),
            config: Config {
                chars: Chars::ascii(),
                ..Config::default()
            },
            color,
        }
    }

    /// Writes one diagnostic: header, locus, snippet, `= help`/`= note` lines.
    pub(super) fn render(&self, d: &Diagnostic, out: &mut dyn Write) -> io::Result<()> {
        let to_io = |e: FilesError| match e {
            FilesError::Io(e) => e,
            e => io::Error::other(e.to_string()),
        };
        let mut shown = Shown {
            whole: &self.files,
            windows: Vec::new(),
        };
        let cs = to_codespan(self.report, &mut shown, d);
        let mut buf = termcolor::Ansi::new(Vec::new());
        if self.color {
            term::emit_to_write_style(&mut buf, &self.config, &shown, &cs).map_err(to_io)?;
        } else {
            term::emit_to_io_write(buf.get_mut(), &self.config, &shown, &cs).map_err(to_io)?;
        }
        let rendered = buf.into_inner();
        if self.report.sources.contains_key(&d.primary.file) {
            return out.write_all(&rendered);
        }
        // No source text: codespan has no snippet to show, so the `-->` line is ours.
        let header_end = rendered
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rendered.len(), |i| i + 1);
        out.write_all(&rendered[..header_end])?;
        let mut locus = termcolor::Ansi::new(&mut *out);
        // Aligned with codespan's `= note` bullets, which sit one column further in when the
        // diagnostic also has a snippet (other labels) with a line-number gutter.
        locus.write_all(if cs.labels.is_empty() { b" " } else { b"  " })?;
        if self.color {
            locus.set_color(termcolor::ColorSpec::new().set_fg(Some(termcolor::Color::Cyan)))?;
        }
        locus.write_all(b"-->")?;
        if self.color {
            locus.reset()?;
        }
        writeln!(locus, " {}", inline(&d.primary.file))?;
        out.write_all(&rendered[header_end..])
    }
}

/// The files named by a JWT000 or JWT001 finding: not read, not parsed or not fully checked.
pub(super) fn unchecked_files(report: &Report) -> Vec<&str> {
    let mut files: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "JWT000" || d.code == "JWT001")
        .map(|d| d.primary.file.as_str())
        .collect();
    files.sort();
    files.dedup();
    files
}

/// `jwtlint: 3 errors, 2 warnings, 1 note in 12 files (4 suppressed, 2 in test code hidden; ..,
/// 2 files not checked; -v lists them)`.
pub(super) fn summary(report: &Report, unchecked: usize, verbose: bool) -> String {
    let counts: Vec<String> = [
        (report.count(Level::Error), "error", "errors"),
        (report.count(Level::Warning), "warning", "warnings"),
        (report.count(Level::Note), "note", "notes"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| plural(n, one, many))
    .collect();
    let found = if counts.is_empty() {
        "no findings".to_string()
    } else {
        counts.join(", ")
    };
    let mut line = format!(
        "jwtlint: {found} in {}",
        plural(report.files_scanned, "file", "files")
    );
    let mut aside = Vec::new();
    if report.suppressed > 0 {
        aside.push(format!("{} suppressed", report.suppressed));
    }
    if report.hidden_test_code > 0 {
        aside.push(format!(
            "{} in test code hidden; --test-code report shows them",
            report.hidden_test_code
        ));
    }
    if report.hidden_out_of_reach > 0 {
        aside.push(format!(
            "{} out of reach hidden; `[advisories] out-of-reach = \"note\"` shows them",
            plural(report.hidden_out_of_reach, "advisory", "advisories")
        ));
    }
    if unchecked > 0 {
        let hint = if verbose { "" } else { "; -v lists them" };
        aside.push(format!(
            "{} not checked{hint}",
            plural(unchecked, "file", "files")
        ));
    }
    if !aside.is_empty() {
        line.push_str(&format!(" ({})", aside.join(", ")));
    }
    line
}
