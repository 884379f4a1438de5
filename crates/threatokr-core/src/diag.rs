//! Diagnostics: every problem a user can fix, with a stable code, a severity and a position.
//!
//! Checking input never stops at the first problem: parsers and lowerings push
//! `Diagnostic`s and carry on. Renderers turn them into terminal text, JSON or SARIF.

mod code;
mod files;
mod render;
mod terminal_text;

pub use code::{Code, CodeInfo};
pub use files::{FileId, Files, LineCol, SourceFile, Span};
pub use render::{
    DiagnosticReport, HumanDiagnostics, Summary, diagnostic_json, render_human, render_json,
    render_sarif,
};
pub use terminal_text::{TerminalText, sanitize_for_terminal};

/// How bad a diagnostic is. Ordered so that `max()` gives the worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    /// Informational: never changes the exit code.
    Note,
    /// Something is likely wrong, but the value is still usable.
    Warning,
    /// The input is wrong: the affected part was left out.
    Error,
}

impl Severity {
    /// The lowercase name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A place in a file with an optional message, shown under the source line.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Label {
    /// The file the label points into.
    pub file: FileId,
    /// Byte range inside the file.
    pub span: Span,
    /// What this place has to do with the problem; may be empty.
    pub message: String,
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Stable identifier, documented in `docs/diagnostics.md`.
    pub code: Code,
    /// Defaults to the code's severity; settings may change it.
    pub severity: Severity,
    /// One sentence, lowercase start, no trailing period.
    pub message: String,
    /// Where the problem is. `None` only for problems about a whole input that has no text.
    pub primary: Option<Label>,
    /// Other places that explain the problem (the first definition of a duplicate id, ...).
    pub secondary: Vec<Label>,
    /// A suggestion the user can act on.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity pointing at `span` in `file`.
    pub fn new(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: Some(Label { file, span, message: String::new() }),
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A diagnostic about an input as a whole, with no position to show.
    pub fn without_position(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Adds a suggestion.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label { file, span, message: message.into() });
        self
    }

    /// Sets the label text under the primary position.
    #[must_use]
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        if let Some(primary) = &mut self.primary {
            primary.message = message.into();
        }
        self
    }
}

/// Sorts diagnostics by file, position and code so that output is deterministic.
pub fn sort_diagnostics(files: &Files, diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.primary.as_ref().map(|l| (files.name(l.file).to_owned(), l.span.start, l.span.end))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.code.as_str().cmp(b.code.as_str()))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Returns the edit distance suggestion closest to `word` among `candidates`, for "did you mean".
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(word, candidate);
        // A suggestion further than a third of the word away is noise, not help.
        let limit = (word.chars().count().max(3)) / 3 + 1;
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_known_key() {
        assert_eq!(did_you_mean("stide", ["stride", "status", "title"]), Some("stride"));
        assert_eq!(did_you_mean("zzzzzz", ["stride", "status"]), None);
    }

    #[test]
    fn files_read_apart_and_appended_keep_their_diagnostics_pointing_at_them() {
        let mut files = Files::new();
        files.add("threatokr.yaml", "org: {}\n");
        let mut apart = Files::new();
        let ci = apart.add("repos/a/.gitlab-ci.yml", "stages: [\n");
        let other = apart.add("repos/a/.gitlab/x.yml", "a: 1\n");
        let mut diagnostics = vec![
            Diagnostic::new(Code::YamlSyntax, ci, Span::new(8, 9), "unclosed").with_secondary(
                other,
                Span::new(0, 1),
                "here",
            ),
        ];
        files.append(apart, &mut diagnostics);
        let primary = diagnostics[0].primary.as_ref().unwrap();
        assert_eq!(files.name(primary.file), "repos/a/.gitlab-ci.yml");
        assert_eq!(files.text(primary.file), "stages: [\n");
        assert_eq!(files.name(diagnostics[0].secondary[0].file), "repos/a/.gitlab/x.yml");
        assert_eq!(files.ids().count(), 3);
    }
}
