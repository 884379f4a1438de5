//! Tests of the planner: templates and wordings, plans of the bundled example and of a workspace
//! built from the shared samples, alignment, balance, and re-planning into an edited file.

use super::templates::{Template, certification_milestones, join_and};
use super::themes::{objective_title, words};
use super::*;
use crate::diag::{Diagnostic, Files, Severity};
use crate::metrics;
use crate::model::{KeyResultId, Theme};
use crate::native::lower_okrs;
use crate::test_support::read_shared;
use crate::workspace::{WorkspaceFiles, load_workspace};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../threatokr/example");
const TEST_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/planner");

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Loads a workspace from `(name, text)` files: `threatokr.yaml`, `models/...`, `okrs/...`.
fn load(files_in: &[(String, String)]) -> (Workspace, Vec<Diagnostic>) {
    let mut files = Files::new();
    let mut input = WorkspaceFiles::default();
    for (name, text) in files_in {
        let id = files.add(name.clone(), text.clone());
        if name == "threatokr.yaml" {
            input.config = Some(id);
        } else if name.starts_with("models/") {
            input.models.push(id);
        } else if name.starts_with("okrs/") {
            input.okrs.push(id);
        }
    }
    load_workspace(&files, &input)
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.severity == Severity::Error).collect()
}

/// The bundled Acme Corp example: config, the five models and, when `okrs` is set, its OKR file.
fn example_files(okrs: bool) -> Vec<(String, String)> {
    let root = PathBuf::from(EXAMPLE);
    let mut out = vec![("threatokr.yaml".to_owned(), read(root.join("threatokr.yaml")))];
    for app in ["back-office", "checkout", "mobile-app", "payments-api", "storefront"] {
        let name = format!("models/{app}.tm.yaml");
        out.push((name.clone(), read(root.join(&name))));
    }
    if okrs {
        out.push(("okrs/2027-Q1.yaml".to_owned(), read(root.join("okrs/2027-Q1.yaml"))));
    }
    out
}

/// A workspace around the shared sample models (config in test_data/planner).
fn samples_files() -> Vec<(String, String)> {
    let mut out = vec![(
        "threatokr.yaml".to_owned(),
        read(PathBuf::from(TEST_DATA).join("samples_threatokr.yaml")),
    )];
    for model in [
        "otm/EXAMPLE.json",
        "pytm/tm.json",
        "threagile/example.threagile.yaml",
        "threat-composer/ThreatComposer.tc.json",
        "threat-dragon/v2-demo.json",
        "tm-bom/hashicorp-vault-threat-model.json",
    ] {
        out.push((format!("models/{model}"), read_shared(&format!("samples/models/{model}"))));
    }
    out
}

fn plan_of(workspace: &Workspace, existing: Option<&OkrSet>) -> Plan {
    let analysis = crate::analysis::analyze(workspace);
    let cycle = workspace.config.cycle("2027-Q1").expect("the cycle 2027-Q1");
    plan(workspace, &analysis, cycle, &PlanOptions::default(), existing)
}

/// Lowers an OKR text on its own; returns the set and every diagnostic.
fn lower_text(text: &str) -> (Option<OkrSet>, Vec<Diagnostic>) {
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.yaml", text.to_owned());
    let (set, _, diagnostics) = lower_okrs(&files, file);
    (set, diagnostics)
}

