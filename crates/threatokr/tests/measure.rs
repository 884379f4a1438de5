//! End-to-end tests of `measure`, `status`, `grade` and `explain` on the demo workspace and its
//! bundled evidence, with figures computed by reading the bundled files; what `explain` says was
//! counted agrees with `measure --format json` on the same day.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn threatokr(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// A fresh folder holding the demo workspace in `acme/` (the demo ingests, scans and measures).
fn demo(name: &str) -> PathBuf {
    demo_with_output(name).0
}

/// The demo workspace and what the demo printed.
fn demo_with_output(name: &str) -> (PathBuf, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let output = threatokr(&["demo", "--out", "acme"], &dir);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    (dir.join("acme"), stdout(&output))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn measure_json(workspace: &Path, extra: &[&str]) -> Value {
    // The demo's dates may lie ahead of the machine's clock; --force records them anyway.
    let mut args = vec!["measure", "--as-of", "2027-02-15", "--force", "--format", "json"];
    args.extend_from_slice(extra);
    let output = threatokr(&args, workspace);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The first appearance of a key result in the JSON.
fn key_result<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["key_results"].as_array().unwrap())
        .find(|kr| kr["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the measurement"))
}

#[track_caller]
fn assert_figures(json: &Value, id: &str, value: f64, numerator: f64, denominator: Option<f64>) {
    let kr = key_result(json, id);
    assert!((kr["value"].as_f64().unwrap() - value).abs() < 1e-9, "{id}: {kr}");
    assert_eq!(kr["numerator"].as_f64(), Some(numerator), "{id}");
    assert_eq!(kr["denominator"].as_f64(), denominator, "{id}");
}

#[test]
fn demo_then_measure_gives_the_figures_of_the_bundled_evidence() {
    let (workspace, printed) = demo_with_output("measure-demo");
    // checkout's January scan has 3 findings, its February scan 2 of them plus 1 new; storefront 1;
    // payments-api none: 5 distinct, the IDOR fixed by checkout's February scan.
    assert!(
        printed.contains("4. ingested 4 bundled SARIF scans in date order: 5 distinct findings, 1 of them fixed by a later scan"),
        "{printed}"
    );
    assert!(
        printed.contains("5. scanned the CI of 5 repositories: 2 run SAST and a secrets scanner"),
        "{printed}"
    );
    assert!(
        printed.contains("6. measured 13 key results of 2027-Q1 as of 2027-02-15"),
        "{printed}"
    );
    assert!(printed.contains("7. wrote the report"), "{printed}");
    let json = measure_json(&workspace, &[]);
    assert_eq!(json["as_of"], "2027-02-15");
    assert_eq!(json["cycle"], "2027-Q1");
    let objectives = json["objectives"].as_array().unwrap();
    assert_eq!(objectives.len(), 7);
    for objective in objectives {
        let keys: Vec<&String> = objective.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "progress", "status", "key_results"]);
        for kr in objective["key_results"].as_array().unwrap() {
            let keys: Vec<&String> = kr.as_object().unwrap().keys().collect();
            assert_eq!(keys, threatokr_core::metrics::KEY_RESULT_JSON_KEYS);
            let status = kr["status"].as_str().unwrap();
            assert!(
                ["on_track", "at_risk", "off_track", "stale", "no_data"].contains(&status),
                "{status}"
            );
        }
    }

    // training.coverage of access-control over payments, web and mobile: the roster's active
    // developers are priya, omar, jun, ada, tom, eva, raj, kim, lena, sol, ben = 11 (abhay and
    // noor are not developers, zoe left). Completions valid on 2027-02-15 (365 days): omar, jun,
    // eva, raj, sol, priya = 6 (zoe's does not count). 6/11 = 54.55%.
    assert_figures(&json, "KR-AC-TRAIN", 600.0 / 11.0, 6.0, Some(11.0));
    // security-essentials, every team: jun, ada, eva, kim, ben, lena and omar, whose November
    // training is still valid (a training lasts 365 days, not a quarter) = 7/11 = 63.64%.
    assert_figures(&json, "KR-ESSENTIALS", 700.0 / 11.0, 7.0, Some(11.0));
    // ci.coverage of sast + secrets over the five repos: checkout (semgrep, gitleaks on push and
    // PR) and payments-api (codeql and trufflehog on PR) enforce both; back-office's GitLab SAST
    // and secret detection templates run but are allowed to fail (GitLab's default), so they
    // enforce nothing; storefront's gitleaks is manual only; mobile-app has no CI. 2/5.
    assert_figures(&json, "KR-CI-TOOLS", 40.0, 2.0, Some(5.0));
    // findings.open in prod with score >= 4.0 on 2027-02-15: checkout's 2027-02-10 scan still has
    // the CSRF finding (5.3; the IDOR 7.5 is gone, the log injections are 2.0), storefront's XSS
    // (6.1); payments-api's scan is empty. 2.
    assert_figures(&json, "KR-PROD-VULNS", 2.0, 2.0, None);
    // ASVS 5.0.0 V6-V8 at L1+L2 is 60 requirements per app. checkout: 45 pass, 3 n/a (57
    // applicable); storefront: 30 pass, 5 n/a (55); mobile-app: 15 pass, 7 n/a (53). 90/165.
    assert_figures(&json, "KR-AC-ASVS", 9000.0 / 165.0, 90.0, Some(165.0));
    // Access-control threats (by CWE): T-BO-1, T-CHK-1 (639), T-CHK-2 (862), T-MOB-1 (639),
    // T-PAY-1, T-WEB-1 (639), T-WEB-2 (284), T-WEB-4 (352, CSRF) = 8; the February pentest ran
    // T-CHK-1 (failed, still tested), T-CHK-2, T-WEB-1, T-PAY-1. 4/8.
    assert_figures(&json, "KR-AC-PENTEST", 50.0, 4.0, Some(8.0));
    let tested: Vec<&str> = key_result(&json, "KR-AC-PENTEST")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["counted"] == true)
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(tested, ["T-CHK-1", "T-CHK-2", "T-PAY-1", "T-WEB-1"]);
    // sso-oidc implemented on consumer-facing apps: checkout (C-CHK-3); storefront's is in
    // progress, mobile-app has none. 1 of 3.
    assert_figures(&json, "KR-AC-OIDC", 1.0, 1.0, Some(3.0));

    // A shared key result appears under both objectives with the same measurement.
    let under = |objective: &str| {
        objectives.iter().find(|o| o["id"] == objective).unwrap()["key_results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|kr| kr["id"] == "KR-CI-TOOLS")
            .cloned()
            .unwrap()
    };
    assert_eq!(under("O-TACT-VULNS"), under("O-STRAT-ALIGN"));
    // Training evidence names teams, never people.
    let training = key_result(&json, "KR-AC-TRAIN")["evidence"].to_string();
    assert!(!training.contains("omar") && training.contains("\"team\":\"payments\""), "{training}");
    // The demo checks in ARR of 21.3 (from 20 towards 25): (21.3 - 20) / (25 - 20) = 0.26, under
    // 0.6 x the expected 45/89 = 0.303, so off track.
    let ceo = key_result(&json, "KR-CEO-1");
    assert!((ceo["progress"].as_f64().unwrap() - 0.26).abs() < 1e-9, "{ceo}");
    assert_eq!(ceo["status"], "off_track");
}

