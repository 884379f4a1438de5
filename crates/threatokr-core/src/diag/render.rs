//! Renders diagnostics for people (source snippets), for programs (JSON) and for code scanning (SARIF 2.1.0).

use super::terminal_text::{TerminalText, sanitize_for_terminal, visible};
use super::{Code, Diagnostic, Files, Severity, SourceFile};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files as cs_files;
use codespan_reporting::term;
use serde_json::{Value, json};
use std::collections::HashMap;

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

/// How many characters of a source line a snippet shows: a one-line SARIF or `.tm7` file of
/// megabytes is quoted by a window around the label, not whole.
const SNIPPET_COLUMNS: usize = 120;
/// How many characters of the window come before the label's start.
const SNIPPET_LEAD: usize = 30;
/// How many distinct diagnostics the human renderer shows; the rest are counted. JSON and
/// SARIF output list every diagnostic: they are APIs.
const MAX_SHOWN: usize = 200;
/// How many other places of a repeated diagnostic are named.
const MAX_PLACES: usize = 5;

/// The human rendering of a run's diagnostics: all of them, and the errors alone (`-q`).
#[derive(Debug, Clone)]
pub struct HumanDiagnostics {
    all: TerminalText,
    errors_only: TerminalText,
}

impl HumanDiagnostics {
    /// Every diagnostic, grouped.
    pub fn all(&self) -> &TerminalText {
        &self.all
    }

    /// Only the errors, for `-q`.
    pub fn errors_only(&self) -> &TerminalText {
        &self.errors_only
    }
}

impl std::ops::Deref for HumanDiagnostics {
    type Target = str;
    fn deref(&self) -> &str {
        &self.all
    }
}

impl std::fmt::Display for HumanDiagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.all)
    }
}

/// Renders for a terminal: a snippet under each diagnostic, cut to a window of the line
/// around the label; identical diagnostics (code, severity, message, help) are shown once
/// with their count and other places ("43× in all; also at ..."); at most 200 are shown.
/// Text from input is sanitized before `color` adds ANSI escapes.
pub fn render_human(report: DiagnosticReport<'_>, color: bool) -> HumanDiagnostics {
    let all = render_groups(report.files, report.diagnostics, color, false);
    let errors_only = if report.diagnostics.iter().all(|d| d.severity == Severity::Error) {
        all.clone()
    } else {
        render_groups(report.files, report.diagnostics, color, true)
    };
    HumanDiagnostics { all, errors_only }
}

/// Identical diagnostics, in the order of their first appearance.
fn group(diagnostics: &[Diagnostic]) -> Vec<Vec<&Diagnostic>> {
    let mut index: HashMap<(Code, Severity, &str, Option<&str>), usize> = HashMap::new();
    let mut groups: Vec<Vec<&Diagnostic>> = Vec::new();
    for d in diagnostics {
        let key = (d.code, d.severity, d.message.as_str(), d.help.as_deref());
        match index.get(&key) {
            Some(&i) => groups[i].push(d),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![d]);
            }
        }
    }
    groups
}

fn render_groups(
    files: &Files,
    diagnostics: &[Diagnostic],
    color: bool,
    errors_only: bool,
) -> TerminalText {
    let config = term::Config::default();
    let mut out = Vec::new();
    let shown: Vec<Diagnostic> = if errors_only {
        diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect()
    } else {
        Vec::new()
    };
    let diagnostics = if errors_only { &shown[..] } else { diagnostics };
    let groups = group(diagnostics);
    for members in groups.iter().take(MAX_SHOWN) {
        let first = members[0];
        let snippets = Snippets::of(files, first);
        let mut converted = to_codespan(files, &snippets, first);
        if members.len() > 1 {
            let places: Vec<String> =
                members[1..].iter().take(MAX_PLACES).map(|d| place(files, d)).collect();
            let more = if members.len() - 1 > MAX_PLACES { ", …" } else { "" };
            converted.notes.push(format!(
                "{}× in all; also at {}{more} (`--format json` lists every one)",
                members.len(),
                places.join(", ")
            ));
        }
        let result = if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            let r = term::emit_to_write_style(&mut buffer, &config, &snippets, &converted);
            out.extend_from_slice(buffer.as_slice());
            r
        } else {
            term::emit_to_io_write(&mut out, &config, &snippets, &converted)
        };
        if result.is_err() {
            // A label outside its file is a bug in a parser; show the message rather than nothing.
            out.extend_from_slice(
                format!(
                    "{}[{}]: {}\n",
                    first.severity.as_str(),
                    first.code.as_str(),
                    sanitize_for_terminal(&first.message)
                )
                .as_bytes(),
            );
        }
    }
    if groups.len() > MAX_SHOWN {
        let hidden: usize = groups[MAX_SHOWN..].iter().map(Vec::len).sum();
        out.extend_from_slice(
            format!(
                "… and {hidden} more diagnostic(s) not shown; `--format json` lists them all\n"
            )
            .as_bytes(),
        );
    }
    let summary = Summary::of(diagnostics);
    if summary.errors + summary.warnings > 0 {
        out.extend_from_slice(
            format!("{} error(s), {} warning(s)\n", summary.errors, summary.warnings).as_bytes(),
        );
    }
    TerminalText::already_sanitized(String::from_utf8_lossy(&out).into_owned())
}