/// The "done means" of the issue, for any workspace.
fn assert_done_means(files_in: Vec<(String, String)>) -> Plan {
    let (workspace, diagnostics) = load(&files_in);
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    let analysis = crate::analysis::analyze(&workspace);
    let planned = plan_of(&workspace, None);
    // The top objective matches the dominant theme.
    let dominant = analysis.themes[0].theme;
    assert_eq!(planned.objectives[0].theme, Some(dominant));
    // derived_from names open threats that exist and belong to the objective's theme.
    let mut themes_of: HashMap<&str, HashSet<Theme>> = HashMap::new();
    for threat in analysis.threats.iter().filter(|t| t.status.is_open()) {
        themes_of.entry(threat.id.as_str()).or_default().insert(threat.theme);
    }
    for objective in &planned.objectives {
        let Some(theme) = objective.theme else { continue };
        assert_eq!(
            objective.key_results[0].derived_from.len(),
            analysis.theme(theme).expect("a theme").figures.open_threats,
            "{} derives from every open threat of {theme}",
            objective.id
        );
        for kr in &objective.key_results {
            // Certifications come from the alignment, not from threats.
            assert_eq!(
                kr.derived_from.is_empty(),
                kr.template == Template::Certifications,
                "{}",
                kr.id
            );
            for threat in &kr.derived_from {
                assert!(
                    themes_of.get(threat.as_str()).is_some_and(|t| t.contains(&theme)),
                    "{} derives from {threat}, which is not an open {theme} threat",
                    kr.id
                );
            }
        }
    }
    // The output validates: the YAML lowers with no diagnostics, and the workspace with it too.
    let yaml = to_okr_yaml(&planned);
    let (set, diagnostics) = lower_text(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{yaml}");
    let set = set.expect("a set");
    let planned_krs: usize = planned
        .objectives
        .iter()
        .flat_map(|o| &o.key_results)
        .map(|kr| &kr.id)
        .collect::<HashSet<_>>()
        .len();
    assert_eq!(set.key_results.len(), planned_krs);
    let mut with_plan = files_in.clone();
    with_plan.push(("okrs/2027-Q1.plan.yaml".to_owned(), yaml.clone()));
    let (_, diagnostics) = load(&with_plan);
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    // A second run on unchanged input is byte-identical, and merging into its own output adds nothing.
    assert_eq!(to_okr_yaml(&plan_of(&workspace, None)), yaml);
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.plan.yaml", yaml.clone());
    let merged = merge_into(&files, file, &plan_of(&workspace, Some(&set))).expect("merges");
    assert_eq!(merged.text, yaml);
    assert!(merged.changes.is_empty(), "{:?}", merged.changes);
    planned
}

// ------------------------------------------------------------------ templates and wordings

#[test]
fn every_template_names_a_catalogue_metric_or_is_milestones() {
    for &template in Template::ALL {
        match template.metric() {
            Some(name) => assert!(metrics::metric(name).is_some(), "{template:?}: {name}"),
            None => {
                assert!(matches!(template, Template::Certifications | Template::SecurityFeatures))
            }
        }
    }
    assert_eq!(Template::ALL.len(), 10);
    let abbrs: HashSet<&str> = Template::ALL.iter().map(|t| t.abbr()).collect();
    assert_eq!(abbrs.len(), Template::ALL.len());
}

#[test]
fn templates_pin_kind_commitment_and_weight() {
    use crate::model::{Commitment::*, KrKind::*};
    let pinned: Vec<(Template, &str, KrKind, Commitment, f64)> = Template::ALL
        .iter()
        .map(|&t| (t, t.abbr(), t.kind(), t.commitment(), t.weight()))
        .collect();
    assert_eq!(
        pinned,
        vec![
            (Template::Training, "TRAINING", Strategic, Aspirational, 1.0),
            (Template::AsvsL2, "ASVS-L2", Strategic, Committed, 1.0),
            (Template::ScenarioTests, "SCENARIOS", Tactical, Committed, 1.0),
            (Template::RiskMitigation, "MITIGATED", Tactical, Aspirational, 2.0),
            (Template::SsoRollout, "SSO", Strategic, Committed, 1.0),
            (Template::ControlRollout, "CONTROLS", Strategic, Committed, 1.0),
            (Template::ProdFindings, "PROD-HIGH", Tactical, Committed, 1.0),
            (Template::CiScanning, "CI-SCAN", Strategic, Committed, 1.0),
            (Template::Certifications, "CERTS", Strategic, Aspirational, 1.0),
            (Template::SecurityFeatures, "FEATURES", Tactical, Committed, 1.0),
        ]
    );
}

#[test]
fn every_theme_has_its_own_wording_abbreviation_and_course() {
    let all: Vec<_> = Theme::ALL.iter().map(|&t| words(t)).collect();
    for field in [
        all.iter().map(|w| w.abbr).collect::<HashSet<_>>(),
        all.iter().map(|w| w.course).collect(),
        all.iter().map(|w| w.objective).collect(),
    ] {
        assert_eq!(field.len(), Theme::ALL.len());
    }
    assert!(all.iter().all(|w| w.objective.contains("{scope}")));
    assert_eq!(
        objective_title(Theme::AccessControl, "the consumer-facing apps"),
        "Implement consistent access control mechanisms across the consumer-facing apps"
    );
    assert_eq!(
        objective_title(Theme::Authentication, "Checkout"),
        "Make every login to Checkout strong and centrally managed"
    );
    assert_eq!(
        objective_title(Theme::InputValidationInjection, "the internal apps"),
        "Eliminate injection flaws from the internal apps"
    );
}

#[test]
fn certifications_add_pci_only_for_pci_apps() {
    assert_eq!(
        certification_milestones(false),
        vec!["ISO 27001 certification audit passed", "SOC 2 Type II report issued"]
    );
    assert_eq!(certification_milestones(true).len(), 3);
    assert_eq!(join_and(&["a".into(), "b".into(), "c".into()]), "a, b and c");
}

#[test]
fn a_cycle_id_too_long_for_an_objective_id_falls_back_to_the_abbreviation() {
    let long: CycleId = "C".repeat(199).parse().expect("a valid id");
    assert_eq!(objective_id(&long, "AC").as_str(), "O-AC");
    assert_eq!(objective_id(&"2027-Q1".parse().expect("id"), "AC").as_str(), "O-2027-Q1-AC");
}

#[test]
fn numbers_are_written_without_a_useless_decimal_point() {
    assert_eq!(number(80.0), "80");
    assert_eq!(number(14.3), "14.3");
    assert_eq!(number(-2.0), "-2");
}

#[test]
fn balance_is_by_weight_and_warns_outside_30_to_70_percent() {
    let kr = |kind, weight| PlannedKr {
        id: "KR".into(),
        template: Template::Training,
        title: String::new(),
        metric: None,
        params: BTreeMap::new(),
        target: PlannedTarget::Metric { start: 0.0, target: 1.0 },
        unit: None,
        kind,
        commitment: Commitment::Committed,
        weight,
        derived_from: Vec::new(),
        rationale: String::new(),
        measured_start: false,
        lineage: None,
    };
    let b = Balance::of(&[kr(KrKind::Strategic, 1.0), kr(KrKind::Tactical, 3.0)]);
    assert_eq!((b.strategic, b.tactical), (0.25, 0.75));
    assert!(!b.is_balanced());
    let b = Balance::of(&[kr(KrKind::Strategic, 3.0), kr(KrKind::Tactical, 2.0)]);
    assert_eq!((b.strategic, b.tactical), (0.6, 0.4));
    assert!(b.is_balanced());
    assert!(Balance::of(&[]).is_balanced());
}

// ------------------------------------------------------------------ the bundled example

#[test]
fn example_plan_puts_access_control_first_with_every_template_that_applies() {
    let planned = assert_done_means(example_files(false));
    let ids: Vec<&str> = planned.objectives.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["O-2027-Q1-AC", "O-2027-Q1-SUPPLY", "O-2027-Q1-AUTHN"]);
    let ac = &planned.objectives[0];
    assert_eq!(
        ac.title,
        "Implement consistent access control mechanisms across Checkout, Mobile App, Payments API and Storefront"
    );
    assert_eq!(
        ac.teams.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        ["mobile", "payments", "web"]
    );
    let krs: Vec<&str> = ac.key_results.iter().map(|kr| kr.id.as_str()).collect();
    assert_eq!(
        krs,
        [
            "KR-AC-TRAINING",
            "KR-AC-ASVS-L2",
            "KR-AC-SCENARIOS",
            "KR-AC-MITIGATED",
            "KR-AC-CONTROLS",
            "KR-AC-PROD-HIGH",
            "KR-AC-CI-SCAN",
        ]
    );
    // 7 open access-control threats, 43.8 of 63.7 open risk.
    assert_eq!(
        ac.key_results[0].rationale,
        "access control carries 69% of open risk: 7 open threats across 4 apps, owned by teams mobile, payments and web"
    );
    // 1 of the 7 controls linked to access-control threats is implemented.
    assert_eq!(ac.key_results[4].target, PlannedTarget::Metric { start: 14.3, target: 100.0 });
    // No OKR file: nothing to support.
    assert!(ac.supports.is_empty());
    // Authentication gets central SSO on its one app, scoped by name.
    let authn = &planned.objectives[2];
    assert_eq!(authn.title, "Make every login to Payments API strong and centrally managed");
    let sso = authn.key_results.iter().find(|kr| kr.template == Template::SsoRollout).expect("SSO");
    assert_eq!(sso.title, "OAuth/OIDC with the company IdP on Payments API");
    assert_eq!(sso.target, PlannedTarget::Metric { start: 0.0, target: 1.0 });
    // Strategic 4 (training, ASVS, controls, CI) against tactical 4 (tests, mitigation ×2, prod).
    assert_eq!(ac.balance.strategic, 0.5);
    assert!(planned.warnings.is_empty(), "{:?}", planned.warnings);
}

