//! ASVS verification results of one app: which requirements of an ASVS version passed, failed or
//! do not apply, with the evidence link and the date.
//!
//! Two spellings of the same content:
//! - YAML (`.yaml`, `.yml`, or anything not `.csv`):
//!   ```yaml
//!   app: checkout
//!   version: 5.0.0
//!   date: 2027-02-01            # optional; the default date of every requirement
//!   requirements:
//!     - { id: v5.0.0-8.2.1, status: pass, evidence: https://example.com/pentest/42, date: 2027-01-20 }
//!   ```
//! - CSV (`.csv`): a first comment line names the app and version (and optionally the date),
//!   then a header with `requirement,status,evidence,date` (`evidence` and `date` optional):
//!   ```text
//!   # app: checkout, version: 5.0.0, date: 2027-02-01
//!   requirement,status,evidence,date
//!   v5.0.0-8.2.1,pass,https://example.com/pentest/42,2027-01-20
//!   ```
//!   We chose the comment line over `app`/`version` columns because one file is one app's
//!   verification against one version: columns would let rows disagree.
//!
//! Ids are `v<version>-<chapter>.<section>.<requirement>` (OWASP's recommended form) and must name
//! the file's version; `V8.2.1` and `8.2.1` are accepted as short forms of the file's version.
//! Whether the requirement exists in that version is checked against the taxonomy's table by the
//! caller, with `AsvsResult::id` and `origin`. Statuses are `pass`, `fail` and `n-a`; the CSV form
//! also accepts `passed`, `failed`, `n/a`, `na` and `not applicable`, in any case.

use std::collections::HashMap;
use std::fmt;

use jiff::civil::Date;

use crate::decode::{Decoder, Shape, Ty, opt, parse_date, req};
use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::evidence::{CsvRow, field_span, read_csv};
use crate::model::Origin;
use crate::syntax::{Budget, parse_yaml};

/// One app's verification against one ASVS version.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AsvsVerification {
    /// The app the verification is about.
    pub app: String,
    /// The ASVS version (`5.0.0`, `4.0.3`).
    pub version: String,
    /// The file's date, the default of each requirement's date.
    pub date: Option<Date>,
    /// The verified requirements, sorted by chapter, section and requirement.
    pub requirements: Vec<AsvsResult>,
    /// The whole file.
    pub origin: Origin,
}

/// The verification of one requirement.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AsvsResult {
    /// The requirement.
    pub id: AsvsId,
    /// pass, fail or n-a.
    pub status: AsvsStatus,
    /// A link or reference to the evidence.
    pub evidence: Option<String>,
    /// The requirement's own date, else the file's.
    pub date: Option<Date>,
    /// The row or list item.
    pub origin: Origin,
}

/// An ASVS requirement id: `v5.0.0-8.2.1`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct AsvsId {
    /// The ASVS version.
    pub version: String,
    /// Chapter (the `8` of `8.2.1`).
    pub chapter: u32,
    /// Section.
    pub section: u32,
    /// Requirement within the section.
    pub requirement: u32,
}

impl AsvsId {
    /// Reads `v<version>-<c>.<s>.<r>`, or the short forms `V<c>.<s>.<r>` and `<c>.<s>.<r>` which take
    /// `file_version`. `None` when the text has another shape.
    pub fn parse(text: &str, file_version: &str) -> Option<Self> {
        let text = text.trim();
        let (version, rest) = match text.strip_prefix('v').and_then(|t| t.split_once('-')) {
            Some((version, rest)) => (version, rest),
            None => (file_version, text.strip_prefix(['V', 'v']).unwrap_or(text)),
        };
        if !is_version(version) {
            return None;
        }
        let mut parts = rest.split('.').map(|p| {
            if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() {
                p.parse::<u32>().ok()
            } else {
                None
            }
        });
        let (Some(Some(chapter)), Some(Some(section)), Some(Some(requirement)), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Self { version: version.to_owned(), chapter, section, requirement })
    }
}

