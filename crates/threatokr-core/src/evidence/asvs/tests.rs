//! Tests of the ASVS verification reader.

use super::*;
use crate::diag::Files;
use proptest::prelude::*;

fn parse(name: &str, text: &str) -> (Option<AsvsVerification>, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files.add(name, text);
    parse_asvs(&files, file)
}

fn date(text: &str) -> Option<Date> {
    parse_date(text)
}

fn results(
    verification: &AsvsVerification,
) -> Vec<(String, &'static str, Option<&str>, Option<Date>)> {
    verification
        .requirements
        .iter()
        .map(|r| (r.id.to_string(), r.status.as_str(), r.evidence.as_deref(), r.date))
        .collect()
}

fn codes_with_lines(files_text: &str, diagnostics: &[Diagnostic]) -> Vec<(&'static str, usize)> {
    let mut files = Files::new();
    let file = files.add("x", files_text);
    diagnostics
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                files.get(file).line_col(d.primary.as_ref().map_or(0, |l| l.span.start)).line,
            )
        })
        .collect()
}

#[test]
fn reads_a_yaml_verification_sorted_by_requirement() {
    let (verification, diagnostics) = parse(
        "checkout.asvs.yaml",
        include_str!("../../../test_data/evidence/asvs/0001_checkout.asvs.yaml"),
    );
    assert_eq!(diagnostics, vec![]);
    let verification = verification.expect("a verification");
    assert_eq!(
        (verification.app.as_str(), verification.version.as_str(), verification.date),
        ("checkout", "5.0.0", date("2027-02-01"))
    );
    assert_eq!(
        results(&verification),
        vec![
            ("v5.0.0-6.2.2".to_owned(), "n-a", None, date("2027-02-01")),
            (
                "v5.0.0-6.2.10".to_owned(),
                "fail",
                Some("https://example.com/tickets/SEC-7"),
                date("2027-01-20")
            ),
            (
                "v5.0.0-8.2.1".to_owned(),
                "pass",
                Some("https://example.com/pentest/42"),
                date("2027-02-01")
            ),
        ]
    );
    assert_eq!(
        verification.requirements[2].id,
        AsvsId { version: "5.0.0".into(), chapter: 8, section: 2, requirement: 1 }
    );
}

#[test]
fn reports_each_bad_yaml_requirement_with_its_line_and_keeps_the_good_ones() {
    let text = include_str!("../../../test_data/evidence/asvs/0002_broken_rows.asvs.yaml");
    let (verification, diagnostics) = parse("broken.asvs.yaml", text);
    let verification = verification.expect("a verification");
    assert_eq!(
        results(&verification),
        vec![
            ("v5.0.0-8.1.1".to_owned(), "fail", None, None),
            ("v5.0.0-8.2.1".to_owned(), "pass", None, None)
        ]
    );
    assert_eq!(
        codes_with_lines(text, &diagnostics),
        vec![
            ("invalid-asvs-id", 7), // names 4.0.3
            ("invalid-asvs-id", 8), // 8.2
            ("duplicate-id", 9),    // 8.2.1 again
            ("invalid-value", 10),  // passed (the YAML form is strict)
            ("invalid-date", 11),   // 2027-13-01
            ("unknown-key", 12),    // evidnce
        ]
    );
}

#[test]
fn reads_a_csv_verification_with_its_app_line_and_reports_bad_rows_by_line() {
    let text = include_str!("../../../test_data/evidence/asvs/0003_checkout.asvs.csv");
    let (verification, diagnostics) = parse("checkout.asvs.csv", text);
    let verification = verification.expect("a verification");
    assert_eq!((verification.app.as_str(), verification.version.as_str()), ("checkout", "4.0.3"));
    assert_eq!(
        results(&verification),
        vec![
            (
                "v4.0.3-4.1.1".to_owned(),
                "pass",
                Some("https://example.com/pentest/42"),
                date("2027-01-15")
            ),
            ("v4.0.3-4.1.2".to_owned(), "n-a", None, date("2027-02-01")),
            (
                "v4.0.3-4.1.3".to_owned(),
                "fail",
                Some("https://example.com/tickets/SEC-8"),
                date("2027-02-01")
            ),
        ]
    );
    assert_eq!(
        codes_with_lines(text, &diagnostics),
        vec![
            ("invalid-value", 6),
            ("invalid-date", 7),
            ("invalid-asvs-id", 8),
            ("missing-field", 9),
            ("duplicate-id", 10)
        ]
    );
    assert!(diagnostics[0].message.starts_with("line 6: status `maybe`"));
}

#[test]
fn refuses_a_csv_that_does_not_name_its_app_and_version() {
    let (verification, diagnostics) =
        parse("x.csv", include_str!("../../../test_data/evidence/asvs/0004_no_app_line.asvs.csv"));
    assert_eq!(verification, None);
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["missing-field", "missing-field"]);
}

#[test]
fn parses_asvs_ids_in_the_long_and_short_forms() {
    let id = |text: &str| AsvsId::parse(text, "5.0.0").map(|id| id.to_string());
    assert_eq!(id("v5.0.0-8.2.1").as_deref(), Some("v5.0.0-8.2.1"));
    assert_eq!(id("v4.0.3-14.2.10").as_deref(), Some("v4.0.3-14.2.10"));
    assert_eq!(id("V8.2.1").as_deref(), Some("v5.0.0-8.2.1"));
    assert_eq!(id("8.2.1").as_deref(), Some("v5.0.0-8.2.1"));
    assert_eq!(id("v5.0-8.2.1"), None);
    assert_eq!(id("v5.0.0-8.2"), None);
    assert_eq!(id("v5.0.0-8.2.1.4"), None);
    assert_eq!(id("v5.0.0-8.-2.1"), None);
    assert_eq!(id(""), None);
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_yaml_or_csv(text in ".{0,300}") {
        let _ = parse("x.yaml", &text);
        let _ = parse("x.csv", &text);
        let _ = parse("x.csv", &format!("# app: a, version: 5.0.0\nrequirement,status,evidence,date\n{text}"));
    }
}
