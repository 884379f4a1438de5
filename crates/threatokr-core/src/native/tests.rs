//! Tests of the native formats on the design sketch and on hand-written cases.

use super::*;
use crate::diag::{Code, Files};

#[test]
fn the_design_sketch_model_reads_without_problems() {
    let mut files = Files::new();
    let file = files.add(
        "models/checkout.tm.yaml",
        crate::test_support::read_sample("sketch/models/checkout.tm.yaml"),
    );
    let (model, references, diagnostics) = lower_threat_model(&files, file);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let model = model.unwrap();
    assert_eq!(
        (
            model.elements.len(),
            model.flows.len(),
            model.boundaries.len(),
            model.threats.len(),
            model.controls.len(),
            model.tests.len()
        ),
        (3, 2, 2, 2, 1, 1)
    );
    // T-CHK-2's CVSS 4.0 vector (network, low privileges, high C and I) is in the high band.
    let score = model.threats[1].cvss.as_ref().map(|c| c.score).unwrap();
    assert!((7.0..9.0).contains(&score), "{score}");
    assert_eq!(model.threats[1].severity, crate::model::Severity::High);
    // likelihood high x impact high = 4 x 4 = 16: high.
    assert_eq!(model.threats[0].severity, crate::model::Severity::High);
    assert_eq!(model.threats[0].controls.len(), 1);
    assert!(references.iter().any(|r| r.id == "T-CHK-1"));
}

#[test]
fn the_design_sketch_okrs_read_with_only_reference_problems() {
    let mut files = Files::new();
    let file = files
        .add("okrs/2027-Q1.yaml", crate::test_support::read_sample("sketch/okrs/2027-Q1.yaml"));
    let (set, _, diagnostics) = lower_okrs(&files, file);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    // The sketch derives its objective with `derived_from: { theme: ... }`; our format says
    // `theme:`, and an objective's `derived_from` is a list of threat ids.
    assert_eq!(codes, vec![Code::WrongType], "{diagnostics:#?}");
    let set = set.unwrap();
    assert_eq!(set.objectives.len(), 5);
    assert_eq!(set.key_results.len(), 10);
    // KR-CI-TOOLS is defined once and counted by two objectives.
    let counting = set
        .objectives
        .iter()
        .filter(|o| o.key_results.iter().any(|k| k.as_str() == "KR-CI-TOOLS"))
        .count();
    assert_eq!(counting, 2);
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    /// Text built from the formats' own keys and YAML punctuation, so the lowering code (not just
    /// the parser) sees many almost-valid documents.
    fn yamlish() -> impl Strategy<Value = String> {
        let words = prop::sample::select(vec![
            "id",
            "title",
            "app",
            "status",
            "threats",
            "controls",
            "elements",
            "flows",
            "from",
            "to",
            "cwe",
            "cvss",
            "stride",
            "objectives",
            "key_results",
            "type",
            "metric",
            "start",
            "target",
            "at_most",
            "measure",
            "ref",
            "cycle",
            "org",
            "apps",
            "cycles",
            "level",
            "T-1",
            "identified",
            "2027-01-01",
            "CVSS:3.1/AV:N",
            "v5.0.0-8.2.1",
            ":",
            ": ",
            "- ",
            "\n",
            "\n  ",
            "\n    ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "'",
            "\"",
            "&a ",
            "*a",
            "~",
            "-1",
            "1e400",
            "true",
        ]);
        prop::collection::vec(words, 0..80).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn native_readers_never_panic(text in yamlish()) {
            let mut files = Files::new();
            let model = files.add("m.tm.yaml", text.clone());
            let okrs = files.add("o.yaml", text.clone());
            let config = files.add("threatokr.yaml", text);
            let _ = lower_threat_model(&files, model);
            let _ = lower_okrs(&files, okrs);
            let _ = lower_workspace_config(&files, config);
            let inputs = crate::workspace::WorkspaceFiles { config: Some(config), models: vec![model], okrs: vec![okrs], ..Default::default() };
            let _ = crate::workspace::load_workspace(&files, &inputs);
        }
    }
}