impl fmt::Display for AsvsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}-{}.{}.{}", self.version, self.chapter, self.section, self.requirement)
    }
}

/// `<major>.<minor>.<patch>`, digits only.
fn is_version(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The result of verifying a requirement.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum AsvsStatus {
    /// Verified as met.
    Pass,
    /// Verified as not met.
    Fail,
    /// Does not apply to this app (excluded from compliance).
    NotApplicable,
}

impl AsvsStatus {
    /// `pass`, `fail` or `n-a`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::NotApplicable => "n-a",
        }
    }

    fn from_csv(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pass" | "passed" => Some(Self::Pass),
            "fail" | "failed" => Some(Self::Fail),
            "n-a" | "n/a" | "na" | "not applicable" => Some(Self::NotApplicable),
            _ => None,
        }
    }
}

fn status_names() -> Vec<&'static str> {
    vec!["pass", "fail", "n-a"]
}

static REQUIREMENT: Shape = Shape {
    name: "ASVS requirement result",
    doc: "The verification of one ASVS requirement.",
    fields: &[
        req("id", Ty::Text, "The requirement id, `v<version>-<chapter>.<section>.<requirement>`."),
        req("status", Ty::Enum(status_names), "pass, fail or n-a."),
        opt("evidence", Ty::Text, "A link to the evidence (report, ticket, test run)."),
        opt("date", Ty::Date, "When it was verified; defaults to the file's date."),
        opt("note", Ty::Text, "Free text."),
    ],
};

static REQUIREMENT_TY: Ty = Ty::Object(&REQUIREMENT);

static VERIFICATION: Shape = Shape {
    name: "ASVS verification",
    doc: "One app's verification against one ASVS version.",
    fields: &[
        req("app", Ty::Id, "The app's id in threatokr.yaml."),
        req("version", Ty::Text, "The ASVS version, such as 5.0.0 or 4.0.3."),
        opt("date", Ty::Date, "The default date of every requirement."),
        req("requirements", Ty::List(&REQUIREMENT_TY), "The verified requirements."),
    ],
};

/// The YAML shapes the reader decodes with: the verification and one requirement
/// (`docs/evidence.md` lists their fields).
pub(crate) fn shapes() -> [&'static Shape; 2] {
    [&VERIFICATION, &REQUIREMENT]
}

/// Reads an ASVS verification file (CSV when the name ends in `.csv`, YAML otherwise).
/// `None` when the app or version is missing or unusable; bad requirements are reported and left out.
pub fn parse_asvs(files: &Files, file: FileId) -> (Option<AsvsVerification>, Vec<Diagnostic>) {
    let (verification, mut diagnostics) = if files.name(file).to_ascii_lowercase().ends_with(".csv")
    {
        parse_csv(files, file)
    } else {
        parse_yaml_file(files, file)
    };
    crate::diag::sort_diagnostics(files, &mut diagnostics);
    (verification, diagnostics)
}

fn parse_yaml_file(files: &Files, file: FileId) -> (Option<AsvsVerification>, Vec<Diagnostic>) {
    let (root, diagnostics) = parse_yaml(files, file, Budget::default());
    let mut decoder = Decoder::new(file);
    decoder.diagnostics = diagnostics;
    let Some(root) = root else {
        return (None, decoder.diagnostics);
    };
    let Some(reader) = decoder.object(&root, &VERIFICATION) else {
        return (None, decoder.diagnostics);
    };
    let date = reader.date("date");
    let version = reader.text("version").map(|v| v.trim().to_owned());
    let version = version.filter(|v| {
        let ok = is_version(v);
        if !ok {
            decoder.report(
                Code::InvalidValue,
                reader.span_of("version"),
                format!("the ASVS version `{v}` is not a version like 5.0.0"),
            );
        }
        ok
    });
    let (Some(app), Some(version)) = (reader.text("app"), version) else {
        return (None, decoder.diagnostics);
    };
    let mut builder = Builder::new(file, version.clone(), date);
    for item in reader.items("requirements") {
        let Some(requirement) = decoder.object(item, &REQUIREMENT) else { continue };
        let (Some(id_text), Some(status)) = (requirement.text("id"), requirement.text("status"))
        else {
            continue;
        };
        // A date that is written but unreadable was reported; guessing another date would misplace the result in time.
        if item.get("date").is_some_and(|d| !d.is_null()) && requirement.date("date").is_none() {
            continue;
        }
        let status = match status.as_str() {
            "pass" => AsvsStatus::Pass,
            "fail" => AsvsStatus::Fail,
            _ => AsvsStatus::NotApplicable,
        };
        builder.add(
            &mut decoder.diagnostics,
            &id_text,
            requirement.span_of("id"),
            status,
            requirement.text("evidence"),
            requirement.date("date"),
            item.span,
        );
    }
    let requirements = builder.finish();
    (
        Some(AsvsVerification {
            app,
            version,
            date,
            requirements,
            origin: Origin { file, span: root.span },
        }),
        decoder.diagnostics,
    )
}