/// `threatokr plan --cycle 2027-Q1` on the demo workspace, its OKR file included.
#[test]
fn example_plan_with_its_okr_file_meets_the_done_means() {
    let planned = assert_done_means(example_files(true));
    assert_eq!(planned.objectives[0].supports.len(), 2);
}

#[test]
fn example_plan_snapshots() {
    let (workspace, _) = load(&example_files(true));
    let planned = plan_of(&workspace, workspace.okrs.first());
    insta::assert_snapshot!("example_plan_yaml", to_okr_yaml(&planned));
    insta::assert_snapshot!(
        "example_plan_json",
        serde_json::to_string_pretty(&plan_json(&planned)).expect("json")
    );
}

#[test]
fn a_shared_tag_scopes_the_objective() {
    // Without payments-api's access-control threat, every affected app is consumer-facing.
    let mut files_in = example_files(false);
    for (name, text) in &mut files_in {
        if name == "threatokr.yaml" {
            *text = text.replace("tags: [pci, payments]", "tags: [pci, payments, consumer-facing]");
        }
    }
    let (workspace, _) = load(&files_in);
    let planned = plan_of(&workspace, None);
    let ac = &planned.objectives[0];
    assert_eq!(
        ac.title,
        "Implement consistent access control mechanisms across the consumer-facing apps"
    );
    assert_eq!(
        ac.key_results[1].params.get("apps"),
        Some(&MeasureParam::Text("tag:consumer-facing".into()))
    );
}