#[test]
fn measuring_twice_on_the_same_evidence_changes_nothing() {
    let workspace = demo("measure-twice");
    // The demo measured 2027-02-15 already: measuring again records no change.
    let first = threatokr(&["measure", "--as-of", "2027-02-15", "--force"], &workspace);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first)
            .contains("0 measurement(s) and 0 threat or control status change(s) recorded"),
        "{}",
        stdout(&first)
    );
    let a = measure_json(&workspace, &[]);
    let b = measure_json(&workspace, &["--cycle", "2027-Q1"]);
    assert_eq!(a, b);
    // `status --format json` shows the same numbers.
    let status = threatokr(&["status", "--as-of", "2027-02-15", "--format", "json"], &workspace);
    assert!(status.status.success());
    assert_eq!(serde_json::from_slice::<Value>(&status.stdout).unwrap(), a);
    // A new day is a new measurement of each of the 13 key results; the models did not change.
    let next = threatokr(&["measure", "--as-of", "2027-02-16", "--force"], &workspace);
    assert!(
        stdout(&next).contains("13 measurement(s) and 0 threat or control status change(s)"),
        "{}",
        stdout(&next)
    );
    // A threat's status edited: the one change is recorded (the statuses are known by the files
    // they are read from, and these changed).
    let model = workspace.join("models/checkout.tm.yaml");
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, text.replacen("status: identified", "status: mitigated", 1)).unwrap();
    let edited = threatokr(&["measure", "--as-of", "2027-02-17", "--force"], &workspace);
    assert!(
        stdout(&edited).contains("measurement(s) and 1 threat or control status change(s)"),
        "{}",
        stdout(&edited)
    );
}

#[test]
fn a_checkin_feeds_a_key_result_without_a_metric() {
    let workspace = demo("measure-checkin");
    let output = threatokr(
        &["checkin", "KR-CEO-1", "--value", "22", "--confidence", "6", "--at", "2027-02-10"],
        &workspace,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json = measure_json(&workspace, &[]);
    let kr = key_result(&json, "KR-CEO-1");
    // ARR from 20 to 25, now 22: (22 - 20) / (25 - 20) = 0.4.
    assert_eq!(kr["value"], 22.0);
    assert!((kr["progress"].as_f64().unwrap() - 0.4).abs() < 1e-12);
    assert_eq!(kr["evidence"][0]["kind"], "checkin");
    assert_eq!(kr["evidence"][0]["confidence"], 6);
}

#[test]
fn status_draws_a_tree_with_bars_and_no_colour_under_no_color() {
    let workspace = demo("measure-status");
    let output = threatokr(&["status", "--as-of", "2027-02-15"], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("2027-Q1 as of 2027-02-15"), "{text}");
    assert!(text.contains("O-APPSEC-AC Implement consistent access control"), "{text}");
    assert!(text.contains("█") && text.contains("░"), "{text}");
    assert!(text.contains("[training.coverage = 54.5% (6 of 11)]"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes when NO_COLOR is set");
    // The tree is the report's (core `render_status_tree`): O-SEC-TRUST has two parents and is
    // drawn in full once; elsewhere a one-line pointer (the old CLI tree said "shown in full
    // elsewhere").
    assert_eq!(text.matches("O-SEC-TRUST Increase customer confidence").count(), 2, "{text}");
    assert_eq!(text.matches("(shown above)").count(), 1, "{text}");
    assert_eq!(text.matches("- KR-TRUST-1 ").count(), 1, "{text}");
    assert!(text.contains("[manual = 21.3 M USD]  confidence 6/10"), "{text}");
}

#[test]
fn status_and_measure_fit_the_width_that_columns_gives() {
    let workspace = demo("measure-columns");
    for (command, width) in [("status", 60), ("status", 40), ("measure", 60)] {
        let output = Command::new(env!("CARGO_BIN_EXE_threatokr"))
            .args([command, "--as-of", "2027-02-15"])
            .args(if command == "measure" { &["--force"][..] } else { &[] })
            .current_dir(&workspace)
            .env("NO_COLOR", "1")
            .env("COLUMNS", width.to_string())
            .output()
            .expect("the binary runs");
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        // 13 key results, each listed at least once.
        assert!(text.lines().count() > 13, "{text}");
        for line in text.lines() {
            // The last line of `measure` is a sentence about the store, not part of the table.
            if line.contains("recorded in the store") {
                continue;
            }
            assert!(line.chars().count() <= width, "{command} at {width}: {line:?}");
        }
    }
}

#[test]
fn grade_freezes_once_and_refuses_to_refreeze_without_force() {
    let workspace = demo("measure-grade");
    let after_close = ["--as-of", "2027-04-01"];
    let output = threatokr(
        &["grade", "--cycle", "2027-Q1", "--format", "json", after_close[0], after_close[1]],
        &workspace,
    );
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["as_of"], "2027-03-31");
    assert_eq!(json["early"], false);
    let grades = json["grades"].as_array().unwrap();
    // One grade per key result per objective that lists it: 14 (KR-CI-TOOLS is listed twice).
    assert_eq!(grades.len(), 14);
    let expected_of = |objective: &str| {
        grades.iter().find(|g| g["objective"] == objective).unwrap()["expected"].as_f64().unwrap()
    };
    assert_eq!(expected_of("O-TACT-VULNS"), 1.0, "committed");
    assert_eq!(expected_of("O-STRAT-ALIGN"), 0.7, "aspirational");
    let again = threatokr(&["grade", "--cycle", "2027-Q1", "--as-of", "2027-04-01"], &workspace);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let forced =
        threatokr(&["grade", "--cycle", "2027-Q1", "--force", "--as-of", "2027-04-01"], &workspace);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        stdout(&forced).contains("2027-Q1 graded at its close, 2027-03-31"),
        "{}",
        stdout(&forced)
    );
}

#[test]
fn issue_10_grading_before_the_close_is_refused_and_a_forced_early_grade_says_so() {
    let workspace = demo("measure-grade-early");
    let early = threatokr(&["grade", "--cycle", "2027-Q1", "--as-of", "2027-02-15"], &workspace);
    assert_eq!(early.status.code(), Some(2));
    assert!(stderr(&early).contains("closes on 2027-03-31"), "{}", stderr(&early));
    assert!(stderr(&early).contains("--force"), "{}", stderr(&early));
    assert!(!stdout(&early).contains("graded at its close"));
    let forced =
        threatokr(&["grade", "--cycle", "2027-Q1", "--as-of", "2027-02-15", "--force"], &workspace);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let text = stdout(&forced);
    assert!(
        text.starts_with("2027-Q1 graded early, on 2027-02-15, before its close on 2027-03-31"),
        "{text}"
    );
    assert!(!text.contains("graded at its close"), "{text}");
    assert!(stderr(&forced).contains("note: graded early"), "{}", stderr(&forced));
}

#[test]
fn issue_10_checkins_that_no_view_would_use_are_refused_with_a_reason() {
    let workspace = demo("measure-checkin-refused");
    let refused = |args: &[&str], expected: &str| {
        let output = threatokr(args, &workspace);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stdout(&output));
        assert!(stderr(&output).contains(expected), "{args:?}: {}", stderr(&output));
    };
    // Measured from evidence: the value would be ignored.
    refused(
        &["checkin", "KR-PROD-VULNS", "--value", "0", "--at", "2027-02-10"],
        "`KR-PROD-VULNS` is measured from evidence (`findings.open`)",
    );
    // After the cycle's end.
    refused(
        &["checkin", "KR-CRO-1", "--value", "4.8", "--at", "2027-04-02"],
        "which closed on 2027-03-31",
    );
    // A typo gets a suggestion.
    refused(
        &["checkin", "KR-CRO1", "--value", "4.8", "--at", "2027-02-10"],
        "did you mean `KR-CRO-1`?",
    );
    // Nothing was recorded.
    let json = measure_json(&workspace, &[]);
    assert_eq!(key_result(&json, "KR-CRO-1")["value"], 4.45, "the demo's own check-in");
}

