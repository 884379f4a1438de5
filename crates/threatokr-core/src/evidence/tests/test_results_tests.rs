//! Tests of the test-results reader (JUnit XML and CSV).

use super::*;
use crate::diag::Files;
use crate::evidence::lines_and_codes;
use proptest::prelude::*;

fn parse(name: &str, text: &str) -> (Files, FileId, Vec<TestExecution>, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files.add(name, text);
    let (executions, diagnostics) = parse_test_results(&files, file);
    (files, file, executions, diagnostics)
}

type Row<'a> = (&'a str, Vec<&'a str>, bool, bool, Option<String>);

fn rows(executions: &[TestExecution]) -> Vec<Row<'_>> {
    executions
        .iter()
        .map(|e| {
            (
                e.test.as_str(),
                e.threats.iter().map(String::as_str).collect(),
                e.passed,
                e.skipped,
                e.date.map(|d| d.to_string()),
            )
        })
        .collect()
}

#[test]
fn reads_junit_results_threat_ids_and_suite_dates() {
    let (files, file, executions, diagnostics) =
        parse("abuse.xml", include_str!("../../../test_data/evidence/tests/0001_junit.xml"));
    let day = Some("2027-01-15".to_owned());
    assert_eq!(
        rows(&executions),
        vec![
            ("checkout.CartTest.coupon_reuse [T-CHK-9]", vec!["T-CHK-9"], false, true, day.clone()),
            ("checkout.CartTest.price_tamper", vec![], false, false, day.clone()),
            (
                "checkout.LoginTest.test_login[admin-True]",
                vec!["T-AUTH-3"],
                true,
                false,
                day.clone()
            ),
            ("checkout.LoginTest.test_login[guest-False]", vec![], true, false, day.clone()),
            (
                "checkout.RefundTest.refund_other_users_order [T-CHK-1]",
                vec!["T-CHK-1"],
                true,
                false,
                day.clone()
            ),
            (
                "checkout.RefundTest.refund_twice [T-CHK-2, AB-CHK-1]",
                vec!["AB-CHK-1", "T-CHK-2"],
                false,
                false,
                day
            ),
            ("payments.Idor.read_other_card", vec!["T-PAY-1", "T-PAY-2"], true, false, None),
            ("version 1.2 [v2] mentions T-1000 without brackets", vec![], true, false, None),
        ]
    );
    // The last two have no date (a bad timestamp, none at all) and the name gives none: said so.
    assert_eq!(
        lines_and_codes(&files, file, &diagnostics),
        vec![(1, "undated-test-results"), (22, "invalid-date")]
    );
    let refund = executions
        .iter()
        .find(|e| e.test.ends_with("refund_twice [T-CHK-2, AB-CHK-1]"))
        .expect("refund_twice");
    let span = refund.origin.span;
    assert!(
        files.text(file)[span.range()].starts_with("<testcase")
            && files.text(file)[span.range()].ends_with("</testcase>")
    );
}

#[test]
fn issue_10_junit_without_a_timestamp_is_dated_by_its_file_name() {
    let text = include_str!("../../../test_data/evidence/tests/0001_junit.xml");
    let (files, file, executions, diagnostics) = parse("tests/pentest-2027-02-10.xml", text);
    let dated = |name: &str| executions.iter().find(|e| e.test == name).unwrap().date;
    // Undated suites take the file's date; a suite's own timestamp wins.
    assert_eq!(dated("payments.Idor.read_other_card"), Some(jiff::civil::date(2027, 2, 10)));
    assert_eq!(
        dated("checkout.LoginTest.test_login[guest-False]"),
        Some(jiff::civil::date(2027, 1, 15))
    );
    assert_eq!(lines_and_codes(&files, file, &diagnostics), vec![(22, "invalid-date")]);
    // Something that only looks like a date is not one.
    assert_eq!(date_in_name("runs/2027-13-45.xml"), None);
    assert_eq!(date_in_name("2027-01-02/run-2027-02-03.xml"), Some(jiff::civil::date(2027, 2, 3)));
}