/// Collects requirement results, checking ids and duplicates.
struct Builder {
    file: FileId,
    version: String,
    date: Option<Date>,
    seen: HashMap<AsvsId, Span>,
    results: Vec<AsvsResult>,
}

impl Builder {
    fn new(file: FileId, version: String, date: Option<Date>) -> Self {
        Self { file, version, date, seen: HashMap::new(), results: Vec::new() }
    }

    #[allow(clippy::too_many_arguments)] // One call per spelling; a struct would only rename them.
    fn add(
        &mut self,
        diagnostics: &mut Vec<Diagnostic>,
        id_text: &str,
        id_span: Span,
        status: AsvsStatus,
        evidence: Option<String>,
        date: Option<Date>,
        span: Span,
    ) {
        let Some(id) = AsvsId::parse(id_text, &self.version) else {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidAsvsId,
                    self.file,
                    id_span,
                    format!("`{}` is not an ASVS requirement id", id_text.trim()),
                )
                .with_help(format!(
                    "write it as v{}-<chapter>.<section>.<requirement>, for example v{}-1.2.3",
                    self.version, self.version
                )),
            );
            return;
        };
        if id.version != self.version {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidAsvsId,
                    self.file,
                    id_span,
                    format!("`{}` names ASVS {} but the file verifies ASVS {}", id_text.trim(), id.version, self.version),
                )
                .with_help("one file verifies one ASVS version; move the requirement to a file for its version"),
            );
            return;
        }
        if let Some(first) = self.seen.get(&id) {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    self.file,
                    id_span,
                    format!("requirement {id} is verified twice; this one was left out"),
                )
                .with_secondary(self.file, *first, "first verified here"),
            );
            return;
        }
        self.seen.insert(id.clone(), id_span);
        let evidence = evidence.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        self.results.push(AsvsResult {
            id,
            status,
            evidence,
            date: date.or(self.date),
            origin: Origin { file: self.file, span },
        });
    }

    fn finish(&mut self) -> Vec<AsvsResult> {
        let mut results = std::mem::take(&mut self.results);
        results.sort_by(|a, b| a.id.cmp(&b.id));
        results
    }
}

