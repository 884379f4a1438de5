//! Tests of measuring: every metric of the catalogue on a small workspace with known evidence,
//! each value, numerator and denominator checked against arithmetic written beside it.

use super::*;
use crate::diag::{Files, Span};
use crate::evidence::asvs::{AsvsStatus, parse_asvs};
use crate::evidence::tests::TestExecution;
use crate::evidence::training::{parse_completions, parse_roster};
use crate::evidence::workflow::{Category, Presence, RepoScan};
use crate::model::{
    Direction, FindingClass, KeyResult, KrTarget, Measure, MeasureParam, Milestone, Origin,
    Severity, Workspace,
};
use crate::progress::Status;
use crate::workspace::{WorkspaceFiles, load_workspace};
use jiff::civil::{Date, date};
use proptest::prelude::*;
use std::collections::BTreeMap;

const AS_OF: Date = date(2027, 2, 15);

const CONFIG: &str = r#"
org:
  name: Test Corp
  teams:
    - { id: red, name: Red }
    - { id: blue, name: Blue }
  people:
    - { id: ann, name: Ann, team: red }
    - { id: bob, name: Bob, team: red }
    - { id: cat, name: Cat, team: blue }
    - { id: dan, name: Dan, team: blue, developer: false }
apps:
  - { id: shop, name: Shop, team: red, tags: [web], repos: [repos/shop], environments: [prod, staging] }
  - { id: api, name: Api, team: red, tags: [web, pci], repos: [repos/api, repos/shared], environments: [prod] }
  - { id: ops, name: Ops, team: blue, tags: [internal], repos: [repos/ops, repos/shared], environments: [prod] }
cycles:
  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31 }
"#;

// Themes by CWE: 639, 862, 284 access_control; 79 output_encoding_xss; 89 injection; 326 cryptography.
// Risk: likelihood × impact ranks / 25 × 10, else the severity's representative score.
const SHOP: &str = r#"
app: shop
title: Shop
reviewed: 2026-12-01
threats:
  - { id: T-S1, title: IDOR on orders, cwe: [639], status: mitigated, likelihood: high, impact: high }
  - { id: T-S2, title: Missing role check, cwe: [862], status: identified, severity: high }
  - { id: T-S3, title: XSS in reviews, cwe: [79], status: verified, severity: medium }
  - { id: T-S4, title: Not for us, cwe: [639], status: not_applicable, severity: low }
  - { id: T-S5, title: SQL injection, cwe: [89], status: in_progress, severity: critical }
controls:
  - { id: C-S1, title: Owner check, addresses: [T-S1], status: implemented, tags: [authz] }
  - { id: C-S2, title: OIDC login, addresses: [T-S2], status: planned, tags: [sso-oidc] }
  - { id: C-S3, title: CSP, addresses: [T-S3], status: verified }
  - { id: C-S4, title: Not needed, addresses: [T-S5], status: not_applicable }
tests:
  - { id: AB-S2, title: Act as another role, threats: [T-S2], kind: pentest }
"#;

const API: &str = r#"
app: api
title: Api
reviewed: 2025-06-01
threats:
  - { id: T-A1, title: BOLA, cwe: [639], status: identified, likelihood: medium, impact: medium }
  - { id: T-A2, title: Weak TLS, cwe: [326], status: mitigated, severity: low }
controls:
  - { id: C-A1, title: OIDC login, addresses: [T-A1], status: verified, tags: [sso-oidc] }
"#;

const OPS: &str = r#"
app: ops
title: Ops
reviewed: 2027-02-01
threats:
  - { id: T-O1, title: Admin console open to all staff, cwe: [284], status: accepted, severity: high }
"#;

fn load(okrs: Option<&str>) -> (Workspace, Files) {
    load_models(
        &[("models/api.tm.yaml", API), ("models/ops.tm.yaml", OPS), ("models/shop.tm.yaml", SHOP)],
        okrs,
    )
}

fn load_models(models: &[(&str, &str)], okrs: Option<&str>) -> (Workspace, Files) {
    let mut files = Files::new();
    let mut inputs = WorkspaceFiles {
        config: Some(files.add("threatokr.yaml", CONFIG)),
        ..WorkspaceFiles::default()
    };
    for &(name, text) in models {
        inputs.models.push(files.add(name, text));
    }
    if let Some(okrs) = okrs {
        inputs.okrs.push(files.add("okrs/2027-Q1.yaml", okrs));
    }
    let (workspace, diagnostics) = load_workspace(&files, &inputs);
    let errors: Vec<_> =
        diagnostics.iter().filter(|d| d.severity == crate::diag::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    (workspace, files)
}

fn origin() -> Origin {
    Origin { file: Files::new().add("okrs/2027-Q1.yaml", ""), span: Span::new(0, 0) }
}

fn text(value: &str) -> MeasureParam {
    MeasureParam::Text(value.into())
}

fn list(values: &[&str]) -> MeasureParam {
    MeasureParam::List(values.iter().map(|v| (*v).to_owned()).collect())
}

fn kr(metric: &str, params: &[(&str, MeasureParam)]) -> KeyResult {
    KeyResult {
        id: "KR-T".parse().unwrap(),
        title: "test".into(),
        target: KrTarget::Metric { start: 0.0, target: 100.0, direction: Direction::Increase },
        kind: None,
        commitment: None,
        weight: 1.0,
        unit: None,
        measure: Some(Measure {
            metric: metric.into(),
            params: params.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        }),
        derived_from: Vec::new(),
        lineage: None,
        rationale: None,
        origin: origin(),
    }
}

fn measure_on(
    workspace: &Workspace,
    key_result: &KeyResult,
    evidence: &EvidenceSet,
    as_of: Date,
) -> KrValue {
    let cycle = workspace.config.cycle("2027-Q1").unwrap();
    measure_key_result(workspace, key_result, cycle, as_of, evidence, &workspace.config.settings)
}

fn measure(
    workspace: &Workspace,
    metric: &str,
    params: &[(&str, MeasureParam)],
    evidence: &EvidenceSet,
) -> KrValue {
    measure_on(workspace, &kr(metric, params), evidence, AS_OF)
}

/// Checks value, numerator and denominator (values to 1e-9).
#[track_caller]
fn assert_numbers(
    value: &KrValue,
    expected: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
) {
    match (value.value, expected) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "value {a} != {b}"),
        (a, b) => assert_eq!(a, b, "value"),
    }
    assert_eq!(value.numerator, numerator, "numerator");
    assert_eq!(value.denominator, denominator, "denominator");
}

fn evidence_json(value: &KrValue) -> String {
    serde_json::to_string(&value.evidence).unwrap()
}

// ---- threats.mitigated ----

#[test]
fn threats_mitigated_counts_mitigated_or_verified_and_leaves_out_not_applicable() {
    let (ws, _) = load(None);
    // In scope: T-S1 T-S2 T-S3 T-S5 (T-S4 n/a), T-A1 T-A2, T-O1 = 7; mitigated or verified:
    // T-S1, T-S3, T-A2 = 3. 3/7 = 42.857%.
    let value = measure(&ws, "threats.mitigated", &[], &EvidenceSet::default());
    assert_numbers(&value, Some(300.0 / 7.0), Some(3.0), Some(7.0));
    assert!(!evidence_json(&value).contains("T-S4"));
}

#[test]
fn threats_mitigated_filters_by_theme_tag_and_team() {
    let (ws, _) = load(None);
    let none = EvidenceSet::default();
    // Access control: T-S1 (mitigated), T-S2, T-A1, T-O1 (accepted is not mitigated): 1/4.
    let value = measure(&ws, "threats.mitigated", &[("theme", text("access_control"))], &none);
    assert_numbers(&value, Some(25.0), Some(1.0), Some(4.0));
    // tag:pci is the api: T-A1, T-A2 (mitigated): 1/2.
    let value = measure(&ws, "threats.mitigated", &[("apps", list(&["tag:pci"]))], &none);
    assert_numbers(&value, Some(50.0), Some(1.0), Some(2.0));
    // Team blue owns ops: T-O1, accepted: 0/1.
    let value = measure(&ws, "threats.mitigated", &[("teams", list(&["blue"]))], &none);
    assert_numbers(&value, Some(0.0), Some(0.0), Some(1.0));
}

#[test]
fn threats_mitigated_weighted_by_risk_sums_risk() {
    let (ws, _) = load(None);
    // Access control by risk: T-S1 high×high 16/25×10 = 6.4 (mitigated), T-S2 high 8.0,
    // T-A1 medium×medium 9/25×10 = 3.6, T-O1 high 8.0. 6.4 / 26.0 = 24.615%.
    let value = measure(
        &ws,
        "threats.mitigated",
        &[("theme", text("access_control")), ("weighting", text("risk"))],
        &EvidenceSet::default(),
    );
    assert_numbers(&value, Some(640.0 / 26.0), Some(6.4), Some(26.0));
}

// ---- threats.open ----

#[test]
fn threats_open_counts_open_threats_at_or_above_a_severity() {
    let (ws, _) = load(None);
    let none = EvidenceSet::default();
    // Open: T-S2 high, T-S5 critical, T-A1 medium (from medium × medium = 9); T-O1 is accepted.
    let value = measure(&ws, "threats.open", &[], &none);
    assert_numbers(&value, Some(3.0), Some(3.0), None);
    let value = measure(&ws, "threats.open", &[("severity", text("medium"))], &none);
    assert_numbers(&value, Some(3.0), Some(3.0), None);
    let value = measure(&ws, "threats.open", &[("severity", text("high"))], &none);
    assert_numbers(&value, Some(2.0), Some(2.0), None);
    let value = measure(&ws, "threats.open", &[("severity", text("critical"))], &none);
    assert_numbers(&value, Some(1.0), Some(1.0), None);
}

#[test]
fn threats_open_leaves_info_out_by_default_and_counts_unrated_threats() {
    let (mut ws, _) = load(None);
    let ops =
        ws.models.iter_mut().find(|m| m.app.as_ref().is_some_and(|a| a.as_str() == "ops")).unwrap();
    let mut info = ops.threats[0].clone();
    info.id = "T-O2".parse().unwrap();
    info.status = crate::model::ThreatStatus::Identified;
    info.severity = Severity::Info;
    let mut unrated = info.clone();
    unrated.id = "T-O3".parse().unwrap();
    unrated.severity = Severity::Unknown;
    ops.threats.extend([info, unrated]);
    let none = EvidenceSet::default();
    // T-S2, T-S5, T-A1 as before, plus T-O3 (unknown severity, still open risk); T-O2 is info.
    let value = measure(&ws, "threats.open", &[], &none);
    assert_numbers(&value, Some(4.0), Some(4.0), None);
    // At or above info: T-O2 too, but not the unrated T-O3: 4.
    let value = measure(&ws, "threats.open", &[("severity", text("info"))], &none);
    assert_numbers(&value, Some(4.0), Some(4.0), None);
    assert!(evidence_json(&value).contains("T-O2") && !evidence_json(&value).contains("T-O3"));
}

// ---- threats.tested ----

fn execution(
    test: &str,
    threats: &[&str],
    passed: bool,
    skipped: bool,
    day: Option<Date>,
) -> TestExecution {
    TestExecution {
        test: test.into(),
        threats: threats.iter().map(|t| (*t).to_owned()).collect(),
        passed,
        skipped,
        date: day,
        origin: origin(),
    }
}