#[test]
fn keeps_finished_cases_of_a_truncated_file_and_reports_the_rest() {
    let (files, file, executions, diagnostics) =
        parse("cut.xml", include_str!("../../../test_data/evidence/tests/0002_truncated.xml"));
    assert_eq!(
        rows(&executions),
        vec![("finished [T-1]", vec!["T-1"], true, false, Some("2027-01-15".to_owned()))]
    );
    assert_eq!(lines_and_codes(&files, file, &diagnostics), vec![(4, "junit-xml-syntax")]);
    assert!(diagnostics[0].message.contains("`<testcase>`"));
}

#[test]
fn reports_mismatched_tags_with_their_position() {
    let (files, file, executions, diagnostics) =
        parse("bad.xml", include_str!("../../../test_data/evidence/tests/0003_mismatched.xml"));
    assert_eq!(
        rows(&executions),
        vec![("ok [T-1]", vec!["T-1"], true, false, Some("2027-01-15".to_owned()))]
    );
    assert_eq!(lines_and_codes(&files, file, &diagnostics), vec![(3, "junit-xml-syntax")]);
}

#[test]
fn reads_csv_results_and_reports_bad_rows_by_line() {
    let (files, file, executions, diagnostics) =
        parse("results.csv", include_str!("../../../test_data/evidence/tests/0004_results.csv"));
    assert_eq!(
        rows(&executions),
        vec![
            ("dast scan [T-API-4]", vec!["T-API-4"], true, false, None),
            (
                "pentest: refund other user's order",
                vec!["T-CHK-1", "T-CHK-2"],
                true,
                false,
                Some("2027-01-20".to_owned())
            ),
            (
                "red team: session fixation",
                vec!["AB-AUTH-2", "T-AUTH-1"],
                false,
                false,
                Some("2027-01-21".to_owned())
            ),
        ]
    );
    assert_eq!(
        lines_and_codes(&files, file, &diagnostics),
        vec![
            (1, "undated-test-results"),
            (5, "missing-field"),
            (6, "invalid-value"),
            (7, "invalid-date")
        ]
    );
}

#[test]
fn notes_a_file_whose_tests_name_no_threat() {
    let (_, _, executions, diagnostics) = parse(
        "unit.xml",
        r#"<testsuite><testcase name="adds"/><testcase name="subtracts"/></testsuite>"#,
    );
    assert_eq!(executions.len(), 2);
    assert_eq!(
        diagnostics.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        vec!["tests-without-threats", "undated-test-results"]
    );
}

#[test]
fn reports_xml_that_is_not_junit() {
    let (_, _, executions, diagnostics) = parse("x.xml", "<html><body/></html>");
    assert!(executions.is_empty());
    assert_eq!(
        diagnostics.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        vec!["junit-xml-syntax"]
    );
}

#[test]
fn finds_only_bracketed_id_lists() {
    assert_eq!(bracketed_ids("refund [T-CHK-1] and [AB-1 T-2]"), vec!["T-CHK-1", "AB-1", "T-2"]);
    assert_eq!(bracketed_ids("test_login[admin-True]"), Vec::<String>::new());
    assert_eq!(bracketed_ids("[T-1, param]"), Vec::<String>::new());
    assert_eq!(bracketed_ids("[CHK-ALPHA] [T-] [-1] [T1] T-5"), Vec::<String>::new());
    assert_eq!(bracketed_ids("unclosed [T-1"), Vec::<String>::new());
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in ".{0,300}") {
        let _ = parse("x.xml", &text);
        let _ = parse("x.csv", &text);
    }

    #[test]
    fn never_panics_on_junit_like_text(parts in prop::collection::vec(prop::sample::select(vec![
        "<testsuite timestamp=\"2027-01-01\">", "</testsuite>", "<testcase name=\"a [T-1]\">", "<testcase name=\"b\"/>", "</testcase>",
        "<failure/>", "<skipped/>", "<properties>", "</properties>", "<property name=\"threat\" value=\"T-2\"/>", "<testsuites>",
        "</testsuites>", "<!-- c -->", "&amp;", "<", ">", "\"", "[T-3]",
    ]), 0..30)) {
        let (_, _, executions, _) = parse("x.xml", &parts.concat());
        prop_assert!(executions.len() <= parts.len());
    }
}
