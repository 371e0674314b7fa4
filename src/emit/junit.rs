//! `--format junit`: JUnit XML, as CI systems (GitLab `artifacts:reports:junit`, Jenkins, Azure)
//! read test reports: `<testsuites>`, one `<testsuite>` per file with findings, one `<testcase>`
//! per finding with a `<failure>`. A clean run is one suite with one passing case, so the report
//! is never empty. Text from the project is sanitised (XML 1.0 cannot carry most control
//! characters even escaped) and then XML-escaped by quick-xml; the failure's text lines start
//! with the level, `help:` or `note:`, never with project text.
//!
//! Only the attributes of the Jenkins JUnit schema (`junit-10.xsd`) are written, so strict
//! readers accept the report: the file is the case's `classname`, the line and column are in its
//! `name` (`JWT801 hardcoded-secret at 12:5`). Non-standard `file`/`line` attributes are not.

use std::collections::BTreeMap;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::sanitize::inline;
use super::{EmitOptions, name_of, region};
use crate::diagnostic::{Diagnostic, Report};

/// Sanitised text that is also a valid XML 1.0 character sequence (U+FFFE and U+FFFF are not).
fn xml_text(s: &str) -> String {
    inline(s)
        .replace('\u{fffe}', "\\u{fffe}")
        .replace('\u{ffff}', "\\u{ffff}")
}

pub(super) fn emit(report: &Report, _opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &report.diagnostics {
        by_file.entry(d.primary.file.as_str()).or_default().push(d);
    }
    let total = report.diagnostics.len().to_string();
    let mut w = Writer::new_with_indent(&mut *out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attributes([
            ("name", "cargo-jwtlint"),
            ("tests", total.as_str()),
            ("failures", total.as_str()),
            ("errors", "0"),
        ])
        .write_inner_content(|w| {
            if by_file.is_empty() {
                return clean_suite(w);
            }
            for (file, diags) in &by_file {
                suite(w, report, file, diags)?;
            }
            Ok(())
        })?;
    writeln!(out)
}

fn clean_suite<W: Write>(w: &mut Writer<W>) -> io::Result<()> {
    w.create_element("testsuite")
        .with_attributes([
            ("name", "cargo-jwtlint"),
            ("tests", "1"),
            ("failures", "0"),
            ("errors", "0"),
            ("skipped", "0"),
        ])
        .write_inner_content(|w| {
            w.create_element("testcase")
                .with_attributes([("name", "no findings"), ("classname", "cargo-jwtlint")])
                .write_empty()?;
            Ok(())
        })?;
    Ok(())
}

fn suite<W: Write>(
    w: &mut Writer<W>,
    report: &Report,
    file: &str,
    diags: &[&Diagnostic],
) -> io::Result<()> {
    let file = xml_text(file);
    let n = diags.len().to_string();
    w.create_element("testsuite")
        .with_attributes([
            ("name", file.as_str()),
            ("tests", n.as_str()),
            ("failures", n.as_str()),
            ("errors", "0"),
            ("skipped", "0"),
        ])
        .write_inner_content(|w| {
            for d in diags {
                case(w, report, &file, d)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn case<W: Write>(
    w: &mut Writer<W>,
    report: &Report,
    file: &str,
    d: &Diagnostic,
) -> io::Result<()> {
    let r = region(report, &d.primary);
    let name = name_of(d);
    let code = xml_text(&d.code);
    let title = if name.is_empty() {
        code.clone()
    } else {
        format!("{code} {}", xml_text(name))
    };
    let case_name = format!("{title} at {}:{}", r.start_line, r.start_column);
    let message = xml_text(&d.message);
    let mut body = format!(
        "{}[{code}] at {file}:{}:{}: {message}",
        d.level.as_str(),
        r.start_line,
        r.start_column
    );
    if let Some(h) = &d.help {
        body.push_str(&format!("\nhelp: {}", xml_text(h)));
    }
    for n in &d.notes {
        body.push_str(&format!("\nnote: {}", xml_text(n)));
    }
    w.create_element("testcase")
        .with_attributes([("name", case_name.as_str()), ("classname", file)])
        .write_inner_content(|w| {
            w.create_element("failure")
                .with_attributes([("message", message.as_str()), ("type", code.as_str())])
                .write_text_content(BytesText::new(&body))?;
            Ok(())
        })?;
    Ok(())
}
