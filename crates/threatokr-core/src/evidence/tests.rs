//! Results of threat-scenario tests: which tests ran, when, with what result, and which threats
//! or test scenarios (abuse cases) they exercise. Read from JUnit XML or CSV.
//!
//! How a test names its threats (free-text guessing would match `T-1000` in a version string):
//! - in brackets in the test name or class name: `test_refund_other_user [T-CHK-1]`,
//!   `[T-1, AB-CHK-2]`. A bracket counts only when every comma- or space-separated token in it is
//!   an id: upper-case letters and digits in at least two dash-separated parts, the last with a
//!   digit (`T-1`, `AB-CHK-1`), or a threat's alias (`checkout:T-4821`, see
//!   `workspace/aliases.rs`). So pytest's `test_login[admin-True]` is not read as an id;
//! - in a JUnit property named `threat` or `threats` (on the test case, or on a test suite for all
//!   its cases): `<property name="threats" value="T-1, T-2"/>`; these values are taken as written;
//! - in the CSV `threats` column (ids separated by commas, semicolons or spaces).
//!
//! JUnit: a test case passed when it has no `failure`, `error` or `skipped` child; its date is the
//! date of the nearest enclosing `testsuite`'s `timestamp`, else none. CSV: `test,threats,result,date`
//! with result pass/passed/ok/success, fail/failed/failure/error or skip/skipped/skip, and an
//! optional `YYYY-MM-DD` date. Every test case is returned, with or without threats.

use std::collections::BTreeSet;

use jiff::civil::Date;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::decode::parse_date;
use crate::diag::{Code, Diagnostic, FileId, Files, Span};
use crate::evidence::asvs::csv_date;
use crate::evidence::{field_span, read_csv};
use crate::model::Origin;

/// One execution of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestExecution {
    /// The test: `classname.name` in JUnit, the `test` column in CSV.
    pub test: String,
    /// Threat or test-scenario ids it exercises, sorted and unique.
    pub threats: Vec<String>,
    /// It ran and passed.
    pub passed: bool,
    /// It did not run.
    pub skipped: bool,
    /// When it ran, when the file says.
    pub date: Option<Date>,
    /// The test case or row.
    pub origin: Origin,
}

/// Reads a test-results file: CSV when the name ends in `.csv`, JUnit XML otherwise.
pub fn parse_test_results(files: &Files, file: FileId) -> (Vec<TestExecution>, Vec<Diagnostic>) {
    let (mut executions, mut diagnostics) =
        if files.name(file).to_ascii_lowercase().ends_with(".csv") {
            parse_csv(files, file)
        } else {
            parse_junit(files, file)
        };
    // A JUnit file without a `timestamp` is dated by the date in its name (`pentest-2027-02-10.xml`),
    // the evidence date its owner gave it; with neither, its executions are said to be skipped.
    let undated = executions.iter().filter(|e| e.date.is_none() && !e.skipped).count();
    if undated > 0 {
        match date_in_name(files.name(file)) {
            Some(day) => {
                for execution in executions.iter_mut().filter(|e| e.date.is_none()) {
                    execution.date = Some(day);
                }
            }
            None => diagnostics.push(
                Diagnostic::new(
                    Code::UndatedTestResults,
                    file,
                    Span::new(0, 0),
                    format!("{undated} test execution(s) have no date (no testsuite `timestamp`, no YYYY-MM-DD in the file name); they count in no window"),
                )
                .with_help("give the testsuite a `timestamp`, or name the file after its day, like `pentest-2027-02-10.xml`"),
            ),
        }
    }
    if !executions.iter().any(|e| !e.threats.is_empty())
        && !diagnostics.iter().any(|d| d.severity == crate::diag::Severity::Error)
    {
        diagnostics.push(
            Diagnostic::new(Code::TestsWithoutThreats, file, Span::new(0, 0), format!("none of the {} tests in this file names a threat or test scenario", executions.len()))
                .with_help("put the ids in brackets in the test name, like `test_refund [T-CHK-1]`, or add a `threat` property"),
        );
    }
    executions.sort_by(|a, b| (&a.test, a.date, a.origin).cmp(&(&b.test, b.date, b.origin)));
    crate::diag::sort_diagnostics(files, &mut diagnostics);
    (executions, diagnostics)
}

/// The ids given in brackets in a test name (see the module docs for the exact rule).
pub fn bracketed_ids(name: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let tokens: Vec<&str> =
            after[..close].split([',', ' ', ';']).filter(|t| !t.is_empty()).collect();
        if !tokens.is_empty()
            && tokens.iter().all(|t| looks_like_id(t) || crate::workspace::is_alias(t))
        {
            ids.extend(tokens.iter().map(|t| (*t).to_owned()));
        }
        rest = &after[close + 1..];
    }
    ids
}

