//! End-to-end tests of `analyze`, `plan` and `align` on the bundled example workspace.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn threatokr(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the binary runs")
}

/// A fresh folder holding the example workspace under `acme/`.
fn example(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let init = threatokr(&["init", "acme", "--example"], &dir);
    assert!(init.status.success(), "{}", stderr(&init));
    dir
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    assert!(output.status.success(), "{}{}", stdout(output), stderr(output));
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn analyze_ranks_access_control_first_in_every_format() {
    let dir = example("planner-analyze");
    let value = json(&threatokr(&["-w", "acme", "analyze", "--format", "json"], &dir));
    assert_eq!(value["themes"][0]["theme"], "access_control");
    assert_eq!(value["themes"][0]["open_threats"], 7);
    assert_eq!(value["apps"].as_array().map(Vec::len), Some(5));
    let table = threatokr(&["-w", "acme", "analyze"], &dir);
    assert!(table.status.success());
    assert!(stdout(&table).contains("1  access_control"), "{}", stdout(&table));
    // COLUMNS sets the table's width: 100 cuts the apps column, 200 does not.
    assert!(stdout(&table).contains("checkout, mobile-app, payme…"), "{}", stdout(&table));
    let wide = Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(["-w", "acme", "analyze"])
        .current_dir(&dir)
        .env("COLUMNS", "200")
        .output()
        .expect("the binary runs");
    assert!(
        stdout(&wide).contains("checkout, mobile-app, payments-api, storefront"),
        "{}",
        stdout(&wide)
    );
    let markdown = threatokr(&["-w", "acme", "analyze", "--format", "markdown"], &dir);
    assert!(stdout(&markdown).starts_with("# Portfolio analysis"));
}

#[test]
fn plan_json_follows_the_contract() {
    let dir = example("planner-json");
    let value =
        json(&threatokr(&["-w", "acme", "plan", "--cycle", "2027-Q1", "--format", "json"], &dir));
    assert_eq!(value["cycle"], "2027-Q1");
    // Without a history store, starts are measured from the evidence folders and none is created.
    assert!(!dir.join("acme/.threatokr").exists());
    let objectives = value["objectives"].as_array().expect("objectives");
    assert_eq!(objectives.len(), 3);
    let top = &objectives[0];
    assert_eq!(top["id"], "O-2027-Q1-AC");
    assert_eq!(top["theme"], "access_control");
    assert_eq!(top["supports"], serde_json::json!(["O-CEO-1", "O-CRO-1"]));
    for key in ["id", "title", "theme", "level", "apps", "teams", "supports", "key_results"] {
        assert!(top.get(key).is_some(), "objective without {key}");
    }
    for kr in top["key_results"].as_array().expect("key results") {
        for key in [
            "id",
            "title",
            "metric",
            "params",
            "start",
            "target",
            "unit",
            "kind",
            "commitment",
            "derived_from",
            "rationale",
        ] {
            assert!(kr.get(key).is_some(), "{} without {key}", kr["id"]);
        }
    }
    assert_eq!(
        value["balance"]["strategic"]
            .as_f64()
            .map(|s| s + value["balance"]["tactical"].as_f64().unwrap()),
        Some(1.0)
    );
}

#[test]
fn plan_writes_a_file_that_validates_and_replanning_changes_nothing() {
    let dir = example("planner-write");
    let args = ["-w", "acme", "plan", "--cycle", "2027-Q1", "-o", "acme/okrs/2027-Q1.plan.yaml"];
    let first = threatokr(&args, &dir);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("wrote acme/okrs/2027-Q1.plan.yaml: 3 objective(s)"),
        "{}",
        stderr(&first)
    );
    let written = std::fs::read(dir.join("acme/okrs/2027-Q1.plan.yaml")).unwrap();
    let second = threatokr(&args, &dir);
    assert!(second.status.success());
    assert!(
        stderr(&second).contains("already holds every proposal: nothing to change"),
        "{}",
        stderr(&second)
    );
    assert_eq!(std::fs::read(dir.join("acme/okrs/2027-Q1.plan.yaml")).unwrap(), written);
    let validate = threatokr(&["-w", "acme", "validate", "--format", "json"], &dir);
    assert_eq!(json(&validate)["errors"], 0);
}

