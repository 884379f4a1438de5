//! Tests for threat → theme classification, and a threat builder shared with the analysis tests.

use super::*;
use crate::diag::{Files, Span};
use crate::model::{Origin, ThreatStatus};

/// A threat with nothing but an id and an `identified` status: no CWE, no STRIDE, no title words
/// that match, severity unknown.
pub(crate) fn threat(id: &str) -> Threat {
    let file = Files::new().add("test.tm.yaml", "");
    Threat {
        status: ThreatStatus::Identified,
        status_raw: "identified".into(),
        ..Threat::new(
            id.parse().expect("valid id"),
            String::new(),
            Origin { file, span: Span::new(0, 0) },
        )
    }
}

fn with(cwes: &[u32], stride: &[Stride], title: &str) -> Threat {
    let mut t = threat("T-1");
    t.cwes = cwes.to_vec();
    t.stride = stride.to_vec();
    t.title = title.into();
    t
}

#[test]
fn cwe_decides_before_stride_and_title() {
    let t = with(&[639], &[Stride::Spoofing], "Session fixation");
    assert_eq!(theme_of(&t), Theme::AccessControl);
    assert_eq!(theme_source(&t), ThemeSource::Cwe(639));
}

#[test]
fn unknown_cwes_fall_back_to_stride() {
    let t = with(&[99999], &[Stride::ElevationOfPrivilege], "XSS");
    assert_eq!(
        classify(&t),
        (Theme::AccessControl, ThemeSource::Stride(Stride::ElevationOfPrivilege))
    );
}

#[test]
fn stride_fallback_covers_every_category() {
    let expected = [
        (Stride::Spoofing, Theme::Authentication),
        (Stride::Tampering, Theme::InputValidationInjection),
        (Stride::Repudiation, Theme::LoggingMonitoring),
        (Stride::InformationDisclosure, Theme::DataProtection),
        (Stride::DenialOfService, Theme::Availability),
        (Stride::ElevationOfPrivilege, Theme::AccessControl),
    ];
    for (stride, theme) in expected {
        assert_eq!(classify(&with(&[], &[stride], "")), (theme, ThemeSource::Stride(stride)));
    }
}

#[test]
fn title_keywords_are_the_last_fallback() {
    let t = with(&[], &[], "Users can read other users' invoices (IDOR)");
    assert_eq!(classify(&t), (Theme::AccessControl, ThemeSource::Keyword("idor")));
}

#[test]
fn nothing_matching_defaults_to_architecture() {
    let t = with(&[], &[], "Something odd");
    assert_eq!(classify(&t), (Theme::Architecture, ThemeSource::Default));
    assert_eq!(ThemeSource::Default.to_string(), "default");
}

#[test]
fn explains_the_source_in_words() {
    assert_eq!(ThemeSource::Cwe(79).to_string(), "CWE-79");
    assert_eq!(ThemeSource::Stride(Stride::Tampering).to_string(), "STRIDE tampering");
    assert_eq!(ThemeSource::Keyword("idor").to_string(), "title keyword \"idor\"");
    assert_eq!(ThemeSource::Cwe(79).kind(), "cwe");
}

#[test]
fn classification_does_not_depend_on_list_order() {
    let a = with(&[89, 79, 200], &[Stride::Tampering, Stride::Spoofing], "");
    let b = with(&[200, 79, 89], &[Stride::Spoofing, Stride::Tampering], "");
    assert_eq!(classify(&a), classify(&b));
    // 79 and 89 are both bases; the lower id decides.
    assert_eq!(classify(&a), (Theme::OutputEncodingXss, ThemeSource::Cwe(79)));
}

/// A comma-separated fixture cell; `-` is the empty list.
fn list(cell: &str) -> Vec<&str> {
    if cell == "-" { Vec::new() } else { cell.split(',').collect() }
}

/// Checks every row of a fixture table `cwes<TAB>stride<TAB>title<TAB>theme<TAB>source`.
fn check_theme_table(text: &str) -> usize {
    let mut checked = 0;
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [cwes, stride, title, theme, source] = fields[..] else {
            panic!("line {}: expected 5 fields, found {}", index + 1, fields.len())
        };
        let cwes: Vec<u32> = list(cwes).iter().map(|c| c.parse().expect("CWE number")).collect();
        let stride: Vec<Stride> =
            list(stride).iter().map(|s| s.parse().expect("STRIDE category")).collect();
        let t = with(&cwes, &stride, title);
        let (got_theme, got_source) = classify(&t);
        assert_eq!(
            (got_theme.as_str(), got_source.to_string().as_str()),
            (theme, source),
            "line {}: {title:?}",
            index + 1
        );
        checked += 1;
    }
    checked
}

#[test]
fn classifies_the_fixture_threats() {
    assert_eq!(
        check_theme_table(include_str!("../../test_data/taxonomy/0001_threat_themes.tsv")),
        36
    );
}