/// `T-1`, `AB-CHK-1`: upper-case letters and digits, at least two dash-separated parts, starting
/// with a letter, the last part containing a digit.
fn looks_like_id(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    parts.len() >= 2
        && token.starts_with(|c: char| c.is_ascii_uppercase())
        && parts.iter().all(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
        && parts.last().is_some_and(|p| p.bytes().any(|b| b.is_ascii_digit()))
}

/// Explicit id lists (properties, CSV cells): separated by commas, semicolons or spaces.
fn listed_ids(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split([',', ';', ' ', '\t']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// The last `YYYY-MM-DD` date in a file's name (its folders included), if any.
fn date_in_name(name: &str) -> Option<Date> {
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).rev().find_map(|start| {
        let candidate = name.get(start..start + 10)?;
        let shaped = candidate.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
        shaped.then(|| parse_date(candidate)).flatten()
    })
}

/// `YYYY-MM-DD`, or the date part of an ISO timestamp (`2027-01-15T10:00:00`).
fn date_of(text: &str) -> Option<Date> {
    let text = text.trim();
    parse_date(text).or_else(|| {
        let (day, time) = text.split_once(['T', ' '])?;
        time.starts_with(|c: char| c.is_ascii_digit()).then(|| parse_date(day))?
    })
}

struct Suite {
    date: Option<Date>,
    threats: Vec<String>,
}

struct Case {
    name: String,
    start: usize,
    threats: BTreeSet<String>,
    failed: bool,
    skipped: bool,
}

fn parse_junit(files: &Files, file: FileId) -> (Vec<TestExecution>, Vec<Diagnostic>) {
    let text = files.text(file);
    let mut diagnostics = Vec::new();
    let mut executions = Vec::new();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut suites: Vec<Suite> = Vec::new();
    let mut case: Option<Case> = None;
    let mut open_elements: Vec<String> = Vec::new();
    let mut saw_test_element = false;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX).min(text.len());
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(0).min(text.len());
                diagnostics.push(Diagnostic::new(
                    Code::JunitXmlSyntax,
                    file,
                    Span::new(at, at + 1),
                    format!("the XML is not well-formed: {error}"),
                ));
                break;
            }
        };
        let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX).min(text.len());
        let span = Span::new(start, end);
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let name = element.local_name().as_ref().to_owned();
                match name.as_str() {
                    "testsuite" | "testsuites" => {
                        saw_test_element = true;
                        let date = attribute(&element, "timestamp").and_then(|stamp| {
                            let date = date_of(&stamp);
                            if date.is_none() && !stamp.trim().is_empty() {
                                diagnostics.push(Diagnostic::new(Code::InvalidDate, file, span, format!("the test suite's timestamp `{stamp}` is not an ISO date or date-time")));
                            }
                            date
                        });
                        let inherited = suites.last().and_then(|s| s.date);
                        suites.push(Suite { date: date.or(inherited), threats: Vec::new() });
                    }
                    "testcase" => {
                        saw_test_element = true;
                        let test_name = attribute(&element, "name").unwrap_or_default();
                        let class = attribute(&element, "classname").unwrap_or_default();
                        if test_name.trim().is_empty() {
                            diagnostics.push(Diagnostic::new(
                                Code::MissingField,
                                file,
                                span,
                                "a test case has no `name`; it is named after its class",
                            ));
                        }
                        let mut threats: BTreeSet<String> = bracketed_ids(&test_name)
                            .into_iter()
                            .chain(bracketed_ids(&class))
                            .collect();
                        threats.extend(suites.iter().flat_map(|s| s.threats.iter().cloned()));
                        let full_name = match (class.trim(), test_name.trim()) {
                            ("", name) => name.to_owned(),
                            (class, "") => class.to_owned(),
                            (class, name) => format!("{class}.{name}"),
                        };
                        case = Some(Case {
                            name: full_name,
                            start,
                            threats,
                            failed: false,
                            skipped: false,
                        });
                    }
                    "failure" | "error" => {
                        if let Some(case) = &mut case {
                            case.failed = true;
                        }
                    }
                    "skipped" => {
                        if let Some(case) = &mut case {
                            case.skipped = true;
                        }
                    }
                    "property" => {
                        let property = attribute(&element, "name")
                            .unwrap_or_default()
                            .trim()
                            .to_ascii_lowercase();
                        if property == "threat" || property == "threats" {
                            let ids: Vec<String> = attribute(&element, "value")
                                .as_deref()
                                .map(|v| listed_ids(v).collect())
                                .unwrap_or_default();
                            match (&mut case, suites.last_mut()) {
                                (Some(case), _) => case.threats.extend(ids),
                                (None, Some(suite)) => suite.threats.extend(ids),
                                (None, None) => {}
                            }
                        }
                    }
                    _ => {}
                }
                if is_empty {
                    close_element(&name, end, &mut suites, &mut case, &mut executions, file);
                } else {
                    open_elements.push(name);
                }
            }
            Event::End(element) => {
                let name = element.local_name().as_ref().to_owned();
                open_elements.pop();
                close_element(&name, end, &mut suites, &mut case, &mut executions, file);
            }
            Event::Eof => {
                if let Some(open) = open_elements.last() {
                    diagnostics.push(Diagnostic::new(
                        Code::JunitXmlSyntax,
                        file,
                        Span::new(text.len(), text.len()),
                        format!("the file ends inside `<{open}>`; a test case that was not closed was left out"),
                    ));
                }
                break;
            }
            _ => {}
        }
    }
    if !saw_test_element && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::new(
            Code::JunitXmlSyntax,
            file,
            Span::new(0, 0),
            "this is not a JUnit XML report: it has no `testsuite` or `testcase` element",
        ));
    }
    (executions, diagnostics)
}