#[test]
fn plan_merges_into_the_cycle_file_and_says_what_it_added() {
    let dir = example("planner-merge");
    let before = std::fs::read_to_string(dir.join("acme/okrs/2027-Q1.yaml")).unwrap();
    let output = threatokr(
        &["-w", "acme", "plan", "--cycle", "2027-Q1", "-o", "acme/okrs/2027-Q1.yaml"],
        &dir,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let changes = stderr(&output);
    assert!(changes.contains("changes to acme/okrs/2027-Q1.yaml:"), "{changes}");
    assert!(
        changes.contains("  added objective O-2027-Q1-AC: Implement consistent access control"),
        "{changes}"
    );
    let after = std::fs::read_to_string(dir.join("acme/okrs/2027-Q1.yaml")).unwrap();
    assert!(after.starts_with(&before));
    let validate = threatokr(&["-w", "acme", "validate", "--format", "json"], &dir);
    assert_eq!(json(&validate)["errors"], 0);
    // Without -o the merged file goes to stdout, and the file on disk already has everything.
    let again = threatokr(&["-w", "acme", "plan", "--cycle", "2027-Q1"], &dir);
    assert_eq!(stdout(&again), after);
}

#[test]
fn plan_without_output_says_it_would_change_or_write_and_writes_nothing() {
    let dir = example("planner-dry");
    let before = std::fs::read_to_string(dir.join("acme/okrs/2027-Q1.yaml")).unwrap();
    let merged = threatokr(&["-w", "acme", "plan", "--cycle", "2027-Q1"], &dir);
    assert!(merged.status.success(), "{}", stderr(&merged));
    let said = stderr(&merged);
    assert!(said.contains("would change acme/okrs/2027-Q1.yaml:"), "{said}");
    assert!(said.contains("nothing written"), "{said}");
    assert!(!said.contains("changes to"), "{said}");
    assert_eq!(std::fs::read_to_string(dir.join("acme/okrs/2027-Q1.yaml")).unwrap(), before);
    // A cycle without an OKR file: the plan is printed, and nothing is written.
    let fresh = threatokr(&["-w", "acme", "plan", "--cycle", "2027"], &dir);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert!(
        stderr(&fresh).contains("would write acme/okrs/2027.yaml: 3 objective(s)"),
        "{}",
        stderr(&fresh)
    );
    assert!(stderr(&fresh).contains("nothing written"), "{}", stderr(&fresh));
    assert!(stdout(&fresh).starts_with("# Security OKRs for 2027"));
    assert!(!dir.join("acme/okrs/2027.yaml").exists());
}

/// The round trip of the issue: plan -o, delete a proposal by hand, plan -o again: it stays
/// deleted, the command says so, and the file validates.
#[test]
fn a_proposal_deleted_by_hand_stays_deleted_when_planning_again() {
    let dir = example("planner-declined");
    let args = ["-w", "acme", "plan", "--cycle", "2027-Q1", "-o", "acme/okrs/2027-Q1.yaml"];
    let first = threatokr(&args, &dir);
    assert!(first.status.success(), "{}", stderr(&first));
    let path = dir.join("acme/okrs/2027-Q1.yaml");
    let written = std::fs::read_to_string(&path).unwrap();
    let start = written.find("      - id: KR-AUTHN-SSO\n").expect("proposed");
    let end = start + written[start..].find("\n      - ").expect("another key result follows") + 1;
    let edited = format!("{}{}", &written[..start], &written[end..]);
    std::fs::write(&path, &edited).unwrap();
    let second = threatokr(&args, &dir);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second)
            .contains("not proposed again (deleted from the OKR file by hand): KR-AUTHN-SSO"),
        "{}",
        stderr(&second)
    );
    assert!(stderr(&second).contains("nothing to change"), "{}", stderr(&second));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    let validate = threatokr(&["-w", "acme", "validate", "--format", "json"], &dir);
    assert_eq!(json(&validate)["errors"], 0);
}

