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
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // One problem, said once: the file is not parsed as an empty model on top of it.
    assert_eq!(json["errors"], 1, "{json}");
    assert_eq!(json["diagnostics"][0]["code"], "unreadable-file");
    assert_eq!(json["diagnostics"][0]["file"], "models/binary.tm.yaml");
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

#[allow(dead_code, reason = "this test binary uses only part of the shared test support")]
#[path = "../../threatokr-core/src/test_support.rs"]
mod test_support;

/// The real threat-model samples kept in `test_data/samples/models`.
fn samples() -> PathBuf {
    test_support::sample_path("samples/models")
}

#[test]
fn import_detects_every_sample_format_and_keeps_the_json_contract() {
    let dir = scratch("import-samples");
    let cases = [
        ("threagile/example.threagile.yaml", "threagile", 2),
        ("threat-dragon/v2-demo.json", "threat-dragon-v2", 14),
        ("threat-dragon/v1-demo.json", "threat-dragon-v1", 14),
        ("otm/EXAMPLE.json", "otm", 2),
        ("otm/EXAMPLE.yaml", "otm", 2),
        ("threat-composer/ThreatComposer.tc.json", "threat-composer", 20),
        ("pytm/tm.json", "pytm", 139),
        ("tm-bom/hashicorp-vault-threat-model.json", "tm-bom", 8),
    ];
    for (file, format, threats) in cases {
        let path = samples().join(file);
        let output = threatokr(&["import", path.to_str().unwrap(), "--format", "json"], &dir);
        assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["format"], format, "{file}");
        assert_eq!(json["model"]["threats"].as_array().unwrap().len(), threats, "{file}");
        let threat = &json["model"]["threats"][0];
        for key in [
            "id",
            "title",
            "stride",
            "cwes",
            "status",
            "status_raw",
            "severity",
            "severity_raw",
            "elements",
            "controls",
        ] {
            assert!(threat.get(key).is_some(), "{file}: threats lack `{key}`");
        }
    }
}

#[test]
fn import_of_an_unknown_file_says_which_formats_were_tried() {
    let dir = scratch("import-unknown");
    std::fs::write(dir.join("notes.json"), "{\"hello\": 1}").unwrap();
    let output = threatokr(&["import", "notes.json"], &dir);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("unrecognized-format")
            && err.contains("threat-dragon-v2")
            && err.contains("tm7"),
        "{err}"
    );
}

#[test]
fn issue_10_import_from_the_wrong_format_exits_1_and_names_the_right_one() {
    let dir = scratch("import-wrong-format");
    let path = samples().join("threat-dragon/v2-demo.json");
    let output = threatokr(&["import", path.to_str().unwrap(), "--from", "otm"], &dir);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let err = stderr(&output);
    assert!(
        err.contains("looks like threat-dragon-v2") && err.contains("--from threat-dragon-v2"),
        "{err}"
    );
}

#[test]
fn native_to_otm_to_native_keeps_ids_statuses_and_links() {
    let dir = scratch("otm-round-trip");
    assert!(threatokr(&["init", "ws", "--example"], &dir).status.success());
    let otm = threatokr(
        &[
            "-w",
            "ws",
            "export",
            "threats",
            "--format",
            "otm",
            "--app",
            "checkout",
            "-o",
            "checkout.otm.json",
        ],
        &dir,
    );
    assert!(otm.status.success(), "{}", stderr(&otm));
    let back =
        threatokr(&["import", "checkout.otm.json", "--app", "checkout", "--format", "json"], &dir);
    assert!(back.status.success(), "{}", stderr(&back));
    let json: serde_json::Value = serde_json::from_slice(&back.stdout).unwrap();
    let threats: Vec<(String, String, Vec<String>)> = json["model"]["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let controls = t["controls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            (
                t["id"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
                controls,
            )
        })
        .collect();
    assert_eq!(
        threats,
        vec![
            ("T-CHK-1".into(), "identified".into(), vec!["C-CHK-1".into()]),
            ("T-CHK-2".into(), "in_progress".into(), vec!["C-CHK-2".into(), "C-CHK-3".into()]),
            ("T-CHK-3".into(), "identified".into(), vec![]),
            ("T-CHK-4".into(), "mitigated".into(), vec!["C-CHK-4".into()]),
        ]
    );
    // And the native YAML of the OTM file reads back with no problem in a workspace.
    let yaml = threatokr(
        &[
            "import",
            "checkout.otm.json",
            "--app",
            "checkout",
            "-o",
            "ws/models/checkout.tm.yaml",
            "--force",
        ],
        &dir,
    );
    assert!(yaml.status.success(), "{}", stderr(&yaml));
    let validate = threatokr(&["-w", "ws", "validate", "--format", "json"], &dir);
    assert_eq!(validate.status.code(), Some(0), "{}", stdout(&validate));
}