/// `file:line:column` of a diagnostic, for the list of a repeated one's places.
fn place(files: &Files, diagnostic: &Diagnostic) -> String {
    match &diagnostic.primary {
        Some(label) => {
            let source = files.get(label.file);
            let at = source.line_col(label.span.start);
            format!("{}:{}:{}", sanitize_for_terminal(&source.name), at.line, at.column)
        }
        None => "(no position)".to_owned(),
    }
}

/// How many source lines a label may show; a longer span (a whole JSON object in an imported
/// model) is shown by its first line, where the object starts, instead of a page of source.
const MAX_LABEL_LINES: usize = 3;

/// The byte range of a label that is quoted: the span, or its first line when it covers many
/// lines, never past the end of the text nor ending on a line break.
fn shown_range(source: &SourceFile, span: super::Span) -> std::ops::Range<usize> {
    let len = source.text.len();
    let start = (span.start as usize).min(len);
    let end = (span.end as usize).clamp(start, len);
    let first_line = source.line_index(start);
    let last_line = source.line_index(end.saturating_sub(1).max(start));
    if last_line - first_line >= MAX_LABEL_LINES {
        return start..source.line_content(first_line).end.max(start);
    }
    start..end.min(source.line_content(last_line).end).max(start)
}

/// The source quoted by one diagnostic: for each file it points into, the lines its labels
/// are on, each cut to a window and sanitized, with the real line numbers and columns kept.
/// It implements codespan's `Files`, so codespan draws the snippet from these windows.
struct Snippets {
    files: Vec<Snippet>,
}

struct Snippet {
    name: String,
    source: String,
    lines: Vec<SnippetLine>,
}

struct SnippetLine {
    /// The line's index in the real file, from 0.
    real_index: usize,
    /// The line in `source`, line break included.
    range: std::ops::Range<usize>,
    /// Where the window starts in `source` (after a leading `…`).
    content_start: usize,
    /// The real column (from 1) of the window's first character.
    first_column: usize,
    /// The bytes of the real file the window shows.
    window: std::ops::Range<usize>,
}

/// The files a diagnostic's labels point into, in the order they first appear.
fn label_files(diagnostic: &Diagnostic) -> Vec<super::FileId> {
    let mut order: Vec<super::FileId> = Vec::new();
    for label in diagnostic.primary.iter().chain(&diagnostic.secondary) {
        if !order.contains(&label.file) {
            order.push(label.file);
        }
    }
    order
}

/// A label of the diagnostic moved into the snippets: snippet index and range in its source.
struct MovedLabel {
    snippet: usize,
    range: std::ops::Range<usize>,
}

impl Snippets {
    fn of(files: &Files, diagnostic: &Diagnostic) -> Self {
        let mut snippets = Self { files: Vec::new() };
        let labels: Vec<&super::Label> =
            diagnostic.primary.iter().chain(&diagnostic.secondary).collect();
        for file in label_files(diagnostic) {
            let source = files.get(file);
            let ranges: Vec<std::ops::Range<usize>> = labels
                .iter()
                .filter(|l| l.file == file)
                .map(|l| shown_range(source, l.span))
                .collect();
            snippets.files.push(Snippet::of(source, &ranges));
        }
        snippets
    }