#[test]
fn plan_refuses_an_unknown_cycle_with_exit_2() {
    let dir = example("planner-cycle");
    let output = threatokr(&["-w", "acme", "plan", "--cycle", "2031-Q4"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("there is no cycle `2031-Q4`"), "{}", stderr(&output));
}

#[test]
fn align_lists_the_unaligned_objective_and_the_proposed_links() {
    let dir = example("planner-align");
    let value = json(&threatokr(&["-w", "acme", "align", "--format", "json"], &dir));
    assert_eq!(
        value["unaligned_security_objectives"],
        serde_json::json!([{"id": "O-TACT-VULNS", "title": "No vulnerabilities in production above CVSS 4.0"}])
    );
    assert_eq!(value["unsupported_business_objectives"], serde_json::json!([]));
    assert_eq!(value["proposed_supports"].as_array().map(Vec::len), Some(4));
    let table = threatokr(&["-w", "acme", "align", "--cycle", "2027-Q1"], &dir);
    assert!(
        stdout(&table).contains("Security objectives aligned to nothing (1):"),
        "{}",
        stdout(&table)
    );
}

/// The key results of a plan's JSON, by id.
fn key_result<'v>(plan: &'v Value, id: &str) -> &'v Value {
    plan["objectives"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["key_results"].as_array().into_iter().flatten())
        .find(|kr| kr["id"] == id)
        .unwrap_or_else(|| panic!("no key result {id}"))
}