#[test]
fn max_objectives_limits_theme_objectives() {
    let (workspace, _) = load(&example_files(false));
    let analysis = crate::analysis::analyze(&workspace);
    let cycle = workspace.config.cycle("2027-Q1").expect("cycle");
    let options = PlanOptions { max_objectives: 1, ..PlanOptions::default() };
    let planned = plan(&workspace, &analysis, cycle, &options, None);
    assert_eq!(planned.objectives.len(), 1);
}

#[test]
fn measured_starts_replace_declared_ones_and_lift_or_drop_targets() {
    let (workspace, _) = load(&example_files(false));
    let analysis = crate::analysis::analyze(&workspace);
    let cycle = workspace.config.cycle("2027-Q1").expect("cycle");
    let mut options = PlanOptions::default();
    options.measured_starts.insert("KR-AC-TRAINING".into(), 35.0);
    options.measured_starts.insert("KR-AC-ASVS-L2".into(), 100.0);
    options.measured_starts.insert("KR-AC-SCENARIOS".into(), 100.0);
    options.measured_starts.insert("KR-SUPPLY-TRAINING".into(), 85.0);
    let planned = plan(&workspace, &analysis, cycle, &options, None);
    let kr = |id: &str| {
        planned.objectives.iter().flat_map(|o| &o.key_results).find(|kr| kr.id == id).cloned()
    };
    let training = kr("KR-AC-TRAINING").expect("kept");
    assert_eq!(training.target, PlannedTarget::Metric { start: 35.0, target: 80.0 });
    assert!(training.measured_start);
    assert_eq!(
        kr("KR-SUPPLY-TRAINING").expect("kept").target,
        PlannedTarget::Metric { start: 85.0, target: 100.0 }
    );
    assert_eq!(kr("KR-AC-ASVS-L2"), None);
    assert_eq!(kr("KR-AC-SCENARIOS"), None);
    assert_eq!(
        planned.warnings,
        [
            "KR-AC-ASVS-L2 is already at its target (100 measured): not proposed",
            "KR-AC-SCENARIOS is already at its target (100 measured): not proposed"
        ]
    );
}

