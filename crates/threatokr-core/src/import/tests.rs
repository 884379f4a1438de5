//! Tests for detection, dispatch and the helpers shared by the importers.

use proptest::prelude::*;

use super::foreign::{IdPool, Reader, one_line, stride_from_name};
use super::test_support::{run, run_sample};
use super::*;
use crate::diag::Code;
use crate::model::Stride;
use crate::test_support::read_sample;

#[test]
fn detects_each_sample_format_from_its_content() {
    let cases = [
        ("threat-dragon/v1-demo.json", SourceFormat::ThreatDragonV1),
        ("threat-dragon/v2-demo.json", SourceFormat::ThreatDragonV2),
        ("otm/EXAMPLE.json", SourceFormat::Otm),
        ("threat-composer/ThreatComposer.tc.json", SourceFormat::ThreatComposer),
    ];
    for (path, format) in cases {
        let imported = run_sample(path);
        assert_eq!(imported.model().format, format, "{path}");
    }
    // EXAMPLE.yaml needs the lenient reading of its under-indented quoted scalar (see the OTM tests).
    let text = read_sample("samples/models/otm/EXAMPLE.yaml");
    assert_eq!(run("EXAMPLE.yaml", &text).model().format, SourceFormat::Otm);
}

#[test]
fn leaves_the_other_formats_samples_to_their_importers() {
    let mut files = Files::new();
    for path in [
        "tm-bom/hashicorp-vault-threat-model.json",
        "pytm/tm.json",
        "threagile/example.threagile.yaml",
    ] {
        let file = files.add(path, read_sample(&format!("samples/models/{path}")));
        let (node, _) = parse_auto(&files, file, Budget::default());
        let node = node.unwrap_or_else(|| panic!("{path} parses"));
        assert!(otm::looks_like(&node).is_err(), "{path} taken for OTM");
        assert!(threat_composer::looks_like(&node).is_err(), "{path} taken for Threat Composer");
        assert!(threat_dragon::looks_like_v1(&node).is_err(), "{path} taken for Threat Dragon v1");
        assert!(threat_dragon::looks_like_v2(&node).is_err(), "{path} taken for Threat Dragon v2");
    }
}

#[test]
fn says_which_formats_were_tried_for_an_unrecognized_file() {
    let imported = run("mystery.json", r#"{"hello": "world", "detail": {}}"#);
    assert!(imported.model.is_none());
    assert_eq!(imported.codes(), ["unrecognized-format"]);
    let help = imported.diagnostics[0].help.as_deref().unwrap_or_default();
    for format in [
        "otm:",
        "threat-composer:",
        "threat-dragon-v2:",
        "threat-dragon-v1:",
        "pytm:",
        "tm-bom:",
        "threagile:",
        "tm7: not XML",
    ] {
        assert!(help.contains(format), "{format} missing from: {help}");
    }
    assert!(help.contains("no `otmVersion` at the top level"), "{help}");
    assert!(help.contains("no `detail.diagrams` list"), "{help}");
    // A list at the top level says so.
    let list = run("list.json", "[1, 2]");
    let help = list.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("the top level is a list, not a mapping"), "{help}");
}

#[test]
fn forced_format_reads_a_file_that_detection_would_not() {
    let mut files = Files::new();
    let file = files.add(
        "bare.json",
        r#"{"threats": [{"id": "t1", "statement": "A thing", "status": "threatIdentified"}]}"#,
    );
    let (model, diagnostics) = import(&files, file, Some(SourceFormat::ThreatComposer), None, None);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(model.map(|m| m.threats.len()), Some(1));
}

#[test]
fn id_pool_keeps_good_ids_and_replaces_bad_or_repeated_ones() {
    let mut files = Files::new();
    let mut reader = Reader::new(files.add("ids.json", "{}"));
    let mut pool = IdPool::tilde_suffixed();
    let span = Span::new(0, 1);
    assert_eq!(pool.claim_or_replace("T-1", span, "threat", &mut reader), "T-1");
    assert_eq!(pool.claim_or_replace("T-1", span, "threat", &mut reader), "T-1~2");
    assert_eq!(pool.claim_or_replace("T-1", span, "threat", &mut reader), "T-1~3");
    assert_eq!(pool.claim_or_replace(" padded ", span, "threat", &mut reader), "padded");
    assert_eq!(pool.claim_or_replace("a\u{7}b", span, "threat", &mut reader), "a_b");
    assert_eq!(pool.claim_or_replace("", span, "threat", &mut reader), "id");
    let long = "x".repeat(300);
    assert_eq!(pool.claim_or_replace(&long, span, "threat", &mut reader).len(), 190);
    assert_eq!(reader.diagnostics.iter().filter(|d| d.code == Code::ReplacedId).count(), 6);
}

