//! Tests of the TM-BOM importer: the shared sample, our own fixture and hostile input.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::diag::Diagnostic;
use crate::import::test_support::{
    control, counts, import_as, severities, splice, statuses, strategies, tally, threat, try_import,
};
use crate::model::{SourceFormat, ThreatModel};
use crate::test_support::read_sample;

const EVERY_MAPPING: &str =
    include_str!("../../../test_data/import/tm_bom/0001_every_mapping.tm-bom.json");

fn import(text: &str) -> (ThreatModel, Vec<Diagnostic>) {
    import_as("model.json", text)
}

#[test]
fn imports_the_vault_sample_with_its_counts() {
    // Counted with python3 on samples/models/tm-bom/hashicorp-vault-threat-model.json:
    // 3 actors + 12 components + 3 data stores = 18 elements, 24 data flows, 4 trust zones,
    // 3 trust boundaries (zone pairs, not imported), 8 threats, 23 controls (20 suggested,
    // 3 active), 4 risks. The worst risk level per threat: 4 high, 4 medium. Controls list
    // 29 threat links in total. Two components name undefined zones (`public-internet`,
    // `public-internet-client-zone`) and one zone pair names `public-internet`.
    let (model, diagnostics) =
        import(&read_sample("samples/models/tm-bom/hashicorp-vault-threat-model.json"));
    assert_eq!(model.format, SourceFormat::TmBom);
    assert_eq!(model.title, "HashiCorp Vault");
    assert_eq!(model.reviewed.map(|d| d.to_string()), Some("2025-09-03".to_owned()));
    assert_eq!(counts(&model), (18, 24, 4, 8, 23));
    assert_eq!(
        tally(model.elements.iter().map(|e| e.kind.as_str())),
        BTreeMap::from([("data_store", 3), ("external_entity", 3), ("process", 12)])
    );
    assert_eq!(statuses(&model), BTreeMap::from([("identified", 8)]));
    assert_eq!(severities(&model), BTreeMap::from([("high", 4), ("medium", 4)]));
    assert_eq!(
        tally(model.controls.iter().map(|c| c.status.as_str())),
        BTreeMap::from([("implemented", 3), ("suggested", 20)])
    );
    assert_eq!(
        tally(model.controls.iter().map(|c| c.status_raw.as_str())),
        BTreeMap::from([("active", 3), ("suggested", 20)])
    );
    assert_eq!(model.threats.iter().map(|t| t.controls.len()).sum::<usize>(), 29);
    assert_eq!(model.controls.iter().map(|c| c.threats.len()).sum::<usize>(), 29);
    assert_eq!(model.threats.iter().map(|t| t.cwes.len()).sum::<usize>(), 14);
    let zone_sizes: BTreeMap<&str, usize> =
        model.boundaries.iter().map(|b| (b.id.as_str(), b.elements.len())).collect();
    assert_eq!(
        zone_sizes,
        BTreeMap::from([
            ("aws-vpc", 6),
            ("eks-cluster", 1),
            ("k8s-namespace-vault", 8),
            ("public", 1)
        ])
    );
    let kubectl = threat(&model, "insider-exfiltrate-secrets-via-kubectl");
    assert_eq!(kubectl.cwes, [284, 200, 522]);
    assert_eq!(
        (
            kubectl.severity_raw.as_str(),
            kubectl.likelihood.map(|l| l.as_str()),
            kubectl.impact.map(|l| l.as_str())
        ),
        ("high", Some("medium"), Some("very_high"))
    );
    assert_eq!(
        tally(diagnostics.iter().map(|d| d.code.as_str())),
        BTreeMap::from([("foreign-dangling-reference", 3), ("not-imported", 1)])
    );
}

#[test]
fn detects_the_vault_sample_without_from() {
    let sample = read_sample("samples/models/tm-bom/hashicorp-vault-threat-model.json");
    let (model, _) = try_import("model.json", &sample, None, None);
    assert_eq!(model.map(|m| m.format), Some(SourceFormat::TmBom));
}

#[test]
fn maps_all_eight_control_statuses_and_an_unknown_one() {
    let (model, diagnostics) = import(EVERY_MAPPING);
    let cases = [
        ("c-assumed", "assumed", "implemented"),
        ("c-active", "active", "implemented"),
        ("c-suggested", "suggested", "suggested"),
        ("c-under-review", "under_review", "suggested"),
        ("c-approved", "approved", "planned"),
        ("c-scheduled", "scheduled", "planned"),
        ("c-retired", "retired", "not_applicable"),
        ("c-wont-do", "wont_do", "wont_do"),
        ("c-odd", "paused", "suggested"),
    ];
    for (id, raw, status) in cases {
        let control = control(&model, id);
        assert_eq!((control.status_raw.as_str(), control.status.as_str()), (raw, status), "{id}");
    }
    assert_eq!(
        diagnostics.iter().filter(|d| d.code == crate::diag::Code::UnknownStatus).count(),
        1
    );
    assert_eq!(control(&model, "c-active").tags, ["priority-critical"]);
}

