//! Renders diagnostics for people (source snippets), for programs (JSON) and for code scanning (SARIF 2.1.0).

use super::{Code, Diagnostic, Files, Severity};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde_json::{Value, json};

/// Counts of errors and warnings, which decide the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Diagnostics at `error`.
    pub errors: usize,
    /// Diagnostics at `warning`.
    pub warnings: usize,
}

impl Summary {
    /// Counts the diagnostics by severity.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
        Self { errors: count(Severity::Error), warnings: count(Severity::Warning) }
    }
}

/// The diagnostics of one run with the files they point into.
#[derive(Debug, Clone, Copy)]
pub struct DiagnosticReport<'a> {
    /// The file database.
    pub files: &'a Files,
    /// Sorted diagnostics.
    pub diagnostics: &'a [Diagnostic],
}

/// Renders for a terminal: a snippet under each diagnostic. `color` adds ANSI escapes.
pub fn render_human(report: DiagnosticReport<'_>, color: bool) -> String {
    let config = term::Config::default();
    let mut out = Vec::new();
    for diagnostic in report.diagnostics {
        let converted = to_codespan(report.files, diagnostic);
        let result = if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            let r = term::emit_to_write_style(&mut buffer, &config, report.files, &converted);
            out.extend_from_slice(buffer.as_slice());
            r
        } else {
            term::emit_to_io_write(&mut out, &config, report.files, &converted)
        };
        if result.is_err() {
            // A label outside its file is a bug in a parser; show the message rather than nothing.
            out.extend_from_slice(
                format!(
                    "{}[{}]: {}\n",
                    diagnostic.severity.as_str(),
                    diagnostic.code.as_str(),
                    diagnostic.message
                )
                .as_bytes(),
            );
        }
    }
    let summary = Summary::of(report.diagnostics);
    if summary.errors + summary.warnings > 0 {
        out.extend_from_slice(
            format!("{} error(s), {} warning(s)\n", summary.errors, summary.warnings).as_bytes(),
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How many source lines a label may show; a longer span (a whole JSON object in an imported
/// model) is shown by its first line, where the object starts, instead of a page of source.
const MAX_LABEL_LINES: usize = 3;

fn shown_range(files: &Files, file: super::FileId, span: super::Span) -> std::ops::Range<usize> {
    let source = files.get(file);
    let (start, end) = (source.line_col(span.start), source.line_col(span.end));
    let range = source.local_range(span);
    if end.line - start.line < MAX_LABEL_LINES {
        return range;
    }
    let text = &source.text;
    let from = range.start;
    let line_end = text[from..].find('\n').map_or(text.len(), |i| from + i);
    from..line_end.max(from)
}

fn to_codespan(files: &Files, diagnostic: &Diagnostic) -> cs::Diagnostic<super::FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        labels.push(
            cs::Label::primary(primary.file, shown_range(files, primary.file, primary.span))
                .with_message(&primary.message),
        );
    }
    for label in &diagnostic.secondary {
        labels.push(
            cs::Label::secondary(label.file, shown_range(files, label.file, label.span))
                .with_message(&label.message),
        );
    }
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// One diagnostic as the JSON contract describes it: `{"code","severity","message","file","line","column"}`.
pub fn diagnostic_json(files: &Files, diagnostic: &Diagnostic) -> Value {
    let (file, line, column) = match &diagnostic.primary {
        Some(label) => {
            let source = files.get(label.file);
            let position = source.line_col(label.span.start);
            (
                Value::from(source.name.clone()),
                Value::from(position.line),
                Value::from(position.column),
            )
        }
        None => (Value::Null, Value::Null, Value::Null),
    };
    let mut value = json!({
        "code": diagnostic.code.as_str(),
        "severity": diagnostic.severity.as_str(),
        "message": diagnostic.message,
        "file": file,
        "line": line,
        "column": column,
    });
    if let Some(help) = &diagnostic.help {
        value["help"] = Value::from(help.clone());
    }
    value
}

/// `{"diagnostics": [...], "errors": N, "warnings": N}`.
pub fn render_json(report: DiagnosticReport<'_>) -> Value {
    let summary = Summary::of(report.diagnostics);
    json!({
        "diagnostics": report.diagnostics.iter().map(|d| diagnostic_json(report.files, d)).collect::<Vec<_>>(),
        "errors": summary.errors,
        "warnings": summary.warnings,
    })
}

/// A SARIF 2.1.0 log with one run whose rules are the diagnostic codes, so GitHub code scanning
/// can annotate a pull request that breaks a threat model or an OKR file.
pub fn render_sarif(report: DiagnosticReport<'_>, tool_version: &str) -> Value {
    let mut used: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    used.sort();
    used.dedup();
    let rules: Vec<Value> = used
        .iter()
        .map(|code| {
            let info = Code::ALL.iter().find(|i| i.code == *code).expect("every code is in ALL");
            json!({
                "id": info.name,
                "shortDescription": {"text": info.doc},
                "defaultConfiguration": {"level": sarif_level(info.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": used.iter().position(|c| *c == d.code),
                "level": sarif_level(d.severity),
                "message": {"text": match &d.help { Some(h) => format!("{} (help: {h})", d.message), None => d.message.clone() }},
            });
            if let Some(label) = &d.primary {
                let source = report.files.get(label.file);
                let start = source.line_col(label.span.start);
                let end = source.line_col(label.span.end);
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": source.name, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column},
                    }
                }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "threatokr", "version": tool_version, "informationUri": "https://github.com/threatokr/threatokr", "rules": rules}},
            "results": results,
        }],
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    #[test]
    fn a_label_over_many_lines_is_shown_by_its_first_line() {
        let mut files = Files::new();
        let text = format!("{{\n  \"flow\": {{\n{}  }}\n}}\n", "    \"x\": 1,\n".repeat(40));
        let file = files.add("m.json", text.clone());
        let start = text.find("{\n    \"x\"").unwrap();
        let diagnostic =
            Diagnostic::new(Code::UnknownKey, file, Span::new(start, text.len() - 3), "an object");
        let rendered =
            render_human(DiagnosticReport { files: &files, diagnostics: &[diagnostic] }, false);
        // Only the first line of the 42-line object is quoted, not a page of source.
        assert_eq!(rendered.matches("\"x\": 1").count(), 0, "{rendered}");
        assert!(rendered.contains("m.json:2:11"), "{rendered}");
        // A short span is shown whole.
        let short = Diagnostic::new(Code::UnknownKey, file, Span::new(4, 10), "a key");
        let rendered =
            render_human(DiagnosticReport { files: &files, diagnostics: &[short] }, false);
        assert!(rendered.contains("^^^^^^"), "{rendered}");
    }
}
