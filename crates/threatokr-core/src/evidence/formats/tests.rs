//! Every documented example is read by its real reader with no diagnostic, and gives what the
//! documentation says it gives.

use super::*;
use crate::diag::{Diagnostic, Files};
use crate::evidence::workflow::Category;

/// Reads a format's example with its reader: how many records it gave, and every diagnostic.
fn read_example(format: &FormatSpec) -> (usize, Vec<Diagnostic>) {
    let mut files = Files::new();
    let id = files.add(format.example_name, format.example);
    match format.reader {
        ReaderKind::Sarif => {
            let (log, diagnostics) = crate::evidence::sarif::parse_sarif_log(&files, id);
            (log.findings.len(), diagnostics)
        }
        ReaderKind::GithubActions | ReaderKind::GitlabCi => {
            let (scan, diagnostics) =
                crate::evidence::workflow::scan_repository(&files, "repo", &[id]);
            let enforced = scan
                .categories
                .values()
                .filter(|p| **p == crate::evidence::workflow::Presence::Enforced)
                .count();
            (enforced, diagnostics)
        }
        ReaderKind::Asvs => {
            let (verification, diagnostics) = crate::evidence::asvs::parse_asvs(&files, id);
            (verification.map_or(0, |v| v.requirements.len()), diagnostics)
        }
        ReaderKind::Roster => {
            let (entries, diagnostics) = crate::evidence::training::parse_roster(&files, id);
            (entries.len(), diagnostics)
        }
        ReaderKind::Completions => {
            let (completions, diagnostics) =
                crate::evidence::training::parse_completions(&files, id);
            (completions.len(), diagnostics)
        }
        ReaderKind::TestResults => {
            let (executions, diagnostics) = crate::evidence::tests::parse_test_results(&files, id);
            let named = executions.iter().filter(|e| !e.threats.is_empty()).count();
            (named, diagnostics)
        }
        ReaderKind::Checkin => {
            let body: serde_json::Value = serde_json::from_str(format.example).unwrap();
            let fields = body.as_object().unwrap();
            for key in fields.keys() {
                assert!(format.fields.iter().any(|f| f.name == key), "{key} is not documented");
            }
            (usize::from(fields.get("value").is_some_and(serde_json::Value::is_f64)), Vec::new())
        }
    }
}

#[test]
fn every_documented_example_is_read_with_no_diagnostic() {
    // (format, records its example gives: findings, enforced categories, requirements, rows,
    // executions naming a threat, check-ins)
    let expected = [
        (SARIF.title, 1),
        (GITHUB_ACTIONS.title, 3),
        (GITLAB_CI.title, 2),
        (ASVS_YAML.title, 3),
        (ASVS_CSV.title, 2),
        (ROSTER.title, 3),
        (COMPLETIONS.title, 2),
        (JUNIT.title, 2),
        (TESTS_CSV.title, 2),
        (CHECKIN.title, 1),
    ];
    assert_eq!(FORMATS.len(), expected.len());
    for (format, (title, records)) in FORMATS.iter().zip(expected) {
        assert_eq!(format.title, title);
        let (read, diagnostics) = read_example(format);
        assert!(diagnostics.is_empty(), "{title}: {diagnostics:#?}");
        assert_eq!(read, records, "{title}");
    }
}

#[test]
fn the_sarif_example_gives_the_severity_score_and_cwe_the_rules_say() {
    let mut files = Files::new();
    let id = files.add(SARIF.example_name, SARIF.example);
    let (log, _) = crate::evidence::sarif::parse_sarif_log(&files, id);
    let finding = &log.findings[0];
    assert_eq!(finding.severity, crate::model::Severity::High);
    assert_eq!(finding.score, Some(8.1));
    assert_eq!(finding.cwes, vec![89]);
    assert_eq!(finding.class, crate::model::FindingClass::Security);
    assert_eq!(finding.file.as_deref(), Some("app/orders.py"));
}

#[test]
fn the_ci_examples_enforce_the_categories_they_show() {
    for format in [GITHUB_ACTIONS, GITLAB_CI] {
        let mut files = Files::new();
        let id = files.add(format.example_name, format.example);
        let (scan, _) = crate::evidence::workflow::scan_repository(&files, "repo", &[id]);
        let enforced: Vec<Category> = scan
            .categories
            .iter()
            .filter(|(_, p)| **p == crate::evidence::workflow::Presence::Enforced)
            .map(|(c, _)| *c)
            .collect();
        assert!(enforced.contains(&Category::Sast), "{}", format.title);
        assert!(enforced.contains(&Category::Secrets), "{}", format.title);
    }
}

#[test]
fn csv_readers_name_the_documented_header_when_a_column_is_missing() {
    for (format, name) in [
        (ROSTER, "roster.csv"),
        (COMPLETIONS, "completions.csv"),
        (TESTS_CSV, "t.csv"),
        (ASVS_CSV, "a.csv"),
    ] {
        let mut files = Files::new();
        let id = files.add(name, "# app: checkout, version: 5.0.0\nsomething\nx\n");
        let diagnostics = match format.reader {
            ReaderKind::Roster => crate::evidence::training::parse_roster(&files, id).1,
            ReaderKind::Completions => crate::evidence::training::parse_completions(&files, id).1,
            ReaderKind::TestResults => crate::evidence::tests::parse_test_results(&files, id).1,
            _ => crate::evidence::asvs::parse_asvs(&files, id).1,
        };
        let header = format!("`{}`", format.header_line());
        assert!(
            diagnostics.iter().any(|d| d.help.iter().any(|h| h.contains(&header))),
            "{name}: {diagnostics:#?}"
        );
    }
}

#[test]
fn the_csv_header_lines_are_the_example_first_lines() {
    for format in [ROSTER, COMPLETIONS, TESTS_CSV] {
        assert_eq!(format.example.lines().next(), Some(format.header_line().as_str()));
    }
    assert_eq!(ASVS_CSV.example.lines().nth(1), Some(ASVS_CSV.header_line().as_str()));
}
