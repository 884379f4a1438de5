//! Tests of the planner: templates and wordings, plans of the bundled example and of a workspace
//! built from the shared samples, alignment, balance, and re-planning into an edited file.

use super::templates::{Template, certification_milestones, join_and};
use super::themes::{objective_title, words};
use super::*;
use crate::diag::{Diagnostic, Files, Severity};
use crate::metrics;
use crate::model::{KeyResultId, Theme};
use crate::native::lower_okrs;
use crate::test_support::read_sample;
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
        out.push((format!("models/{model}"), read_sample(&format!("samples/models/{model}"))));
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
        let Some(theme) = objective.theme else {
            assert!(objective.derived_from.is_empty(), "{}", objective.id);
            continue;
        };
        assert_eq!(
            objective.derived_from.len(),
            analysis.theme(theme).expect("a theme").figures.open_threats,
            "{} derives from every open threat of {theme}",
            objective.id
        );
        for threat in &objective.derived_from {
            assert!(
                themes_of.get(threat.as_str()).is_some_and(|t| t.contains(&theme)),
                "{} derives from {threat}, which is not an open {theme} threat",
                objective.id
            );
        }
        // Provenance is written once per objective: no key result repeats it.
        for kr in &objective.key_results {
            assert!(kr.derived_from.is_empty(), "{} repeats its objective's threats", kr.id);
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
    // Read back, a key result is justified by the threats of every objective that counts it,
    // and a key result about the portfolio is defined once.
    for kr in &set.key_results {
        let counting: Vec<&PlannedObjective> = planned
            .objectives
            .iter()
            .filter(|o| o.key_results.iter().any(|k| k.id == kr.id.as_str()))
            .collect();
        let expected: HashSet<&str> =
            counting.iter().flat_map(|o| &o.derived_from).map(|t| t.as_str()).collect();
        // Foreign ids are written by alias; the workspace reads them back as the threat.
        let read: HashSet<&str> =
            kr.derived_from.iter().map(|t| workspace.threat_name(t.as_str())).collect();
        assert_eq!(read, expected, "{}", kr.id);
    }
    for template in [Template::CiScanning, Template::ProdFindings] {
        let ids: HashSet<&str> = planned
            .objectives
            .iter()
            .flat_map(|o| &o.key_results)
            .filter(|kr| kr.template == template)
            .map(|kr| kr.id.as_str())
            .collect();
        assert!(ids.len() <= 1, "{template:?} is one key result: {ids:?}");
    }
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
            "KR-PROD-HIGH",
            "KR-CI-SCAN",
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
    // Foreign threat ids (UUIDs, `DS06@Insert query…`) are written by their short aliases.
    let yaml = to_okr_yaml(&planned);
    assert!(planned.threat_names.keys().any(|id| id.as_str().starts_with("DS06@")));
    let json = plan_json(&planned);
    for (id, alias) in &planned.threat_names {
        assert_eq!(json["threat_aliases"][id.as_str()], alias.as_str());
    }
    let tokens: HashSet<&str> = yaml.split([',', '[', ']', ' ', '\n', '"']).collect();
    for (id, alias) in &planned.threat_names {
        assert!(!tokens.contains(id.as_str()) && tokens.contains(alias.as_str()), "{id}");
    }
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
fn replanning_keeps_the_users_edits_and_does_not_bring_back_a_deleted_proposal() {
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
    // The deleted proposal is declined: not proposed again, and said so.
    assert!(ac.key_results.iter().all(|kr| kr.id != "KR-AC-SCENARIOS"));
    assert_eq!(replanned.declined, ["KR-AC-SCENARIOS"]);
    assert_eq!(plan_json(&replanned)["declined"], serde_json::json!(["KR-AC-SCENARIOS"]));
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.yaml", edited.clone());
    let merged = merge_into(&files, file, &replanned).expect("merges");
    assert!(merged.changes.is_empty(), "{:?}", merged.changes);
    // Everything the user wrote is still there, byte for byte, and the result lowers cleanly.
    assert_eq!(merged.text, edited);
    // A file written before `proposed:` existed has no memory: the key result comes back, and
    // the proposals are recorded from then on.
    let proposed_at = edited.find("\n# Every id").expect("the proposed list");
    let unrecorded = &edited[..=proposed_at];
    let (set, diagnostics) = lower_text(unrecorded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let replanned = plan_of(&workspace, Some(&set.expect("set")));
    assert!(replanned.declined.is_empty());
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.yaml", unrecorded.to_owned());
    let merged = merge_into(&files, file, &replanned).expect("merges");
    assert_eq!(
        merged.changes,
        [
            "added key result KR-AC-SCENARIOS in O-2027-Q1-AC: Every access control threat scenario in the threat models tested by a pentest, red team or automated test",
            "recorded 19 proposal id(s) in `proposed:` (delete a proposal and it stays deleted)",
        ]
    );
    assert!(merged.text.starts_with(&unrecorded[..scenarios_start]));
    let (set, diagnostics) = lower_text(&merged.text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{}", merged.text);
    let set = set.expect("set");
    let ac = set.objectives[0].clone();
    assert_eq!(ac.key_results.last().map(KeyResultId::as_str), Some("KR-AC-SCENARIOS"));
    assert_eq!(set.proposed.len(), 19);
}

/// A person deletes a proposal from a file `plan -o` wrote; every later plan leaves it out,
/// the file stays valid, and deleting the id from `proposed:` brings the proposal back.
#[test]
fn a_deleted_proposal_stays_deleted_across_replanning() {
    let files_in = example_files(false);
    let (workspace, _) = load(&files_in);
    let written = to_okr_yaml(&plan_of(&workspace, None));
    // Delete the shared CI key result: its definition and each `ref:` to it.
    let start = written.find("      - id: KR-CI-SCAN").expect("defined");
    let end = start + written[start..].find("\n\n").expect("the objective ends");
    let deleted = format!("{}{}", &written[..start], &written[end + 1..])
        .replace("      - ref: KR-CI-SCAN\n", "");
    assert!(!deleted.contains("- ref: KR-CI-SCAN") && !deleted.contains("- id: KR-CI-SCAN"));
    let mut text = deleted.clone();
    for _ in 0..2 {
        let (set, diagnostics) = lower_text(&text);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{text}");
        let replanned = plan_of(&workspace, Some(&set.expect("set")));
        assert_eq!(replanned.declined, ["KR-CI-SCAN"]);
        let mut files = Files::new();
        let file = files.add("okrs/2027-Q1.yaml", text.clone());
        let merged = merge_into(&files, file, &replanned).expect("merges");
        assert_eq!(merged.text, deleted, "{:?}", merged.changes);
        text = merged.text;
    }
    // The re-planned file validates with the workspace.
    let mut with_plan = files_in.clone();
    with_plan.push(("okrs/2027-Q1.yaml".to_owned(), text.clone()));
    let (_, diagnostics) = load(&with_plan);
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    // Taking the id out of `proposed:` asks for it again.
    let wanted = text.replace(" KR-CI-SCAN,", "");
    let (set, _) = lower_text(&wanted);
    let replanned = plan_of(&workspace, Some(&set.expect("set")));
    assert!(replanned.declined.is_empty());
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q1.yaml", wanted);
    let merged = merge_into(&files, file, &replanned).expect("merges");
    assert!(merged.changes.iter().any(|c| c.starts_with("added key result KR-CI-SCAN")));
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
            "recorded 20 proposal id(s) in `proposed:` (delete a proposal and it stays deleted)",
        ]
    );
    assert!(merged.text.ends_with(", KR-AUTHN-SSO]\n"), "{}", merged.text);
    assert!(merged.text.contains("\nproposed: [O-2027-Q1-AC, KR-AC-TRAINING,"));
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

// ------------------------------------------------------------------ measured starts and carry-over

/// The example with a second quarter, 2027-Q2, in threatokr.yaml (and Q4, leaving a gap at Q3).
fn example_files_with_q2(okrs: bool) -> Vec<(String, String)> {
    let mut files = example_files(okrs);
    let q1 = r#"  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31, within: "2027" }"#;
    let config = &mut files[0].1;
    assert!(config.contains(q1), "the example's Q1 line");
    *config = config.replace(
        q1,
        &format!(
            "{q1}\n  - {{ id: 2027-Q2, start: 2027-04-01, end: 2027-06-30, within: \"2027\" }}\n  - {{ id: 2027-Q4, start: 2027-10-01, end: 2027-12-31, within: \"2027\" }}"
        ),
    );
    files
}

/// A quarter planned by threatokr, graded below expectation: the next quarter's plan carries
/// its key result back into the objective of the same theme, in place of the fresh proposal.
#[test]
fn a_carried_key_result_replaces_the_fresh_proposal_it_continues() {
    let (workspace, _) = load(&example_files_with_q2(false));
    let (q1_set, diagnostics) = lower_text(&to_okr_yaml(&plan_of(&workspace, None)));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let carry = CarryOver {
        cycle: "2027-Q1".parse().expect("an id"),
        okrs: q1_set.expect("a set"),
        grades: vec![graded("O-2027-Q1-AC", "KR-AC-TRAINING", 0.25, 0.7)],
    };
    let analysis = crate::analysis::analyze(&workspace);
    let q2 = workspace.config.cycle("2027-Q2").expect("Q2");
    let options = PlanOptions { carry: Some(carry), ..PlanOptions::default() };
    let planned = plan(&workspace, &analysis, q2, &options, None);
    let ac = &planned.objectives[0];
    assert_eq!(ac.id.as_str(), "O-2027-Q2-AC");
    let ids: Vec<&str> = ac.key_results.iter().map(|kr| kr.id.as_str()).collect();
    assert_eq!(ids[0], "KR-AC-TRAINING-2027-Q2", "{ids:?}");
    assert!(!ids.contains(&"KR-AC-TRAINING"), "{ids:?}");
    assert_eq!(ac.key_results[0].lineage.as_deref(), Some("KR-AC-TRAINING"));
    // 0 + 0.25 × 80 = 20.
    assert_eq!(ac.key_results[0].target, PlannedTarget::Metric { start: 20.0, target: 80.0 });
    assert!(planned.objectives.iter().all(|o| o.id.as_str() != "O-2027-Q2-CARRIED"));
    let yaml = to_okr_yaml(&planned);
    let (_, diagnostics) = lower_text(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{yaml}");
}

fn find_kr<'p>(planned: &'p Plan, id: &str) -> Option<&'p PlannedKr> {
    planned.objectives.iter().flat_map(|o| &o.key_results).find(|kr| kr.id == id)
}

#[test]
fn measured_starts_name_the_figure_and_unmeasured_ones_say_the_start_is_declared() {
    let (workspace, _) = load(&example_files(false));
    let analysis = crate::analysis::analyze(&workspace);
    let cycle = workspace.config.cycle("2027-Q1").expect("cycle");
    let mut options = PlanOptions::default();
    options.measured_starts.insert("KR-AC-TRAINING".into(), 54.5);
    options.unmeasured.insert("KR-AC-ASVS-L2".into());
    options.measured_starts.insert("KR-AC-MITIGATED".into(), 85.0);
    let planned = plan(&workspace, &analysis, cycle, &options, None);
    // The models say 0% of the risk is mitigated; a measured 85% lifts the target to 100%, and
    // the title follows both.
    let mitigated = find_kr(&planned, "KR-AC-MITIGATED").expect("mitigation");
    assert_eq!(
        mitigated.title,
        "Risk-weighted mitigation of the access control threats from 85% to 100%"
    );
    assert!(
        mitigated.rationale.ends_with("; 85% of the risk mitigated today"),
        "{}",
        mitigated.rationale
    );
    let training = find_kr(&planned, "KR-AC-TRAINING").expect("training");
    assert_eq!(training.target, PlannedTarget::Metric { start: 54.5, target: 80.0 });
    assert!(training.measured_start);
    assert!(
        training.rationale.ends_with("; 54.5% of the affected developers trained today"),
        "{}",
        training.rationale
    );
    let asvs = find_kr(&planned, "KR-AC-ASVS-L2").expect("asvs");
    assert_eq!(asvs.target, PlannedTarget::Metric { start: 0.0, target: 100.0 });
    assert!(!asvs.measured_start);
    assert!(
        asvs.rationale.ends_with("; no evidence yet, so the start is declared"),
        "{}",
        asvs.rationale
    );
    // Neither measured nor tried: the rationale is the template's alone.
    let scenarios = find_kr(&planned, "KR-AC-SCENARIOS").expect("scenarios");
    assert!(scenarios.rationale.ends_with("named by a test scenario"), "{}", scenarios.rationale);
}

#[test]
fn measure_starts_counts_the_bundled_training_over_a_cycle_long_window() {
    let (workspace, _) = load(&example_files_with_q2(false));
    let analysis = crate::analysis::analyze(&workspace);
    let q2 = workspace.config.cycle("2027-Q2").expect("Q2");
    let as_of = crate::decode::parse_date("2027-04-01").expect("a date");
    // Q2 is 91 days long: the window runs back 90 days, to the first day of Q1.
    let baseline = starts::baseline_cycle(q2, as_of);
    assert_eq!(
        (baseline.start.to_string(), baseline.end.to_string()),
        ("2027-01-01".to_owned(), "2027-04-01".to_owned())
    );
    let root = PathBuf::from(EXAMPLE).join("evidence/training");
    let mut files = Files::new();
    let roster = files.add("roster.csv", read(root.join("roster.csv")));
    let completions = files.add("completions.csv", read(root.join("completions.csv")));
    let evidence = metrics::EvidenceSet {
        roster: crate::evidence::training::parse_roster(&files, roster).0,
        completions: crate::evidence::training::parse_completions(&files, completions).0,
        ..metrics::EvidenceSet::default()
    };
    let first = plan(&workspace, &analysis, q2, &PlanOptions::default(), None);
    let measured = measure_starts(&workspace, &first, q2, as_of, &evidence);
    // Access control, teams mobile, payments and web: 11 active developers (zoe is inactive;
    // abhay and noor are not developers); omar, jun, eva, raj, sol and priya completed the
    // course in the window: 6 of 11 = 54.5%.
    assert_eq!(measured.values.get("KR-AC-TRAINING"), Some(&54.5));
    // Supply chain, team web: 4 developers, no completion of that course.
    assert_eq!(measured.values.get("KR-SUPPLY-TRAINING"), Some(&0.0));
    // Thresholds and milestones are not measured.
    assert!(!measured.values.contains_key("KR-AC-PROD-HIGH"));
    assert!(!measured.unmeasured.contains("KR-AC-PROD-HIGH"));
    // Measured on the first day of Q2 in Q2 itself, the same people still hold a valid training
    // (it lasts 365 days): coverage does not restart at 0 each quarter.
    let own_window = metrics::measure_key_result(
        &workspace,
        &to_key_result(find_kr(&first, "KR-AC-TRAINING").expect("training"), q2.origin)
            .expect("a valid id"),
        q2,
        as_of,
        &evidence,
        &workspace.config.settings,
    );
    assert_eq!((own_window.numerator, own_window.denominator), (Some(6.0), Some(11.0)));
    let options = PlanOptions {
        measured_starts: measured.values.clone(),
        unmeasured: measured.unmeasured.clone(),
        ..PlanOptions::default()
    };
    let planned = plan(&workspace, &analysis, q2, &options, None);
    assert_eq!(
        find_kr(&planned, "KR-AC-TRAINING").expect("training").target,
        PlannedTarget::Metric { start: 54.5, target: 80.0 }
    );
    // The same evidence measures the same starts.
    assert_eq!(measure_starts(&workspace, &first, q2, as_of, &evidence), measured);
}

#[test]
fn a_planned_key_result_converts_to_what_its_yaml_lowers_to() {
    let planned = plan_of(&load(&example_files(false)).0, None);
    let yaml = to_okr_yaml(&planned);
    let (set, diagnostics) = lower_text(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let set = set.expect("a set");
    let mut compared = 0;
    for kr in planned.objectives.iter().flat_map(|o| &o.key_results) {
        let lowered = set.key_result(&kr.id.parse().expect("an id")).expect("lowered");
        let converted = to_key_result(kr, lowered.origin).expect("a valid id");
        // The file writes provenance once, on the objective; lowering gives it to the key result.
        assert!(kr.derived_from.is_empty() && !lowered.derived_from.is_empty(), "{}", kr.id);
        let mut written = lowered.clone();
        written.derived_from.clear();
        assert_eq!(converted, written, "{}", kr.id);
        compared += 1;
    }
    // Access control 7, supply chain 6 and authentication 7 (with SSO) key results.
    assert_eq!(compared, 20);
}

/// The example's 2027-Q1 OKRs with a lineage on KR-AC-TRAIN, which also derives from a threat
/// the models no longer have.
fn q1_with_lineage() -> OkrSet {
    let text = read(PathBuf::from(EXAMPLE).join("okrs/2027-Q1.yaml"))
        .replace(
            "      - id: KR-AC-TRAIN\n",
            "      - id: KR-AC-TRAIN\n        lineage: ac-training\n",
        )
        .replacen(
            "derived_from: [T-CHK-1, T-CHK-2, T-WEB-1, T-WEB-2, T-MOB-1]",
            "derived_from: [T-CHK-1, T-CHK-2, T-WEB-1, T-WEB-2, T-MOB-1, T-GONE-1]",
            1,
        );
    assert!(text.contains("T-GONE-1") && text.contains("lineage: ac-training"));
    let (set, diagnostics) = lower_text(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    set.expect("a set")
}

fn graded(objective: &str, key_result: &str, score: f64, expected: f64) -> GradeRecord {
    GradeRecord { objective: objective.into(), key_result: key_result.into(), score, expected }
}

fn q1_grades() -> Vec<GradeRecord> {
    vec![
        graded("O-CEO-1", "KR-CEO-1", 0.26, 1.0), // a business objective: never carried
        graded("O-SEC-TRUST", "KR-TRUST-1", 1.0 / 3.0, 1.0),
        graded("O-SEC-TRUST", "KR-TRUST-2", 1.0, 1.0), // met
        graded("O-APPSEC-AC", "KR-AC-TRAIN", 0.4333, 0.7),
        graded("O-APPSEC-AC", "KR-AC-PENTEST", 0.7, 0.7), // exactly at expectation
        graded("O-TACT-VULNS", "KR-PROD-VULNS", 1.0, 1.0),
        graded("O-TACT-VULNS", "KR-CI-TOOLS", 0.56, 1.0),
        graded("O-STRAT-ALIGN", "KR-CI-TOOLS", 0.56, 0.7), // the same key result, carried once
        graded("O-STRAT-ALIGN", "KR-ESSENTIALS", 0.9, 0.7),
        graded("O-EVA-1", "KR-EVA-1", 0.0, 1.0),
    ]
}

fn carry_q1() -> CarryOver {
    CarryOver {
        cycle: "2027-Q1".parse().expect("an id"),
        okrs: q1_with_lineage(),
        grades: q1_grades(),
    }
}

#[test]
fn previous_cycle_ends_the_day_before_or_is_the_latest_before() {
    let (workspace, _) = load(&example_files_with_q2(false));
    let cycles = &workspace.config.cycles;
    let cycle = |id: &str| workspace.config.cycle(id).expect("a cycle");
    let previous = |id: &str| previous_cycle(cycles, cycle(id)).map(|c| c.id.to_string());
    assert_eq!(previous("2027-Q2").as_deref(), Some("2027-Q1"));
    assert_eq!(previous("2027-Q4").as_deref(), Some("2027-Q2"));
    assert_eq!(previous("2027-Q1"), None);
    assert_eq!(previous("2027"), None);
}

#[test]
fn a_carried_id_swaps_the_previous_cycle_for_the_new_one() {
    let (q1, q2): (CycleId, CycleId) = ("2027-Q1".parse().unwrap(), "2027-Q2".parse().unwrap());
    assert_eq!(carry::carried_id("KR-AC-TRAIN", &q1, &q2), "KR-AC-TRAIN-2027-Q2");
    assert_eq!(carry::carried_id("KR-AC-TRAIN-2027-Q1", &q1, &q2), "KR-AC-TRAIN-2027-Q2");
    assert_eq!(carry::carried_id("KR-2027-Q1-X", &q1, &q2), "KR-2027-Q1-X-2027-Q2");
}

#[test]
fn carry_over_picks_exactly_the_key_results_below_expectation_and_keeps_lineage() {
    let (workspace, diagnostics) = load(&example_files_with_q2(true));
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    let analysis = crate::analysis::analyze(&workspace);
    let q2 = workspace.config.cycle("2027-Q2").expect("Q2");
    let options = PlanOptions { carry: Some(carry_q1()), ..PlanOptions::default() };
    let planned = plan(&workspace, &analysis, q2, &options, None);
    let ids: Vec<&str> = planned.objectives.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        ["O-2027-Q2-AC", "O-2027-Q2-SUPPLY", "O-2027-Q2-AUTHN", "O-2027-Q2-CARRIED", "O-CEO-1"]
    );
    // The business objective is carried with its unfinished key result, so the new cycle's
    // security objectives have something to support.
    let business = &planned.objectives[4];
    assert_eq!(business.level, ObjectiveLevel::Company);
    let business_krs: Vec<&str> = business.key_results.iter().map(|kr| kr.id.as_str()).collect();
    assert_eq!(business_krs, ["KR-CEO-1-2027-Q2"]);
    let carried = &planned.objectives[3];
    assert_eq!(carried.id.as_str(), "O-2027-Q2-CARRIED");
    assert_eq!(carried.title, "Carried over from 2027-Q1");
    let rows: Vec<(&str, Option<&str>, &PlannedTarget, &str)> = carried
        .key_results
        .iter()
        .map(|kr| (kr.id.as_str(), kr.lineage.as_deref(), &kr.target, kr.rationale.as_str()))
        .collect();
    let milestones = |items: &[(&str, f64)]| {
        PlannedTarget::Milestones(items.iter().map(|(t, w)| ((*t).to_owned(), *w)).collect())
    };
    assert_eq!(
        rows,
        [
            (
                "KR-TRUST-1-2027-Q2",
                Some("KR-TRUST-1"),
                // The legal review was done in Q1; publishing is left.
                &milestones(&[("Published on the website", 2.0)]),
                "carried over from 2027-Q1: scored 0.33 of an expected 1.0"
            ),
            (
                "KR-CI-TOOLS-2027-Q2",
                Some("KR-CI-TOOLS"),
                // 10 + 0.56 × (100 − 10) = 60.4, graded under O-TACT-VULNS, listed first.
                &PlannedTarget::Metric { start: 60.4, target: 100.0 },
                "carried over from 2027-Q1: scored 0.56 of an expected 1.0; it starts at the 60.4% its score implies"
            ),
            (
                "KR-EVA-1-2027-Q2",
                Some("KR-EVA-1"),
                &milestones(&[("Ownership checks on every storefront write endpoint", 1.0)]),
                "carried over from 2027-Q1: scored 0.00 of an expected 1.0"
            ),
        ]
    );
    // The access-control key result goes back under the objective it descends from: the one
    // planned from the old objective's theme (O-APPSEC-AC was about access control).
    let training = planned.objectives[0].key_results.last().expect("key results");
    assert_eq!(planned.objectives[0].theme, Some(Theme::AccessControl));
    assert_eq!(training.id, "KR-AC-TRAIN-2027-Q2");
    assert_eq!(training.lineage.as_deref(), Some("ac-training"));
    // 35 + 0.4333 × (80 − 35) = 54.4985.
    assert_eq!(training.target, PlannedTarget::Metric { start: 54.5, target: 80.0 });
    assert_eq!(training.metric.as_deref(), Some("training.coverage"));
    assert_eq!(training.commitment, Commitment::Aspirational); // from O-APPSEC-AC
    assert_eq!(training.kind, KrKind::Strategic);
    let derived: Vec<&str> = training.derived_from.iter().map(|t| t.as_str()).collect();
    assert_eq!(derived, ["T-CHK-1", "T-CHK-2", "T-WEB-1", "T-WEB-2", "T-MOB-1"]);
    // A measured start replaces the implied one and is named.
    let mut options = options.clone();
    options.measured_starts.insert("KR-AC-TRAIN-2027-Q2".into(), 60.0);
    let measured = plan(&workspace, &analysis, q2, &options, None);
    let training = find_kr(&measured, "KR-AC-TRAIN-2027-Q2").expect("carried");
    assert_eq!(training.target, PlannedTarget::Metric { start: 60.0, target: 80.0 });
    assert!(training.rationale.ends_with("scored 0.43 of an expected 0.7; 60% measured today"));
}

#[test]
fn carried_key_results_join_their_objective_when_the_cycle_has_it_and_replan_identically() {
    let (workspace, _) = load(&example_files_with_q2(true));
    let analysis = crate::analysis::analyze(&workspace);
    let q2 = workspace.config.cycle("2027-Q2").expect("Q2");
    // The user kept O-APPSEC-AC for Q2, with a key result of their own.
    let current_text = "cycle: 2027-Q2\nobjectives:\n  - id: O-APPSEC-AC\n    title: Consistent access control, continued\n    level: team\n    commitment: aspirational\n    key_results:\n      - { id: KR-Q2-OWN, title: Own work, type: binary, kind: tactical }\n";
    let (current, diagnostics) = lower_text(current_text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let current = current.expect("a set");
    let options = PlanOptions { carry: Some(carry_q1()), ..PlanOptions::default() };
    let planned = plan(&workspace, &analysis, q2, &options, Some(&current));
    let ids: Vec<&str> = planned.objectives.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "O-2027-Q2-AC",
            "O-2027-Q2-SUPPLY",
            "O-2027-Q2-AUTHN",
            "O-APPSEC-AC",
            "O-2027-Q2-CARRIED",
            "O-CEO-1"
        ]
    );
    let home = &planned.objectives[3];
    assert_eq!(home.title, "Consistent access control, continued");
    let home_krs: Vec<&str> = home.key_results.iter().map(|kr| kr.id.as_str()).collect();
    assert_eq!(home_krs, ["KR-AC-TRAIN-2027-Q2"]);
    // Merging adds the carried key result to the user's objective and a second run adds nothing.
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q2.yaml", current_text.to_owned());
    let merged = merge_into(&files, file, &planned).expect("merges");
    assert!(
        merged.changes.contains(&"added key result KR-AC-TRAIN-2027-Q2 in O-APPSEC-AC: 80% of developers on the affected teams trained on access control".to_owned()),
        "{:?}",
        merged.changes
    );
    let (set, diagnostics) = lower_text(&merged.text);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{}", merged.text);
    let set = set.expect("a set");
    let mut files = Files::new();
    let file = files.add("okrs/2027-Q2.yaml", merged.text.clone());
    let again = plan(&workspace, &analysis, q2, &options, Some(&set));
    let remerged = merge_into(&files, file, &again).expect("merges");
    assert_eq!(remerged.text, merged.text);
    assert!(remerged.changes.is_empty(), "{:?}", remerged.changes);
    // A fresh file of the plan lowers cleanly, with the lineage, and is byte-identical run to run.
    let yaml = to_okr_yaml(&planned);
    let (fresh, diagnostics) = lower_text(&yaml);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{yaml}");
    let fresh = fresh.expect("a set");
    let kr = fresh.key_result(&"KR-AC-TRAIN-2027-Q2".parse().expect("an id")).expect("carried");
    assert_eq!(kr.lineage.as_deref(), Some("ac-training"));
    assert_eq!(to_okr_yaml(&plan(&workspace, &analysis, q2, &options, Some(&current))), yaml);
    assert_eq!(
        plan_json(&planned),
        plan_json(&plan(&workspace, &analysis, q2, &options, Some(&current)))
    );
}

/// Issue 12: `plan` reads only the findings of the scopes its starts count, and measures the
/// same starts from them as from every finding of the store.
#[test]
fn issue_12_starts_measured_from_the_findings_of_their_scopes_equal_those_from_every_finding() {
    let (workspace, _) = load(&example_files(false));
    let cycle = workspace.config.cycle("2027-Q1").expect("the cycle 2027-Q1");
    let as_of = jiff::civil::date(2027, 2, 15);
    let mut first = plan_of(&workspace, None);
    // The example plans finding key results as thresholds (no start); add starts that count
    // findings: the SLA of production and the median days to fix in one app.
    let app = workspace.config.apps[0].id.to_string();
    let objective = &mut first.objectives[0];
    let template = objective.key_results[0].clone();
    for (id, metric, param, value) in
        [("KR-T-SLA", "findings.sla", "env", "prod"), ("KR-T-MTTR", "findings.mttr", "apps", &app)]
    {
        objective.key_results.push(PlannedKr {
            id: id.into(),
            metric: Some(metric.into()),
            params: [(param.to_owned(), MeasureParam::Text(value.to_owned()))]
                .into_iter()
                .collect(),
            target: PlannedTarget::Metric { start: 50.0, target: 90.0 },
            ..template.clone()
        });
    }
    let day = |d| jiff::civil::date(2027, 1, d);
    let mut evidence = metrics::EvidenceSet::default();
    for (i, app) in workspace.config.apps.iter().enumerate() {
        for environment in app.environments.iter().map(String::as_str).chain(["dev", "qa"]) {
            let severities = [crate::model::Severity::High, crate::model::Severity::Medium];
            for (j, severity) in severities.into_iter().enumerate() {
                evidence.findings.push(metrics::FindingRecord {
                    app: app.id.as_str().into(),
                    environment: environment.into(),
                    tool: "semgrep".into(),
                    id: format!("{i}-{environment}-{j}").into(),
                    rule_id: "rule".into(),
                    severity,
                    score: None,
                    class: crate::model::FindingClass::Security,
                    cwes: vec![639],
                    first_seen: day(2 + j as i8),
                    fixed_at: (j == 1).then(|| day(20)),
                    file: None,
                    line: None,
                });
            }
            evidence.scans.push(metrics::ScanRecord {
                tool: "semgrep".into(),
                app: app.id.to_string(),
                environment: environment.to_owned(),
                date: day(25),
            });
        }
    }
    let scopes = start_finding_scopes(&workspace, &first, cycle, as_of);
    assert!(!scopes.is_empty(), "the example's plan has a start that counts findings");
    let mut scoped = evidence.clone();
    scoped.findings.retain(|f| scopes.iter().any(|s| s.contains(&f.app, &f.environment)));
    assert!(scoped.findings.len() < evidence.findings.len(), "some findings are not read");
    let measured = measure_starts(&workspace, &first, cycle, as_of, &evidence);
    assert!(measured.values.contains_key("KR-T-SLA") && measured.values.contains_key("KR-T-MTTR"));
    assert_eq!(measure_starts(&workspace, &first, cycle, as_of, &scoped), measured);
}
