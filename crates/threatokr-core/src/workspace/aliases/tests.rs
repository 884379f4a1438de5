//! Threat aliases: the rule, their stability and where they are accepted.

use super::*;
use crate::diag::{Code, Diagnostic, Files, Severity};
use crate::evidence::tests::parse_test_results;
use crate::model::Workspace;
use crate::test_support::read_sample;
use crate::workspace::{WorkspaceFiles, load_workspace};

const CONFIG: &str = r#"
org:
  name: Test Corp
  teams: [{ id: red, name: Red }]
  people: [{ id: ann, name: Ann, team: red }]
apps:
  - { id: shop, name: Shop, team: red, models: [models/dragon.json] }
  - { id: ops, name: Ops, team: red }
cycles:
  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31 }
"#;

const OPS: &str = "app: ops\ntitle: Ops\nthreats:\n  - { id: T-O1, title: Open console, status: identified, severity: high }\n";

/// The workspace with Threat Dragon's demo model (UUID threat ids) as the app `shop`, a native
/// model of `ops`, and an OKR file when given.
fn load(ops: &str, okrs: Option<&str>) -> (Workspace, Vec<Diagnostic>) {
    let mut files = Files::new();
    let mut inputs = WorkspaceFiles {
        config: Some(files.add("threatokr.yaml", CONFIG)),
        ..WorkspaceFiles::default()
    };
    let dragon = read_sample("samples/models/threat-dragon/v2-demo.json");
    inputs.models.push(files.add("models/dragon.json", dragon));
    inputs.models.push(files.add("models/ops.tm.yaml", ops));
    if let Some(okrs) = okrs {
        inputs.okrs.push(files.add("okrs/2027-Q1.yaml", okrs));
    }
    load_workspace(&files, &inputs)
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.severity == Severity::Error).collect()
}

/// The first threat of the Threat Dragon model and its alias.
fn first_dragon_threat(workspace: &Workspace) -> (ThreatId, String) {
    let model =
        workspace.models.iter().find(|m| m.app.as_ref().is_some_and(|a| a.as_str() == "shop"));
    let threat = model.expect("the dragon model").threats[0].id.clone();
    let alias = workspace.aliases.alias_of(&threat).expect("an alias").to_owned();
    (threat, alias)
}

#[test]
fn every_threat_gets_a_short_alias_of_its_app_and_a_four_digit_number() {
    let (workspace, diagnostics) = load(OPS, None);
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    let threats: Vec<&ThreatId> =
        workspace.models.iter().flat_map(|m| &m.threats).map(|t| &t.id).collect();
    assert!(threats.len() > 5);
    for threat in threats {
        let alias = workspace.aliases.alias_of(threat).expect("every threat has one");
        assert!(is_alias(alias), "{alias}");
        let (app, number) = alias.split_once(":T-").expect("app:T-n");
        assert!(app == "shop" || app == "ops", "{alias}");
        assert_eq!(number.len(), 4, "{alias}");
        assert_eq!(workspace.resolve_threat(alias), Some(threat));
    }
    // The rule is a hash of the original id: fixed, whatever the machine or the load.
    assert_eq!(workspace.aliases.alias_of(&"T-O1".parse().expect("an id")), Some("ops:T-6298"));
}

#[test]
fn aliases_are_stable_across_loads_and_untouched_by_a_threat_added_to_another_app() {
    let (first, _) = load(OPS, None);
    let (second, _) = load(OPS, None);
    assert_eq!(first.aliases, second.aliases);
    let more =
        format!("{OPS}  - {{ id: T-O2, title: Another, status: identified, severity: low }}\n");
    let (grown, diagnostics) = load(&more, None);
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    for threat in first.models.iter().flat_map(|m| &m.threats) {
        assert_eq!(first.aliases.alias_of(&threat.id), grown.aliases.alias_of(&threat.id));
    }
    assert!(grown.aliases.alias_of(&"T-O2".parse().expect("an id")).is_some());
}

#[test]
fn colliding_numbers_in_one_app_are_settled_by_the_original_ids() {
    // Find two ids whose first numbers collide, then check the later one moves and the
    // earlier one keeps its number whatever the file order.
    // More ids than numbers: two must share one.
    let ids: Vec<String> = (0..=SPAN).map(|i| format!("T-{i}")).collect();
    let (a, b) = ids
        .iter()
        .enumerate()
        .find_map(|(i, a)| {
            ids[i + 1..].iter().find(|b| number(a, 0) == number(b, 0)).map(|b| (a, b))
        })
        .expect("9001 ids in 9000 numbers collide");
    let model = |order: [&String; 2]| {
        let threats: String = order
            .iter()
            .map(|id| format!("  - {{ id: {id}, title: x, status: identified, severity: low }}\n"))
            .collect();
        format!("app: ops\ntitle: Ops\nthreats:\n{threats}")
    };
    let (forward, _) = load(&model([a, b]), None);
    let (backward, _) = load(&model([b, a]), None);
    assert_eq!(forward.aliases, backward.aliases);
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    let alias = |w: &Workspace, id: &str| {
        w.aliases.alias_of(&id.parse().expect("an id")).expect("aliased").to_owned()
    };
    assert_eq!(alias(&forward, first), format!("ops:T-{}", number(first, 0)));
    assert_ne!(alias(&forward, second), alias(&forward, first));
}

