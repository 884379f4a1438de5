//! Tests of the roster and completions readers.

use super::*;
use crate::diag::Files;
use crate::evidence::lines_and_codes;
use proptest::prelude::*;

#[test]
fn reads_a_roster_and_reports_each_bad_row_by_line() {
    let mut files = Files::new();
    let file = files
        .add("roster.csv", include_str!("../../../test_data/evidence/training/0001_roster.csv"));
    let (entries, diagnostics) = parse_roster(&files, file);
    let got: Vec<(&str, &str, bool, Option<bool>)> = entries
        .iter()
        .map(|e| (e.person.as_str(), e.team.as_str(), e.active, e.developer))
        .collect();
    assert_eq!(
        got,
        vec![
            ("ana", "payments", true, Some(true)),
            ("bo", "payments", true, None),
            ("cy", "checkout", false, Some(false)),
            ("dee", "checkout", true, Some(true))
        ]
    );
    assert_eq!(
        lines_and_codes(&files, file, &diagnostics),
        vec![
            (6, "missing-field"),
            (7, "invalid-value"),
            (8, "duplicate-id"),
            (9, "invalid-value"),
            (11, "missing-field")
        ]
    );
    assert_eq!(diagnostics[1].message, "line 7: `active` is `maybe`, not true or false");
    assert_eq!(files.get(file).line_col(entries[0].origin.span.start).line, 2);
}

#[test]
fn reads_completions_with_topic_column_and_timestamps() {
    let mut files = Files::new();
    let file = files.add(
        "completions.csv",
        include_str!("../../../test_data/evidence/training/0002_completions.csv"),
    );
    let (completions, diagnostics) = parse_completions(&files, file);
    let got: Vec<(&str, String, String)> = completions
        .iter()
        .map(|c| (c.person.as_str(), course_key(&c.course), c.date.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("ana", "access control".to_owned(), "2026-11-02".to_owned()),
            ("ana", "access control".to_owned(), "2027-01-10".to_owned()),
            ("cy", "security essentials".to_owned(), "2027-01-15".to_owned()),
            ("ed, jr", "owasp top 10".to_owned(), "2027-03-01".to_owned()),
        ]
    );
    assert_eq!(
        lines_and_codes(&files, file, &diagnostics),
        vec![(4, "invalid-date"), (6, "missing-field"), (7, "missing-field")]
    );
    assert_eq!(completions[0].course, "access control", "the course is kept as written, trimmed");
}

#[test]
fn reports_a_missing_column_at_the_header() {
    let mut files = Files::new();
    let file = files.add(
        "roster.csv",
        include_str!("../../../test_data/evidence/training/0003_roster_missing_column.csv"),
    );
    let (entries, diagnostics) = parse_roster(&files, file);
    assert!(entries.is_empty());
    assert_eq!(lines_and_codes(&files, file, &diagnostics), vec![(1, "missing-field")]);
    assert_eq!(diagnostics[0].message, "the header has no column `team`");
}

#[test]
fn reports_an_empty_file() {
    let mut files = Files::new();
    let file = files.add("completions.csv", "");
    let (completions, diagnostics) = parse_completions(&files, file);
    assert!(completions.is_empty());
    assert_eq!(
        diagnostics.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
        vec!["the file is empty: it has no header line"]
    );
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in ".{0,300}", body in "[a-z0-9,\"\n\r -]{0,200}") {
        let mut files = Files::new();
        let a = files.add("a.csv", text.clone());
        let b = files.add("b.csv", format!("person,team,active,developer\n{body}"));
        let c = files.add("c.csv", format!("person,course,date\n{body}"));
        for file in [a, b, c] {
            let _ = parse_roster(&files, file);
            let _ = parse_completions(&files, file);
        }
    }
}

proptest! {
    /// Completions come sorted by person, course key, date and place, whatever their order in the
    /// file and the case of their courses (the keys made once per row sort as made in each
    /// comparison).
    #[test]
    fn issue_12_completions_are_sorted_by_person_course_key_and_date(
        rows in proptest::collection::vec(
            (0usize..3, 0usize..4, 1u8..28), 0..30),
    ) {
        let people = ["ana", "bo", "cy"];
        let courses = ["Secure Coding", "secure coding", " OWASP Top 10", "owasp top 10 "];
        let mut text = String::from("person,course,date\n");
        for (person, course, day) in &rows {
            text.push_str(&format!("{},{},2027-01-{day:02}\n", people[*person], courses[*course]));
        }
        let mut files = Files::new();
        let file = files.add("completions.csv", text);
        let (completions, diagnostics) = parse_completions(&files, file);
        prop_assert!(diagnostics.is_empty(), "{diagnostics:?}");
        prop_assert_eq!(completions.len(), rows.len());
        let mut expected = completions.clone();
        expected.sort_by(|a, b| {
            (&a.person, course_key(&a.course), a.date, a.origin)
                .cmp(&(&b.person, course_key(&b.course), b.date, b.origin))
        });
        prop_assert_eq!(completions, expected);
    }
}
