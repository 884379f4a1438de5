//! Tests for the Threat Dragon importer: the two demo models and our fixtures.

use crate::import::test_support::{map, run_fixture, run_sample};
use crate::model::{ControlStatus, ElementKind, SourceFormat, Stride, ThreatStatus};

// Counts from the file with python3:
//   cells = d['detail']['diagrams'][0]['cells']; Counter(c['shape'] for c in cells) gives
//   4 store, 2 process, 1 actor, 10 flow, 3 trust-boundary-curve, 1 td-text-block; one flow
//   ('Web Request') starts at a point {x, y}, not at a cell, so 9 flows are imported.
//   threats = [t for c in cells for t in c['data'].get('threats', [])]: 14, each with a
//   non-empty mitigation; Counter(status) = Open 10, Mitigated 4;
//   Counter(severity) = High 8, Medium 4, Low 2.
#[test]
fn imports_the_threat_dragon_v2_demo() {
    let imported = run_sample("threat-dragon/v2-demo.json");
    let model = imported.model();
    assert_eq!(model.format, SourceFormat::ThreatDragonV2);
    assert_eq!(model.title, "Demo Threat Model");
    assert_eq!(imported.counts(), (7, 9, 3, 14, 14));
    assert_eq!(imported.statuses(), map(&[("identified", 10), ("mitigated", 4)]));
    assert_eq!(imported.severities(), map(&[("high", 8), ("low", 2), ("medium", 4)]));
    assert_eq!(imported.control_statuses(), map(&[("implemented", 4), ("planned", 10)]));
    assert_eq!(imported.codes(), ["unattached-flow"]);
    let kinds: Vec<ElementKind> = model.elements.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == ElementKind::DataStore).count(), 4);
    assert_eq!(kinds.iter().filter(|k| **k == ElementKind::Process).count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == ElementKind::ExternalEntity).count(), 1);
    // Names lose the line breaks that fit them into their boxes.
    assert!(model.elements.iter().any(|e| e.name == "Background Worker Process"));
    // The threat on the unattached 'Web Request' flow is kept, without an element.
    let orphan = imported.threat("79cbaf10-e5a2-4fd6-9818-7f180a113938");
    assert!(orphan.elements.is_empty());
    assert_eq!(orphan.status, ThreatStatus::Mitigated);
    let spoofing = imported.threat("b917c6dd-e2d5-455c-8b81-61407126abfa");
    assert_eq!(spoofing.stride, [Stride::Spoofing]);
    assert_eq!(spoofing.elements[0].as_str(), "ec574fb4-87e7-494b-88dc-2a3c99172067");
    assert_eq!(spoofing.controls[0].as_str(), "b917c6dd-e2d5-455c-8b81-61407126abfa-mitigation");
}

// The v1 demo is the same model in JointJS form: Counter(c['type']) over
// d['detail']['diagrams'][0]['diagramJson']['cells'] gives 4 tm.Store, 2 tm.Process, 1 tm.Actor,
// 10 tm.Flow (all attached by {id}), 4 tm.Boundary; 14 threats without ids, all with a
// mitigation; statuses Open 10, Mitigated 4; severities High 8, Medium 4, Low 2.
#[test]
fn imports_the_threat_dragon_v1_demo() {
    let imported = run_sample("threat-dragon/v1-demo.json");
    let model = imported.model();
    assert_eq!(model.format, SourceFormat::ThreatDragonV1);
    assert_eq!(imported.counts(), (7, 10, 4, 14, 14));
    assert_eq!(imported.statuses(), map(&[("identified", 10), ("mitigated", 4)]));
    assert_eq!(imported.severities(), map(&[("high", 8), ("low", 2), ("medium", 4)]));
    assert!(imported.diagnostics.is_empty(), "{:?}", imported.codes());
    // v1 threats have no ids: `<cell id>#<n>`. The Message Queue store has three.
    let queue = "ec574fb4-87e7-494b-88dc-2a3c99172067";
    for n in 1..=3 {
        imported.threat(&format!("{queue}#{n}"));
    }
    assert_eq!(imported.threat(&format!("{queue}#3")).stride, [Stride::Spoofing]);
    let web_request = model
        .flows
        .iter()
        .find(|f| f.name == "Web Request")
        .expect("the v1 Web Request flow is attached");
    assert_eq!(web_request.protocol.as_deref(), Some("HTTP/S"));
}

