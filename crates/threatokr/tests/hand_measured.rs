//! Issue 10, "done means": a workspace written by hand (`test_data/hand_measured`), one key
//! result per metric family, whose values were computed by hand from DESIGN.md §4 and §5 (the
//! arithmetic is in the comments of its `okrs/2027-Q1.yaml`), agrees with `measure --format json`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn threatokr(args: &[&str], cwd: &Path) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Copies the fixture into a fresh folder: measuring writes a store beside it.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// One key result's figures by hand: id, value, numerator, denominator, progress, status.
type Figures = (&'static str, f64, f64, Option<f64>, f64, &'static str);

/// Every key result with a metric, by hand. The linear plan
/// expects 45 / 89 = 0.506 on 2027-02-15: on_track from 0.455, at_risk from 0.303.
const EXPECTED: &[Figures] = &[
    ("KR-MITIGATED", 200.0 / 3.0, 2.0, Some(3.0), 2.0 / 3.0, "on_track"),
    // Threshold: the only measurement in the cycle (today's 2) fails `at_most: 0`: 0 of 1.
    ("KR-OPEN", 2.0, 2.0, None, 0.0, "off_track"),
    ("KR-TESTED", 200.0 / 3.0, 2.0, Some(3.0), 2.0 / 3.0, "on_track"),
    ("KR-MODELED", 50.0, 1.0, Some(2.0), 0.5, "on_track"),
    ("KR-CONTROLS", 200.0 / 3.0, 2.0, Some(3.0), 2.0 / 3.0, "on_track"),
    // 0.4286 is below 0.455, above 0.303.
    ("KR-ASVS", 300.0 / 7.0, 3.0, Some(7.0), 3.0 / 7.0, "at_risk"),
    // 66.67 of a 0 → 80 target: 0.8333.
    ("KR-TRAINED", 200.0 / 3.0, 2.0, Some(3.0), 200.0 / 3.0 / 80.0, "on_track"),
    ("KR-CI", 50.0, 1.0, Some(2.0), 0.5, "on_track"),
    ("KR-VULNS", 1.0, 1.0, None, 0.0, "off_track"),
];

#[test]
fn issue_10_a_workspace_measured_by_hand_agrees_with_measure() {
    let workspace = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hand-measured");
    let _ = std::fs::remove_dir_all(&workspace);
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/hand_measured"), &workspace);
    let validate = threatokr(&["validate"], &workspace);
    assert!(String::from_utf8_lossy(&validate.stdout).contains("0 error(s), 0 warning(s)"));
    for (file, app, at) in [
        ("evidence/sarif/shop-prod-2027-02-10.sarif", "shop", "2027-02-10"),
        ("evidence/sarif/api-prod-2027-02-12.sarif", "api", "2027-02-12"),
    ] {
        threatokr(
            // The fixture's dates are in 2027: `--force` accepts a date after tomorrow.
            &["ingest", "sarif", file, "--app", app, "--env", "prod", "--at", at, "--force"],
            &workspace,
        );
    }
    threatokr(&["checkin", "KR-MANUAL", "--value", "30", "--at", "2027-02-10"], &workspace);
    let output =
        threatokr(&["measure", "--as-of", "2027-02-15", "--format", "json", "--force"], &workspace);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let krs = json["objectives"][0]["key_results"].as_array().unwrap();
    let close = |a: &Value, b: f64, what: &str, id: &str| {
        let a = a.as_f64().unwrap_or_else(|| panic!("{id}: no {what}"));
        assert!((a - b).abs() < 1e-9, "{id}: {what} {a} != {b} by hand");
    };
    for (id, value, numerator, denominator, progress, status) in EXPECTED {
        let kr = krs.iter().find(|k| k["id"] == *id).unwrap_or_else(|| panic!("{id}"));
        close(&kr["value"], *value, "value", id);
        close(&kr["numerator"], *numerator, "numerator", id);
        match denominator {
            Some(d) => close(&kr["denominator"], *d, "denominator", id),
            None => assert!(kr["denominator"].is_null(), "{id}: {kr}"),
        }
        close(&kr["progress"], *progress, "progress", id);
        assert_eq!(kr["status"], *status, "{id}: {kr}");
        assert_eq!(kr["notes"], serde_json::json!([]), "{id}: every scope has fresh evidence");
    }
    // The manual key result: the check-in's 30 of a 0 → 60 target.
    let manual = krs.iter().find(|k| k["id"] == "KR-MANUAL").unwrap();
    close(&manual["value"], 30.0, "value", "KR-MANUAL");
    close(&manual["progress"], 0.5, "progress", "KR-MANUAL");
    assert_eq!(krs.len(), EXPECTED.len() + 1, "one key result per family");
}