fn test_evidence() -> EvidenceSet {
    EvidenceSet {
        tests: vec![
            // Names the scenario AB-S2, which exercises T-S2.
            execution("role [AB-S2]", &["AB-S2"], true, false, Some(date(2027, 2, 1))),
            execution("idor [T-S1]", &["T-S1"], false, false, Some(date(2027, 1, 15))),
            // Before the cycle: only a 90-day window reaches it.
            execution("bola [T-A1]", &["T-A1"], true, false, Some(date(2026, 12, 20))),
            execution("xss [T-S3]", &["T-S3"], false, true, Some(date(2027, 2, 2))),
            execution("sqli [T-S5]", &["T-S5"], true, false, None),
        ],
        ..EvidenceSet::default()
    }
}

#[test]
fn threats_tested_links_executions_by_threat_id_and_by_scenario() {
    let (ws, _) = load(None);
    // All in-scope threats: 7. Tested in the cycle: T-S1 (failed still ran), T-S2 (through AB-S2).
    // T-S3's run was skipped; T-S5's has no date; T-A1's is before the cycle. 2/7.
    let value = measure(&ws, "threats.tested", &[], &test_evidence());
    assert_numbers(&value, Some(200.0 / 7.0), Some(2.0), Some(7.0));
    assert!(value.notes.iter().any(|n| n.contains("1 test execution(s) without a date")));
    // Access control: T-S1, T-S2, T-A1, T-O1; tested T-S1, T-S2: 2/4.
    let value =
        measure(&ws, "threats.tested", &[("theme", text("access_control"))], &test_evidence());
    assert_numbers(&value, Some(50.0), Some(2.0), Some(4.0));
}

#[test]
fn threats_tested_passed_only_and_window() {
    let (ws, _) = load(None);
    let theme = ("theme", text("access_control"));
    // Only T-S2's run passed: 1/4.
    let value = measure(
        &ws,
        "threats.tested",
        &[theme.clone(), ("passed_only", MeasureParam::Bool(true))],
        &test_evidence(),
    );
    assert_numbers(&value, Some(25.0), Some(1.0), Some(4.0));
    // 90 days before 2027-02-15 is 2026-11-17: T-A1's run of 2026-12-20 counts too: 3/4.
    let value = measure(&ws, "threats.tested", &[theme, ("window", text("90d"))], &test_evidence());
    assert_numbers(&value, Some(75.0), Some(3.0), Some(4.0));
}

// ---- apps.threat_modeled ----

#[test]
fn apps_threat_modeled_counts_reviews_within_the_days() {
    let (ws, _) = load(None);
    let none = EvidenceSet::default();
    // Reviews: shop 2026-12-01 (76 days before), api 2025-06-01 (over 365), ops 2027-02-01 (14): 2/3.
    let value = measure(&ws, "apps.threat_modeled", &[], &none);
    assert_numbers(&value, Some(200.0 / 3.0), Some(2.0), Some(3.0));
    // Within 30 days: only ops: 1/3.
    let value =
        measure(&ws, "apps.threat_modeled", &[("within_days", MeasureParam::Number(30.0))], &none);
    assert_numbers(&value, Some(100.0 / 3.0), Some(1.0), Some(3.0));
    // On 2027-01-15 the ops review has not happened yet: shop only, 1/3.
    let value = measure_on(&ws, &kr("apps.threat_modeled", &[]), &none, date(2027, 1, 15));
    assert_numbers(&value, Some(100.0 / 3.0), Some(1.0), Some(3.0));
}

// ---- controls.implemented ----

#[test]
fn controls_implemented_as_a_share_of_controls() {
    let (ws, _) = load(None);
    let none = EvidenceSet::default();
    // C-S1 implemented, C-S2 planned, C-S3 verified, C-A1 verified; C-S4 n/a is left out: 3/4.
    let value = measure(&ws, "controls.implemented", &[], &none);
    assert_numbers(&value, Some(75.0), Some(3.0), Some(4.0));
    // About access-control threats: C-S1 (T-S1), C-S2 (T-S2), C-A1 (T-A1); implemented C-S1, C-A1: 2/3.
    let value = measure(&ws, "controls.implemented", &[("theme", text("access_control"))], &none);
    assert_numbers(&value, Some(200.0 / 3.0), Some(2.0), Some(3.0));
}

#[test]
fn controls_implemented_counts_apps_with_a_tagged_control() {
    let (ws, _) = load(None);
    let none = EvidenceSet::default();
    let params = [("control_tag", text("sso-oidc")), ("count", text("apps"))];
    // sso-oidc: C-S2 planned (shop), C-A1 verified (api). Apps with one implemented: api. Of 3 apps.
    let value = measure(&ws, "controls.implemented", &params, &none);
    assert_numbers(&value, Some(1.0), Some(1.0), Some(3.0));
    // tag:web is shop and api: 1 of 2.
    let mut scoped = params.to_vec();
    scoped.push(("apps", list(&["tag:web"])));
    let value = measure(&ws, "controls.implemented", &scoped, &none);
    assert_numbers(&value, Some(1.0), Some(1.0), Some(2.0));
}

// ---- asvs.compliance ----

fn asvs_evidence() -> EvidenceSet {
    let mut files = Files::new();
    let texts = [
        // V8 at L1 is 8.1.1, 8.2.1, 8.2.2, 8.3.1; 8.1.2 is L2.
        "app: shop\nversion: 5.0.0\ndate: 2027-02-01\nrequirements:\n  - { id: v5.0.0-8.1.1, status: pass }\n  - { id: v5.0.0-8.2.1, status: fail }\n  - { id: v5.0.0-8.2.2, status: n-a }\n  - { id: v5.0.0-8.1.2, status: pass }\n",
        "app: api\nversion: 5.0.0\ndate: 2027-01-01\nrequirements:\n  - { id: v5.0.0-8.3.1, status: fail }\n",
        "app: api\nversion: 5.0.0\ndate: 2027-02-01\nrequirements:\n  - { id: v5.0.0-8.1.1, status: pass }\n  - { id: v5.0.0-8.2.1, status: pass }\n  - { id: v5.0.0-8.2.2, status: pass }\n  - { id: v5.0.0-8.3.1, status: pass }\n",
        // After as_of: not known yet.
        "app: api\nversion: 5.0.0\ndate: 2027-03-01\nrequirements:\n  - { id: v5.0.0-8.1.1, status: fail }\n",
        // Another version: ignored by a 5.0.0 key result.
        "app: api\nversion: 4.0.3\ndate: 2027-02-01\nrequirements:\n  - { id: v4.0.3-4.1.1, status: fail }\n",
    ];
    let mut asvs = Vec::new();
    for (index, text) in texts.iter().enumerate() {
        let id = files.add(format!("asvs/{index}.yaml"), *text);
        let (verification, diagnostics) = parse_asvs(&files, id);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        asvs.push(verification.unwrap());
    }
    EvidenceSet { asvs, ..EvidenceSet::default() }
}

#[test]
fn asvs_compliance_excludes_not_applicable_and_counts_missing_as_not_passed() {
    let (ws, _) = load(None);
    let evidence = asvs_evidence();
    let v8_l1 = [
        ("version", text("5.0.0")),
        ("level", MeasureParam::Number(1.0)),
        ("chapters", list(&["V8"])),
        ("apps", list(&["tag:web"])),
    ];
    // shop: 8.1.1 pass, 8.2.1 fail, 8.2.2 n/a, 8.3.1 missing: 1 of 3.
    // api: the newest known result of each: all four pass (8.3.1 failed in January, passed in February): 4 of 4.
    // (5)/(7) = 71.43%.
    let value = measure(&ws, "asvs.compliance", &v8_l1, &evidence);
    assert_numbers(&value, Some(500.0 / 7.0), Some(5.0), Some(7.0));
    // What was not counted, and why: shop's 8.1.2 is L2; api's March result is not known yet; the
    // 4.0.3 verification is of another version.
    let reasons: Vec<(&str, u32)> = value.left_out.iter().map(|l| (l.reason, l.count)).collect();
    assert_eq!(
        reasons,
        vec![
            ("result dated after the day measured", 1),
            ("verification of another ASVS version", 1),
            ("requirement above the level or outside the chapters", 1),
        ]
    );
    assert_eq!(value.left_out[2].examples, vec!["v5.0.0-8.1.2 of shop".to_owned()]);
    // The theme gives the chapters: access_control is V8 in 5.0.0.
    let value = measure(
        &ws,
        "asvs.compliance",
        &[
            ("theme", text("access_control")),
            ("level", MeasureParam::Number(1.0)),
            ("apps", list(&["tag:web"])),
        ],
        &evidence,
    );
    assert_numbers(&value, Some(500.0 / 7.0), Some(5.0), Some(7.0));
}

#[test]
fn asvs_compliance_levels_are_cumulative_and_apps_without_results_count() {
    let (ws, _) = load(None);
    let evidence = asvs_evidence();
    // L2 adds 8.1.2, 8.2.3, 8.4.1 (7 in V8). shop: pass 8.1.1, 8.1.2; n/a 8.2.2: 2 of 6.
    // api: 4 passes, 3 missing: 4 of 7. 6/13.
    let value = measure(
        &ws,
        "asvs.compliance",
        &[
            ("level", MeasureParam::Number(2.0)),
            ("chapters", list(&["V8"])),
            ("apps", list(&["tag:web"])),
        ],
        &evidence,
    );
    assert_numbers(&value, Some(600.0 / 13.0), Some(6.0), Some(13.0));
    // Every app at L1: ops has no verification, its 4 requirements are missing: 5 of 11.
    let value = measure(
        &ws,
        "asvs.compliance",
        &[("level", MeasureParam::Number(1.0)), ("chapters", list(&["8"]))],
        &evidence,
    );
    assert_numbers(&value, Some(500.0 / 11.0), Some(5.0), Some(11.0));
    assert!(value.notes.iter().any(|n| n.contains("`ops`")));
}

// ---- training.coverage ----

fn training_evidence() -> EvidenceSet {
    let mut files = Files::new();
    // bob's `developer` is empty: threatokr.yaml says he is one (a person with a team). fay is not
    // in threatokr.yaml: counted. dan is not a developer; eve left.
    let roster = files.add(
        "roster.csv",
        "person,team,active,developer\nann,red,true,true\nbob,red,true,\ncat,blue,true,true\ndan,blue,true,false\neve,red,false,true\nfay,blue,true,\n",
    );
    let completions = files.add(
        "completions.csv",
        "person,course,date\nann,Access-Control,2027-01-10\nbob,access-control,2026-12-15\ncat,access-control,2027-02-01\neve,access-control,2027-01-05\ndan,access-control,2027-01-05\nfay,secure-coding,2027-01-20\ncat,access-control,2027-03-01\n",
    );
    let (roster, d1) = parse_roster(&files, roster);
    let (completions, d2) = parse_completions(&files, completions);
    assert!(d1.is_empty() && d2.is_empty(), "{d1:?} {d2:?}");
    EvidenceSet { roster, completions, ..EvidenceSet::default() }
}