#[test]
fn reads_stride_names_as_the_tools_spell_them() {
    assert_eq!(stride_from_name("Information disclosure"), Some(Stride::InformationDisclosure));
    assert_eq!(stride_from_name("Denial of Service"), Some(Stride::DenialOfService));
    assert_eq!(stride_from_name("elevation_of_privilege"), Some(Stride::ElevationOfPrivilege));
    assert_eq!(stride_from_name(" spoofing "), Some(Stride::Spoofing));
    assert_eq!(stride_from_name("Linkability"), None);
    assert_eq!(one_line("Web\nApplication  Server"), "Web Application Server");
}

/// JSON documents built from the keys the importers look for, so that arbitrary shapes reach
/// deep into each importer rather than stopping at detection.
fn document() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as J;
    let keys = prop::sample::select(vec![
        "id",
        "name",
        "title",
        "type",
        "shape",
        "status",
        "severity",
        "state",
        "threats",
        "threat",
        "mitigations",
        "mitigation",
        "cells",
        "data",
        "diagrams",
        "diagramJson",
        "detail",
        "summary",
        "source",
        "target",
        "cell",
        "position",
        "size",
        "x",
        "y",
        "width",
        "height",
        "labels",
        "attrs",
        "text",
        "components",
        "dataflows",
        "trustZones",
        "parent",
        "trustZone",
        "component",
        "destination",
        "risk",
        "likelihood",
        "impact",
        "categories",
        "cwes",
        "attributes",
        "threatokr-id",
        "threatokr-status",
        "threatokr-addresses",
        "metadata",
        "key",
        "value",
        "mitigationLinks",
        "mitigationId",
        "linkedId",
        "statement",
        "content",
        "assets",
        "processed",
        "stored",
        "otmVersion",
        "project",
        "protocol",
    ]);
    let words = prop::sample::select(vec![
        "Open",
        "Mitigated",
        "Not Applicable",
        "exposed",
        "implemented",
        "High",
        "STRIDE",
        "Priority",
        "S",
        "process",
        "flow",
        "actor",
        "store",
        "trust-boundary-box",
        "tm.Flow",
        "a",
        "b",
        "CWE-79",
        "",
    ]);
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        (-200i32..200).prop_map(J::from),
        words.prop_map(J::from),
        "\\PC{0,6}".prop_map(J::from),
    ];
    leaf.prop_recursive(5, 96, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|entries| J::Object(
                entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn import_as_every_format(name: &str, text: &str) {
    let mut files = Files::new();
    let file = files.add(name, text);
    for format in [
        SourceFormat::ThreatDragonV1,
        SourceFormat::ThreatDragonV2,
        SourceFormat::Otm,
        SourceFormat::ThreatComposer,
    ] {
        let (model, _) = import(&files, file, Some(format), None, None);
        if let Some(model) = model {
            // The exports must cope with whatever the importers let through.
            let _ = crate::export::to_native_yaml(&model);
            let _ = crate::export::to_otm(&model);
        }
    }
    let _ = import(&files, file, None, None, None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn importers_never_panic_on_arbitrary_text(text in "\\PC{0,300}") {
        import_as_every_format("any.json", &text);
        import_as_every_format("any.yaml", &text);
    }

    #[test]
    fn importers_never_panic_on_arbitrary_documents(document in document()) {
        import_as_every_format("doc.json", &document.to_string());
    }
}

#[test]
fn issue_10_forcing_a_format_the_file_is_not_says_which_format_it_looks_like() {
    let mut files = Files::new();
    let file = files.add("v2-demo.json", read_sample("samples/models/threat-dragon/v2-demo.json"));
    let (model, diagnostics) = import(&files, file, Some(SourceFormat::Otm), None, None);
    assert!(model.is_none());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].code, Code::UnrecognizedFormat);
    assert_eq!(diagnostics[0].severity, crate::diag::Severity::Error);
    let message = &diagnostics[0].message;
    assert!(message.contains("`--from otm`") && message.contains("threat-dragon-v2"), "{message}");
    // Version 1 and 2 of Threat Dragon share an importer: forcing either reads the file.
    let (model, _) = import(&files, file, Some(SourceFormat::ThreatDragonV1), None, None);
    assert!(model.is_some_and(|m| !m.threats.is_empty()));
}
