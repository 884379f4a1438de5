//! Training records: who is on which team and still active (the roster), and who completed which
//! course or topic when (the completions). Together they give `training.coverage`.
//!
//! Both are CSV with a header; column names are case-insensitive and extra columns are ignored
//! (HR exports carry emails, names, ...):
//! - roster: `person,team,active[,developer]`; `active` and `developer` take true/false, yes/no,
//!   y/n, 1/0, active/inactive, in any case; an empty `developer` means "not stated".
//! - completions: `person,course,date` (`topic` is accepted for `course`); `date` is `YYYY-MM-DD`
//!   (a timestamp such as `2027-01-15T10:00:00Z` is read by its date).
//!
//! Course and topic names are free text compared case-insensitively (`course_key`); person ids are
//! kept exactly as written. A row that cannot be read is a diagnostic with its line, never dropped
//! silently.

use std::collections::HashMap;

use jiff::civil::Date;

use crate::decode::parse_date;
use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::evidence::formats::{COMPLETIONS, FormatSpec, ROSTER};
use crate::evidence::{CsvRow, CsvTable, field_span, read_csv};
use crate::model::Origin;

/// One person on the roster.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RosterEntry {
    /// The person's id (what completions name).
    pub person: String,
    /// Their team.
    pub team: String,
    /// Still employed and in scope.
    pub active: bool,
    /// Whether they count as a developer; `None` when the roster does not say.
    pub developer: Option<bool>,
    /// The row.
    pub origin: Origin,
}

/// One completed course or topic.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Completion {
    /// The person's id.
    pub person: String,
    /// The course or topic as written; compare with `course_key`.
    pub course: String,
    /// When it was completed.
    pub date: Date,
    /// The row.
    pub origin: Origin,
}

/// The comparison form of a course or topic name: trimmed and lower-cased.
pub fn course_key(course: &str) -> String {
    course.trim().to_lowercase()
}

/// Reads a roster CSV. Rows are sorted by person; a person listed twice keeps the first row.
pub fn parse_roster(files: &Files, file: FileId) -> (Vec<RosterEntry>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let table = read_csv(files, file, &mut diagnostics);
    // The required columns are those the format declares (docs/evidence.md lists them).
    let Some([person_column, team_column, active_column]) =
        require_columns(file, &table, &ROSTER.required(), &ROSTER, &mut diagnostics)
    else {
        return (Vec::new(), diagnostics);
    };
    let developer_column = table.column("developer");
    let mut first_row: HashMap<String, Span> = HashMap::new();
    let mut entries = Vec::new();
    for row in &table.rows {
        let cell = |column: usize| row.fields.get(column).map(String::as_str).unwrap_or_default();
        let Some(person) = required_cell(file, row, person_column, "person", &mut diagnostics)
        else {
            continue;
        };
        let Some(team) = required_cell(file, row, team_column, "team", &mut diagnostics) else {
            continue;
        };
        let Some(active) = required_cell(file, row, active_column, "active", &mut diagnostics)
        else {
            continue;
        };
        let Some(active) = flag(active) else {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    file,
                    field_span(files, file, row, active_column),
                    format!("line {}: `active` is `{active}`, not true or false", row.line),
                )
                .with_help("write true/false, yes/no, 1/0 or active/inactive"),
            );
            continue;
        };
        let developer = match developer_column.map(cell).filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => match flag(text) {
                Some(value) => Some(value),
                None => {
                    diagnostics.push(Diagnostic::new(
                        Code::InvalidValue,
                        file,
                        field_span(files, file, row, developer_column.unwrap_or_default()),
                        format!("line {}: `developer` is `{text}`, not true or false", row.line),
                    ));
                    continue;
                }
            },
        };
        let person_span = field_span(files, file, row, person_column);
        if let Some(first) = first_row.get(person) {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateId,
                    file,
                    person_span,
                    format!(
                        "line {}: `{person}` is on the roster twice; this row was left out",
                        row.line
                    ),
                )
                .with_secondary(file, *first, "first listed here"),
            );
            continue;
        }
        first_row.insert(person.to_owned(), person_span);
        entries.push(RosterEntry {
            person: person.to_owned(),
            team: team.to_owned(),
            active,
            developer,
            origin: Origin { file, span: row.span },
        });
    }
    entries.sort_by(|a, b| a.person.cmp(&b.person));
    crate::diag::sort_diagnostics(files, &mut diagnostics);
    (entries, diagnostics)
}