#[test]
fn training_coverage_counts_active_developers_holding_a_valid_training() {
    let (ws, _) = load(None);
    let evidence = training_evidence();
    // Active developers: ann, bob (red), cat, fay (blue) = 4. Valid access-control training on
    // 2027-02-15 (365 days): ann (course names compare case-insensitively), bob (December: still
    // valid), cat. cat's March completion is after the day. 3/4.
    let value = measure(&ws, "training.coverage", &[("course", text("access-control"))], &evidence);
    assert_numbers(&value, Some(75.0), Some(3.0), Some(4.0));
    // Counts per team, never the names of people.
    let json = evidence_json(&value);
    assert_eq!(
        json,
        r#"[{"kind":"training","team":"blue","developers":2,"trained":1},{"kind":"training","team":"red","developers":2,"trained":2}]"#
    );
}

#[test]
fn issue_10_training_lasts_its_validity_not_the_quarter() {
    let mut files = Files::new();
    let roster = files
        .add("roster.csv", "person,team,active,developer\nann,red,true,true\nbob,red,true,true\n");
    let completions = files.add(
        "completions.csv",
        "person,course,date\nann,access-control,2026-02-16\nbob,access-control,2026-02-15\n",
    );
    let evidence = EvidenceSet {
        roster: parse_roster(&files, roster).0,
        completions: parse_completions(&files, completions).0,
        ..EvidenceSet::default()
    };
    let course = [("course", text("access-control"))];
    // On 2027-02-15 ann's training is 364 days old (valid), bob's 365 days (valid, the last day).
    let (ws, _) = load(None);
    assert_numbers(
        &measure(&ws, "training.coverage", &course, &evidence),
        Some(100.0),
        Some(2.0),
        Some(2.0),
    );
    // A day later bob's has lapsed.
    let kr = kr("training.coverage", &course);
    let value = measure_on(&ws, &kr, &evidence, date(2027, 2, 16));
    assert_numbers(&value, Some(50.0), Some(1.0), Some(2.0));
    // A course can last longer: with 730 days both hold; the newest completion is not stale.
    let mut ws = ws;
    ws.config.settings.courses.push(crate::model::Course {
        id: "Access-Control".into(),
        title: None,
        validity_days: Some(730),
        origin: origin(),
    });
    let value = measure_on(&ws, &kr, &evidence, date(2027, 2, 16));
    assert_numbers(&value, Some(100.0), Some(2.0), Some(2.0));
    assert!(!value.has_stale_evidence(date(2027, 2, 16)));
}

#[test]
fn training_coverage_filters_by_team_app_and_window() {
    let (ws, _) = load(None);
    let evidence = training_evidence();
    let course = ("course", text("access-control"));
    // Team red: ann, bob; both hold a valid training: 2/2.
    let value =
        measure(&ws, "training.coverage", &[course.clone(), ("teams", list(&["red"]))], &evidence);
    assert_numbers(&value, Some(100.0), Some(2.0), Some(2.0));
    // A written window also requires the completion inside it: 30 days back (from 2027-01-16)
    // only cat's February course counts: 1/4.
    let value =
        measure(&ws, "training.coverage", &[course.clone(), ("window", text("30d"))], &evidence);
    assert_numbers(&value, Some(25.0), Some(1.0), Some(4.0));
    // apps: ops without teams means ops's team, blue: cat, fay; cat trained: 1/2.
    let value = measure(&ws, "training.coverage", &[course, ("apps", list(&["ops"]))], &evidence);
    assert_numbers(&value, Some(50.0), Some(1.0), Some(2.0));
}

// ---- ci.coverage ----

fn repo(path: &str, categories: &[(Category, Presence)]) -> RepoScan {
    let mut all: BTreeMap<Category, Presence> =
        Category::ALL.into_iter().map(|c| (c, Presence::Absent)).collect();
    all.extend(categories.iter().copied());
    RepoScan { path: path.into(), tools: Vec::new(), categories: all }
}

fn ci_evidence() -> EvidenceSet {
    use Category::*;
    use Presence::*;
    EvidenceSet {
        ci: vec![
            repo("repos/shop", &[(Sast, Enforced), (Secrets, Enforced), (Sca, Present)]),
            repo("repos/api", &[(Sast, Enforced), (Secrets, Enforced), (Sca, Enforced)]),
            repo("./repos/shared/", &[(Sast, Enforced), (Secrets, Present)]),
            // repos/ops has no scan.
        ],
        ..EvidenceSet::default()
    }
}

