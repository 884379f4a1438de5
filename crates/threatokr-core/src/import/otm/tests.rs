//! Tests for the OTM importer: the OTM project's example in JSON and YAML, and our fixtures.

use super::kind_of;
use crate::import::test_support::{map, run, run_fixture, run_sample};
use crate::model::{
    ControlStatus, ElementKind, Level, Severity, SourceFormat, Stride, ThreatStatus,
};
use crate::test_support::read_sample;

const THREAT: &str = "22724267-be7e-44c0-8b1f-d7d33e9a34ec";
const MITIGATION: &str = "fd6136f4-e2ff-11eb-ba80-0242ac130004";

/// What a careful reading of EXAMPLE.json (and EXAMPLE.yaml, the same model) gives, counted
/// with python3 over json.load: 4 components, 2 dataflows, 2 trustZones; one threat definition
/// referenced twice (web-service and the cc-store-in-db dataflow, both `exposed`), so two
/// threat instances; mitigation fd61… is applied on both instances (`implemented`, `required`),
/// mitigation 3b83… nowhere: 3 controls. Likelihood 50, impact 100 → √5000 / 10 = 7.1 → high.
fn check_example(imported: &crate::import::test_support::Imported) {
    let model = imported.model();
    assert_eq!(model.format, SourceFormat::Otm);
    assert_eq!(model.title, "Test project");
    assert_eq!(imported.counts(), (4, 2, 2, 2, 3));
    assert_eq!(imported.statuses(), map(&[("identified", 2)]));
    assert_eq!(imported.severities(), map(&[("high", 2)]));
    assert_eq!(
        imported.control_statuses(),
        map(&[("implemented", 1), ("planned", 1), ("suggested", 1)])
    );
    // The YAML form warns about its under-indented quoted scalar; nothing else may be reported.
    assert!(imported.codes().iter().all(|c| *c == "yaml-lenient"), "{:?}", imported.codes());
    let on_service = imported.threat(&format!("{THREAT}@web-service"));
    assert_eq!(on_service.stride, [Stride::Spoofing, Stride::Tampering]);
    assert_eq!(on_service.cwes, [79, 787]);
    assert_eq!(
        (on_service.likelihood, on_service.impact),
        (Some(Level::Medium), Some(Level::VeryHigh))
    );
    assert_eq!(on_service.severity_raw, "likelihood 50, impact 100");
    assert_eq!(on_service.status_raw, "exposed");
    assert_eq!(
        on_service.controls.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        [format!("{MITIGATION}@web-service")]
    );
    let on_flow = imported.threat(&format!("{THREAT}@cc-store-in-db"));
    assert_eq!(on_flow.elements[0].as_str(), "cc-store-in-db");
    let planned = model
        .controls
        .iter()
        .find(|c| c.status == ControlStatus::Planned)
        .expect("the required mitigation");
    assert_eq!(
        (planned.id.as_str(), planned.status_raw.as_str()),
        (format!("{MITIGATION}@cc-store-in-db").as_str(), "required")
    );
    let kinds: Vec<(&str, ElementKind)> =
        model.elements.iter().map(|e| (e.id.as_str(), e.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("web-client", ElementKind::ExternalEntity),
            ("web-service", ElementKind::Process),
            ("customer-database", ElementKind::DataStore),
            ("class-customerdatabase", ElementKind::Process),
        ]
    );
    let zones: Vec<(&str, usize)> =
        model.boundaries.iter().map(|b| (b.name.as_str(), b.elements.len())).collect();
    assert_eq!(zones, [("Internet", 1), ("Private", 3)]);
    assert_eq!(model.elements[1].data, ["cc-data", "public-info"]);
    assert_eq!(model.data_assets.len(), 2);
}

#[test]
fn imports_the_otm_json_example() {
    check_example(&run_sample("otm/EXAMPLE.json"));
}