#[test]
fn measure_outside_every_cycle_is_a_usage_error() {
    let workspace = demo("measure-no-cycle");
    let output = threatokr(&["measure", "--as-of", "2031-01-01"], &workspace);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no cycle"), "{}", stderr(&output));
}

#[test]
fn a_problem_in_the_evidence_is_reported_with_its_position_and_the_rest_is_measured() {
    let workspace = demo("measure-bad-evidence");
    std::fs::write(
        workspace.join("evidence/asvs/back-office.yaml"),
        "app: back-office\nversion: 5.0.0\nrequirements:\n  - { id: v5.0.0-8.1.1, status: pass }\n  - { id: v5.0.0-99.9.9, status: pass }\n",
    )
    .unwrap();
    let output =
        threatokr(&["measure", "--as-of", "2027-02-15", "--force", "--format", "json"], &workspace);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("evidence/asvs/back-office.yaml:5:"), "{}", stderr(&output));
    assert!(stderr(&output).contains("invalid-asvs-id"), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    // back-office is internal, not consumer-facing: the ASVS key result is unchanged.
    assert_figures(&json, "KR-AC-ASVS", 9000.0 / 165.0, 90.0, Some(165.0));
}

#[test]
fn issue_10_status_names_the_evidence_that_made_a_key_result_stale() {
    let workspace = demo("stale-evidence");
    // The demo's newest scans are from February; on 2027-03-25 the storefront's is older than
    // the 30 days scans may be.
    let output = Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(["status", "--as-of", "2027-03-25"])
        .current_dir(&workspace)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "400")
        .output()
        .expect("the binary runs");
    let text = stdout(&output);
    let line = text.lines().find(|l| l.contains("[findings.open")).expect("a findings hint");
    assert!(line.contains("[stale evidence = the newest scan of `"), "{line}");
    assert!(line.contains("older than 30 days"), "{line}");
    let kr = text.lines().find(|l| l.contains("KR-PROD-VULNS")).unwrap();
    assert!(kr.ends_with("stale"), "{kr}");
    // And `measure --format json` carries the same note.
    let output =
        threatokr(&["measure", "--as-of", "2027-03-25", "--force", "--format", "json"], &workspace);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let kr = key_result(&json, "KR-PROD-VULNS");
    assert_eq!(kr["status"], "stale");
    assert!(kr["notes"].to_string().contains("stale evidence: the newest scan of"), "{kr}");
}