#[test]
fn plan_carries_the_graded_quarter_over_with_lineage_and_measured_starts() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("planner-carry");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let demo = threatokr(&["demo", "--out", "acme"], &dir);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let grade = threatokr(
        &["-w", "acme", "grade", "--cycle", "2027-Q1", "--as-of", "2027-04-01", "--format", "json"],
        &dir,
    );
    assert_eq!(json(&grade)["grades"].as_array().map(Vec::len), Some(14));
    // A second quarter in threatokr.yaml.
    let config_path = dir.join("acme/threatokr.yaml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let q1 = r#"  - { id: 2027-Q1, start: 2027-01-01, end: 2027-03-31, within: "2027" }"#;
    assert!(config.contains(q1));
    let q2 = r#"  - { id: 2027-Q2, start: 2027-04-01, end: 2027-06-30, within: "2027" }"#;
    std::fs::write(&config_path, config.replace(q1, &format!("{q1}\n{q2}"))).unwrap();

    let args =
        ["-w", "acme", "plan", "--cycle", "2027-Q2", "--as-of", "2027-04-01", "--format", "json"];
    let planned = json(&threatokr(&args, &dir));
    assert_eq!(planned["cycle"], "2027-Q2");
    let objectives = planned["objectives"].as_array().expect("objectives");
    let objective = |id: &str| {
        objectives.iter().find(|o| o["id"] == id).unwrap_or_else(|| panic!("no objective {id}"))
    };
    let ids_of = |objective: &Value| -> Vec<String> {
        objective["key_results"]
            .as_array()
            .expect("key results")
            .iter()
            .map(|kr| kr["id"].as_str().expect("an id").to_owned())
            .collect()
    };
    // Every security key result of 2027-Q1 scored below expectation at its close (the demo's
    // evidence stops in February). KR-ESSENTIALS is not carried: omar's November training is
    // still valid, so 7 of 11 hold one, (63.6 − 20) / (80 − 20) = 0.727, at or above the 0.7
    // expected of an aspirational one. Each goes back under the objective it descends from:
    // access control's under the access-control objective, customer confidence's under the
    // customer-confidence objective; the rest, whose objectives the plan has no heir for,
    // under O-2027-Q2-CARRIED.
    let carried = objective("O-2027-Q2-CARRIED");
    assert_eq!(carried["title"], "Carried over from 2027-Q1");
    assert_eq!(
        ids_of(carried),
        ["KR-PROD-VULNS-2027-Q2", "KR-CI-TOOLS-2027-Q2", "KR-EVA-1-2027-Q2", "KR-EVA-2-2027-Q2"]
    );
    assert!(ids_of(objective("O-2027-Q2-AC")).ends_with(&[
        "KR-AC-TRAIN-2027-Q2".to_owned(),
        "KR-AC-ASVS-2027-Q2".to_owned(),
        "KR-AC-PENTEST-2027-Q2".to_owned(),
        "KR-AC-OIDC-2027-Q2".to_owned(),
    ]));
    assert!(
        ids_of(objective("O-2027-Q2-TRUST"))
            .ends_with(&["KR-TRUST-1-2027-Q2".to_owned(), "KR-TRUST-2-2027-Q2".to_owned()])
    );
    // The CEO's and CRO's objectives are the business's: carried with their unfinished revenue
    // key results, so the new quarter's security objectives support them.
    assert_eq!(ids_of(objective("O-CEO-1")), ["KR-CEO-1-2027-Q2"]);
    assert_eq!(ids_of(objective("O-CRO-1")), ["KR-CRO-1-2027-Q2"]);
    assert_eq!(objective("O-2027-Q2-TRUST")["supports"], serde_json::json!(["O-CRO-1"]));
    let every_kr = objectives.iter().flat_map(|o| o["key_results"].as_array().expect("krs"));
    for kr in every_kr.filter(|kr| kr["id"].as_str().is_some_and(|id| id.ends_with("-2027-Q2"))) {
        let id = kr["id"].as_str().expect("an id");
        assert_eq!(kr["lineage"], id.strip_suffix("-2027-Q2").expect("the new cycle's id"));
    }
    // The bundled evidence: 6 of the 11 active developers of payments, web and mobile completed
    // the access-control course (omar, jun, eva, raj, sol, priya), so 54.5% both for the
    // carried key result (declared 35 → 80 in Q1, graded 0.43) and the planner's own.
    let carried_training = key_result(&planned, "KR-AC-TRAIN-2027-Q2");
    assert_eq!(carried_training["start"], 54.5);
    assert_eq!(carried_training["target"], 80.0);
    assert_eq!(
        carried_training["rationale"],
        "carried over from 2027-Q1: scored 0.43 of an expected 0.7; 54.5% measured today"
    );
    let training = key_result(&planned, "KR-AC-TRAINING");
    assert_eq!(training["start"], 54.5);
    assert!(
        training["rationale"]
            .as_str()
            .is_some_and(|r| r.ends_with("; 54.5% of the affected developers trained today")),
        "{}",
        training["rationale"]
    );
    assert_eq!(training["lineage"], Value::Null);
    // Milestones carry what is left: the legal review was done in Q1.
    assert_eq!(
        key_result(&planned, "KR-TRUST-1-2027-Q2")["milestones"],
        serde_json::json!([{"title": "Published on the website", "weight": 2.0}])
    );
    // CI: 2 of the 5 repositories enforce SAST and a secrets scanner (back-office's GitLab
    // templates are allowed to fail).
    assert_eq!(key_result(&planned, "KR-CI-TOOLS-2027-Q2")["start"], 40.0);
    // The same inputs give the same bytes.
    assert_eq!(stdout(&threatokr(&args, &dir)), stdout(&threatokr(&args, &dir)));

    // Written as the cycle's OKR file, the plan validates with no diagnostic, and planning
    // again into it changes nothing.
    let write = [
        "-w",
        "acme",
        "plan",
        "--cycle",
        "2027-Q2",
        "--as-of",
        "2027-04-01",
        "-o",
        "acme/okrs/2027-Q2.yaml",
    ];
    let first = threatokr(&write, &dir);
    assert!(first.status.success(), "{}", stderr(&first));
    let written = std::fs::read(dir.join("acme/okrs/2027-Q2.yaml")).unwrap();
    let validate = json(&threatokr(&["-w", "acme", "validate", "--format", "json"], &dir));
    assert_eq!(
        (validate["errors"].as_u64(), validate["warnings"].as_u64()),
        (Some(0), Some(0)),
        "{validate}"
    );
    let second = threatokr(&write, &dir);
    assert!(
        stderr(&second).contains("already holds every proposal: nothing to change"),
        "{}",
        stderr(&second)
    );
    assert_eq!(std::fs::read(dir.join("acme/okrs/2027-Q2.yaml")).unwrap(), written);
}