    /// Where a label of the diagnostic is in the snippets (the snippets are in the order of
    /// the files the labels first name).
    fn locate(&self, files: &Files, order: &[super::FileId], label: &super::Label) -> MovedLabel {
        let snippet = order.iter().position(|f| *f == label.file).unwrap_or(0);
        let source = files.get(label.file);
        let range = shown_range(source, label.span);
        let moved = &self.files[snippet];
        MovedLabel { snippet, range: moved.map(source, range.start)..moved.map(source, range.end) }
    }
}

impl Snippet {
    fn of(source: &SourceFile, ranges: &[std::ops::Range<usize>]) -> Self {
        let text = source.text.as_str();
        // The lines to show, with where the first label on each starts.
        let mut covered: std::collections::BTreeMap<usize, usize> = Default::default();
        for range in ranges {
            let (first, last) = (source.line_index(range.start), source.line_index(range.end));
            for line in first..=last {
                let bounds = source.line_content(line);
                let from = range.start.clamp(bounds.start, bounds.end);
                let entry = covered.entry(line).or_insert(from);
                *entry = (*entry).min(from);
            }
        }
        // codespan prints a lone line between two shown lines; show it too.
        let lines: Vec<usize> = covered.keys().copied().collect();
        for pair in lines.windows(2) {
            if pair[1] - pair[0] == 2 {
                let bounds = source.line_content(pair[0] + 1);
                covered.insert(pair[0] + 1, bounds.start);
            }
        }
        let mut snippet = Self {
            name: sanitize_for_terminal(&source.name).into_owned(),
            source: String::new(),
            lines: Vec::new(),
        };
        for (&line, &from) in &covered {
            let bounds = source.line_content(line);
            let (start, end) = window(text, bounds.clone(), from);
            let line_start = snippet.source.len();
            if start > bounds.start {
                snippet.source.push('…');
            }
            let content_start = snippet.source.len();
            snippet.source.extend(text[start..end].chars().map(visible));
            if end < bounds.end {
                snippet.source.push('…');
            }
            snippet.source.push('\n');
            snippet.lines.push(SnippetLine {
                real_index: line,
                range: line_start..snippet.source.len(),
                content_start,
                first_column: source.line_col(start as u32).column,
                window: start..end,
            });
        }
        snippet
    }

    /// The offset in `source` of byte `offset` of the real file: inside its line's window, or at
    /// the window's edge when it falls outside.
    fn map(&self, real: &SourceFile, offset: usize) -> usize {
        let line = real.line_index(offset);
        let Some(shown) = self.lines.iter().find(|l| l.real_index == line) else {
            return 0;
        };
        let offset = offset.clamp(shown.window.start, shown.window.end);
        let moved: usize =
            real.text[shown.window.start..offset].chars().map(|c| visible(c).len_utf8()).sum();
        shown.content_start + moved
    }
}

/// The bytes of `line` to show so that `from..to` is in view: the whole line when it is short,
/// else `SNIPPET_COLUMNS` characters starting a little before `from` (a longer label is cut).
fn window(text: &str, line: std::ops::Range<usize>, from: usize) -> (usize, usize) {
    let slice = &text[line.clone()];
    if slice.len() <= SNIPPET_COLUMNS || slice.chars().nth(SNIPPET_COLUMNS).is_none() {
        return (line.start, line.end);
    }
    let before = &text[line.start..from];
    let start =
        before.char_indices().rev().take(SNIPPET_LEAD).last().map_or(from, |(i, _)| line.start + i);
    let end = text[start..line.end]
        .char_indices()
        .nth(SNIPPET_COLUMNS)
        .map_or(line.end, |(i, _)| start + i);
    (start, end)
}