// ------------------------------------------------------------------ the shared samples

#[test]
fn samples_plan_meets_the_done_means() {
    let planned = assert_done_means(samples_files());
    assert_eq!(planned.objectives.len(), 3);
}

// ------------------------------------------------------------------ alignment

#[test]
fn a_revenue_objective_nothing_supports_gets_the_customer_confidence_objective() {
    let mut files_in = example_files(false);
    files_in.push((
        "okrs/2027-Q1.yaml".into(),
        read(PathBuf::from(TEST_DATA).join("0001_revenue_without_support.yaml")),
    ));
    let (workspace, diagnostics) = load(&files_in);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let planned = plan_of(&workspace, None);
    let trust = planned.objectives.last().expect("objectives");
    assert_eq!(trust.id.as_str(), "O-2027-Q1-TRUST");
    assert_eq!(trust.title, "Increase customer confidence by delivering security features");
    assert_eq!(trust.supports.iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["O-CRO-1"]);
    assert_eq!(
        trust.apps.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        ["checkout", "payments-api"]
    );
    assert_eq!(
        trust.key_results.iter().map(|kr| kr.title.as_str()).collect::<Vec<_>>(),
        [
            "Security features of Payments documented on the website",
            "ISO 27001, SOC 2 and PCI DSS certifications"
        ]
    );
    // The CEO's objective no longer names payments: only the CRO's is supported.
    assert_eq!(
        planned.objectives[0].supports.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["O-CRO-1"]
    );
    // Alignment of the file as it is: nothing supports either business objective yet.
    let set = workspace.okrs_for(&planned.cycle).expect("set");
    let report = alignment(set, &planned);
    assert!(report.unaligned.is_empty());
    let unsupported: Vec<&str> = report.unsupported.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(unsupported, ["O-CEO-1", "O-CRO-1"]);
    assert_eq!(report.proposed.len(), 3);
    // The plan merged into the business file lowers cleanly.
    let yaml = to_okr_yaml(&planned);
    assert!(lower_text(&yaml).1.is_empty());
}

#[test]
fn example_okrs_alignment_finds_the_unaligned_tactical_objective() {
    let (workspace, _) = load(&example_files(true));
    let planned = plan_of(&workspace, workspace.okrs.first());
    // O-SEC-TRUST already supports the CRO: no customer-confidence proposal.
    assert!(planned.objectives.iter().all(|o| o.theme.is_some()));
    // The CEO's and the CRO's objectives both name payments, a tag of Checkout and Payments API,
    // so access control supports both and carries the certification milestones.
    let ac = &planned.objectives[0];
    assert_eq!(ac.supports.iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["O-CEO-1", "O-CRO-1"]);
    assert_eq!(ac.key_results.last().map(|kr| kr.id.as_str()), Some("KR-TRUST-CERTS"));
    assert_eq!(ac.balance.strategic, 5.0 / 9.0);
    // Supply chain (Back Office, tagged internal) names nothing a business objective names.
    assert!(planned.objectives[1].supports.is_empty());
    let set = &workspace.okrs[0];
    let business: Vec<&str> =
        set.objectives.iter().filter(|o| is_business(o, set)).map(|o| o.id.as_str()).collect();
    assert_eq!(business, ["O-CEO-1", "O-CRO-1"]);
    let report = alignment(set, &planned);
    assert_eq!(
        report.unaligned.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["O-TACT-VULNS"]
    );
    assert!(report.unsupported.is_empty());
}