#[test]
fn maps_every_threat_dragon_status_and_severity() {
    let imported = run_fixture("threat_dragon/0001_v2_every_status_and_severity.json");
    let model = imported.model();
    assert_eq!(model.title, "Mapping table");
    assert_eq!(imported.counts(), (3, 1, 2, 10, 3));
    let status = |id: &str| imported.threat(id).status;
    assert_eq!(status("t-open"), ThreatStatus::Identified);
    assert_eq!(status("t-mitigated"), ThreatStatus::Mitigated);
    assert_eq!(status("t-eliminated"), ThreatStatus::Mitigated);
    assert_eq!(status("t-accepted"), ThreatStatus::Accepted);
    assert_eq!(status("t-transferred"), ThreatStatus::Transferred);
    assert_eq!(status("t-avoided"), ThreatStatus::Avoided);
    assert_eq!(status("t-na"), ThreatStatus::NotApplicable);
    assert_eq!(status("t-odd"), ThreatStatus::Unknown);
    assert_eq!(imported.threat("t-odd").status_raw, "Reviewed");
    let severity = |id: &str| imported.threat(id).severity.as_str();
    let severities: Vec<&str> = [
        "t-open",
        "t-mitigated",
        "t-eliminated",
        "t-accepted",
        "t-transferred",
        "t-avoided",
        "t-odd",
    ]
    .iter()
    .map(|id| severity(id))
    .collect();
    assert_eq!(severities, ["critical", "high", "medium", "low", "unknown", "unknown", "unknown"]);
    assert_eq!(imported.threat("t-avoided").severity_raw, "TBA");
    // One warning each for the severity (TBA, t-avoided) and the status (Reviewed, t-odd) that
    // Threat Dragon does not define, in file order.
    assert_eq!(imported.codes(), ["unknown-severity", "unknown-status"]);
    let stride = |id: &str| imported.threat(id).stride.clone();
    assert_eq!(stride("t-open"), [Stride::Spoofing]);
    assert_eq!(stride("t-mitigated"), [Stride::Tampering]);
    assert_eq!(stride("t-eliminated"), [Stride::Repudiation]);
    assert_eq!(stride("t-accepted"), [Stride::InformationDisclosure]);
    assert_eq!(stride("t-transferred"), [Stride::DenialOfService]);
    assert_eq!(stride("t-avoided"), [Stride::ElevationOfPrivilege]);
    assert!(stride("t-na").is_empty(), "LINDDUN types give no STRIDE");
    assert!(stride("t-odd").is_empty(), "CIA types give no STRIDE");
    // A v2 threat without an id gets the v1 rule; the flow's threat names the flow.
    assert_eq!(imported.threat("api#9").elements[0].as_str(), "api");
    assert_eq!(imported.threat("t-flow").elements[0].as_str(), "req");
    assert_eq!(model.flows[0].protocol.as_deref(), Some("HTTPS"));
    // Mitigation text becomes a control; blank text does not.
    let controls: Vec<(&str, ControlStatus)> =
        model.controls.iter().map(|c| (c.id.as_str(), c.status)).collect();
    assert_eq!(
        controls,
        [
            ("t-open-mitigation", ControlStatus::Planned),
            ("t-mitigated-mitigation", ControlStatus::Implemented),
            ("api#9-mitigation", ControlStatus::Planned)
        ]
    );
    assert_eq!(model.controls[0].threats[0].as_str(), "t-open");
    assert!(imported.threat("t-eliminated").controls.is_empty());
    // The box holds the elements whose centre lies in it; a curve holds nothing.
    let boundary = |id: &str| {
        model
            .boundaries
            .iter()
            .find(|b| b.id.as_str() == id)
            .map(|b| b.elements.iter().map(|e| e.as_str()).collect::<Vec<_>>())
    };
    assert_eq!(boundary("box"), Some(vec!["api", "db"]));
    assert_eq!(boundary("line"), Some(vec![]));
}

#[test]
fn maps_threat_dragon_not_applicable_with_a_space() {
    let imported = run_fixture("threat_dragon/0002_v1_not_applicable_with_a_space.json");
    let model = imported.model();
    assert_eq!(model.format, SourceFormat::ThreatDragonV1);
    assert_eq!(imported.counts(), (2, 1, 1, 3, 2));
    assert!(imported.diagnostics.is_empty(), "{:?}", imported.codes());
    assert_eq!(imported.threat("app#1").status, ThreatStatus::NotApplicable);
    assert_eq!(imported.threat("app#1").status_raw, "Not Applicable");
    assert_eq!(imported.threat("app#2").status, ThreatStatus::Identified);
    assert_eq!(imported.threat("call#1").status, ThreatStatus::Mitigated);
    assert_eq!(model.flows[0].name, "Call");
    assert_eq!(
        (model.flows[0].source.as_str(), model.flows[0].target.as_str()),
        ("browser", "app")
    );
    assert_eq!(model.elements[1].name, "App");
    let controls: Vec<(&str, ControlStatus)> =
        model.controls.iter().map(|c| (c.id.as_str(), c.status)).collect();
    assert_eq!(
        controls,
        [
            ("app#2-mitigation", ControlStatus::Planned),
            ("call#1-mitigation", ControlStatus::Implemented)
        ]
    );
}

#[test]
fn reports_broken_threat_dragon_parts_and_keeps_the_sound_ones() {
    let imported = run_fixture("threat_dragon/0003_v2_broken_parts.json");
    assert_eq!(imported.counts(), (1, 0, 0, 3, 0));
    let mut codes = imported.codes();
    codes.sort_unstable();
    assert_eq!(codes, ["replaced-id", "unattached-flow", "wrong-type", "wrong-type", "wrong-type"]);
    let ids: Vec<&str> = imported.model().threats.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["dup", "dup~2", "t-dangling"]);
    assert!(imported.threat("t-dangling").elements.is_empty());
    // Every diagnostic points into the file.
    assert!(
        imported
            .diagnostics
            .iter()
            .all(|d| d.primary.as_ref().is_some_and(|p| p.span.end > p.span.start))
    );
}