#[test]
fn ci_coverage_requires_every_category_enforced_and_counts_a_shared_repo_once() {
    let (ws, _) = load(None);
    // Repos: shop, api, shared (listed by api and ops, counted once), ops (not scanned) = 4.
    // sast + secrets enforced: shop, api. 2/4.
    let value =
        measure(&ws, "ci.coverage", &[("require", list(&["sast", "secrets"]))], &ci_evidence());
    assert_numbers(&value, Some(50.0), Some(2.0), Some(4.0));
    let json = evidence_json(&value);
    assert!(json.contains(r#"{"kind":"repo","path":"repos/shared","app":"api","missing":["secrets"],"scanned":true}"#), "{json}");
    assert!(json.contains(r#"{"kind":"repo","path":"repos/ops","app":"ops","missing":["sast","secrets"],"scanned":false}"#), "{json}");
    // The default requirement is sast, secrets and sca: only api. 1/4.
    let value = measure(&ws, "ci.coverage", &[], &ci_evidence());
    assert_numbers(&value, Some(25.0), Some(1.0), Some(4.0));
    // tag:web: shop, api, shared: 2/3.
    let value = measure(
        &ws,
        "ci.coverage",
        &[("require", list(&["sast", "secrets"])), ("apps", list(&["tag:web"]))],
        &ci_evidence(),
    );
    assert_numbers(&value, Some(200.0 / 3.0), Some(2.0), Some(3.0));
}

// ---- findings ----

#[allow(clippy::too_many_arguments, reason = "a table row")]
fn finding(
    id: &str,
    app: &str,
    env: &str,
    severity: Severity,
    score: Option<f64>,
    cwes: &[u32],
    first: Date,
    fixed: Option<Date>,
) -> FindingRecord {
    FindingRecord {
        app: app.into(),
        environment: env.into(),
        tool: "semgrep".into(),
        id: id.into(),
        rule_id: format!("rule-{id}").into(),
        severity,
        score,
        class: FindingClass::Security,
        cwes: cwes.to_vec(),
        first_seen: first,
        fixed_at: fixed,
        file: Some(format!("src/{id}.py").into()),
        line: Some(1),
    }
}

fn finding_evidence() -> EvidenceSet {
    use Severity::*;
    let d = |m, day| date(2027, m, day);
    EvidenceSet {
        findings: vec![
            finding("F1", "shop", "prod", High, Some(7.5), &[639], d(1, 10), None),
            finding("F2", "shop", "prod", Medium, Some(4.0), &[79], d(1, 10), None),
            finding("F3", "shop", "prod", Low, Some(3.9), &[], d(1, 10), None),
            finding("F4", "shop", "staging", Critical, Some(9.0), &[], d(1, 10), None),
            finding("F5", "api", "prod", Medium, None, &[], d(1, 20), None),
            finding("F6", "api", "prod", High, Some(8.0), &[], date(2026, 12, 1), Some(d(1, 5))),
            finding("F7", "api", "prod", Medium, Some(6.0), &[], d(2, 20), None),
            finding("F8", "ops", "prod", Medium, Some(5.0), &[], date(2026, 10, 1), Some(d(2, 15))),
            finding("F9", "shop", "prod", Critical, Some(9.8), &[], d(1, 2), Some(d(1, 8))),
            finding("F10", "api", "prod", High, Some(7.0), &[], d(1, 1), Some(d(2, 5))),
        ],
        ..EvidenceSet::default()
    }
}

fn scan(app: &str, env: &str, day: Date) -> ScanRecord {
    ScanRecord { tool: "semgrep".into(), app: app.into(), environment: env.into(), date: day }
}

const PROD_OKRS: &str = r#"
cycle: 2027-Q1
objectives:
  - id: O-1
    title: No prod vulns
    level: team
    key_results:
      - { id: KR-OPEN, title: No vulns above 4, type: threshold, at_most: 0, measure: { metric: findings.open, env: prod, score: "> 4.0" } }
"#;

fn measured_kr(ws: &Workspace, evidence: &EvidenceSet, id: &str) -> KrMeasurement {
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let measured = measure_cycle(ws, cycle, AS_OF, evidence);
    measured.key_results.into_iter().find(|k| k.id.as_str() == id).unwrap()
}

#[test]
fn issue_10_findings_open_before_any_scan_is_no_data_not_on_track() {
    let (ws, _) = load(Some(PROD_OKRS));
    let kr = measured_kr(&ws, &EvidenceSet::default(), "KR-OPEN");
    assert_eq!((kr.value.value, kr.progress, kr.status), (None, None, Status::NoData));
    let coverage = kr.value.coverage.unwrap();
    assert_eq!((coverage.covered, coverage.total), (0, 3));
    assert!(
        kr.value.notes.iter().any(|n| n.contains("0 of 3 apps scanned")),
        "{:?}",
        kr.value.notes
    );

    // A scan before the window (the cycle) does not cover it either.
    let old = EvidenceSet {
        scans: vec![scan("shop", "prod", date(2026, 12, 20))],
        ..EvidenceSet::default()
    };
    assert_eq!(measured_kr(&ws, &old, "KR-OPEN").status, Status::NoData);
}

#[test]
fn issue_10_findings_open_with_part_of_the_scope_scanned_says_so_and_is_at_best_at_risk() {
    let (ws, _) = load(Some(PROD_OKRS));
    // shop and api scanned in prod with nothing found; ops never scanned.
    let evidence = EvidenceSet {
        scans: vec![scan("shop", "prod", date(2027, 2, 1)), scan("api", "prod", date(2027, 2, 10))],
        ..EvidenceSet::default()
    };
    let kr = measured_kr(&ws, &evidence, "KR-OPEN");
    // 0 open findings meets `at_most: 0`: progress 1, but ops has no evidence.
    assert_eq!((kr.value.value, kr.progress), (Some(0.0), Some(1.0)));
    assert_eq!(kr.status, Status::AtRisk);
    let coverage = kr.value.coverage.clone().unwrap();
    assert_eq!((coverage.covered, coverage.total, coverage.missing), (2, 3, vec!["ops".into()]));
    assert!(kr.value.notes.iter().any(|n| n.contains("2 of 3 apps scanned in the window")));

    // Once ops is scanned too, the key result is on track.
    let mut all = evidence;
    all.scans.push(scan("ops", "prod", date(2027, 2, 12)));
    assert_eq!(measured_kr(&ws, &all, "KR-OPEN").status, Status::OnTrack);
}

#[test]
fn issue_10_every_family_without_evidence_is_no_data() {
    let (ws, _) = load(None);
    let none = EvidenceSet::default();
    for (metric, params) in [
        ("findings.sla", vec![]),
        ("findings.mttr", vec![]),
        ("asvs.compliance", vec![("level", MeasureParam::Number(1.0))]),
        ("ci.coverage", vec![]),
        ("training.coverage", vec![("course", text("access-control"))]),
        ("threats.tested", vec![]),
    ] {
        let value = measure(&ws, metric, &params, &none);
        assert_eq!(value.value, None, "{metric}: {:?}", value.notes);
        assert!(
            value.notes.iter().any(|n| n.starts_with("no data")),
            "{metric}: {:?}",
            value.notes
        );
    }
    // Threats of an app without a threat model are unknown, not absent.
    let (ws, _) = load_models(&[("models/shop.tm.yaml", SHOP)], None);
    let value = measure(&ws, "threats.open", &[], &none);
    let coverage = value.coverage.unwrap();
    assert_eq!((coverage.covered, coverage.total), (1, 3));
    assert_eq!(coverage.missing, ["api", "ops"]);
}

#[test]
fn issue_10_evidence_older_than_its_kind_allows_makes_the_key_result_stale_and_names_it() {
    let (ws, _) = load(Some(PROD_OKRS));
    // Every app scanned in the cycle, but ops last on 2027-01-05: 41 days before 2027-02-15,
    // more than the 30 days scans may be old. The count (0) and progress still show.
    let evidence = EvidenceSet {
        scans: vec![
            scan("shop", "prod", date(2027, 2, 1)),
            scan("api", "prod", date(2027, 2, 10)),
            scan("ops", "prod", date(2027, 1, 5)),
        ],
        ..EvidenceSet::default()
    };
    let kr = measured_kr(&ws, &evidence, "KR-OPEN");
    assert_eq!((kr.value.value, kr.progress, kr.status), (Some(0.0), Some(1.0), Status::Stale));
    assert!(
        kr.value.notes.contains(
            &"stale evidence: the newest scan of `ops` in prod is from 2027-01-05, older than 30 days (settings.evidence_max_age_days.scans)"
                .to_owned()
        ),
        "{:?}",
        kr.value.notes
    );
    // 30 days old is still fresh.
    let mut fresh = evidence.clone();
    fresh.scans.push(scan("ops", "prod", date(2027, 1, 16)));
    assert_eq!(measured_kr(&ws, &fresh, "KR-OPEN").status, Status::OnTrack);

    // ASVS: shop's verification, redated 2026-06-01, is 259 days old on 2027-02-15: more than 180.
    let mut asvs = asvs_evidence();
    for verification in asvs.asvs.iter_mut().filter(|v| v.app == "shop") {
        verification.date = Some(date(2026, 6, 1));
        for result in &mut verification.requirements {
            result.date = Some(date(2026, 6, 1));
        }
    }
    let params = [("level", MeasureParam::Number(1.0)), ("apps", list(&["shop"]))];
    let value = measure(&ws, "asvs.compliance", &params, &asvs);
    assert!(value.has_stale_evidence(AS_OF), "{:?}", value.evidence_age);
    assert_eq!(value.evidence_age.unwrap().what, "the newest ASVS verification of `shop`");

    // Training: the newest access-control completion (2027-02-01) is within 365 days.
    let course = [("course", text("access-control"))];
    let value = measure(&ws, "training.coverage", &course, &training_evidence());
    assert!(!value.has_stale_evidence(AS_OF));
}

#[test]
fn findings_open_says_what_it_left_out_and_why_with_counts_that_add_up() {
    let (ws, _) = load(None);
    let evidence = finding_evidence();
    let value = measure(
        &ws,
        "findings.open",
        &[("env", text("prod")), ("score", text(">= 4.0"))],
        &evidence,
    );
    let reasons: Vec<(&str, u32)> = value.left_out.iter().map(|l| (l.reason, l.count)).collect();
    // F4 staging; F3 below 4.0; F7 seen after the day; F6 F8 F9 F10 fixed by it.
    assert_eq!(
        reasons,
        vec![
            ("environment out of scope", 1),
            ("below the score", 1),
            ("fixed by the day measured", 4),
            ("first seen after the day measured", 1),
        ]
    );
    let left: u32 = value.left_out.iter().map(|l| l.count).sum();
    assert_eq!(left as usize + value.evidence.len(), evidence.findings.len());
    assert!(value.left_out[1].examples[0].starts_with("semgrep rule-F3 (low 3.9) in shop/prod"));
}

/// Findings of a place out of scope are tallied a run at a time (issue 12): the counts, the
/// examples and the order of the reasons are those of leaving them out one by one, however
/// the places interleave.
#[test]
fn findings_left_out_by_place_are_tallied_as_one_by_one() {
    let (ws, _) = load(None);
    let day = date(2027, 1, 10);
    let one =
        |id: &str, app: &str, env: &str| finding(id, app, env, Severity::Low, None, &[], day, None);
    let mut findings = vec![one("A1", "api", "prod")];
    findings.extend((0..7).map(|i| one(&format!("S{i}"), "shop", "staging")));
    findings.push(one("P1", "shop", "prod"));
    findings.extend((7..10).map(|i| one(&format!("S{i}"), "shop", "staging")));
    findings.push(one("O1", "ops", "prod"));
    let evidence = EvidenceSet { findings, ..EvidenceSet::default() };
    let params = [("env", text("prod")), ("apps", list(&["shop"]))];
    let value = measure(&ws, "findings.open", &params, &evidence);
    let reasons: Vec<(&str, u32)> = value.left_out.iter().map(|l| (l.reason, l.count)).collect();
    assert_eq!(reasons, [("app out of scope", 2), ("environment out of scope", 10)]);
    let examples: Vec<&str> = value.left_out[1]
        .examples
        .iter()
        .map(|e| e.split(' ').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(examples, ["rule-S0", "rule-S1", "rule-S2", "rule-S3", "rule-S4"]);
    assert!(value.left_out[0].examples[1].contains("ops/prod"));
    assert_eq!(value.evidence.len(), 1);
}

#[test]
fn findings_open_counts_open_findings_meeting_the_score_in_the_environment() {
    let (ws, _) = load(None);
    let evidence = finding_evidence();
    // Open in prod on 2027-02-15: F1 7.5, F2 4.0, F3 3.9, F5 (no score, medium). F4 is staging,
    // F6 F9 F10 fixed, F8 fixed that very day, F7 not seen yet.
    // >= 4.0: F1, F2, F5 (a medium without a score stands at 4.0) = 3.
    let value = measure(
        &ws,
        "findings.open",
        &[("env", text("prod")), ("score", text(">= 4.0"))],
        &evidence,
    );
    assert_numbers(&value, Some(3.0), Some(3.0), None);
    // > 4.0: F1 only.
    let value = measure(
        &ws,
        "findings.open",
        &[("env", text("prod")), ("score", text("> 4.0"))],
        &evidence,
    );
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    // severity high in prod: F1.
    let value = measure(
        &ws,
        "findings.open",
        &[("env", text("prod")), ("severity", text("high"))],
        &evidence,
    );
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    // staging, nothing else: F4.
    let value = measure(&ws, "findings.open", &[("environments", list(&["staging"]))], &evidence);
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    // Access control by CWE (639): F1.
    let value = measure(
        &ws,
        "findings.open",
        &[("env", text("prod")), ("theme", text("access_control"))],
        &evidence,
    );
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    // tag:pci is api: F5.
    let value = measure(
        &ws,
        "findings.open",
        &[("apps", list(&["tag:pci"])), ("score", text(">= 4.0"))],
        &evidence,
    );
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    assert!(evidence_json(&value).contains(r#""id":"F5""#));
}

#[test]
fn finding_metrics_count_security_findings_unless_the_key_result_names_other_classes() {
    let (ws, _) = load(None);
    let mut evidence = finding_evidence();
    // F2 becomes a code-quality finding and F5 a licence issue; the rest stay security.
    for finding in &mut evidence.findings {
        finding.class = match &*finding.id {
            "F2" => FindingClass::Quality,
            "F5" => FindingClass::License,
            _ => FindingClass::Security,
        };
    }
    let prod = ("env", text("prod"));
    // >= 4.0 open in prod was F1, F2, F5: by default only F1 is security.
    let value =
        measure(&ws, "findings.open", &[prod.clone(), ("score", text(">= 4.0"))], &evidence);
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    let value = measure(
        &ws,
        "findings.open",
        &[prod.clone(), ("score", text(">= 4.0")), ("classes", list(&["security", "quality"]))],
        &evidence,
    );
    assert_numbers(&value, Some(2.0), Some(2.0), None);
    assert!(evidence_json(&value).contains(r#""class":"quality""#));
    // F5 has no score: it meets ">= 4.0" by its band (medium), and its evidence says so.
    let value = measure(
        &ws,
        "findings.open",
        &[prod, ("score", text(">= 4.0")), ("classes", list(&["license"]))],
        &evidence,
    );
    assert_numbers(&value, Some(1.0), Some(1.0), None);
    let json = evidence_json(&value);
    assert!(json.contains(r#""id":"F5""#) && json.contains(r#""by_band":true"#), "{json}");
    // An unknown class is noted and counts nothing.
    let value = measure(&ws, "findings.mttr", &[("classes", list(&["style"]))], &evidence);
    assert_eq!(value.denominator, Some(0.0));
    assert!(value.notes.iter().any(|n| n.contains("`classes`")), "{:?}", value.notes);
}

#[test]
fn findings_sla_counts_deadlines_inside_the_window_met_by_a_fix() {
    let (ws, _) = load(None);
    let evidence = finding_evidence();
    // Deadlines (first seen + 7/30/90/120) inside 2027-01-01..2027-02-15:
    // F1 high 01-10+30 = 02-09 open: missed; F4 critical 01-10+7 = 01-17 open: missed;
    // F9 critical 01-02+7 = 01-09 fixed 01-08: met; F10 high 01-01+30 = 01-31 fixed 02-05: missed.
    // The others fall outside (F6 2026-12-31, F8 2026-12-30, mediums and lows in spring). 1/4.
    let value = measure(&ws, "findings.sla", &[], &evidence);
    assert_numbers(&value, Some(25.0), Some(1.0), Some(4.0));
    // Critical and above: F4, F9: 1/2.
    let value = measure(&ws, "findings.sla", &[("severity", text("critical"))], &evidence);
    assert_numbers(&value, Some(50.0), Some(1.0), Some(2.0));
    // prod: F1, F9, F10: 1/3.
    let value = measure(&ws, "findings.sla", &[("env", text("prod"))], &evidence);
    assert_numbers(&value, Some(100.0 / 3.0), Some(1.0), Some(3.0));
}

#[test]
fn findings_mttr_is_the_median_of_days_to_fix_inside_the_window() {
    let (ws, _) = load(None);
    let evidence = finding_evidence();
    // Fixed in the cycle: F6 2026-12-01→01-05 = 35 days, F8 2026-10-01→02-15 = 137,
    // F9 01-02→01-08 = 6, F10 01-01→02-05 = 35. Sorted 6, 35, 35, 137: median (35+35)/2 = 35.
    let value = measure(&ws, "findings.mttr", &[], &evidence);
    assert_numbers(&value, Some(35.0), None, Some(4.0));
    // Critical only: F9, 6 days.
    let value = measure(&ws, "findings.mttr", &[("severity", text("critical"))], &evidence);
    assert_numbers(&value, Some(6.0), None, Some(1.0));
    // The last 30 days (from 01-16): F8 137, F10 35: (35+137)/2 = 86.
    let value = measure(&ws, "findings.mttr", &[("window", text("30d"))], &evidence);
    assert_numbers(&value, Some(86.0), None, Some(2.0));
}

// ---- manual, check-ins, milestones, binary ----

fn checkins(kr: &str, rows: &[(Date, f64, Option<u8>)]) -> EvidenceSet {
    let records = rows
        .iter()
        .map(|&(date, value, confidence)| CheckinRecord { date, value, confidence })
        .collect();
    EvidenceSet { checkins: BTreeMap::from([(kr.to_owned(), records)]), ..EvidenceSet::default() }
}

#[test]
fn manual_takes_the_latest_checkin_on_or_before_the_day() {
    let (ws, _) = load(None);
    let evidence = checkins(
        "KR-T",
        &[
            (date(2027, 1, 10), 10.0, Some(5)),
            (date(2027, 2, 1), 20.0, Some(7)),
            (date(2027, 2, 20), 30.0, None),
        ],
    );
    let value = measure(&ws, "manual", &[], &evidence);
    assert_numbers(&value, Some(20.0), None, None);
    assert_eq!(value.confidence, Some(7));
    assert_eq!(value.measured_on, Some(date(2027, 2, 1)));
    // A metric key result without `measure:` reads its check-ins the same way.
    let mut plain = kr("manual", &[]);
    plain.measure = None;
    let value = measure_on(&ws, &plain, &evidence, AS_OF);
    assert_numbers(&value, Some(20.0), None, None);
    // No check-in: no data.
    let value = measure_on(&ws, &plain, &EvidenceSet::default(), AS_OF);
    assert_eq!(value.value, None);
}

#[test]
fn milestones_and_binary_read_the_file_and_checkins() {
    let (ws, _) = load(None);
    let mut milestones = kr("manual", &[]);
    milestones.measure = None;
    milestones.target = KrTarget::Milestones(vec![
        Milestone { title: "a".into(), weight: 1.0, done: Some(date(2027, 1, 20)) },
        Milestone { title: "b".into(), weight: 2.0, done: Some(date(2027, 3, 1)) },
    ]);
    // Weight 1 of 3 done by 2027-02-15.
    let value = measure_on(&ws, &milestones, &EvidenceSet::default(), AS_OF);
    assert_numbers(&value, Some(100.0 / 3.0), Some(1.0), Some(3.0));
    // Nothing done yet is 0 of 3, never -0 (an empty float sum is -0.0).
    let nothing = measure_on(&ws, &milestones, &EvidenceSet::default(), date(2027, 1, 10));
    assert!(
        nothing.numerator.is_some_and(|n| n == 0.0 && n.is_sign_positive()),
        "{:?}",
        nothing.numerator
    );
    assert!(nothing.value.is_some_and(|v| v.is_sign_positive()));
    let mut binary = milestones.clone();
    binary.target = KrTarget::Binary { done: Some(date(2027, 3, 1)) };
    assert_eq!(measure_on(&ws, &binary, &EvidenceSet::default(), AS_OF).value, Some(0.0));
    let evidence = checkins("KR-T", &[(date(2027, 2, 10), 1.0, Some(9))]);
    let value = measure_on(&ws, &binary, &evidence, AS_OF);
    assert_eq!((value.value, value.confidence), (Some(1.0), Some(9)));
    assert_eq!(
        measure_on(&ws, &binary, &EvidenceSet::default(), date(2027, 3, 2)).value,
        Some(1.0)
    );
}

// ---- a whole cycle ----

const OKRS: &str = r#"
cycle: 2027-Q1
objectives:
  - id: O-1
    title: Access control
    level: team
    commitment: committed
    key_results:
      - { id: KR-MIT, title: AC threats mitigated, type: metric, start: 0, target: 100, unit: "%", measure: { metric: threats.mitigated, theme: access_control } }
      - { id: KR-OPEN, title: No high open findings in prod, type: threshold, at_most: 0, measure: { metric: findings.open, env: prod, score: ">= 7.0" } }
  - id: O-2
    title: Everything else
    level: team
    commitment: aspirational
    key_results:
      - ref: KR-MIT
      - { id: KR-MAN, title: Revenue, type: metric, start: 0, target: 40, measure: { metric: manual } }
      - id: KR-MS
        title: Certifications
        type: milestones
        milestones:
          - { title: ISO, done: 2027-01-20 }
          - { title: SOC 2, weight: 2 }
"#;

#[test]
fn measures_a_cycle_once_per_key_result_and_rolls_objectives_up() {
    let (ws, _) = load(Some(OKRS));
    let mut evidence = finding_evidence();
    evidence.checkins.insert(
        "KR-MAN".into(),
        vec![CheckinRecord { date: date(2027, 2, 1), value: 20.0, confidence: Some(6) }],
    );
    // Two earlier measurements of the threshold held (0 open).
    evidence
        .history
        .insert("KR-OPEN".into(), vec![(date(2027, 1, 20), 0.0), (date(2027, 2, 1), 0.0)]);
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let measured = measure_cycle(&ws, cycle, AS_OF, &evidence);
    // Expected: 45 days of 89.
    assert!((measured.expected - 45.0 / 89.0).abs() < 1e-12);
    assert_eq!(measured.key_results.len(), 4, "KR-MIT is shared and measured once");
    let progress = |id: &str| {
        measured.key_results.iter().find(|k| k.id.as_str() == id).unwrap().progress.unwrap()
    };
    let status =
        |id: &str| measured.key_results.iter().find(|k| k.id.as_str() == id).unwrap().status;
    // KR-MIT: 25% of 0→100 = 0.25 < 0.6 × 0.5056: off track.
    assert!((progress("KR-MIT") - 0.25).abs() < 1e-12);
    assert_eq!(status("KR-MIT"), Status::OffTrack);
    // KR-OPEN: today F1 (7.5) is open in prod: 1 > 0 fails; with the two earlier passes 2 of 3.
    assert!((progress("KR-OPEN") - 2.0 / 3.0).abs() < 1e-12);
    // KR-MAN: 20 of 0→40 = 0.5 >= 0.9 × 0.5056 = 0.455: on track (14 days old is not stale yet).
    assert!((progress("KR-MAN") - 0.5).abs() < 1e-12);
    assert_eq!(status("KR-MAN"), Status::OnTrack);
    assert!((progress("KR-MS") - 1.0 / 3.0).abs() < 1e-12);

    let json = measurement_json(&measured);
    assert_eq!(json["as_of"], "2027-02-15");
    assert_eq!(json["cycle"], "2027-Q1");
    let o1 = &json["objectives"][0];
    let o2 = &json["objectives"][1];
    // O-1: (0.25 + 2/3) / 2 = 0.4583; O-2: (0.25 + 0.5 + 1/3) / 3 = 0.3611.
    assert!((o1["progress"].as_f64().unwrap() - (0.25 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    assert!((o2["progress"].as_f64().unwrap() - (0.25 + 0.5 + 1.0 / 3.0) / 3.0).abs() < 1e-12);
    assert_eq!(
        o1["key_results"][0], o2["key_results"][0],
        "the shared key result appears under both"
    );
    let keys: Vec<&str> =
        o1["key_results"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, KEY_RESULT_JSON_KEYS);
    assert_eq!(
        o1["key_results"][0]["coverage"],
        serde_json::json!({"covered": 3, "total": 3, "of": "apps with a threat model", "missing": []})
    );
    let keys: Vec<&str> = o1.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "progress", "status", "key_results"]);
    assert_eq!(o1["key_results"][1]["metric"], "findings.open");
    assert_eq!(o2["key_results"][2]["metric"], "milestones");
}

#[test]
fn streamed_measurement_json_is_byte_for_byte_the_pretty_printed_tree() {
    let (ws, _) = load(Some(OKRS));
    let mut evidence = finding_evidence();
    evidence.checkins.insert(
        "KR-MAN".into(),
        vec![CheckinRecord { date: date(2027, 2, 1), value: 20.0, confidence: Some(6) }],
    );
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let measured = measure_cycle(&ws, cycle, AS_OF, &evidence);
    let mut streamed = Vec::new();
    write_measurement_json(&mut streamed, &measured).unwrap();
    let tree = serde_json::to_string_pretty(&measurement_json(&measured)).unwrap();
    assert_eq!(String::from_utf8(streamed).unwrap(), tree);
    // The shared KR-MIT is written under both objectives, its evidence included.
    assert_eq!(tree.matches("\"id\": \"KR-MIT\"").count(), 2);
}

#[test]
fn stale_checkins_make_a_key_result_stale_and_nothing_is_no_data() {
    let (ws, _) = load(Some(OKRS));
    let mut evidence = EvidenceSet::default();
    evidence.checkins.insert(
        "KR-MAN".into(),
        vec![CheckinRecord { date: date(2027, 1, 20), value: 30.0, confidence: None }],
    );
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let measured = measure_cycle(&ws, cycle, AS_OF, &evidence);
    let status =
        |id: &str| measured.key_results.iter().find(|k| k.id.as_str() == id).unwrap().status;
    // 26 days old, the window is 14.
    assert_eq!(status("KR-MAN"), Status::Stale);
    let measured = measure_cycle(&ws, cycle, AS_OF, &EvidenceSet::default());
    let kr_man = measured.key_results.iter().find(|k| k.id.as_str() == "KR-MAN").unwrap();
    assert_eq!((kr_man.progress, kr_man.status), (None, Status::NoData));
}

// ---- properties ----

fn roster_and_completions(people: &[(u8, bool)], trained: &[u8]) -> EvidenceSet {
    let mut files = Files::new();
    let mut roster = String::from("person,team,active,developer\n");
    for (index, (team, active)) in people.iter().enumerate() {
        let team = if team % 2 == 0 { "red" } else { "blue" };
        roster.push_str(&format!("p{index},{team},{active},true\n"));
    }
    let mut completions = String::from("person,course,date\n");
    for person in trained {
        completions.push_str(&format!("p{person},access-control,2027-01-10\n"));
    }
    let roster = files.add("roster.csv", roster);
    let completions = files.add("completions.csv", completions);
    EvidenceSet {
        roster: parse_roster(&files, roster).0,
        completions: parse_completions(&files, completions).0,
        ..EvidenceSet::default()
    }
}

proptest! {
    #[test]
    fn more_passing_evidence_never_lowers_coverage(
        people in proptest::collection::vec((0u8..4, any::<bool>()), 0..12),
        // At least one completion: with none, training is no data rather than 0%.
        trained in proptest::collection::vec(0u8..12, 1..12),
        extra in 0u8..12,
        upgraded in proptest::collection::vec((0usize..3, 0usize..6), 0..6),
        upgraded_results in proptest::collection::vec((0usize..4, 0usize..8), 0..8),
    ) {
        let (ws, _) = load(None);
        let course = [("course", text("access-control"))];
        let before = measure(&ws, "training.coverage", &course, &roster_and_completions(&people, &trained));
        let mut more = trained.clone();
        more.push(extra);
        let after = measure(&ws, "training.coverage", &course, &roster_and_completions(&people, &more));
        prop_assert_eq!(before.denominator, after.denominator);
        prop_assert!(after.value.unwrap_or(0.0) >= before.value.unwrap_or(0.0));

        // Enforcing more categories in more repositories never lowers ci.coverage.
        let require = [("require", list(&["sast", "secrets", "sca"]))];
        let mut ci = ci_evidence();
        let before = measure(&ws, "ci.coverage", &require, &ci).value.unwrap();
        for (repo, category) in upgraded {
            ci.ci[repo].categories.insert(Category::ALL[category], Presence::Enforced);
        }
        let after = measure(&ws, "ci.coverage", &require, &ci).value.unwrap();
        prop_assert!(after >= before);

        // Turning failed ASVS results into passes never lowers compliance (and keeps the denominator).
        let params = [("level", MeasureParam::Number(2.0)), ("chapters", list(&["V8"]))];
        let mut asvs = asvs_evidence();
        let before = measure(&ws, "asvs.compliance", &params, &asvs);
        for (file, result) in upgraded_results {
            let verification = &mut asvs.asvs[file % 4];
            let count = verification.requirements.len();
            let requirement = &mut verification.requirements[result % count];
            if requirement.status == AsvsStatus::Fail {
                requirement.status = AsvsStatus::Pass;
            }
        }
        let after = measure(&ws, "asvs.compliance", &params, &asvs);
        prop_assert_eq!(before.denominator, after.denominator);
        prop_assert!(after.value.unwrap() >= before.value.unwrap());
    }
}

fn any_param() -> impl Strategy<Value = MeasureParam> {
    prop_oneof![
        ".{0,12}".prop_map(MeasureParam::Text),
        any::<f64>().prop_map(MeasureParam::Number),
        any::<bool>().prop_map(MeasureParam::Bool),
        proptest::collection::vec(".{0,8}", 0..3).prop_map(MeasureParam::List),
    ]
}

proptest! {
    #[test]
    fn any_parameters_never_panic_and_give_finite_numbers(
        metric in proptest::sample::select(CATALOGUE.iter().map(|m| m.name).collect::<Vec<_>>()),
        params in proptest::collection::btree_map(
            proptest::sample::select(vec![
                "apps", "teams", "theme", "themes", "env", "environments", "window", "weighting",
                "severity", "passed_only", "within_days", "control_tag", "count", "version", "level",
                "chapters", "course", "topic", "require", "score",
            ]),
            any_param(),
            0..6,
        ),
    ) {
        let (ws, _) = load(None);
        let mut evidence = finding_evidence();
        evidence.tests = test_evidence().tests;
        evidence.asvs = asvs_evidence().asvs;
        let training = training_evidence();
        evidence.roster = training.roster;
        evidence.completions = training.completions;
        evidence.ci = ci_evidence().ci;
        let params: Vec<(&str, MeasureParam)> = params.into_iter().collect();
        let value = measure(&ws, metric, &params, &evidence);
        for number in [value.value, value.numerator, value.denominator].into_iter().flatten() {
            prop_assert!(number.is_finite(), "{metric}: {number}");
        }
    }
}

// ---- evidence checks ----

#[test]
fn checks_evidence_against_the_workspace_with_positions() {
    let (ws, _) = load(None);
    let mut files = Files::new();
    let file = files.add(
        "asvs/x.yaml",
        "app: nope\nversion: 5.0.0\nrequirements:\n  - { id: v5.0.0-8.1.1, status: pass }\n  - { id: v5.0.0-99.1.1, status: fail }\n",
    );
    let (verification, _) = parse_asvs(&files, file);
    let mut evidence = test_evidence();
    evidence.tests.push(execution(
        "other [T-ELSEWHERE-1]",
        &["T-ELSEWHERE-1"],
        true,
        false,
        Some(date(2027, 2, 1)),
    ));
    evidence.asvs.push(verification.unwrap());
    let diagnostics = check_evidence(&ws, &evidence);
    let got: Vec<(&str, crate::diag::Severity, usize)> = diagnostics
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                d.severity,
                d.primary.as_ref().map_or(0, |p| files.get(file).line_col(p.span.start).line),
            )
        })
        .collect();
    // The unknown app (the whole file, line 1), the requirement 99.1.1 (line 5), and the test's
    // unknown id (a warning; the test's origin is in another file, so its line is not checked).
    assert_eq!(got.len(), 3, "{diagnostics:#?}");
    assert_eq!((got[0].0, got[0].2), ("dangling-reference", 1));
    assert_eq!((got[1].0, got[1].2), ("invalid-asvs-id", 5));
    assert_eq!((got[2].0, got[2].1), ("dangling-reference", crate::diag::Severity::Warning));
}

#[test]
fn issue_10_unknown_course_and_environment_are_errors_with_a_suggestion() {
    let mut files = Files::new();
    let config = format!(
        "{CONFIG}settings:\n  courses:\n    - {{ id: access-control, validity_days: 730 }}\n"
    );
    let okrs = r#"
cycle: 2027-Q1
objectives:
  - id: O-1
    title: Typos
    level: team
    key_results:
      - { id: KR-1, title: Course, type: metric, start: 0, target: 80, measure: { metric: training.coverage, course: acces-control } }
      - { id: KR-2, title: Env, type: threshold, at_most: 0, measure: { metric: findings.open, env: prdo, score: ">= 4.0" } }
      - { id: KR-3, title: Fine, type: metric, start: 0, target: 80, measure: { metric: training.coverage, course: Access-Control } }
"#;
    let inputs = WorkspaceFiles {
        config: Some(files.add("threatokr.yaml", config)),
        okrs: vec![files.add("okrs/2027-Q1.yaml", okrs)],
        ..WorkspaceFiles::default()
    };
    let (ws, diagnostics) = load_workspace(&files, &inputs);
    let messages: Vec<(String, Option<String>)> =
        diagnostics.iter().map(|d| (d.message.clone(), d.help.clone())).collect();
    assert_eq!(
        messages,
        [
            (
                "key result `KR-1` refers to the course `acces-control`, which does not exist"
                    .into(),
                Some("did you mean `access-control`?".into())
            ),
            (
                "key result `KR-2` refers to the environment `prdo`, which does not exist".into(),
                Some("did you mean `prod`?".into())
            ),
        ]
    );
    assert_eq!(ws.config.settings.course_validity_days("ACCESS-control"), 730);
    assert_eq!(ws.config.settings.course_validity_days("other"), 365);
}

#[test]
fn issue_10_the_json_schema_of_measure_comes_from_the_catalogue() {
    let schema = crate::decode::json_schema(&crate::native::shapes::OKRS, "okrs", "okrs");
    let text = schema.to_string();
    for metric in CATALOGUE {
        assert!(text.contains(&format!("{{\"const\":\"{}\"}}", metric.name)), "{}", metric.name);
    }
    // `window` is offered only to the metrics that use one.
    let measure = &schema["$defs"]["key_result"]["properties"]["measure"]["oneOf"];
    let mitigated = measure
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["properties"]["metric"]["const"] == "threats.mitigated")
        .unwrap();
    assert!(mitigated["properties"].get("window").is_none());
    assert_eq!(mitigated["additionalProperties"], false);
}

#[test]
fn issue_10_check_checkin_accepts_manual_key_results_only_inside_their_cycle() {
    let (ws, _) = load(Some(OKRS));
    let day = date(2027, 2, 1);
    assert_eq!(check_checkin(&ws, "KR-MAN", day), Ok(()));
    assert!(matches!(
        check_checkin(&ws, "KR-MIT", day),
        Err(CheckinRefusal::MeasuredFromEvidence { metric, .. }) if metric == "threats.mitigated"
    ));
    assert!(matches!(check_checkin(&ws, "KR-MS", day), Err(CheckinRefusal::Milestones { .. })));
    assert!(matches!(
        check_checkin(&ws, "KR-MAN", date(2027, 4, 1)),
        Err(CheckinRefusal::AfterCycleEnd { .. })
    ));
    let unknown = check_checkin(&ws, "KR-MAM", day).unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "there is no key result `KR-MAM` in okrs/; did you mean `KR-MAN`?"
    );
}

#[test]
fn issue_10_a_course_no_completion_names_is_reported_with_a_suggestion() {
    let okrs = r#"
cycle: 2027-Q1
objectives:
  - id: O-1
    title: Training
    level: team
    key_results:
      - { id: KR-TYPO, title: Course, type: metric, start: 0, target: 80, measure: { metric: training.coverage, course: acces-control } }
"#;
    let (ws, files) = load(Some(okrs));
    let diagnostics = check_evidence(&ws, &training_evidence());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(
        diagnostics[0].message,
        "key result `KR-TYPO` measures the course `acces-control`, which no training completion names"
    );
    assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `access-control`?"));
    let label = diagnostics[0].primary.as_ref().unwrap();
    assert_eq!(files.name(label.file), "okrs/2027-Q1.yaml");
}

#[test]
fn counted_items_read_as_one_line_each_and_items_not_counted_are_left_out() {
    let finding = EvidenceRef::Finding {
        app: "shop".into(),
        environment: "prod".into(),
        tool: "semgrep".into(),
        id: "F1".into(),
        rule: "sqli".into(),
        severity: "high".into(),
        score: Some(7.5),
        deadline: Some("2027-02-01".into()),
        met: Some(false),
        days: None,
        class: None,
        by_band: None,
        file: Some("src/db.py".into()),
        line: Some(12),
    };
    assert_eq!(
        finding.counted_line().as_deref(),
        Some("high semgrep sqli in src/db.py:12 (shop, prod), due 2027-02-01, late")
    );
    let team = EvidenceRef::Training { team: "payments".into(), developers: 4, trained: 3 };
    assert_eq!(team.counted_line().as_deref(), Some("team payments: 3 of 4 developers trained"));
    let tested = EvidenceRef::Threat {
        app: "shop".into(),
        id: "T-1".into(),
        status: "mitigated".into(),
        counted: true,
        weight: None,
        tests: vec!["test_t1_idor".into()],
    };
    assert_eq!(
        tested.counted_line().as_deref(),
        Some("threat shop:T-1 (mitigated), tested by test_t1_idor")
    );
    let left_out = EvidenceRef::Threat {
        app: "shop".into(),
        id: "T-2".into(),
        status: "identified".into(),
        counted: false,
        weight: None,
        tests: Vec::new(),
    };
    assert_eq!(left_out.counted_line(), None);
}

// ---- reusing stored values (issue 12) ----

/// Every metric family, with evidence that gives it notes, coverage, ages and floats to keep.
fn one_of_each_family() -> Vec<(KeyResult, EvidenceSet)> {
    let mut findings = finding_evidence();
    findings.scans =
        vec![scan("shop", "prod", date(2027, 2, 1)), scan("api", "prod", date(2027, 1, 3))];
    let course = ("course", text("access-control"));
    vec![
        (kr("threats.mitigated", &[("weighting", text("risk"))]), EvidenceSet::default()),
        (kr("threats.open", &[("severity", text("high"))]), EvidenceSet::default()),
        (kr("threats.tested", &[("theme", text("access_control"))]), test_evidence()),
        (
            kr("apps.threat_modeled", &[("within_days", MeasureParam::Number(30.0))]),
            EvidenceSet::default(),
        ),
        (kr("controls.implemented", &[]), EvidenceSet::default()),
        (kr("asvs.compliance", &[]), asvs_evidence()),
        (kr("training.coverage", &[course]), training_evidence()),
        (kr("ci.coverage", &[("require", list(&["sast", "secrets"]))]), ci_evidence()),
        (
            kr("findings.open", &[("env", text("prod")), ("score", text(">= 4.0"))]),
            findings.clone(),
        ),
        (kr("findings.sla", &[("severity", text("high"))]), findings.clone()),
        (kr("findings.mttr", &[("window", text("30d"))]), findings),
    ]
}

#[test]
fn issue_12_a_stored_value_reads_back_exactly_for_every_metric_family() {
    let (ws, _) = load(None);
    for (key_result, evidence) in one_of_each_family() {
        let value = measure_on(&ws, &key_result, &evidence, AS_OF);
        let restored = restore_value(
            value.value,
            value.numerator,
            value.denominator,
            &evidence_json(&value),
            &value_details(&value),
        );
        // What it left out and the items it counted are for `explain`, which always computes;
        // the scope parts are kept beside the value, not in it.
        let expected =
            KrValue { left_out: Vec::new(), items: Vec::new(), scope_parts: None, ..value };
        assert_eq!(restored.as_ref(), Some(&expected), "{:?}", key_result.measure);
    }
}

#[test]
fn issue_12_a_stored_value_that_would_not_read_back_exactly_is_not_reused() {
    let (ws, _) = load(None);
    let (key_result, evidence) = one_of_each_family().pop().unwrap();
    let value = measure_on(&ws, &key_result, &evidence, AS_OF);
    let details = value_details(&value);
    let json = evidence_json(&value);
    // A float written another way reads as the same number but is not the text stored.
    let respelled = json.replacen("\"days\":", "\"days\": ", 1);
    assert_ne!(respelled, json);
    assert_eq!(
        restore_value(value.value, value.numerator, value.denominator, &respelled, &details),
        None
    );
    // A coverage this build does not know.
    let unknown = details.replace("apps scanned in the window", "apps counted some other way");
    assert_ne!(unknown, details);
    assert_eq!(
        restore_value(value.value, value.numerator, value.denominator, &json, &unknown),
        None
    );
    assert_eq!(
        restore_value(value.value, value.numerator, value.denominator, "not json", &details),
        None
    );
}

#[test]
fn issue_12_a_value_read_back_for_a_listing_is_the_first_items_counted_of_the_full_reading() {
    let (ws, _) = load(None);
    let mut some_left_uncounted = false;
    for (key_result, evidence) in one_of_each_family() {
        let value = measure_on(&ws, &key_result, &evidence, AS_OF);
        let (json, details) = (evidence_json(&value), value_details(&value));
        let (v, n, d) = (value.value, value.numerator, value.denominator);
        let full = restore_value(v, n, d, &json, &details).unwrap();
        let counted: Vec<EvidenceRef> =
            full.evidence.iter().filter(|item| item.is_counted()).cloned().collect();
        some_left_uncounted |= counted.len() < full.evidence.len();
        for listed in [0, 1, 2, 10] {
            let restored = restore_listed_value(v, n, d, &json, &details, listed).unwrap();
            let first = counted.iter().take(listed).cloned().collect();
            let expected = KrValue { evidence: first, ..full.clone() };
            assert_eq!(restored.value, expected, "{:?} {listed}", key_result.measure);
            assert_eq!(restored.counted, counted.len(), "{:?}", key_result.measure);
        }
    }
    assert!(some_left_uncounted, "some family must look at items it does not count");
}

#[test]
fn issue_12_a_listing_read_from_the_first_items_and_the_count_is_the_listing_of_the_whole() {
    let (ws, _) = load(None);
    for (key_result, evidence) in one_of_each_family() {
        let value = measure_on(&ws, &key_result, &evidence, AS_OF);
        let (json, details) = (evidence_json(&value), value_details(&value));
        let (v, n, d) = (value.value, value.numerator, value.denominator);
        let items = &value.evidence;
        let total = items.iter().filter(|item| item.is_counted()).count();
        for end in 0..=items.len() {
            let prefix = serde_json::to_string(&items[..end]).unwrap();
            let in_prefix = items[..end].iter().filter(|item| item.is_counted()).count();
            if end > 0 {
                assert_eq!(counted_in_run(&prefix[1..prefix.len() - 1]), Some(in_prefix));
            }
            for listed in [0, 1, 2, 10] {
                let from_prefix =
                    restore_listed_prefix((v, n, d), &prefix, &details, listed, total);
                if in_prefix >= listed || in_prefix == total {
                    let whole = restore_listed_value(v, n, d, &json, &details, listed).unwrap();
                    assert_eq!(
                        from_prefix.unwrap(),
                        whole,
                        "{:?} {end} {listed}",
                        key_result.measure
                    );
                } else {
                    // Too few items to list: the caller must read more.
                    assert_eq!(from_prefix, None, "{:?} {end} {listed}", key_result.measure);
                }
            }
            // A count smaller than the items the prefix counts is not this list's.
            if in_prefix > 0 {
                let wrong = restore_listed_prefix((v, n, d), &prefix, &details, 10, in_prefix - 1);
                assert_eq!(wrong, None);
            }
        }
    }
    assert_eq!(counted_in_run("{\"kind\":\"rumour\"}"), None);
}

#[test]
fn issue_12_a_value_read_back_for_a_listing_is_refused_where_the_full_reading_is() {
    let (ws, _) = load(None);
    let (key_result, evidence) = one_of_each_family().pop().unwrap();
    let value = measure_on(&ws, &key_result, &evidence, AS_OF);
    let (json, details) = (evidence_json(&value), value_details(&value));
    let (v, n, d) = (value.value, value.numerator, value.denominator);
    assert!(json.matches("\"kind\":\"finding\"").count() >= 2, "{json}");
    let listing = |json: &str, details: &str| restore_listed_value(v, n, d, json, details, 10);
    // A float written another way in an item listed; whitespace between items; an unknown kind.
    let respelled = json.replacen("\"days\":", "\"days\": ", 1);
    let spaced = json.replacen("},{", "}, {", 1);
    let unknown = json.replacen("\"kind\":\"finding\"", "\"kind\":\"rumour\"", 1);
    let truncated = &json[..json.len() - 2];
    for broken in [respelled.as_str(), &spaced, &unknown, truncated, "not json", "[{}]", ""] {
        assert_ne!(broken, json);
        assert_eq!(restore_value(v, n, d, broken, &details), None, "{broken}");
        assert_eq!(listing(broken, &details), None, "{broken}");
    }
    let other_coverage = details.replace("apps scanned in the window", "apps counted otherwise");
    assert_eq!(listing(&json, &other_coverage), None);
    assert!(listing(&json, &details).is_some());
}

proptest! {
    #[test]
    fn issue_12_reading_back_any_text_for_a_listing_never_panics(json in ".{0,200}", listed in 0usize..4) {
        let _ = restore_listed_value(Some(1.0), None, None, &json, "{}", listed);
        let structured = format!("[{{\"kind\":\"threat\",\"counted\":{json}}}]");
        let _ = restore_listed_value(Some(1.0), None, None, &structured, "{}", listed);
    }
}

#[test]
fn issue_12_a_finding_metric_reads_the_scopes_of_its_apps_and_environments_and_no_other_metric_reads_any()
 {
    let (ws, _) = load(None);
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let prod = kr("findings.open", &[("env", text("prod")), ("apps", list(&["tag:web"]))]);
    let scopes = finding_scopes_read(&ws, &prod, cycle, AS_OF).unwrap();
    assert!(scopes.contains("shop", "prod") && scopes.contains("api", "prod"));
    assert!(!scopes.contains("shop", "staging") && !scopes.contains("ops", "prod"));
    let every = finding_scopes_read(&ws, &kr("findings.sla", &[]), cycle, AS_OF).unwrap();
    assert!(every.contains("shop", "staging") && every.contains("ops", "some-env"));
    for (key_result, _) in one_of_each_family() {
        let metric = &key_result.measure.as_ref().unwrap().metric;
        let reads = finding_scopes_read(&ws, &key_result, cycle, AS_OF).is_some();
        assert_eq!(reads, metric.starts_with("findings."), "{metric}");
    }
}

#[test]
fn issue_12_every_metric_gives_the_same_value_from_only_the_findings_of_the_scopes_it_reads() {
    let (ws, _) = load(None);
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let mut variants = one_of_each_family();
    let findings = variants.last().unwrap().1.clone();
    // Every metric also on the findings, so one that read them without saying so would differ.
    for (_, evidence) in &mut variants {
        evidence.findings = findings.findings.clone();
        evidence.scans = findings.scans.clone();
    }
    let staging = kr("findings.open", &[("environments", list(&["staging"]))]);
    variants.push((staging, findings.clone()));
    variants.push((kr("findings.sla", &[("apps", list(&["api"]))]), findings));
    for (key_result, evidence) in variants {
        let all = measure_on(&ws, &key_result, &evidence, AS_OF);
        let scopes = finding_scopes_read(&ws, &key_result, cycle, AS_OF);
        let read = |app: &str, env: &str| scopes.as_ref().is_some_and(|s| s.contains(app, env));
        let only = EvidenceSet {
            findings: evidence
                .findings
                .iter()
                .filter(|f| read(&f.app, &f.environment))
                .cloned()
                .collect(),
            scans: evidence
                .scans
                .iter()
                .filter(|s| read(&s.app, &s.environment))
                .cloned()
                .collect(),
            ..evidence.clone()
        };
        let from_scopes = measure_on(&ws, &key_result, &only, AS_OF);
        // Only what was left out as out of scope can differ.
        let comparable = |v: KrValue| KrValue { left_out: Vec::new(), ..v };
        assert_eq!(comparable(from_scopes), comparable(all), "{:?}", key_result.measure);
    }
}

/// [`finding_evidence`] with one scan, of shop's production.
fn findings_scanned_in_shop_prod() -> EvidenceSet {
    let mut evidence = finding_evidence();
    evidence.scans = vec![scan("shop", "prod", date(2027, 2, 1))];
    evidence
}

#[test]
fn issue_12_a_cycle_measured_with_reused_values_equals_one_computed() {
    let (ws, _) = load(Some(PROD_OKRS));
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let evidence = findings_scanned_in_shop_prod();
    let computed = measure_cycle(&ws, cycle, AS_OF, &evidence);
    let stored: BTreeMap<_, _> = computed
        .key_results
        .iter()
        .map(|kr| {
            let v = &kr.value;
            let json = evidence_json(v);
            let value =
                restore_value(v.value, v.numerator, v.denominator, &json, &value_details(v));
            (kr.id.clone(), value.unwrap())
        })
        .collect();
    // Measured on no evidence at all: every number comes from the values given.
    let nothing = EvidenceSet::default();
    let reused = measure_cycle_reusing(
        &ws,
        cycle,
        AS_OF,
        &nothing,
        stored,
        &BTreeMap::new(),
        &one_after_another,
    );
    let strip = |m: CycleMeasurement| {
        let mut m = m;
        for kr in &mut m.key_results {
            kr.value.left_out.clear();
            kr.value.scope_parts = None;
        }
        m
    };
    assert_eq!(strip(reused), strip(computed));
}

#[test]
fn issue_12_values_computed_on_two_threads_in_any_order_measure_the_cycle_as_in_order() {
    let (ws, _) = load(Some(OKRS));
    let cycle = ws.config.cycle("2027-Q1").unwrap();
    let mut evidence = findings_scanned_in_shop_prod();
    evidence.checkins.insert(
        "KR-MAN".into(),
        vec![CheckinRecord { date: date(2027, 2, 1), value: 20.0, confidence: Some(6) }],
    );
    let in_order = measure_cycle(&ws, cycle, AS_OF, &evidence);
    // Four key results (KR-MIT, in two objectives, is computed once).
    assert_eq!(in_order.key_results.len(), 4);
    let asked = std::sync::Mutex::new(Vec::new());
    // Each half computed backwards, the second half on a thread of its own.
    let backwards_on_two_threads: &ComputeValues<'_> = &|key_results, value| {
        asked.lock().unwrap().push(key_results.len());
        let (first, second) = key_results.split_at(key_results.len() / 2);
        let backwards = |half: &[&KeyResult]| {
            let mut values: Vec<KrValue> = half.iter().rev().map(|kr| value(kr)).collect();
            values.reverse();
            values
        };
        std::thread::scope(|scope| {
            let later = scope.spawn(|| backwards(second));
            let mut values = backwards(first);
            values.extend(later.join().unwrap());
            values
        })
    };
    let measured = measure_cycle_reusing(
        &ws,
        cycle,
        AS_OF,
        &evidence,
        BTreeMap::new(),
        &BTreeMap::new(),
        backwards_on_two_threads,
    );
    assert_eq!(measured, in_order);
    assert_eq!(asked.lock().unwrap()[0], in_order.key_results.len());
}

// ---- scan coverage from the shared scan-day index (issue 12) ----

const MANY_ENVIRONMENTS: &str = r#"
org:
  name: Test Corp
  teams:
    - { id: red, name: Red }
apps:
  - { id: shop, name: Shop, team: red, environments: [prod, staging] }
  - { id: api, name: Api, team: red, environments: [prod] }
  - { id: ops, name: Ops, team: red, environments: [dev, prod, staging] }
  - { id: lib, name: Lib, team: red }
  - { id: cli, name: Cli, team: red }
cycles:
  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31 }
"#;

/// The workspace of [`MANY_ENVIRONMENTS`].
fn many_environments() -> Workspace {
    let mut files = Files::new();
    let inputs = WorkspaceFiles {
        config: Some(files.add("threatokr.yaml", MANY_ENVIRONMENTS)),
        ..WorkspaceFiles::default()
    };
    load_workspace(&files, &inputs).0
}

/// The day `offset` days after 2026-12-01.
fn day(offset: i64) -> Date {
    date(2026, 12, 1).checked_add(jiff::Span::new().days(offset)).unwrap()
}

const COVERAGE_APPS: [&str; 6] = ["shop", "api", "ops", "lib", "cli", "gone"];
const COVERAGE_ENVIRONMENTS: [&str; 4] = ["prod", "staging", "dev", "qa"];

/// The coverage and the newest scan of the stalest app, counted the straightforward way: for
/// each in-scope app, each environment it needs, every scan and finding date again.
fn coverage_by_walking_everything(
    workspace: &Workspace,
    evidence: &EvidenceSet,
    environments: Option<&[&str]>,
    window_start: Date,
    as_of: Date,
) -> (u32, u32, Vec<String>, Option<Date>) {
    let days: Vec<(&str, &str, Date)> = evidence
        .scans
        .iter()
        .map(|s| (s.app.as_str(), s.environment.as_str(), s.date))
        .chain(evidence.findings.iter().flat_map(|f| {
            std::iter::once(f.first_seen)
                .chain(f.fixed_at)
                .map(move |day| (&*f.app, &*f.environment, day))
        }))
        .filter(|(_, _, day)| window_start <= *day && *day <= as_of)
        .collect();
    let newest = |app: &str, environment: Option<&str>| {
        days.iter()
            .filter(|(a, e, _)| *a == app && environment.is_none_or(|env| env == *e))
            .map(|(_, _, day)| *day)
            .max()
    };
    let (mut covered, mut total, mut missing, mut oldest) = (0, 0, Vec::new(), None::<Date>);
    for app in &workspace.config.apps {
        let needed: Vec<Option<&str>> = match (environments, app.environments.is_empty()) {
            (Some(envs), false) => app
                .environments
                .iter()
                .filter(|e| envs.contains(&e.as_str()))
                .map(|e| Some(e.as_str()))
                .collect(),
            (None, false) => app.environments.iter().map(|e| Some(e.as_str())).collect(),
            (Some(envs), true) => envs.iter().map(|e| Some(*e)).collect(),
            (None, true) => vec![None],
        };
        if needed.is_empty() {
            continue;
        }
        total += 1;
        match needed.iter().map(|env| newest(app.id.as_str(), *env)).collect::<Option<Vec<_>>>() {
            Some(newest_days) => {
                covered += 1;
                let stalest = newest_days.into_iter().min().expect("one environment at least");
                oldest = Some(oldest.map_or(stalest, |known| known.min(stalest)));
            }
            None => missing.push(app.id.to_string()),
        }
    }
    missing.sort();
    (covered, total, missing, oldest)
}

proptest! {
    #[test]
    fn issue_12_scan_coverage_from_the_shared_index_equals_walking_every_scan(
        scans in proptest::collection::vec((0usize..6, 0usize..4, 0i64..120), 0..40),
        findings in proptest::collection::vec(
            (0usize..6, 0usize..4, 0i64..120, proptest::option::of(0i64..120)), 0..40),
        environments in proptest::option::of(proptest::sample::subsequence(COVERAGE_ENVIRONMENTS.to_vec(), 1..3)),
        window_days in proptest::option::of(0i64..90),
        as_of_offset in 0i64..90,
    ) {
        let workspace = many_environments();
        let evidence = EvidenceSet {
            scans: scans
                .iter()
                .map(|&(a, e, d)| scan(COVERAGE_APPS[a], COVERAGE_ENVIRONMENTS[e], day(d)))
                .collect(),
            findings: findings
                .iter()
                .enumerate()
                .map(|(i, &(a, e, first, fixed))| {
                    let mut f = finding(&format!("F{i}"), COVERAGE_APPS[a], "", Severity::High, None, &[], day(first), fixed.map(|f| day(first.max(f))));
                    f.environment = COVERAGE_ENVIRONMENTS[e].into();
                    f
                })
                .collect(),
            ..EvidenceSet::default()
        };
        let as_of = day(30 + as_of_offset);
        let mut params = Vec::new();
        if let Some(envs) = &environments {
            params.push(("env", list(envs)));
        }
        if let Some(days) = window_days {
            params.push(("window", text(&format!("{days}d"))));
        }
        let key_result = kr("findings.open", &params);
        let cycle = workspace.config.cycle("2027-Q1").unwrap();
        let measure = key_result.measure.as_ref().unwrap();
        let scope = scope::Scope::new(&workspace, measure, cycle, as_of);
        let indexed = IndexedEvidence::new(&evidence);
        let value = findings::open(measure, &scope, as_of, &indexed, &workspace.config.settings, &[]);
        let (coverage, age) = (value.coverage.unwrap(), value.evidence_age);
        let expected = coverage_by_walking_everything(&workspace, &evidence, environments.as_deref(), scope.window_start, as_of);
        prop_assert_eq!(
            (coverage.covered, coverage.total, coverage.missing, age.map(|a| a.newest)),
            expected
        );
    }
}

// ---- finding key results composed of kept scope parts (issue 12) ----

proptest! {
    #[test]
    fn issue_12_a_finding_value_composed_of_kept_scope_parts_equals_one_computed_from_every_finding(
        metric in proptest::sample::select(vec!["findings.open", "findings.sla", "findings.mttr"]),
        scans in proptest::collection::vec((0usize..6, 0usize..4, 0i64..120), 0..30),
        findings in proptest::collection::vec(
            (0usize..6, 0usize..4, 0usize..4, proptest::option::of(0u8..100), 0i64..120,
             proptest::option::of(0i64..60)), 0..60),
        environments in proptest::option::of(proptest::sample::subsequence(COVERAGE_ENVIRONMENTS.to_vec(), 1..3)),
        kept_scopes in proptest::collection::btree_set((0usize..6, 0usize..4), 0..24),
        as_of_offset in 0i64..90,
    ) {
        let workspace = many_environments();
        let severities = [Severity::High, Severity::Medium, Severity::Low, Severity::Info];
        let mut records: Vec<FindingRecord> = findings
            .iter()
            .enumerate()
            .map(|(i, &(a, e, s, score, first, took))| {
                let fixed = took.map(|t| day(first + t));
                let score = score.map(|s| f64::from(s) / 10.0);
                let mut f = finding(&format!("F{i:03}"), COVERAGE_APPS[a], "", severities[s], score, &[], day(first), fixed);
                f.environment = COVERAGE_ENVIRONMENTS[e].into();
                f
            })
            .collect();
        // The store gives findings sorted by app and environment.
        records.sort_by(|a, b| (&a.app, &a.environment, &a.id).cmp(&(&b.app, &b.environment, &b.id)));
        let every = EvidenceSet {
            scans: scans
                .iter()
                .map(|&(a, e, d)| scan(COVERAGE_APPS[a], COVERAGE_ENVIRONMENTS[e], day(d)))
                .collect(),
            findings: records,
            ..EvidenceSet::default()
        };
        let mut params = vec![("score", text(">= 4.0"))];
        if let Some(envs) = &environments {
            params.push(("env", list(envs)));
        }
        let key_result = kr(metric, &params);
        let cycle = workspace.config.cycle("2027-Q1").unwrap();
        let settings = &workspace.config.settings;
        let as_of = day(30 + as_of_offset);
        let whole = measure_key_result(&workspace, &key_result, cycle, as_of, &every, settings);
        let parts = whole.scope_parts.clone().expect("a finding metric has parts");
        // The parts of some scopes are kept; their findings are not read again.
        let is_kept = |app: &str, environment: &str| {
            kept_scopes.contains(&(
                COVERAGE_APPS.iter().position(|a| *a == app).unwrap(),
                COVERAGE_ENVIRONMENTS.iter().position(|e| *e == environment).unwrap(),
            ))
        };
        let kept: Vec<ScopePart> =
            parts.iter().filter(|p| is_kept(&p.app, &p.environment)).cloned().collect();
        let rest = EvidenceSet {
            scans: every.scans.clone(),
            findings: every
                .findings
                .iter()
                .filter(|f| !is_kept(&f.app, &f.environment))
                .cloned()
                .collect(),
            ..EvidenceSet::default()
        };
        let kept_by_kr = BTreeMap::from([(key_result.id.clone(), kept.clone())]);
        let indexed = IndexedEvidence::keeping(&rest, &kept_by_kr);
        let composed = measure_key_result_indexed(&workspace, &key_result, cycle, as_of, &indexed, settings);
        prop_assert_eq!(composed.value, whole.value);
        prop_assert_eq!(composed.numerator, whole.numerator);
        prop_assert_eq!(composed.denominator, whole.denominator);
        prop_assert_eq!(&composed.coverage, &whole.coverage);
        prop_assert_eq!(&composed.evidence_age, &whole.evidence_age);
        prop_assert_eq!(&composed.notes, &whole.notes);
        prop_assert_eq!(&composed.scope_parts, &whole.scope_parts);
        // The evidence is that of the scopes computed, in the same order.
        let fresh: Vec<&EvidenceRef> = whole
            .evidence
            .iter()
            .filter(|item| match item {
                EvidenceRef::Finding { app, environment, .. } => !is_kept(app, environment),
                _ => true,
            })
            .collect();
        prop_assert_eq!(composed.evidence.iter().collect::<Vec<_>>(), fresh);
        // Every item listed is in its scope's part.
        let listed: u64 = parts.iter().map(|p| p.listed).sum();
        prop_assert_eq!(listed as usize, whole.evidence.len());
    }
}