#[test]
fn an_alias_in_an_okr_file_resolves_to_the_threat() {
    let (workspace, _) = load(OPS, None);
    let (threat, alias) = first_dragon_threat(&workspace);
    assert!(threat.as_str().len() > 20, "Threat Dragon's ids are long: {threat}");
    let okrs = format!(
        "cycle: 2027-Q1\nobjectives:\n  - id: O-1\n    title: Safer shop\n    level: team\n    derived_from: [{alias}]\n    key_results:\n      - {{ id: KR-1, title: Tested, type: binary, derived_from: [{alias}, T-O1] }}\n      - {{ id: KR-2, title: Inherits, type: binary }}\n"
    );
    let (workspace, diagnostics) = load(OPS, Some(&okrs));
    assert!(diagnostics.iter().all(|d| d.code != Code::DanglingReference), "{diagnostics:#?}");
    let set = &workspace.okrs[0];
    assert_eq!(set.objectives[0].derived_from, std::slice::from_ref(&threat));
    let kr = |id: &str| set.key_results.iter().find(|k| k.id.as_str() == id).expect("a kr");
    assert_eq!(kr("KR-1").derived_from, [threat.clone(), "T-O1".parse().expect("an id")]);
    assert_eq!(kr("KR-2").derived_from, [threat]);
}

#[test]
fn an_unknown_alias_is_a_dangling_reference_with_its_position_and_a_did_you_mean() {
    let (workspace, _) = load(OPS, None);
    let (_, alias) = first_dragon_threat(&workspace);
    // One digit off.
    let last = alias.chars().last().expect("a digit");
    let typo = format!("{}{}", &alias[..alias.len() - 1], if last == '9' { '8' } else { '9' });
    let okrs = format!(
        "cycle: 2027-Q1\nobjectives:\n  - id: O-1\n    title: Safer shop\n    level: team\n    derived_from: [{typo}]\n"
    );
    let (_, diagnostics) = load(OPS, Some(&okrs));
    let dangling: Vec<&Diagnostic> =
        diagnostics.iter().filter(|d| d.code == Code::DanglingReference).collect();
    assert_eq!(dangling.len(), 1, "{diagnostics:#?}");
    let span = dangling[0].primary.as_ref().expect("a position").span;
    assert_eq!(&okrs[span.start as usize..span.end as usize], typo);
    assert!(
        dangling[0].help.as_deref().is_some_and(|h| h.contains("did you mean")),
        "{:?}",
        dangling[0].help
    );
}

#[test]
fn an_id_that_threats_of_two_apps_have_is_ambiguous_and_names_their_aliases() {
    let (workspace, _) = load(OPS, None);
    let (threat, _) = first_dragon_threat(&workspace);
    // ops gets a threat with the same id as one of shop's.
    let ops = format!(
        "{OPS}  - {{ id: \"{threat}\", title: Same id, status: identified, severity: low }}\n"
    );
    let okrs = format!(
        "cycle: 2027-Q1\nobjectives:\n  - id: O-1\n    title: Safer shop\n    level: team\n    derived_from: [\"{threat}\"]\n"
    );
    let (workspace, diagnostics) = load(&ops, Some(&okrs));
    let ambiguous: Vec<&Diagnostic> =
        diagnostics.iter().filter(|d| d.code == Code::AmbiguousThreat).collect();
    assert_eq!(ambiguous.len(), 1, "{diagnostics:#?}");
    let aliases = workspace.aliases.aliases_of(&threat);
    assert_eq!(aliases.len(), 2);
    for alias in &aliases {
        assert!(ambiguous[0].message.contains(alias), "{}", ambiguous[0].message);
    }
    assert!(ambiguous[0].primary.is_some());
    assert!(ambiguous[0].help.as_deref().is_some_and(|h| h.contains("did you mean")));
}

#[test]
fn a_junit_test_naming_a_threat_by_alias_counts_for_it() {
    let (workspace, _) = load(OPS, None);
    let (threat, alias) = first_dragon_threat(&workspace);
    let junit = format!(
        "<testsuite name=\"s\" timestamp=\"2027-02-01T10:00:00\"><testcase name=\"refund another user [{alias}]\"/></testsuite>"
    );
    let mut files = Files::new();
    let file = files.add("evidence/tests/run.xml", junit);
    let (executions, diagnostics) = parse_test_results(&files, file);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(executions[0].threats, std::slice::from_ref(&alias));
    assert_eq!(workspace.threat_name(&alias), threat.as_str());
    // The evidence check knows it, and threats.tested counts the threat as tested.
    let evidence = crate::metrics::EvidenceSet { tests: executions, ..Default::default() };
    let checked = crate::metrics::check_evidence(&workspace, &evidence);
    assert!(checked.iter().all(|d| d.code != Code::DanglingReference), "{checked:#?}");
    let okrs = "cycle: 2027-Q1\nobjectives:\n  - id: O-1\n    title: Tested\n    level: team\n    key_results:\n      - { id: KR-1, title: Tested, type: metric, start: 0, target: 100, measure: { metric: threats.tested, apps: [shop] } }\n";
    let (workspace, diagnostics) = load(OPS, Some(okrs));
    assert!(errors(&diagnostics).is_empty(), "{:#?}", errors(&diagnostics));
    let cycle = workspace.config.cycle("2027-Q1").expect("a cycle");
    let value = crate::metrics::measure_key_result(
        &workspace,
        &workspace.okrs[0].key_results[0],
        cycle,
        jiff::civil::date(2027, 2, 15),
        &evidence,
        &workspace.config.settings,
    );
    assert_eq!(value.numerator, Some(1.0), "{value:#?}");
}