#[test]
fn export_threats_as_csv_lists_every_threat() {
    let dir = scratch("export-csv");
    assert!(threatokr(&["init", "ws", "--example"], &dir).status.success());
    let output = threatokr(&["-w", "ws", "export", "threats"], &dir);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.starts_with("app,id,alias,title,status"), "{text}");
    assert_eq!(text.lines().count(), 1 + 15);
    // Each threat's short alias is beside its id.
    assert!(text.lines().any(|l| l.starts_with("checkout,T-CHK-1,checkout:T-")), "{text}");
}

#[test]
fn report_draws_open_risk_over_time_from_the_recorded_status_history() {
    let dir = scratch("risk-over-time");
    assert!(threatokr(&["demo", "--out", "acme"], &dir).status.success());
    // The demo recorded every status on 2027-01-31 (its first measurement); mitigate T-CHK-1 (likelihood high x impact high
    // = 16/25 x 10 = 6.4 of risk) and measure again on 2027-03-01.
    let model = dir.join("acme/models/checkout.tm.yaml");
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, text.replacen("    status: identified\n", "    status: mitigated\n", 1))
        .unwrap();
    assert!(
        threatokr(&["-w", "acme", "measure", "--as-of", "2027-03-01", "--force"], &dir)
            .status
            .success()
    );
    let report = threatokr(
        &["-w", "acme", "report", "--as-of", "2027-03-01", "--format", "markdown", "-o", "r.md"],
        &dir,
    );
    assert!(report.status.success(), "{}", stderr(&report));
    let text = std::fs::read_to_string(dir.join("r.md")).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| 2027-0")).collect();
    assert!(rows[0].starts_with("| 2027-01-31 | 43.8 |"), "{rows:?}");
    assert!(rows[1].starts_with("| 2027-03-01 | 37.4 |"), "{rows:?}");
}

#[test]
fn report_refuses_to_replace_a_file_before_measuring() {
    let dir = scratch("report-refuses");
    assert!(threatokr(&["demo", "--out", "acme"], &dir).status.success());
    std::fs::write(dir.join("r.md"), "kept\n").unwrap();
    // A broken model: measuring would report it first.
    std::fs::write(dir.join("acme/models/checkout.tm.yaml"), "threats: [\n").unwrap();
    let args = ["-w", "acme", "report", "--as-of", "2027-03-01", "--format", "markdown", "-o"];
    let refused = threatokr(&[&args[..], &["r.md"]].concat(), &dir);
    assert!(!refused.status.success());
    let said = format!("{}{}", stdout(&refused), stderr(&refused));
    assert!(said.contains("r.md exists; pass --force to replace it"), "{said}");
    assert!(!said.contains("checkout.tm.yaml"), "measured before refusing: {said}");
    assert_eq!(std::fs::read_to_string(dir.join("r.md")).unwrap(), "kept\n");
}

// Hostile input reaching a terminal: escape sequences in threat titles, notes, ids and file
// names are shown as visible characters by every command that prints them (issue 13).

/// Retitles the window and clears the screen when printed raw.
const PWN: &str = "\\e]0;pwned\\a\\e[2J";

/// The example workspace plus a model whose file name, title, threat titles and notes carry
/// escape sequences (YAML's `\e` and `\a` escapes), claimed by no app so it warns.
fn hostile_workspace(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    assert!(threatokr(&["init", "ws", "--example"], &dir).status.success());
    let model = format!(
        "title: \"Evil {PWN} model\"\nthreats:\n  - id: T-EVIL-1\n    title: \"Pwn {PWN} title\"\n    \
         cwe: [639]\n    likelihood: high\n    impact: high\n    status: identified\n    owner: \"mallory{PWN}\"\n"
    );
    std::fs::write(dir.join("ws/models/evil\u{1b}[2J.tm.yaml"), model).unwrap();
    dir
}

/// Fails when the output holds an escape or a bell byte; returns stdout and stderr together.
fn assert_terminal_safe(what: &str, output: &Output) -> String {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !bytes.iter().any(|b| matches!(b, 0x1b | 0x07 | 0x0d)),
            "{what}: raw control characters on {stream}: {text:?}"
        );
    }
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn issue_13_validate_shows_escape_sequences_in_messages_snippets_and_file_names() {
    let dir = hostile_workspace("hostile-validate");
    // Raw escapes in a title: the unclaimed-model warning quotes the line that holds them.
    std::fs::write(dir.join("ws/models/raw.tm.yaml"), "title: Raw \u{1b}]0;pwned\u{7}\u{1b}[2J\n")
        .unwrap();
    let output = threatokr(&["-w", "ws", "validate"], &dir);
    let text = assert_terminal_safe("validate", &output);
    assert!(text.contains("models/evil␛[2J.tm.yaml"), "{text}");
    assert!(text.contains("title: Raw ␛]0;pwned␇␛[2J"), "{text}");
    // `-q` leaves the warnings out.
    let quiet = threatokr(&["-q", "-w", "ws", "validate"], &dir);
    let quiet_text = assert_terminal_safe("validate -q", &quiet);
    assert!(text.contains("warning["), "{text}");
    assert!(!quiet_text.contains("warning["), "{quiet_text}");
    assert!(quiet_text.contains("0 error(s), 2 warning(s)"), "{quiet_text}");
}

