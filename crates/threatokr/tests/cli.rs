//! End-to-end tests of the `threatokr` binary: arguments in, exit code and output out.

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

/// A fresh, empty folder for one test (removed first if an earlier run left it).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn demo_writes_a_valid_workspace_and_a_report() {
    let dir = scratch("demo");
    let output = threatokr(&["demo", "--out", "acme"], &dir);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("0 error(s), 0 warning(s)"), "{}", stdout(&output));
    let report = std::fs::read_to_string(dir.join("acme/report.md")).unwrap();
    assert!(report.contains(
        "Implement consistent access control mechanisms across all consumer-facing products"
    ));
    // Running the demo again replaces its own folder instead of failing.
    assert!(threatokr(&["demo", "--out", "acme"], &dir).status.success());
    let validate = threatokr(&["-w", "acme", "validate", "--format", "json"], &dir);
    assert_eq!(validate.status.code(), Some(0), "{}", stdout(&validate));
    let json: serde_json::Value = serde_json::from_slice(&validate.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"diagnostics": [], "errors": 0, "warnings": 0}));
}

#[test]
fn demo_refuses_a_folder_that_is_not_its_own() {
    let dir = scratch("demo-foreign");
    std::fs::create_dir_all(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine/notes.txt"), "keep me").unwrap();
    let output = threatokr(&["demo", "--out", "mine"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(dir.join("mine/notes.txt")).unwrap(), "keep me");
}

#[test]
fn validate_exits_1_with_positions_in_json_and_sarif() {
    let dir = scratch("invalid");
    assert!(threatokr(&["init", "ws", "--example"], &dir).status.success());
    std::fs::write(
        dir.join("ws/models/broken.tm.yaml"),
        "app: checkout\ntitle: Broken\nthreats:\n  - { id: T-X, title: X, status: done }\n",
    )
    .unwrap();
    let output = threatokr(&["-w", "ws", "validate", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["errors"], 1);
    assert_eq!(
        json["diagnostics"][0],
        serde_json::json!({"code": "invalid-value", "severity": "error", "message": "`status`: `done` is not one of identified, in_review, in_progress, mitigated, verified, accepted, transferred, avoided, not_applicable, false_positive, unknown", "file": "models/broken.tm.yaml", "line": 4, "column": 34})
    );
    let sarif = threatokr(&["-w", "ws", "validate", "--format", "sarif"], &dir);
    assert_eq!(sarif.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "models/broken.tm.yaml");
    assert_eq!(location["region"]["startLine"], 4);
    let human = threatokr(&["-w", "ws", "validate"], &dir);
    assert!(stderr(&human).contains("models/broken.tm.yaml:4:34"), "{}", stderr(&human));
}

#[test]
fn validate_reports_a_file_that_is_not_utf8() {
    let dir = scratch("not-utf8");
    assert!(threatokr(&["init", "ws"], &dir).status.success());
    std::fs::write(dir.join("ws/models/binary.tm.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let output = threatokr(&["-w", "ws", "validate", "--format", "json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("unreadable-file"), "{}", stdout(&output));
}

#[test]
fn validate_outside_a_workspace_is_a_usage_error() {
    let dir = scratch("no-workspace");
    let output = threatokr(&["validate"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("has no threatokr.yaml"), "{}", stderr(&output));
}

#[test]
fn init_never_overwrites() {
    let dir = scratch("init-twice");
    assert!(threatokr(&["init", "ws"], &dir).status.success());
    let again = threatokr(&["init", "ws", "--example"], &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
}

#[test]
fn schema_prints_json_schema_for_each_format() {
    let dir = scratch("schema");
    for (which, required) in [("workspace", "org"), ("threat-model", "title"), ("okrs", "cycle")] {
        let output = threatokr(&["schema", which], &dir);
        assert!(output.status.success());
        let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert!(schema["required"].as_array().unwrap().iter().any(|r| r == required), "{which}");
    }
}

#[test]
fn unknown_arguments_exit_2() {
    let output = threatokr(&["validate", "--nope"], Path::new(env!("CARGO_TARGET_TMPDIR")));
    assert_eq!(output.status.code(), Some(2));
}