// ------------------------------------------------------------------ re-planning

#[test]
fn replanning_keeps_the_users_edits_and_adds_what_is_missing() {
    let (workspace, _) = load(&example_files(false));
    let fresh = to_okr_yaml(&plan_of(&workspace, None));
    // The user retitles the objective, lowers a target, adds an owner and deletes a key result.
    let edited = fresh
        .replace(
            "title: Implement consistent access control mechanisms across Checkout, Mobile App, Payments API and Storefront",
            "title: Consistent access control everywhere # our words\n    owner: abhay",
        )
        .replace("        start: 0\n        target: 80\n        unit: \"%\"\n        measure: { metric: training.coverage, course: access-control",
                 "        start: 0\n        target: 60\n        unit: \"%\"\n        measure: { metric: training.coverage, course: access-control");
    let scenarios_start = edited.find("      - id: KR-AC-SCENARIOS").expect("present");
    let scenarios_end = edited.find("      - id: KR-AC-MITIGATED").expect("present");
    let edited = format!("{}{}", &edited[..scenarios_start], &edited[scenarios_end..]);
    let (set, diagnostics) = lower_text(&edited);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let set = set.expect("set");
    let replanned = plan_of(&workspace, Some(&set));
    let ac = &replanned.objectives[0];
    assert_eq!(ac.title, "Consistent access control everywhere");
    assert_eq!(ac.key_results[0].target, PlannedTarget::Metric { start: 0.0, target: 60.0 });
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.yaml", edited.clone());
    let merged = merge_into(&files, file, &replanned).expect("merges");
    assert_eq!(
        merged.changes,
        [
            "added key result KR-AC-SCENARIOS in O-2027-Q1-AC: Every access control threat scenario in the threat models tested by a pentest, red team or automated test"
        ]
    );
    // Everything the user wrote is still there, byte for byte, and the result lowers cleanly.
    assert!(
        merged.text.contains(
            "title: Consistent access control everywhere # our words\n    owner: abhay\n"
        )
    );
    assert!(merged.text.contains("target: 60\n"));
    assert_eq!(merged.text.len(), edited.len() + (scenarios_end - scenarios_start));
    let (set, diagnostics) = lower_text(&merged.text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{}", merged.text);
    let ac = set.expect("set").objectives[0].clone();
    assert_eq!(ac.key_results.last().map(KeyResultId::as_str), Some("KR-AC-SCENARIOS"));
}

#[test]
fn merging_into_the_example_okrs_appends_objectives_and_keeps_every_byte() {
    let files_in = example_files(true);
    let (workspace, _) = load(&files_in);
    let original = &files_in.last().expect("okrs").1;
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.yaml", original.clone());
    let planned = plan_of(&workspace, workspace.okrs.first());
    let merged = merge_into(&files, file, &planned).expect("merges");
    assert!(merged.text.starts_with(original.as_str()));
    assert_eq!(
        merged.changes,
        [
            "added objective O-2027-Q1-AC: Implement consistent access control mechanisms across Checkout, Mobile App, Payments API and Storefront",
            "note: O-APPSEC-AC is also about access_control; merge the two by hand if they are the same objective",
            "added objective O-2027-Q1-SUPPLY: Trust every dependency and build step of Back Office",
            "added objective O-2027-Q1-AUTHN: Make every login to Payments API strong and centrally managed",
        ]
    );
    let mut with_plan = files_in.clone();
    with_plan.last_mut().expect("okrs").1 = merged.text.clone();
    let (_, diagnostics) = load(&with_plan);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn merging_refuses_a_flow_objectives_list_and_appends_when_there_is_none() {
    let (workspace, _) = load(&example_files(false));
    let planned = plan_of(&workspace, None);
    let mut files = Files::new();
    let flow =
        files.add("okrs/a.yaml", "cycle: 2027-Q1\nobjectives: [{id: X, title: x, level: team}]\n");
    assert!(merge_into(&files, flow, &planned).is_err());
    let bare = files.add("okrs/b.yaml", "cycle: 2027-Q1");
    let merged = merge_into(&files, bare, &planned).expect("merges");
    assert!(merged.text.starts_with("cycle: 2027-Q1\n\nobjectives:\n  - id: O-2027-Q1-AC\n"));
    assert!(lower_text(&merged.text).1.is_empty());
    let empty = files.add("okrs/c.yaml", "cycle: 2027-Q1\nobjectives:\n");
    let merged = merge_into(&files, empty, &planned).expect("merges");
    assert!(merged.text.starts_with("cycle: 2027-Q1\nobjectives:\n  - id: O-2027-Q1-AC\n"));
    assert!(lower_text(&merged.text).1.is_empty());
}

/// A one-objective plan whose titles are `title`.
fn plan_titled(title: &str) -> Plan {
    let (workspace, _) = load(&example_files(false));
    let mut planned = plan_of(&workspace, None);
    planned.objectives.truncate(1);
    planned.objectives[0].title = title.to_owned();
    planned.objectives[0].key_results.truncate(1);
    planned.objectives[0].key_results[0].title = title.to_owned();
    planned.objectives[0].key_results[0].rationale = title.to_owned();
    planned
}

#[test]
fn titles_that_yaml_would_misread_are_quoted_and_read_back_exactly() {
    for title in [
        "80%: yes # no",
        "- starts like a list",
        "true",
        "2027-01-31",
        "0x1F",
        "{braces} and [brackets]",
        "two\nlines",
        "  padded  ",
        "quote \" and backslash \\",
        "#hash",
        "ends with colon:",
    ] {
        let yaml = to_okr_yaml(&plan_titled(title));
        let (set, diagnostics) = lower_text(&yaml);
        assert!(diagnostics.is_empty(), "{title:?}: {diagnostics:#?}\n{yaml}");
        let set = set.expect("set");
        assert_eq!(set.objectives[0].title, title);
        assert_eq!(set.key_results[0].title, title);
        assert_eq!(set.key_results[0].rationale.as_deref(), Some(title));
    }
}

proptest! {
    #[test]
    fn any_title_survives_writing_and_reading(title in "\\PC{1,40}") {
        let yaml = to_okr_yaml(&plan_titled(&title));
        let (set, diagnostics) = lower_text(&yaml);
        prop_assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        let set = set.expect("set");
        prop_assert_eq!(&set.objectives[0].title, &title);
        prop_assert_eq!(&set.key_results[0].title, &title);
    }

    #[test]
    fn merging_into_arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let (workspace, _) = load(&example_files(false));
        let planned = plan_of(&workspace, None);
        let mut files = Files::new();
        let file = files.add("okrs/x.yaml", text);
        let _ = merge_into(&files, file, &planned);
    }

    #[test]
    fn merging_into_yaml_like_text_never_panics(text in "(cycle: 1\n|objectives:\n|  - id: O-1\n|    key_results:\n|      - id: K\n| \\[\\]\n|#c\n|x: y\n){0,12}") {
        let (workspace, _) = load(&example_files(false));
        let planned = plan_of(&workspace, None);
        let mut files = Files::new();
        let file = files.add("okrs/x.yaml", text);
        let _ = merge_into(&files, file, &planned);
    }
}