#[test]
fn issue_13_export_analyze_and_plan_print_no_escape_sequences() {
    let dir = hostile_workspace("hostile-commands");
    for args in [
        &["-w", "ws", "export", "threats"][..],
        &["-w", "ws", "export", "threats", "--format", "json"],
        &["-w", "ws", "analyze"],
        &["-w", "ws", "analyze", "--format", "markdown"],
        &["-w", "ws", "plan", "--cycle", "2027-Q1"],
    ] {
        let output = threatokr(args, &dir);
        let text = assert_terminal_safe(&args.join(" "), &output);
        assert!(output.status.code().is_some_and(|c| c < 2), "{args:?}: {text}");
    }
    let csv = threatokr(&["-w", "ws", "export", "threats"], &dir);
    assert!(String::from_utf8_lossy(&csv.stdout).contains("Pwn ␛]0;pwned␇␛[2J title"));
}

#[test]
fn issue_13_scan_ci_and_ingest_print_no_escape_sequences() {
    let dir = hostile_workspace("hostile-evidence");
    let repo = dir.join("ws/evil\u{1b}]0;pwned\u{7}");
    std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    std::fs::write(
        repo.join(".github/workflows/ci\u{1b}[2J.yml"),
        "name: \"ci \\e[2J\"\non: [push]\njobs:\n  \"scan\\e]0;pwned\\a\":\n    runs-on: ubuntu-latest\n    \
         steps:\n      - uses: \"github/codeql-action/analyze@v3\\e[2J\"\n      - run: \"gitleaks \\e[2J\"\n",
    )
    .unwrap();
    for format in ["table", "json"] {
        let output = threatokr(&["scan-ci", repo.to_str().unwrap(), "--format", format], &dir);
        assert_terminal_safe("scan-ci", &output);
    }
    let sarif = dir.join("ws/evil\u{1b}[2J.sarif");
    std::fs::write(
        &sarif,
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "scan\u001b]0;pwned\u0007", "rules": [{"id": "R\u001b[2J", "properties": {"security-severity": "bad\u001b[2J"}}]}},
            "results": [{"ruleId": "R\u001b[2J", "level": "odd\u001b[2J", "message": {"text": "x\u001b[2J"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a\u001b[2J.py"}, "region": {"startLine": 1}}}]}]}]}"#,
    )
    .unwrap();
    let output = threatokr(
        &[
            "-w",
            "ws",
            "ingest",
            "sarif",
            sarif.to_str().unwrap(),
            "--app",
            "checkout",
            "--env",
            "prod",
            "--dry-run",
        ],
        &dir,
    );
    assert_terminal_safe("ingest sarif", &output);
}

#[test]
fn ingest_dry_run_streams_sarif_and_still_shows_where_each_problem_is() {
    let dir = scratch("ingest-stream");
    // A result whose `level` is odd on line 7, after a long first line the reader does not hold.
    let padding = "x".repeat(100_000);
    let text = format!(
        "{{\"version\": \"2.1.0\", \"$comment\": \"{padding}\",\n  \"runs\": [{{\n    \"tool\": {{\"driver\": {{\"name\": \"T\"}}}},\n    \"results\": [\n      {{\"ruleId\": \"a\", \"message\": {{\"text\": \"m\"}}}},\n      {{\"ruleId\": \"b\", \"message\": {{\"text\": \"n\"}},\n        \"level\": \"loud\"}}\n    ]\n  }}]\n}}\n"
    );
    std::fs::write(dir.join("big.sarif"), text).unwrap();
    let output =
        threatokr(&["ingest", "sarif", "big.sarif", "--dry-run", "--format", "json"], &dir);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["findings"], 2);
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(
        (&diagnostic["code"], &diagnostic["file"], &diagnostic["line"], &diagnostic["column"]),
        (&"sarif-invalid-value".into(), &"big.sarif".into(), &7.into(), &18.into()),
        "{json}"
    );
    let output = threatokr(&["ingest", "sarif", "big.sarif", "--dry-run"], &dir);
    let shown = stderr(&output);
    assert!(shown.contains("big.sarif:7:18") && shown.contains(r#""level": "loud""#), "{shown}");
}

#[test]
fn issue_11_a_date_that_does_not_parse_says_the_form_expected_and_exits_2() {
    let dir = scratch("bad-date");
    assert!(threatokr(&["init", "ws", "--example"], &dir).status.success());
    for args in [
        &["status", "--as-of", "2027-13-01"][..],
        &["measure", "--as-of", "2027-13-01"],
        &["checkin", "KR-CRO-1", "--value", "4", "--at", "2027-13-01"],
        &["ingest", "sarif", "--app", "checkout", "--env", "prod", "--at", "2027-13-01", "x"],
    ] {
        let output = threatokr(&[&["-w", "ws"], args].concat(), &dir);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output)
                .contains("`2027-13-01` is not a date: write YYYY-MM-DD, e.g. 2027-02-20"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn issue_11_a_format_a_command_does_not_write_is_refused_listing_those_it_does() {
    let dir = scratch("bad-format");
    let output = threatokr(&["status", "--format", "markdown"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("[possible values: table, json]"), "{}", stderr(&output));
}

#[test]
fn issue_11_every_unknown_id_gets_a_did_you_mean_and_exits_2() {
    let dir = scratch("did-you-mean");
    assert!(threatokr(&["init", "ws", "--example"], &dir).status.success());
    let ws = dir.join("ws");
    assert!(
        threatokr(&["token", "create", "--name", "eva-ci", "--role", "editor"], &ws)
            .status
            .success()
    );
    std::fs::write(ws.join("scan.sarif"), "{}").unwrap();
    for (args, suggestion) in [
        (&["status", "--cycle", "2027-Q2"][..], "did you mean `2027-Q1`?"),
        (&["plan", "--cycle", "2027-Q2"], "did you mean `2027-Q1`?"),
        (
            &["checkin", "KR-CRO-2", "--value", "4", "--at", "2027-02-01"],
            "did you mean `KR-CRO-1`?",
        ),
        (&["export", "threats", "--app", "chekout"], "did you mean `checkout`?"),
        (
            &[
                "ingest",
                "sarif",
                "--app",
                "chekout",
                "--env",
                "prod",
                "--at",
                "2027-01-01",
                "scan.sarif",
            ],
            "did you mean `checkout`?",
        ),
        (
            &[
                "ingest",
                "sarif",
                "--app",
                "checkout",
                "--env",
                "prd",
                "--at",
                "2027-01-01",
                "scan.sarif",
            ],
            "did you mean `prod`?",
        ),
        (&["token", "revoke", "eva-cj"], "did you mean `eva-ci`?"),
    ] {
        let output = threatokr(args, &ws);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(suggestion), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn issue_13_the_projects_own_threat_model_and_okrs_validate_and_name_real_tests() {
    let security = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../security");
    let output = threatokr(&["validate", "--format", "json"], &security);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(report.contains("\"errors\": 0"), "{report}");
    // Every regression test that `threat-tests.csv` names exists, so that a renamed test cannot
    // silently drop a threat out of KR-OWN-TESTED; and every scenario it names is in the model.
    let model = std::fs::read_to_string(security.join("models/threatokr.tm.yaml")).unwrap();
    let mapping = std::fs::read_to_string(security.join("threat-tests.csv")).unwrap();
    let mut sources = String::new();
    for folder in ["crates", "xtask"] {
        collect_rust(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(folder),
            &mut sources,
        );
    }
    for line in mapping.lines().skip(1) {
        let (test, scenario) = line.split_once(',').expect("test,threats");
        assert!(sources.contains(&format!("fn {test}(")), "no test named {test}");
        assert!(model.contains(&format!("id: {scenario},")), "no scenario {scenario} in the model");
    }
}

/// The text of every `.rs` file under `dir`.
fn collect_rust(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("target") {
            collect_rust(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn issue_11_scan_ci_prints_the_one_table_layout_fitted_to_the_terminal() {
    let dir = scratch("scan-ci-table");
    assert!(threatokr(&["demo", "--out", "acme"], &dir).status.success());
    let output = Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(["scan-ci", "evidence/ci/checkout", "evidence/ci/storefront"])
        .current_dir(dir.join("acme"))
        .env("COLUMNS", "70")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("repository") && lines[0].contains("sast"), "{text}");
    assert!(lines[1].starts_with('─'), "{text}");
    // 70 columns are too few for every cell: the widest, the repository, is cut with an ellipsis.
    assert!(lines[2].starts_with("evidence/ci/c…  enforced"), "{text}");
    for line in &lines[..4] {
        assert!(line.chars().count() <= 70, "{line:?} is wider than COLUMNS");
    }
    assert!(text.contains("\nevidence/ci/checkout:\n  "), "each repository's tools follow: {text}");
}