fn parse_csv(files: &Files, file: FileId) -> (Option<AsvsVerification>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let table = read_csv(files, file, &mut diagnostics);
    let whole = Span::new(0, files.text(file).len());

    // `# app: checkout, version: 5.0.0, date: 2027-02-01`
    let mut app = None;
    let mut version = None;
    let mut date = None;
    let mut comment_span = Span::new(0, 0);
    if let Some((comment, span)) = table.leading_comments.first() {
        comment_span = *span;
        for part in comment.split(',') {
            let Some((key, value)) = part.split_once(':') else { continue };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "app" => app = Some(value.to_owned()).filter(|v| !v.is_empty()),
                "version" => version = Some(value.to_owned()),
                "date" => match parse_date(value) {
                    Some(d) => date = Some(d),
                    None => diagnostics.push(Diagnostic::new(
                        Code::InvalidDate,
                        file,
                        *span,
                        format!("`{value}` is not a date in the form YYYY-MM-DD"),
                    )),
                },
                _ => {}
            }
        }
    }
    let help = "start the file with a line like `# app: checkout, version: 5.0.0`";
    if app.is_none() {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingField,
                file,
                comment_span,
                "the ASVS CSV does not name its app",
            )
            .with_help(help),
        );
    }
    let version = match version {
        Some(v) if is_version(&v) => Some(v),
        Some(v) => {
            diagnostics.push(Diagnostic::new(
                Code::InvalidValue,
                file,
                comment_span,
                format!("the ASVS version `{v}` is not a version like 5.0.0"),
            ));
            None
        }
        None => {
            diagnostics.push(
                Diagnostic::new(
                    Code::MissingField,
                    file,
                    comment_span,
                    "the ASVS CSV does not name its ASVS version",
                )
                .with_help(help),
            );
            None
        }
    };
    let (Some(requirement_column), Some(status_column)) =
        (table.column("requirement"), table.column("status"))
    else {
        diagnostics.push(
            Diagnostic::new(
                Code::MissingField,
                file,
                table.header_span,
                "the ASVS CSV needs the columns `requirement` and `status`",
            )
            .with_help(format!("the header is `{}`", super::formats::ASVS_CSV.header_line())),
        );
        return (None, diagnostics);
    };
    let (Some(app), Some(version)) = (app, version) else {
        return (None, diagnostics);
    };
    let evidence_column = table.column("evidence");
    let date_column = table.column("date");
    let mut builder = Builder::new(file, version.clone(), date);
    for row in &table.rows {
        let cell = |column: Option<usize>| {
            column.and_then(|c| row.fields.get(c)).map(String::as_str).unwrap_or_default()
        };
        let id_text = cell(Some(requirement_column));
        if id_text.is_empty() {
            diagnostics.push(Diagnostic::new(
                Code::MissingField,
                file,
                row.span,
                format!("line {} has no requirement id", row.line),
            ));
            continue;
        }
        let status_text = cell(Some(status_column));
        let Some(status) = AsvsStatus::from_csv(status_text) else {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    file,
                    field_span(files, file, row, status_column),
                    format!("line {}: status `{status_text}` is not pass, fail or n-a", row.line),
                )
                .with_help("the requirement counts as not verified until its status is fixed"),
            );
            continue;
        };
        let row_date = match csv_date(files, file, row, date_column, parse_date) {
            Ok(date) => date,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let evidence = Some(cell(evidence_column).to_owned());
        builder.add(
            &mut diagnostics,
            id_text,
            field_span(files, file, row, requirement_column),
            status,
            evidence,
            row_date,
            row.span,
        );
    }
    let requirements = builder.finish();
    (
        Some(AsvsVerification {
            app,
            version,
            date,
            requirements,
            origin: Origin { file, span: whole },
        }),
        diagnostics,
    )
}

/// The date in an optional column of a CSV row, read by `parse`: `Ok(None)` when the column is
/// absent or the cell empty, an `invalid-date` diagnostic at the cell when it is not a date.
/// Shared by the CSV readers of ASVS verifications and test results.
pub(crate) fn csv_date(
    files: &Files,
    file: FileId,
    row: &CsvRow,
    column: Option<usize>,
    parse: impl Fn(&str) -> Option<Date>,
) -> Result<Option<Date>, Diagnostic> {
    let text = column.and_then(|c| row.fields.get(c)).map(String::as_str).unwrap_or_default();
    if text.is_empty() {
        return Ok(None);
    }
    parse(text).map(Some).ok_or_else(|| {
        Diagnostic::new(
            Code::InvalidDate,
            file,
            field_span(files, file, row, column.unwrap_or_default()),
            format!("line {}: `{text}` is not a date in the form YYYY-MM-DD", row.line),
        )
    })
}

#[cfg(test)]
mod tests;