/// Ends a test case or a test suite.
fn close_element(
    name: &str,
    end: usize,
    suites: &mut Vec<Suite>,
    case: &mut Option<Case>,
    executions: &mut Vec<TestExecution>,
    file: FileId,
) {
    match name {
        "testcase" => {
            if let Some(case) = case.take() {
                executions.push(TestExecution {
                    test: case.name,
                    threats: case.threats.into_iter().collect(),
                    passed: !case.failed && !case.skipped,
                    skipped: case.skipped,
                    date: suites.last().and_then(|s| s.date),
                    origin: Origin { file, span: Span::new(case.start, end) },
                });
            }
        }
        "testsuite" | "testsuites" => {
            suites.pop();
        }
        _ => {}
    }
}

/// An attribute's value with entities resolved; `None` when absent or unreadable.
fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

fn parse_csv(files: &Files, file: FileId) -> (Vec<TestExecution>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let table = read_csv(files, file, &mut diagnostics);
    let (Some(test_column), Some(result_column)) = (table.column("test"), table.column("result"))
    else {
        let message = if table.header.is_empty() {
            "the file is empty: it has no header line"
        } else {
            "the header needs the columns `test` and `result`"
        };
        diagnostics.push(
            Diagnostic::new(Code::MissingField, file, table.header_span, message)
                .with_help(format!("the header is `{}`", super::formats::TESTS_CSV.header_line())),
        );
        return (Vec::new(), diagnostics);
    };
    let threats_column = table.column("threats").or_else(|| table.column("threat"));
    let date_column = table.column("date");
    let mut executions = Vec::new();
    for row in &table.rows {
        let cell = |column: Option<usize>| {
            column.and_then(|c| row.fields.get(c)).map(String::as_str).unwrap_or_default()
        };
        let test = cell(Some(test_column));
        if test.is_empty() {
            diagnostics.push(Diagnostic::new(
                Code::MissingField,
                file,
                row.span,
                format!("line {} has no `test`; the row was left out", row.line),
            ));
            continue;
        }
        let result = cell(Some(result_column));
        let (passed, skipped) = match result.to_ascii_lowercase().as_str() {
            "pass" | "passed" | "ok" | "success" => (true, false),
            "fail" | "failed" | "failure" | "error" => (false, false),
            "skip" | "skipped" => (false, true),
            _ => {
                diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        file,
                        field_span(files, file, row, result_column),
                        format!(
                            "line {}: result `{result}` is not pass, fail or skipped",
                            row.line
                        ),
                    )
                    .with_help("the row was left out"),
                );
                continue;
            }
        };
        let date = match csv_date(files, file, row, date_column, date_of) {
            Ok(date) => date,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let threats: BTreeSet<String> =
            listed_ids(cell(threats_column)).chain(bracketed_ids(test)).collect();
        executions.push(TestExecution {
            test: test.to_owned(),
            threats: threats.into_iter().collect(),
            passed,
            skipped,
            date,
            origin: Origin { file, span: row.span },
        });
    }
    (executions, diagnostics)
}

#[cfg(test)]
mod test_results_tests;