/// Reads a completions CSV. Rows are sorted by person, course key and date; repeated completions
/// are all kept (a refresher is a new completion).
pub fn parse_completions(files: &Files, file: FileId) -> (Vec<Completion>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let table = read_csv(files, file, &mut diagnostics);
    let course_name = if table.column("course").is_none() && table.column("topic").is_some() {
        "topic"
    } else {
        "course"
    };
    let Some([person_column, course_column, date_column]) = require_columns(
        file,
        &table,
        &COMPLETIONS
            .required()
            .into_iter()
            .map(|name| if name == "course" { course_name } else { name })
            .collect::<Vec<_>>(),
        &COMPLETIONS,
        &mut diagnostics,
    ) else {
        return (Vec::new(), diagnostics);
    };
    let mut completions = Vec::new();
    for row in &table.rows {
        let Some(person) = required_cell(file, row, person_column, "person", &mut diagnostics)
        else {
            continue;
        };
        let Some(course) = required_cell(file, row, course_column, course_name, &mut diagnostics)
        else {
            continue;
        };
        let Some(date_text) = required_cell(file, row, date_column, "date", &mut diagnostics)
        else {
            continue;
        };
        let Some(date) = date_of(date_text) else {
            diagnostics.push(Diagnostic::new(
                Code::InvalidDate,
                file,
                field_span(files, file, row, date_column),
                format!("line {}: `{date_text}` is not a date in the form YYYY-MM-DD", row.line),
            ));
            continue;
        };
        completions.push(Completion {
            person: person.to_owned(),
            course: course.to_owned(),
            date,
            origin: Origin { file, span: row.span },
        });
    }
    // Each row's course key is made once, not in every comparison: the enterprise benchmark's
    // 10,000 completions made it some 400,000 times, a twentieth of measuring again (issue 12).
    let mut keyed: Vec<(String, Completion)> =
        completions.into_iter().map(|c| (course_key(&c.course), c)).collect();
    keyed.sort_by(|(a_course, a), (b_course, b)| {
        (&a.person, a_course, a.date, a.origin).cmp(&(&b.person, b_course, b.date, b.origin))
    });
    let completions: Vec<Completion> = keyed.into_iter().map(|(_, c)| c).collect();
    crate::diag::sort_diagnostics(files, &mut diagnostics);
    (completions, diagnostics)
}

/// `YYYY-MM-DD`, or the date part of an ISO timestamp.
fn date_of(text: &str) -> Option<Date> {
    parse_date(text).or_else(|| {
        let (day, time) = text.split_once(['T', ' '])?;
        (!time.is_empty() && time.as_bytes()[0].is_ascii_digit()).then_some(())?;
        parse_date(day)
    })
}

/// The column indexes of `names` (the required fields of `format`), or one `missing-field`
/// diagnostic naming every missing column and the documented header.
fn require_columns<const N: usize>(
    file: FileId,
    table: &CsvTable,
    names: &[&str],
    format: &FormatSpec,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<[usize; N]> {
    let found: Vec<Option<usize>> = names.iter().map(|n| table.column(n)).collect();
    let missing: Vec<&str> =
        names.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(n, _)| *n).collect();
    if missing.is_empty() {
        return found.into_iter().flatten().collect::<Vec<_>>().try_into().ok();
    }
    let message = if table.header.is_empty() {
        "the file is empty: it has no header line".to_owned()
    } else {
        format!(
            "the header has no column {}",
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        )
    };
    diagnostics.push(
        Diagnostic::new(Code::MissingField, file, table.header_span, message)
            .with_help(format!("the header is `{}`", format.header_line())),
    );
    None
}

/// A non-empty cell, or a `missing-field` diagnostic for the row.
fn required_cell<'r>(
    file: FileId,
    row: &'r CsvRow,
    column: usize,
    name: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<&'r str> {
    let value = row.fields.get(column).map(String::as_str).filter(|v| !v.is_empty());
    if value.is_none() {
        diagnostics.push(Diagnostic::new(
            Code::MissingField,
            file,
            row.span,
            format!("line {} has no `{name}`; the row was left out", row.line),
        ));
    }
    value
}

/// true/false in the spellings rosters use.
fn flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "active" => Some(true),
        "false" | "no" | "n" | "0" | "inactive" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
