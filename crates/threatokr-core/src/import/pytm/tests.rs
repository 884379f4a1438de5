//! Tests of the pytm importer: the shared sample, our own fixture and hostile input.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::diag::Diagnostic;
use crate::import::test_support::{
    counts, id_texts as names, import_as, severities, splice, statuses, strategies, tally, threat,
    try_import,
};
use crate::model::{SourceFormat, ThreatModel};
use crate::test_support::read_sample;

const EVERY_MAPPING: &str =
    include_str!("../../../test_data/import/pytm/0001_every_mapping.pytm.json");

fn import(text: &str) -> (ThreatModel, Vec<Diagnostic>) {
    import_as("tm.json", text)
}

#[test]
fn imports_the_pytm_sample_with_its_counts() {
    // Counted with python3 on samples/models/pytm/tm.json: 1 actor + 7 assets = 8 elements
    // (1 Actor, 2 Datastore, and Server, Lambda, 2 LLM, Agent as processes), 11 flows,
    // 3 boundaries, 138 findings (15 Very High, 49 High, 69 Medium, 5 Low; every response
    // empty) and 1 excluded finding (INP16 on Web Server, High). No (threat_id, target) pair
    // repeats. 112 of the 139 reference at least one CWE (cwe.mitre.org/data/definitions/N).
    let (model, diagnostics) = import(&read_sample("samples/models/pytm/tm.json"));
    assert_eq!(model.format, SourceFormat::Pytm);
    assert_eq!(model.title, "my test tm");
    assert_eq!(counts(&model), (8, 11, 3, 139, 0));
    assert_eq!(
        tally(model.elements.iter().map(|e| e.kind.as_str())),
        BTreeMap::from([("data_store", 2), ("external_entity", 1), ("process", 5)])
    );
    assert_eq!(statuses(&model), BTreeMap::from([("identified", 138), ("not_applicable", 1)]));
    assert_eq!(
        severities(&model),
        BTreeMap::from([("critical", 15), ("high", 50), ("low", 5), ("medium", 69)])
    );
    assert_eq!(model.threats.iter().filter(|t| !t.cwes.is_empty()).count(), 112);
    assert!(model.flows.iter().all(|f| f.protocol.is_none()));
    let excluded = threat(&model, "INP16@Web Server");
    assert_eq!(
        (excluded.status.as_str(), excluded.status_raw.as_str(), excluded.title.as_str()),
        ("not_applicable", "excluded", "PHP Remote File Inclusion")
    );
    let ssi = threat(&model, "INP03@Web Server");
    assert_eq!(ssi.cwes, [97, 74, 20, 713]);
    assert_eq!(names(&ssi.elements), ["Web Server"]);
    let vpc = model.boundaries.iter().find(|b| b.name == "AWS VPC").expect("boundary");
    assert_eq!(
        names(&vpc.elements),
        ["Web Server", "AWS Lambda", "Comment Moderation LLM", "AI Writing Assistant"]
    );
    // Every finding's target is an element or a flow of the model.
    assert!(model.threats.iter().all(|t| t.elements.len() == 1));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn detects_the_pytm_sample_without_from() {
    let (model, _) = try_import("tm.json", &read_sample("samples/models/pytm/tm.json"), None, None);
    assert_eq!(model.map(|m| m.format), Some(SourceFormat::Pytm));
}

#[test]
fn maps_every_pytm_severity_and_response() {
    let (model, _) = import(EVERY_MAPPING);
    let cases = [
        ("INP01@Shop Web", "", "identified", "Very High", "critical"),
        ("INP02@Shop Web", "mitigated", "mitigated", "High", "high"),
        ("AC01@Orders DB", "transferred", "transferred", "Medium", "medium"),
        ("DS01@Orders DB", "avoided", "avoided", "Low", "low"),
        ("DO01@Invoice Lambda", "accepted", "accepted", "Very Low", "info"),
        ("AC02@Place order", "fixed by the WAF", "unknown", "Critical", "unknown"),
        ("INP16@Shop Web", "excluded", "not_applicable", "High", "high"),
    ];
    for (id, status_raw, status, severity_raw, severity) in cases {
        let threat = threat(&model, id);
        assert_eq!(
            (threat.status_raw.as_str(), threat.status.as_str()),
            (status_raw, status),
            "{id}"
        );
        assert_eq!(
            (threat.severity_raw.as_str(), threat.severity.as_str()),
            (severity_raw, severity),
            "{id}"
        );
    }
}

#[test]
fn imports_the_fixture_with_its_counts_and_diagnostics() {
    // 8 findings + 1 excluded; the flow `Audit` goes to an unknown `Ghost` and is left out.
    let (model, diagnostics) = import(EVERY_MAPPING);
    assert_eq!(counts(&model), (4, 2, 3, 9, 0));
    assert_eq!(
        statuses(&model),
        BTreeMap::from([
            ("accepted", 1),
            ("avoided", 1),
            ("identified", 3),
            ("mitigated", 1),
            ("not_applicable", 1),
            ("transferred", 1),
            ("unknown", 1)
        ])
    );
    assert_eq!(
        severities(&model),
        BTreeMap::from([
            ("critical", 2),
            ("high", 3),
            ("info", 1),
            ("low", 1),
            ("medium", 1),
            ("unknown", 1)
        ])
    );
    assert_eq!(
        tally(diagnostics.iter().map(|d| d.code.as_str())),
        BTreeMap::from([
            ("duplicate-foreign-id", 1),
            ("foreign-dangling-reference", 2),
            ("unknown-severity", 1),
            ("unknown-status", 1)
        ])
    );
}

#[test]
fn a_repeated_threat_and_target_pair_gets_a_deterministic_suffix() {
    let (model, diagnostics) = import(EVERY_MAPPING);
    let ids: Vec<&str> =
        model.threats.iter().map(|t| t.id.as_str()).filter(|id| id.starts_with("INP01@")).collect();
    assert_eq!(ids, ["INP01@Shop Web", "INP01@Shop Web#2"]);
    let duplicate = diagnostics
        .iter()
        .find(|d| d.code == crate::diag::Code::DuplicateForeignId)
        .expect("diagnostic");
    assert!(duplicate.message.contains("INP01@Shop Web#2"), "{}", duplicate.message);
}

#[test]
fn reads_cwe_from_references_and_the_cwe_field() {
    let (model, _) = import(EVERY_MAPPING);
    assert_eq!(threat(&model, "INP01@Shop Web").cwes, [120, 119]);
    assert_eq!(threat(&model, "INP02@Shop Web").cwes, [20]);
    assert_eq!(threat(&model, "DS01@Orders DB").cwes, [311, 312]);
    assert!(threat(&model, "AC01@Orders DB").cwes.is_empty());
}

#[test]
fn leaves_flow_protocols_out_and_nests_boundaries() {
    let (model, _) = import(EVERY_MAPPING);
    let flows: Vec<(&str, &str, &str)> =
        model.flows.iter().map(|f| (f.id.as_str(), f.source.as_str(), f.target.as_str())).collect();
    assert_eq!(
        flows,
        [("Place order", "Shopper", "Shop Web"), ("Store order", "Shop Web", "Orders DB")]
    );
    assert!(model.flows.iter().all(|f| f.protocol.is_none()));
    let vpc = model.boundaries.iter().find(|b| b.name == "Shop VPC").expect("boundary");
    assert_eq!(names(&vpc.elements), ["Shop Web", "Invoice Lambda", "DB Subnet"]);
    let web = model.elements.iter().find(|e| e.name == "Shop Web").expect("element");
    assert_eq!(web.data, ["Order"]);
    // A finding on a flow points at the flow.
    assert_eq!(names(&threat(&model, "AC02@Place order").elements), ["Place order"]);
    // A finding on an unknown target keeps its threat, without elements.
    assert!(threat(&model, "LB01@Payment Gateway").elements.is_empty());
}

const PYTM_TOP: &[&str] = &[
    "name",
    "actors",
    "assets",
    "elements",
    "boundaries",
    "flows",
    "data",
    "findings",
    "excluded_findings",
    "threatsFile",
];
const PYTM_KEYS: &[&str] = &[
    "name",
    "__class__",
    "inBoundary",
    "source",
    "sink",
    "threat_id",
    "target",
    "severity",
    "response",
    "references",
    "cwe",
    "likelihood",
    "description",
    "details",
    "processedBy",
    "data",
    "classification",
    "Actor",
    "Datastore",
    "Very High",
    "mitigated",
    "Web",
    "DB",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_pytm_shaped_documents_never_panic(document in strategies::json_document(PYTM_TOP, PYTM_KEYS)) {
        let _ = try_import("tm.json", &document, Some(SourceFormat::Pytm), None);
    }

    #[test]
    fn arbitrary_text_never_panics_the_pytm_importer(text in "\\PC{0,400}") {
        let _ = try_import("tm.json", &text, Some(SourceFormat::Pytm), None);
    }

    #[test]
    fn mangled_fixtures_never_panic_the_pytm_importer(cut in 0usize..13000, junk in "[\\[\\]{}:,\"a-z0-9 ]{0,12}") {
        let _ = try_import("tm.json", &splice(EVERY_MAPPING, cut, &junk), Some(SourceFormat::Pytm), None);
    }
}