// EXAMPLE.yaml closes its multi-line quoted `codeSnippet` on a line indented as much as the key
// (line 133, `        }'`). YAML 1.2 wants continuation lines indented further; libyaml accepts it,
// and so does our reader, with a `yaml-lenient` warning. The file is the same model as EXAMPLE.json.
#[test]
fn imports_the_otm_yaml_example_as_published_with_a_lenient_warning() {
    let text = read_sample("samples/models/otm/EXAMPLE.yaml");
    let as_published = run("EXAMPLE.yaml", &text);
    assert_eq!(as_published.codes(), ["yaml-lenient"]);
    check_example(&as_published);
}

#[test]
fn maps_otm_states_risk_categories_and_nesting() {
    let imported = run_fixture("otm/0001_v01_states_risk_and_nesting.yaml");
    let model = imported.model();
    assert_eq!(imported.counts(), (4, 1, 2, 7, 7));
    let status = |id: &str| imported.threat(id).status;
    assert_eq!(status("spoof@api"), ThreatStatus::Identified);
    assert_eq!(status("spoof@pay"), ThreatStatus::Identified);
    assert_eq!(status("tamper@api"), ThreatStatus::Mitigated);
    assert_eq!(status("leak@api"), ThreatStatus::Mitigated);
    assert_eq!(status("dos@api"), ThreatStatus::Accepted);
    assert_eq!(status("eop@api"), ThreatStatus::Unknown);
    assert_eq!(imported.threat("eop@api").status_raw, "Partly Mitigated");
    // Defined but never referenced: once, under its own id, unknown, without elements.
    assert_eq!(status("orphan"), ThreatStatus::Unknown);
    assert!(imported.threat("orphan").elements.is_empty());
    // √(l × i) / 10 in CVSS bands: 100·100 → 10 critical, 50·50 → 5 medium, 10·90 → 3 low,
    // 0·0 → 0 info, impact 80 alone → 8 high, likelihood 150 refused and impact 20 → 2 low.
    let severity = |id: &str| imported.threat(id).severity;
    assert_eq!(
        ["spoof@api", "tamper@api", "leak@api", "dos@api", "eop@api", "orphan"].map(severity),
        [
            Severity::Critical,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
            Severity::High,
            Severity::Low
        ]
    );
    assert_eq!(imported.threat("eop@api").severity_raw, "impact 80");
    assert_eq!(
        (imported.threat("leak@api").likelihood, imported.threat("leak@api").impact),
        (Some(Level::VeryLow), Some(Level::VeryHigh))
    );
    assert_eq!(
        imported.threat("spoof@api").stride,
        [Stride::Spoofing],
        "Linkability is not STRIDE"
    );
    assert_eq!(imported.threat("spoof@api").cwes, [287, 306]);
    assert_eq!(imported.threat("leak@api").stride, [Stride::InformationDisclosure]);
    // Mitigation instances: one control per mitigation and element, shared by that element's threats.
    let control = |id: &str| {
        model
            .controls
            .iter()
            .find(|c| c.id.as_str() == id)
            .unwrap_or_else(|| panic!("no control {id}"))
    };
    assert_eq!(control("mfa@api").status, ControlStatus::Implemented);
    assert_eq!(
        control("mfa@api").threats.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        ["spoof@api", "tamper@api"]
    );
    assert_eq!(control("waf@api").status, ControlStatus::Planned);
    assert_eq!(control("review@api").status, ControlStatus::Suggested);
    assert_eq!(control("legacy@api").status, ControlStatus::WontDo);
    assert_eq!(control("vpn@api").status, ControlStatus::NotApplicable);
    assert_eq!(
        (control("odd@api").status, control("odd@api").status_raw.as_str()),
        (ControlStatus::Suggested, "pondering")
    );
    assert_eq!(
        (control("spare").status, control("spare").threats.len()),
        (ControlStatus::Suggested, 0)
    );
    assert_eq!(
        imported.threat("spoof@api").controls.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["mfa@api", "waf@api"]
    );
    // Zones hold components through parent components (api sits on vm).
    let private =
        model.boundaries.iter().find(|b| b.id.as_str() == "private").expect("private zone");
    assert_eq!(
        private.elements.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        ["vm", "api", "ledger"]
    );
    assert_eq!(
        model.elements.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            ElementKind::ExternalEntity,
            ElementKind::Process,
            ElementKind::Process,
            ElementKind::DataStore
        ]
    );
    assert_eq!(model.elements[3].data, ["cards", "ledger-rows"]);
    // Each problem once, although `spoof` has two instances.
    let mut codes = imported.codes();
    codes.sort_unstable();
    assert_eq!(
        codes,
        ["invalid-cwe", "invalid-value", "unknown-status", "unknown-status", "unreferenced-threat"]
    );
}