#[test]
fn threat_severity_comes_from_the_worst_risk_level_score_or_likelihood_times_impact() {
    let (model, _) = import(EVERY_MAPPING);
    let cases = [
        ("t-critical", "critical", "critical"),
        ("t-very-high", "very_high", "high"),
        ("t-high", "high", "high"),
        ("t-medium", "medium", "medium"),
        ("t-low", "low", "low"),
        ("t-very-low", "very_low", "info"),
        // An unknown level falls back to the score: 21 of 25.
        ("t-score", "21", "critical"),
        // Neither level nor score: likely (4) x major (4) = 16.
        ("t-li", "likely x major", "high"),
        // Nothing usable.
        ("t-none", "?", "unknown"),
        // No risk at all.
        ("t-unrated", "", "unknown"),
    ];
    for (id, raw, severity) in cases {
        let threat = threat(&model, id);
        assert_eq!(
            (threat.severity_raw.as_str(), threat.severity.as_str()),
            (raw, severity),
            "{id}"
        );
    }
    assert_eq!(threat(&model, "t-li").likelihood.map(|l| l.as_str()), Some("high"));
}

#[test]
fn imports_the_fixture_with_its_counts_links_and_diagnostics() {
    let (model, diagnostics) = import(EVERY_MAPPING);
    assert_eq!(counts(&model), (4, 3, 2, 10, 9));
    assert_eq!(
        severities(&model),
        BTreeMap::from([
            ("critical", 2),
            ("high", 3),
            ("info", 1),
            ("low", 1),
            ("medium", 1),
            ("unknown", 2)
        ])
    );
    assert_eq!(
        tally(model.controls.iter().map(|c| c.status.as_str())),
        BTreeMap::from([
            ("implemented", 2),
            ("not_applicable", 1),
            ("planned", 2),
            ("suggested", 3),
            ("wont_do", 1)
        ])
    );
    let high = threat(&model, "t-high");
    let controls: Vec<&str> = high.controls.iter().map(|c| c.as_str()).collect();
    assert_eq!(controls, ["c-assumed", "c-active"]);
    assert_eq!(high.elements.iter().map(|e| e.as_str()).collect::<Vec<_>>(), ["web"]);
    assert_eq!(high.cwes, [79, 352]);
    assert!(control(&model, "c-odd").threats.is_empty());
    let db = model.elements.iter().find(|e| e.id.as_str() == "db").expect("db");
    assert_eq!(db.data, ["orders"]);
    assert_eq!(model.data_assets[0].classification.as_deref(), Some("pii, fin"));
    assert_eq!(model.reviewed.map(|d| d.to_string()), Some("2027-02-01".to_owned()));
    assert_eq!(
        tally(diagnostics.iter().map(|d| d.code.as_str())),
        BTreeMap::from([
            ("foreign-dangling-reference", 4),
            ("not-imported", 1),
            ("unknown-severity", 1),
            ("unknown-status", 1)
        ])
    );
}

const TM_BOM_TOP: &[&str] = &[
    "$schema",
    "scope",
    "reviewed_at",
    "trust_zones",
    "trust_boundaries",
    "actors",
    "components",
    "data_stores",
    "data_sets",
    "data_flows",
    "threats",
    "controls",
    "risks",
];
const TM_BOM_KEYS: &[&str] = &[
    "symbolic_name",
    "title",
    "trust_zone",
    "type",
    "object",
    "source",
    "destination",
    "placements",
    "data_store",
    "threats",
    "status",
    "priority",
    "likelihood",
    "impact",
    "score",
    "level",
    "weaknesses",
    "cwe_id",
    "components_affected",
    "trust_zone_a",
    "trust_zone_b",
    "data_sensitivity",
    "actor",
    "component",
    "web",
    "t-1",
    "active",
    "likely",
    "severe",
    "high",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_tm_bom_shaped_documents_never_panic(document in strategies::json_document(TM_BOM_TOP, TM_BOM_KEYS)) {
        let _ = try_import("model.json", &document, Some(SourceFormat::TmBom), None);
    }

    #[test]
    fn arbitrary_text_never_panics_the_tm_bom_importer(text in "\\PC{0,400}") {
        let _ = try_import("model.json", &text, Some(SourceFormat::TmBom), None);
    }

    #[test]
    fn mangled_fixtures_never_panic_the_tm_bom_importer(cut in 0usize..9000, junk in "[\\[\\]{}:,\"a-z0-9 ]{0,12}") {
        let _ = try_import("model.json", &splice(EVERY_MAPPING, cut, &junk), Some(SourceFormat::TmBom), None);
    }
}
