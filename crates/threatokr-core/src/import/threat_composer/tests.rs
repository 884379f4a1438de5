//! Tests for the Threat Composer importer: the project's own example workspace and our fixture.

use crate::import::test_support::{map, run_fixture, run_sample};
use crate::model::{ControlStatus, Severity, SourceFormat, Stride, ThreatStatus};

// Counted with python3 over json.load of the file: 20 threats, all `threatResolved`; metadata
// Priority Low 9, Medium 6, High 5; STRIDE ['I'] 8, ['T'] 5, ['D'] 4, ['I','T'] 1, ['T','I'] 1,
// ['S'] 1; 18 mitigations, all `mitigationResolved`; 36 mitigationLinks, 4 of which name threats
// that are not in the file (1e829518…, 661ab87a…, and 3793c287… twice), so 32 links remain.
#[test]
fn imports_the_threat_composer_example() {
    let imported = run_sample("threat-composer/ThreatComposer.tc.json");
    let model = imported.model();
    assert_eq!(model.format, SourceFormat::ThreatComposer);
    assert_eq!(model.title, "Threat composer");
    assert_eq!(imported.counts(), (0, 0, 0, 20, 18));
    assert_eq!(imported.statuses(), map(&[("mitigated", 20)]));
    assert_eq!(imported.severities(), map(&[("high", 5), ("low", 9), ("medium", 6)]));
    assert_eq!(imported.control_statuses(), map(&[("implemented", 18)]));
    assert_eq!(imported.codes(), ["dangling-link"; 4]);
    let links: usize = model.controls.iter().map(|c| c.threats.len()).sum();
    assert_eq!(links, 32);
    assert_eq!(model.threats.iter().map(|t| t.controls.len()).sum::<usize>(), 32);
    let stride = |s: Stride| model.threats.iter().filter(|t| t.stride.contains(&s)).count();
    assert_eq!(
        [
            Stride::Spoofing,
            Stride::Tampering,
            Stride::InformationDisclosure,
            Stride::DenialOfService
        ]
        .map(stride),
        [1, 7, 10, 4]
    );
    // Threats without a mitigation link: 5 (python3: set(threat ids) - set(linkedId)).
    assert_eq!(model.threats.iter().filter(|t| t.controls.is_empty()).count(), 5);
    let first = imported.threat("f29b9a9f-94d9-4d6e-be3e-5fffb874d2a6");
    assert!(first.title.starts_with("A threat actor that is able to trick a user"));
    assert_eq!((first.severity, first.severity_raw.as_str()), (Severity::Medium, "Medium"));
}

#[test]
fn maps_threat_composer_statuses_priorities_and_links() {
    let imported = run_fixture("threat_composer/0001_statuses_priorities_and_links.tc.json");
    let model = imported.model();
    assert_eq!(model.title, "Checkout");
    assert_eq!(imported.counts(), (0, 0, 0, 5, 6));
    let threat = |id: &str| imported.threat(id);
    assert_eq!(threat("t-identified").status, ThreatStatus::Identified);
    assert_eq!(threat("t-resolved").status, ThreatStatus::Mitigated);
    assert_eq!(threat("t-not-useful").status, ThreatStatus::NotApplicable);
    assert_eq!(
        (threat("t-missing").status, threat("t-missing").status_raw.as_str()),
        (ThreatStatus::Identified, "")
    );
    assert_eq!(
        (threat("t-odd").status, threat("t-odd").status_raw.as_str()),
        (ThreatStatus::Unknown, "threatParked")
    );
    assert_eq!(
        ["t-identified", "t-resolved", "t-not-useful", "t-missing", "t-odd"]
            .map(|id| threat(id).severity),
        [Severity::High, Severity::Medium, Severity::Low, Severity::Unknown, Severity::Unknown]
    );
    assert_eq!(threat("t-missing").severity_raw, "Urgent");
    assert_eq!(threat("t-identified").stride, [Stride::Spoofing, Stride::Tampering]);
    assert_eq!(
        threat("t-not-useful").stride,
        [Stride::DenialOfService, Stride::ElevationOfPrivilege],
        "a comma-separated string works too"
    );
    assert_eq!(threat("t-odd").stride, [Stride::Repudiation]);
    // Without a statement, the title is built from the threat grammar's parts.
    assert_eq!(threat("t-missing").title, "An insider change prices");
    let statuses: Vec<(&str, ControlStatus)> =
        model.controls.iter().map(|c| (c.id.as_str(), c.status)).collect();
    assert_eq!(
        statuses,
        [
            ("m-identified", ControlStatus::Planned),
            ("m-progress", ControlStatus::InProgress),
            ("m-resolved", ControlStatus::Implemented),
            ("m-wont", ControlStatus::WontDo),
            ("m-missing", ControlStatus::Planned),
            ("m-odd", ControlStatus::Suggested),
        ]
    );
    assert_eq!(model.controls[0].tags, ["payments"]);
    let ids =
        |items: &[crate::model::ThreatId]| items.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&model.controls[2].threats), ["t-not-useful", "t-identified"]);
    assert_eq!(
        threat("t-identified").controls.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["m-identified", "m-resolved"]
    );
    let mut codes = imported.codes();
    codes.sort_unstable();
    assert_eq!(
        codes,
        ["dangling-link", "dangling-link", "unknown-severity", "unknown-status", "unknown-status"]
    );
}