#[test]
fn reports_dangling_otm_references_and_keeps_the_rest() {
    let imported = run_fixture("otm/0002_v02_dangling_references.json");
    assert_eq!(imported.counts(), (1, 0, 0, 2, 0));
    assert_eq!(imported.threat("t1@a").status, ThreatStatus::Identified);
    assert_eq!(imported.threat("t1@a").severity, Severity::Medium);
    // The dataflow to a missing component is left out; its threat instance is kept.
    assert_eq!(imported.threat("t1@f1").status, ThreatStatus::Mitigated);
    assert!(imported.threat("t1@f1").elements.is_empty());
    let mut codes = imported.codes();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            "dangling-link",
            "dangling-link",
            "dangling-link",
            "dangling-link",
            "duplicate-id",
            "missing-field"
        ]
    );
}

#[test]
fn guesses_element_kinds_from_otm_component_types() {
    let cases = [
        ("postgresql", ElementKind::DataStore),
        ("sql-database", ElementKind::DataStore),
        ("s3", ElementKind::DataStore),
        ("redis-db", ElementKind::DataStore),
        ("generic-client", ElementKind::ExternalEntity),
        ("web-application-client-side", ElementKind::ExternalEntity),
        ("web-application-server-side", ElementKind::Process),
        ("ec2-instance", ElementKind::Process),
        ("data_store", ElementKind::DataStore),
        ("external_entity", ElementKind::ExternalEntity),
        ("", ElementKind::Process),
    ];
    for (component_type, kind) in cases {
        assert_eq!(kind_of(component_type), kind, "{component_type}");
    }
}

#[test]
fn reads_threatokr_marked_threats_as_one_threat_over_their_instances() {
    let text = r#"{
      "otmVersion": "0.2.0",
      "project": {"name": "Marked", "id": "marked"},
      "components": [
        {"id": "a", "name": "A", "type": "process", "threats": [{"threat": "T-1", "state": "exposed", "mitigations": [{"mitigation": "C-1", "state": "required"}]}]},
        {"id": "b", "name": "B", "type": "data_store", "threats": [{"threat": "T-1", "state": "mitigated", "mitigations": [{"mitigation": "C-1", "state": "required"}]}]}
      ],
      "threats": [
        {"id": "T-1", "name": "One threat", "risk": {"likelihood": 80, "impact": 80}, "attributes": {"threatokr-id": "T-1"}},
        {"id": "T-2", "name": "No element", "risk": {"likelihood": null, "impact": null}, "attributes": {"threatokr-id": "T-2", "threatokr-status": "accepted"}}
      ],
      "mitigations": [
        {"id": "C-1", "name": "Control", "riskReduction": 0, "attributes": {"threatokr-id": "C-1", "threatokr-addresses": ["T-1", "T-2", "T-9"]}}
      ]
    }"#;
    let imported = run("marked.otm.json", text);
    assert_eq!(imported.counts(), (2, 0, 0, 2, 1));
    let one = imported.threat("T-1");
    assert_eq!(one.elements.iter().map(|e| e.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(one.status, ThreatStatus::Identified, "the first instance's state wins");
    assert_eq!(one.severity, Severity::High);
    let two = imported.threat("T-2");
    assert_eq!((two.status, two.severity), (ThreatStatus::Accepted, Severity::Unknown));
    let control = &imported.model().controls[0];
    assert_eq!((control.id.as_str(), control.status), ("C-1", ControlStatus::Planned));
    assert_eq!(control.threats.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["T-1", "T-2"]);
    assert_eq!(two.controls.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["C-1"]);
    assert_eq!(imported.codes(), ["inconsistent-instances", "dangling-link"]);
}