#[test]
fn issue_10_a_changed_threshold_applies_from_the_day_it_changed_and_past_days_stay_as_they_were() {
    let workspace = demo("measure-changed-target");
    let status_of = |day: &str| {
        let output = threatokr(&["status", "--as-of", day, "--format", "json"], &workspace);
        assert!(output.status.success(), "{}", stderr(&output));
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        let kr = key_result(&json, "KR-PROD-VULNS").clone();
        (kr["value"].as_f64(), kr["progress"].as_f64(), kr["status"].as_str().unwrap().to_owned())
    };
    // The demo measured 2027-01-31 and 2027-02-15 against `at_most: 0`; 2 findings failed both.
    assert_eq!(status_of("2027-01-31"), (Some(2.0), Some(0.0), "off_track".to_owned()));
    // The target is loosened to `at_most: 2` after the fact.
    let path = workspace.join("okrs/2027-Q1.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("id: KR-PROD-VULNS").unwrap();
    let loosened = format!("{}{}", &text[..at], text[at..].replacen("at_most: 0", "at_most: 2", 1));
    std::fs::write(&path, loosened).unwrap();
    // 2027-01-31 is shown as it was, not re-scored to 100% on track.
    assert_eq!(status_of("2027-01-31"), (Some(2.0), Some(0.0), "off_track".to_owned()));
    // Measured again on the newest day, the new target applies to that day only: 1 of 2 held.
    let output =
        threatokr(&["measure", "--as-of", "2027-02-15", "--force", "--format", "json"], &workspace);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(key_result(&json, "KR-PROD-VULNS")["progress"], 0.5);
}

#[test]
fn issue_10_an_annual_objective_rolls_up_the_quarters_that_contribute_to_it() {
    let workspace = demo("measure-annual");
    std::fs::write(
        workspace.join("okrs/2027.yaml"),
        "cycle: \"2027\"\nobjectives:\n  - id: O-Y-TRUST\n    title: Trusted all year\n    level: company\n    rollup: true\n    key_results:\n      - { id: KR-Y-1, title: No breach this year, type: binary }\n",
    )
    .unwrap();
    let path = workspace.join("okrs/2027-Q1.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let linked = text.replacen(
        "    contributes: [O-SEC-TRUST]\n",
        "    contributes: [O-SEC-TRUST, O-Y-TRUST]\n",
        1,
    );
    assert_ne!(linked, text, "O-APPSEC-AC contributes to O-SEC-TRUST");
    std::fs::write(&path, linked).unwrap();
    let validate = threatokr(&["validate"], &workspace);
    assert!(validate.status.success(), "{}", stderr(&validate));

    let quarter = measure_json(&workspace, &[]);
    let appsec = quarter["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "O-APPSEC-AC")
        .unwrap()
        .clone();
    assert_eq!(
        appsec["parents_elsewhere"],
        serde_json::json!([{"id": "O-Y-TRUST", "link": "contributes"}])
    );
    let appsec_progress = appsec["progress"].as_f64().unwrap();

    let year = measure_json(&workspace, &["--cycle", "2027"]);
    let annual = &year["objectives"][0];
    assert_eq!(annual["id"], "O-Y-TRUST");
    assert_eq!(annual["nested_children"][0]["id"], "O-APPSEC-AC");
    assert_eq!(annual["nested_children"][0]["cycle"], "2027-Q1");
    // KR-Y-1 (not done: 0) and the quarter's objective, weight 1 each.
    let expected = (0.0 + appsec_progress) / 2.0;
    assert!((annual["progress"].as_f64().unwrap() - expected).abs() < 1e-12, "{annual}");

    // Both status trees show the link.
    let year_tree = threatokr(&["status", "--cycle", "2027", "--as-of", "2027-02-15"], &workspace);
    assert!(
        stdout(&year_tree).contains("[O-APPSEC-AC of 2027-Q1 contributes"),
        "{}",
        stdout(&year_tree)
    );
    let quarter_tree = threatokr(&["status", "--as-of", "2027-02-15"], &workspace);
    assert!(
        stdout(&quarter_tree).contains("[contributes O-Y-TRUST of 2027]"),
        "{}",
        stdout(&quarter_tree)
    );
}

#[test]
fn issue_10_validate_reads_the_evidence_and_measure_does_not_record_values_from_broken_evidence() {
    let workspace = demo("measure-broken-evidence");
    let path = workspace.join("evidence/asvs/checkout.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("status: pass", "status: passed", 1)).unwrap();
    // validate finds it, with its position.
    let validate = threatokr(&["validate", "--format", "json"], &workspace);
    assert_eq!(validate.status.code(), Some(1), "{}", stdout(&validate));
    let report = stdout(&validate);
    assert!(report.contains("evidence/asvs/checkout.yaml"), "{report}");
    assert!(report.contains("\"line\": 6"), "{report}");
    // measure shows the value but does not record it, and exits 1.
    let before =
        threatokr(&["measure", "--as-of", "2027-02-20", "--force", "--format", "json"], &workspace);
    assert_eq!(before.status.code(), Some(1), "{}", stderr(&before));
    let json: Value = serde_json::from_slice(&before.stdout).unwrap();
    let asvs = key_result(&json, "KR-AC-ASVS");
    assert!(asvs["notes"].to_string().contains("not recorded"), "{asvs}");
    // Measured on a new day, 12 of the 13 key results get a row; KR-AC-ASVS does not.
    let table = threatokr(&["measure", "--as-of", "2027-02-21", "--force"], &workspace);
    assert!(stdout(&table).contains("12 measurement(s)"), "{}", stdout(&table));
}

/// The day `measure_json` measures, which `explain` explains.
const DAY: &str = "2027-02-15";

fn explained(workspace: &Path, id: &str) -> Value {
    let output = threatokr(&["explain", id, "--as-of", DAY, "--format", "json"], workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn reason<'a>(explanation: &'a Value, reason: &str) -> &'a Value {
    explanation["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["reason"] == reason)
        .unwrap_or_else(|| panic!("no `{reason}` in {}", explanation["left_out"]))
}

#[test]
fn explained_counts_agree_with_measure_for_findings_training_and_threats() {
    let workspace = demo("explain-agrees");
    let measured = measure_json(&workspace, &[]);
    for id in ["KR-PROD-VULNS", "KR-AC-TRAIN", "KR-AC-PENTEST", "KR-AC-ASVS", "KR-CI-TOOLS"] {
        let explanation = explained(&workspace, id);
        let kr = &explanation["key_result"];
        let same = key_result(&measured, id);
        for key in ["value", "numerator", "denominator", "progress", "status", "evidence"] {
            assert_eq!(kr[key], same[key], "{id}: {key}");
        }
        assert_eq!(explanation["as_of"], DAY);
        assert!(explanation["metric"]["computed"].as_str().is_some_and(|c| !c.is_empty()), "{id}");
    }

    // findings.open: every counted finding is an evidence row with its file; what was left out
    // says why (two low findings below `>= 4.0`, the IDOR fixed by checkout's February scan).
    let vulns = explained(&workspace, "KR-PROD-VULNS");
    let findings = vulns["key_result"]["evidence"].as_array().unwrap();
    assert_eq!(findings.len() as f64, vulns["key_result"]["value"].as_f64().unwrap());
    assert!(findings.iter().all(|f| f["file"].is_string()), "{findings:?}");
    assert_eq!(reason(&vulns, "below the score")["count"], 2);
    assert_eq!(reason(&vulns, "fixed by the day measured")["count"], 1);
    assert_eq!(vulns["params"]["score"], ">= 4.0");
    let scans = vulns["sources"].as_array().unwrap();
    assert!(scans.iter().all(|s| s["kind"] == "scan" && s["age_days"].is_i64()), "{scans:?}");

    // training.coverage: the people listed are the denominator, the trained ones the numerator.
    let training = explained(&workspace, "KR-AC-TRAIN");
    let people: Vec<&str> =
        training["items"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let trained = people.iter().filter(|p| p.ends_with(": trained")).count();
    assert_eq!(people.len() as f64, training["key_result"]["denominator"].as_f64().unwrap());
    assert_eq!(trained as f64, training["key_result"]["numerator"].as_f64().unwrap());
    assert_eq!(reason(&training, "person not active")["count"], 1);
    assert!(
        training["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["file"] == "evidence/training/completions.csv" && s["newest"].is_string()),
        "{}",
        training["sources"]
    );

    // asvs.compliance: every requirement of the scope with its result; n/a ones leave the
    // denominator, passes are the numerator.
    let asvs = explained(&workspace, "KR-AC-ASVS");
    let requirements: Vec<&str> =
        asvs["items"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    let applicable = requirements.iter().filter(|r| !r.ends_with("n-a (left out)")).count();
    let passed = requirements.iter().filter(|r| r.ends_with(": pass")).count();
    assert_eq!(applicable as f64, asvs["key_result"]["denominator"].as_f64().unwrap());
    assert_eq!(passed as f64, asvs["key_result"]["numerator"].as_f64().unwrap());

    // ci.coverage: each required category of each repository with its tools and verdict; the
    // repositories whose every category is enforced are the numerator.
    let ci = explained(&workspace, "KR-CI-TOOLS");
    let categories: Vec<&str> =
        ci["items"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(
        categories.contains(&"evidence/ci/back-office sast: not enforced (gitlab-sast in .gitlab-ci.yml job sast: not enforced: allowed to fail)"),
        "{categories:?}"
    );
    let mut repos: std::collections::BTreeMap<&str, bool> = std::collections::BTreeMap::new();
    for item in &categories {
        let repo = item.split(' ').next().unwrap();
        *repos.entry(repo).or_insert(true) &= item.contains(": enforced");
    }
    let enforced = repos.values().filter(|all| **all).count();
    assert_eq!(enforced as f64, ci["key_result"]["numerator"].as_f64().unwrap());
    assert_eq!(repos.len() as f64, ci["key_result"]["denominator"].as_f64().unwrap());

    // threats.tested: the counted threats are those with tests; the others of other themes left out.
    let pentest = explained(&workspace, "KR-AC-PENTEST");
    let threats = pentest["key_result"]["evidence"].as_array().unwrap();
    let tested = threats.iter().filter(|t| t["counted"] == true).count();
    assert_eq!(tested as f64, pentest["key_result"]["numerator"].as_f64().unwrap());
    assert_eq!(threats.len() as f64, pentest["key_result"]["denominator"].as_f64().unwrap());
    assert!(reason(&pentest, "theme out of scope")["count"].as_u64().unwrap() > 0);
}

#[test]
fn explain_prints_the_formula_what_counted_what_not_and_the_evidence_ages() {
    let workspace = demo("explain-text");
    let output = threatokr(&["explain", "KR-PROD-VULNS", "--as-of", DAY], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    for line in [
        "KR-PROD-VULNS Open production findings with CVSS >= 4.0 stay at 0",
        "2027-Q1 as of 2027-02-15 (a linear plan expects 51%)",
        "metric: findings.open: Count of open findings",
        "parameters: env: prod, score: >= 4.0",
        "status: off_track",
        "counted (2):",
        "  medium 5.3 Semgrep java.spring.csrf.disabled in checkout/prod, src/main/java/acme/checkout/SecurityConfig.java:17",
        "left out (2):",
        "  fixed by the day measured: 1 (Semgrep java.spring.idor.missing-owner-check (high 7.5) in checkout/prod, src/main/java/acme/checkout/OrderController.java:42)",
        "  scan Semgrep of checkout/prod (its newest scan): 2027-02-10, 5 day(s) old",
    ] {
        assert!(printed.contains(line), "`{line}` is missing from:\n{printed}");
    }
}

#[test]
fn an_unknown_key_result_is_a_usage_error_with_a_suggestion() {
    let workspace = demo("explain-unknown");
    let output = threatokr(&["explain", "KR-AC-TRAN", "--as-of", DAY], &workspace);
    assert_eq!(output.status.code(), Some(2));
    let printed = stderr(&output);
    assert!(printed.contains("did you mean `KR-AC-TRAIN`?"), "{printed}");
    assert!(output.stdout.is_empty());
}

#[test]
fn explain_makes_control_characters_from_the_okr_file_visible() {
    let workspace = demo("explain-control-characters");
    let okrs = workspace.join("okrs/2027-Q1.yaml");
    let text = std::fs::read_to_string(&okrs).unwrap().replace(
        "title: Open production findings with CVSS >= 4.0 stay at 0",
        "title: \"Open production findings\\e[2J\"",
    );
    std::fs::write(&okrs, text).unwrap();
    let output = threatokr(&["explain", "KR-PROD-VULNS", "--as-of", DAY], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(printed.contains("KR-PROD-VULNS Open production findings␛[2J"), "{printed}");
    assert!(!printed.contains('\x1b'), "{printed}");
}

#[test]
fn explain_says_how_milestones_and_check_ins_are_computed() {
    let workspace = demo("explain-no-metric");
    let milestones = explained(&workspace, "KR-TRUST-1");
    assert_eq!(milestones["metric"]["name"], "milestones");
    assert!(milestones["metric"]["computed"].as_str().unwrap().contains("weighted share"));
    let checkin = explained(&workspace, "KR-CRO-1");
    assert_eq!(checkin["metric"]["name"], "manual");
    let sources = checkin["sources"].as_array().unwrap();
    assert!(
        sources.iter().any(|s| s["kind"] == "check-in" && s["newest"].is_string()),
        "{sources:?}"
    );
}

#[test]
fn explaining_a_key_result_in_a_cycle_that_does_not_declare_it_names_the_cycle_that_does() {
    let workspace = demo("explain-other-cycle");
    std::fs::write(
        workspace.join("okrs/2027.yaml"),
        "cycle: \"2027\"\nobjectives:\n  - id: O-YEAR\n    title: A year\n    level: company\n    owner: ceo\n    key_results:\n      - { id: KR-YEAR, title: Revenue, type: metric, start: 20, target: 25 }\n",
    )
    .unwrap();
    let output =
        threatokr(&["explain", "KR-AC-TRAIN", "--cycle", "2027", "--as-of", DAY], &workspace);
    assert_eq!(output.status.code(), Some(2), "{}{}", stdout(&output), stderr(&output));
    let printed = stderr(&output);
    assert!(
        printed.contains(
            "not in the OKR file of 2027; it is declared in 2027-Q1 (pass --cycle 2027-Q1)"
        ),
        "{printed}"
    );
}

/// Copies a folder and everything in it (a workspace with its store).
fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What `measure` says about the stored values it reused ("" when it reused none); records.
fn reuse_line(workspace: &Path, extra: &[&str]) -> String {
    let mut args = vec!["measure", "--force"];
    args.extend_from_slice(extra);
    let output = threatokr(&args, workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    out.lines().find(|l| l.starts_with("reused ")).unwrap_or_default().to_owned()
}

/// Measures 2027-02-15 three ways from the same state: computing only what changed (and
/// saying how much it reused), then reusing everything, and with `--full` in a copy; all three
/// give the same JSON, which is returned with the reuse line of the first.
fn measured_incrementally_and_in_full(workspace: &Path) -> (Value, String) {
    let full = workspace
        .with_file_name(format!("{}-full", workspace.file_name().unwrap().to_string_lossy()));
    let incremental = workspace.with_file_name(format!(
        "{}-incremental",
        workspace.file_name().unwrap().to_string_lossy()
    ));
    copy_dir(workspace, &full);
    copy_dir(workspace, &incremental);
    let line = reuse_line(workspace, &["--as-of", "2027-02-15"]);
    let all_reused = measure_json(workspace, &[]);
    let computed = measure_json(&full, &["--full"]);
    let only_changed = measure_json(&incremental, &[]);
    assert_eq!(only_changed, computed, "measuring only what changed differs from --full");
    assert_eq!(all_reused, computed, "the values read back from the store differ from --full");
    // What --full computed is recorded with its fingerprints, for the next measurement to reuse.
    assert!(reuse_line(&full, &["--as-of", "2027-02-15"]).starts_with("reused 13 of 13 "));
    (computed, line)
}

#[test]
fn issue_12_measuring_again_after_an_ingest_computes_what_it_changed_and_equals_a_full_measurement()
{
    let workspace = demo("incremental-ingest");
    let before = measure_json(&workspace, &[]);
    assert!(
        reuse_line(&workspace, &["--as-of", "2027-02-15"]).starts_with("reused 13 of 13 "),
        "the demo measured this day already"
    );
    // A later scan of the storefront that no longer finds its one finding: only the key result
    // counting production findings reads that scope.
    let sarif = workspace.join("evidence/sarif/storefront/prod/2027-02-01.sarif");
    let mut log: Value = serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    log["runs"][0]["results"] = Value::Array(Vec::new());
    let fixed = workspace.with_file_name("storefront-fixed.sarif");
    std::fs::write(&fixed, log.to_string()).unwrap();
    let fixed = fixed.to_string_lossy().into_owned();
    let ingest = ["ingest", "sarif", &fixed, "--app", "storefront", "--env", "prod"];
    let output = threatokr(&[&ingest[..], &["--at", "2027-02-12", "--force"]].concat(), &workspace);
    assert!(output.status.success(), "{}", stderr(&output));

    let (after, line) = measured_incrementally_and_in_full(&workspace);
    assert!(line.starts_with("reused 12 of 13 "), "{line}");
    let count = |json: &Value| key_result(json, "KR-PROD-VULNS")["value"].as_f64().unwrap();
    assert_eq!(count(&after), count(&before) - 1.0);
    assert_eq!(key_result(&after, "KR-AC-ASVS"), key_result(&before, "KR-AC-ASVS"));
}

#[test]
fn issue_12_a_new_checkin_target_evidence_file_or_day_is_measured_again() {
    let workspace = demo("incremental-changes");
    // A check-in changes its own key result only.
    let output = threatokr(
        &["checkin", "KR-CEO-1", "--value", "22", "--confidence", "6", "--at", "2027-02-10"],
        &workspace,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let (json, line) = measured_incrementally_and_in_full(&workspace);
    assert!(line.starts_with("reused 12 of 13 "), "{line}");
    assert_eq!(key_result(&json, "KR-CEO-1")["value"], 22.0);

    // A changed target is a changed workspace file: nothing is reused, and the new target scores.
    let okrs = workspace.join("okrs/2027-Q1.yaml");
    let text = std::fs::read_to_string(&okrs).unwrap();
    let changed =
        text.replace("start: 20, target: 25, unit: M USD", "start: 20, target: 30, unit: M USD");
    assert_ne!(changed, text);
    std::fs::write(&okrs, changed).unwrap();
    let (json, line) = measured_incrementally_and_in_full(&workspace);
    assert_eq!(line, "");
    assert!((key_result(&json, "KR-CEO-1")["progress"].as_f64().unwrap() - 0.2).abs() < 1e-12);

    // So is a changed evidence file (one more training completion).
    let completions = workspace.join("evidence/training/completions.csv");
    let mut text = std::fs::read_to_string(&completions).unwrap();
    let last = text.lines().last().unwrap().to_owned();
    text.push_str(&format!("{last}\n"));
    std::fs::write(&completions, text).unwrap();
    let (_, line) = measured_incrementally_and_in_full(&workspace);
    assert_eq!(line, "");

    // Another day reuses nothing of the day before.
    assert_eq!(reuse_line(&workspace, &["--as-of", "2027-02-16"]), "");
    assert!(reuse_line(&workspace, &["--as-of", "2027-02-16"]).starts_with("reused 13 of 13 "));
}

/// Checkout's pipeline made to run by hand only, so that its repository no longer enforces both
/// scans: the workflow's path and its text before.
fn run_checkouts_pipeline_by_hand(workspace: &Path) -> (PathBuf, String) {
    let security = workspace.join("evidence/ci/checkout/.github/workflows/security.yml");
    let text = std::fs::read_to_string(&security).unwrap();
    let manual = text.replace(
        "on:\n  push:\n    branches: [main]\n  pull_request:\n",
        "on:\n  workflow_dispatch:\n",
    );
    assert_ne!(manual, text);
    std::fs::write(&security, manual).unwrap();
    (security, text)
}

#[test]
fn issue_12_a_changed_ci_file_is_scanned_again_and_changes_the_value() {
    let workspace = demo("incremental-ci");
    let before = measure_json(&workspace, &[]);
    assert_eq!(key_result(&before, "KR-CI-TOOLS")["value"], 40.0);
    let (security, text) = run_checkouts_pipeline_by_hand(&workspace);
    let (after, line) = measured_incrementally_and_in_full(&workspace);
    assert_eq!(line, "", "a changed file is a changed input of every key result");
    assert_eq!(key_result(&after, "KR-CI-TOOLS")["value"], 20.0);
    // Back as it was: the same value as before, from the scan kept for those files.
    std::fs::write(&security, text).unwrap();
    let (restored, _) = measured_incrementally_and_in_full(&workspace);
    assert_eq!(key_result(&restored, "KR-CI-TOOLS"), key_result(&before, "KR-CI-TOOLS"));
}

/// Repositories whose CI files settled before a measurement are trusted by their status the
/// next time (`.threatokr/ci-status.cache`, as git trusts its index): the values are those of
/// reading every file, and a file changed since is still read and counted.
#[test]
fn issue_12_ci_files_trusted_by_their_status_give_the_same_values_and_a_change_is_seen() {
    let workspace = demo("trusted-ci");
    let statuses = workspace.join(".threatokr/ci-status.cache");
    let before = measure_json(&workspace, &[]);
    assert_eq!(key_result(&before, "KR-CI-TOOLS")["value"], 40.0);
    // Files changed within the second before they are read are never trusted: the demo's were.
    // A second later they have settled, and this measurement keeps their statuses.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    measure_json(&workspace, &[]);
    let kept = std::fs::read(&statuses).expect("the statuses are kept");
    assert!(
        kept.windows(b"evidence/ci/checkout".len()).any(|w| w == b"evidence/ci/checkout"),
        "checkout's repository is kept"
    );
    let (trusted, _) = measured_incrementally_and_in_full(&workspace);
    assert_eq!(trusted, before, "trusted by their status, the same values as read");

    run_checkouts_pipeline_by_hand(&workspace);
    let (after, line) = measured_incrementally_and_in_full(&workspace);
    assert_eq!(line, "", "a changed file is a changed input of every key result");
    assert_eq!(key_result(&after, "KR-CI-TOOLS")["value"], 20.0);
}

/// The report of 2027-02-15 in `format`, written beside the workspace as `name`, and its text.
fn report_of_the_day(workspace: &Path, name: &str, format: &str) -> String {
    let out = workspace.with_file_name(name);
    let out_arg = out.to_string_lossy().into_owned();
    let args = ["report", "--as-of", "2027-02-15", "--format", format, "-o", &out_arg, "--force"];
    let output = threatokr(&args, workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn issue_12_the_report_of_a_day_is_the_same_from_stored_values_as_computed_and_never_stale() {
    let workspace = demo("incremental-report");
    let report = |name: &str| report_of_the_day(&workspace, name, "html");
    // Measured by the demo: every value is the stored one.
    let stored = report("stored.html");
    // A comment in threatokr.yaml changes no number but every fingerprint: all computed.
    let config = workspace.join("threatokr.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n# reviewed\n")).unwrap();
    assert_eq!(report("computed.html"), stored);
    // A check-in makes the stored value of its key result stale: the report shows the new one.
    let output =
        threatokr(&["checkin", "KR-CEO-1", "--value", "23", "--at", "2027-02-10"], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let checked_in = report("checked-in.html");
    assert!(
        checked_in.contains("23 M USD") && !stored.contains("23 M USD"),
        "the check-in is shown"
    );
}

/// `measure`'s table reads stored values back with only the evidence it could list (issue 12),
/// yet leaves the store as a full reading would: each stored row scored as measured, with its
/// evidence whole, also after an earlier day was measured in between.
#[test]
fn issue_12_the_table_reads_little_back_and_still_rescores_and_keeps_the_evidence() {
    let workspace = demo("listed-rescore");
    let day = ["--as-of", "2027-02-15"];
    assert_eq!(reuse_line(&workspace, &["--as-of", "2027-01-20"]), "");
    assert!(reuse_line(&workspace, &day).starts_with("reused 13 of 13 "));
    // The table of values read back without their evidence is the table of values computed,
    // notes and all.
    let table = |extra: &[&str]| {
        let output = threatokr(&[&["measure", "--force"], &day[..], extra].concat(), &workspace);
        assert!(output.status.success(), "{}", stderr(&output));
        let out = stdout(&output);
        let rows: Vec<&str> =
            out.lines().take_while(|l| !l.contains(" recorded in the store")).collect();
        (rows.join("\n"), stderr(&output))
    };
    let (read_back, computed) = (table(&[]), table(&["--full"]));
    assert!(read_back.0.lines().count() > 13, "{}", read_back.0);
    assert_eq!(read_back, computed);
    let store = threatokr_app::store::open_existing_store(&workspace).unwrap();
    let full = measure_json(&workspace, &["--full"]);
    for kr in full["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["key_results"].as_array().unwrap())
    {
        let id = kr["id"].as_str().unwrap();
        let rows = store.measurements(id).unwrap();
        let stored = rows.iter().find(|r| r.as_of.to_string() == "2027-02-15").unwrap();
        let (stored_progress, progress) = (stored.progress, kr["progress"].as_f64());
        let same = match (stored_progress, progress) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-12,
            (a, b) => a == b,
        };
        assert!(same, "{id}: stored progress {stored_progress:?}, measured {progress:?}");
        assert_eq!(stored.evidence, kr["evidence"], "{id}: the stored evidence is whole");
    }
}

/// A SARIF log of `count` results of one rule (CVSS 7.5), each at its own line of one file.
fn many_findings(path: &Path, count: usize) {
    let results: Vec<Value> = (1..=count)
        .map(|line| {
            serde_json::json!({
                "ruleId": "py/injection",
                "message": {"text": "user input reaches a query"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "src/db.py"},
                    "region": {"startLine": line}
                }}],
                "partialFingerprints": {"primaryLocationLineHash": format!("hash-{line}")}
            })
        })
        .collect();
    let log = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "semgrep", "rules": [
                {"id": "py/injection", "properties": {"security-severity": "7.5"}}
            ]}},
            "results": results
        }]
    });
    std::fs::write(path, log.to_string()).unwrap();
}

/// Ingests a log of `count` findings for `app` in production on `at`.
fn ingest_many(workspace: &Path, app: &str, count: usize, at: &str) {
    let path = workspace.with_file_name(format!("{app}-{count}.sarif"));
    many_findings(&path, count);
    let path = path.to_string_lossy().into_owned();
    let args = ["ingest", "sarif", &path, "--app", app, "--env", "prod", "--at", at, "--force"];
    let output = threatokr(&args, workspace);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A value read back for a listing composes only the first runs of a long evidence list (issue
/// 12): the report is the same as when every value is computed, and lists the same findings.
#[test]
fn issue_12_a_report_of_long_evidence_read_back_from_its_first_runs_equals_the_computed_one() {
    let workspace = demo("long-listing");
    ingest_many(&workspace, "checkout", 150, "2027-02-12");
    ingest_many(&workspace, "payments-api", 150, "2027-02-12");
    let recorded = measure_json(&workspace, &[]);
    let count = key_result(&recorded, "KR-PROD-VULNS")["value"].as_f64().unwrap();
    assert!(count >= 300.0, "{count}: a list kept in runs");
    let report = |name: &str| report_of_the_day(&workspace, name, "markdown");
    assert!(reuse_line(&workspace, &["--as-of", "2027-02-15"]).starts_with("reused 13 of 13 "));
    let stored = report("stored.md");
    // A comment in threatokr.yaml changes no number but every fingerprint: all computed.
    let config = workspace.join("threatokr.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n# reviewed\n")).unwrap();
    let computed = report("computed.md");
    assert_eq!(stored, computed);
    // The findings listed are read back, and the count is that of every finding counted.
    assert!(stored.contains("src/db.py"), "the report lists findings of the long list");
    assert!(stored.contains(&format!("{count}")), "the report says how many were counted");
}

#[test]
fn issue_12_a_long_evidence_list_measured_again_after_one_scopes_scan_equals_a_full_measurement() {
    let workspace = demo("long-evidence");
    ingest_many(&workspace, "checkout", 150, "2027-02-12");
    ingest_many(&workspace, "payments-api", 150, "2027-02-12");
    // KR-PROD-VULNS now lists 300 findings and more of two scopes: kept in runs, one a scope.
    let before = measure_json(&workspace, &[]);
    let count = |json: &Value| key_result(json, "KR-PROD-VULNS")["value"].as_f64().unwrap();
    assert!(count(&before) >= 300.0, "{}", count(&before));
    // Checkout scanned again, 10 findings fixed: the day measured again names payments-api's
    // run kept for it and writes checkout's; read back, it is what --full computes.
    ingest_many(&workspace, "checkout", 140, "2027-02-14");
    let (after, line) = measured_incrementally_and_in_full(&workspace);
    assert!(line.starts_with("reused 12 of 13 "), "{line}");
    assert_eq!(count(&after), count(&before) - 10.0);
    let listed = key_result(&after, "KR-PROD-VULNS")["evidence"].as_array().unwrap().len();
    assert_eq!(listed as f64, count(&after));
    // A measurement keeps its runs' prints for the day measured again; `--full` names none and
    // keeps none, so that it writes every run it computed.
    let runs = |workspace: &Path| {
        let store =
            threatokr_store::Store::open_read_only(&workspace.join(".threatokr/store.sqlite"))
                .unwrap();
        let day = jiff::civil::date(2027, 2, 15);
        store.kept_runs("KR-PROD-VULNS", day).unwrap().len()
    };
    assert_eq!(runs(&workspace), 3);
    // The copy `measured_incrementally_and_in_full` measured with `--full`.
    let full = workspace.with_file_name("acme-full");
    assert!(full.join(".threatokr/store.sqlite").is_file());
    assert_eq!(runs(&full), 0);
}

/// A portfolio's key result measured again after an ingest into one scope counts that scope and
/// adds the counts kept for the others (issue 12): the table says so, the values and evidence
/// read back equal `--full`'s, and a report composed that way equals one computed.
#[test]
fn issue_12_a_long_list_measured_again_from_its_kept_scope_counts_equals_a_full_measurement() {
    let workspace = demo("kept-scope-counts");
    for app in ["checkout", "payments-api", "storefront"] {
        ingest_many(&workspace, app, 150, "2027-02-12");
    }
    let before = measure_json(&workspace, &[]);
    let count = |json: &Value| key_result(json, "KR-PROD-VULNS")["value"].as_f64().unwrap();
    assert!(count(&before) >= 450.0, "{}", count(&before));
    // Checkout scanned again with 10 findings fixed. A report composed from the kept counts of
    // payments-api and the storefront (300 findings) equals one computed from every finding.
    ingest_many(&workspace, "checkout", 140, "2027-02-14");
    let composed_report = report_of_the_day(&workspace, "composed.md", "markdown");
    let full = workspace.with_file_name("kept-scope-counts-report");
    copy_dir(&workspace, &full);
    let config = full.join("threatokr.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    // A comment changes every fingerprint's base: nothing is kept, everything computed.
    std::fs::write(&config, format!("{text}\n# reviewed\n")).unwrap();
    assert_eq!(composed_report, report_of_the_day(&full, "computed.md", "markdown"));
    assert!(composed_report.contains("src/db.py"), "the report lists the findings");

    let output = threatokr(&["measure", "--force", "--as-of", "2027-02-15"], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("counted 1 finding key result(s) again only in the scopes"), "{table}");
    // Measured once more, nothing changed: every value is the stored one, none composed.
    let (after, line) = measured_incrementally_and_in_full(&workspace);
    assert!(line.starts_with("reused 13 of 13 "), "{line}");
    assert_eq!(count(&after), count(&before) - 10.0);
    let listed = key_result(&after, "KR-PROD-VULNS")["evidence"].as_array().unwrap().len();
    assert_eq!(listed as f64, count(&after));
}

/// A store that lost a run of evidence that the kept scope counts name (edited by hand, damaged):
/// the key result is counted again in every scope, as a damaged stored value is, and what is
/// recorded is what `--full` computes (issue 12).
#[test]
fn issue_12_kept_scope_counts_whose_evidence_is_gone_are_counted_again_in_every_scope() {
    let workspace = demo("kept-scope-counts-damaged");
    for app in ["checkout", "payments-api", "storefront"] {
        ingest_many(&workspace, app, 150, "2027-02-12");
    }
    measure_json(&workspace, &[]);
    ingest_many(&workspace, "checkout", 140, "2027-02-14");
    let store = rusqlite::Connection::open(workspace.join(".threatokr/store.sqlite")).unwrap();
    let dropped = store
        .execute("DELETE FROM evidence_parts WHERE json LIKE '%\"app\":\"payments-api\"%'", [])
        .unwrap();
    assert!(dropped > 0, "the payments-api run was kept in parts");
    drop(store);
    let output = threatokr(&["measure", "--force", "--as-of", "2027-02-15"], &workspace);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(!table.contains("again only in the scopes"), "nothing composed: {table}");
    let (after, _) = measured_incrementally_and_in_full(&workspace);
    let listed = key_result(&after, "KR-PROD-VULNS")["evidence"].as_array().unwrap().len();
    assert_eq!(listed as f64, key_result(&after, "KR-PROD-VULNS")["value"].as_f64().unwrap());
}