impl<'a> cs_files::Files<'a> for Snippets {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, cs_files::Error> {
        self.files.get(id).map(|f| f.name.as_str()).ok_or(cs_files::Error::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, cs_files::Error> {
        self.files.get(id).map(|f| f.source.as_str()).ok_or(cs_files::Error::FileMissing)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, cs_files::Error> {
        let file = self.files.get(id).ok_or(cs_files::Error::FileMissing)?;
        file.lines
            .iter()
            .find(|l| byte_index < l.range.end)
            .or(file.lines.last())
            .map(|l| l.real_index)
            .ok_or(cs_files::Error::FileMissing)
    }

    fn line_range(
        &'a self,
        id: usize,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, cs_files::Error> {
        let file = self.files.get(id).ok_or(cs_files::Error::FileMissing)?;
        file.lines
            .iter()
            .find(|l| l.real_index == line_index)
            .map(|l| l.range.clone())
            .ok_or(cs_files::Error::LineTooLarge { given: line_index, max: line_index })
    }

    fn column_number(
        &'a self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, cs_files::Error> {
        let file = self.files.get(id).ok_or(cs_files::Error::FileMissing)?;
        let line = file
            .lines
            .iter()
            .find(|l| l.real_index == line_index)
            .ok_or(cs_files::Error::LineTooLarge { given: line_index, max: line_index })?;
        let byte_index = byte_index.clamp(line.content_start, line.range.end);
        Ok(line.first_column + file.source[line.content_start..byte_index].chars().count())
    }
}

fn to_codespan(
    files: &Files,
    snippets: &Snippets,
    diagnostic: &Diagnostic,
) -> cs::Diagnostic<usize> {
    let order = label_files(diagnostic);
    let mut labels = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        let moved = snippets.locate(files, &order, primary);
        labels.push(
            cs::Label::primary(moved.snippet, moved.range)
                .with_message(sanitize_for_terminal(&primary.message)),
        );
    }
    for label in &diagnostic.secondary {
        let moved = snippets.locate(files, &order, label);
        labels.push(
            cs::Label::secondary(moved.snippet, moved.range)
                .with_message(sanitize_for_terminal(&label.message)),
        );
    }
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Note => cs::Severity::Note,
    };
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {}", sanitize_for_terminal(help)));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(sanitize_for_terminal(&diagnostic.message))
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

#[cfg(test)]
mod human_tests {
    use super::*;
    use crate::diag::{Code, Span};

    fn warning(mut diagnostic: Diagnostic) -> Diagnostic {
        diagnostic.severity = Severity::Warning;
        diagnostic
    }

    fn human(files: &Files, diagnostics: &[Diagnostic]) -> String {
        render_human(DiagnosticReport { files, diagnostics }, false).all().to_string()
    }

    #[test]
    fn issue_13_a_long_line_is_quoted_by_a_window_around_the_label() {
        let mut files = Files::new();
        let mut text = "x".repeat(1 << 20);
        text.push_str("\"bad\"");
        text.push_str(&"y".repeat(1 << 20));
        let file = files.add("big.sarif", text);
        let at = 1 << 20;
        let diagnostic = Diagnostic::new(Code::UnknownKey, file, Span::new(at, at + 5), "a note");
        let rendered = human(&files, &[diagnostic]);
        assert!(rendered.len() < 1_000, "{} bytes", rendered.len());
        assert!(rendered.contains(&format!("big.sarif:1:{}", at + 1)), "{rendered}");
        assert!(
            rendered.contains(&format!("…{}\"bad\"{}…", "x".repeat(30), "y".repeat(85))),
            "{rendered}"
        );
        // The carets sit under the label: after the margin, `…` and 30 characters.
        let source_line = rendered.lines().find(|l| l.contains("\"bad\"")).unwrap();
        let caret_line = rendered.lines().find(|l| l.contains("^^^^^")).unwrap();
        let column = |line: &str, needle: &str| line[..line.find(needle).unwrap()].chars().count();
        assert_eq!(column(caret_line, "^"), column(source_line, "\"bad\""));
    }

    #[test]
    fn issue_13_one_thousand_warnings_on_a_one_line_file_stay_small_and_quick() {
        let mut files = Files::new();
        let text = "{\"status\": \"odd\"} ".repeat(100_000);
        let file = files.add("m.tm7", text);
        let diagnostics: Vec<Diagnostic> = (0..1_000)
            .map(|i| {
                let at = i * 1_800;
                warning(Diagnostic::new(
                    Code::UnknownKey,
                    file,
                    Span::new(at, at + 8),
                    format!("threat {i}"),
                ))
            })
            .collect();
        let started = std::time::Instant::now();
        let rendered = human(&files, &diagnostics);
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        // 200 shown, each a few lines of at most about 130 characters.
        assert!(rendered.len() < 200 * 1_000, "{} bytes", rendered.len());
        assert!(
            rendered.contains("… and 800 more diagnostic(s) not shown"),
            "{}",
            &rendered[rendered.len() - 300..]
        );
        assert!(rendered.ends_with("0 error(s), 1000 warning(s)\n"));
    }

    #[test]
    fn issue_11_identical_diagnostics_are_grouped_with_their_count_and_places() {
        let mut files = Files::new();
        let text: String = (0..43).map(|i| format!("- id: t{i}\n  status: odd\n")).collect();
        let file = files.add("m.otm.yaml", text.clone());
        let diagnostics: Vec<Diagnostic> = text
            .match_indices("odd")
            .map(|(at, _)| {
                Diagnostic::new(
                    Code::UnknownKey,
                    file,
                    Span::new(at, at + 3),
                    "unknown status `odd`",
                )
            })
            .collect();
        let rendered = human(&files, &diagnostics);
        assert_eq!(rendered.matches("unknown status `odd`").count(), 1, "{rendered}");
        assert!(
            rendered.contains("43× in all; also at m.otm.yaml:4:11, m.otm.yaml:6:11"),
            "{rendered}"
        );
        assert!(rendered.lines().count() < 15, "{rendered}");
        // JSON keeps every one: it is an API.
        let json = render_json(DiagnosticReport { files: &files, diagnostics: &diagnostics });
        assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(43));
    }

    #[test]
    fn errors_only_leaves_out_warnings_and_notes() {
        let mut files = Files::new();
        let file = files.add("a.yaml", "a: 1\nb: 2\n");
        let diagnostics = [
            warning(Diagnostic::new(Code::UnknownKey, file, Span::new(0, 1), "a warning here")),
            Diagnostic::new(Code::YamlSyntax, file, Span::new(5, 6), "an error here"),
        ];
        let rendered =
            render_human(DiagnosticReport { files: &files, diagnostics: &diagnostics }, false);
        assert!(rendered.all().contains("a warning here"));
        assert!(!rendered.errors_only().contains("a warning here"));
        assert!(rendered.errors_only().contains("an error here"));
    }

    #[test]
    fn issue_13_control_characters_from_input_are_shown_not_sent_to_the_terminal() {
        let mut files = Files::new();
        let text = "title: \"\u{1b}]0;pwned\u{7}\u{1b}[2J\" x\n";
        let file = files.add("evil\u{1b}[2J.yaml", text);
        let at = text.find(" x").unwrap() + 1;
        let diagnostic =
            Diagnostic::new(Code::UnknownKey, file, Span::new(at, at + 1), "bad \u{1b}[31mred")
                .with_help("help \u{9b}2J")
                .with_secondary(file, Span::new(7, 9), "here \u{7}");
        for color in [false, true] {
            let rendered = render_human(
                DiagnosticReport { files: &files, diagnostics: std::slice::from_ref(&diagnostic) },
                color,
            );
            let text = rendered.all().as_str();
            let escapes = text.matches('\u{1b}').count();
            // Our own colours come as `ESC [ … m`; nothing else escapes.
            assert_eq!(
                escapes,
                text.matches("\u{1b}[").count() - text.matches("\u{1b}[2J").count()
            );
            assert!(
                !text.contains('\u{7}') && !text.contains('\u{9b}') && !text.contains("\u{1b}]"),
                "{text:?}"
            );
            assert!(text.contains("␛]0;pwned␇␛[2J"), "{text}");
            assert!(text.contains("evil␛[2J.yaml"), "{text}");
        }
        let plain =
            render_human(DiagnosticReport { files: &files, diagnostics: &[diagnostic] }, false);
        let source_line = plain.lines().find(|l| l.contains("pwned")).unwrap();
        let caret_line = plain.lines().find(|l| l.contains('^')).unwrap();
        let column = |line: &str, needle: char| line.chars().position(|c| c == needle).unwrap();
        assert_eq!(column(caret_line, '^'), column(source_line, 'x'), "{plain}");
    }
}
