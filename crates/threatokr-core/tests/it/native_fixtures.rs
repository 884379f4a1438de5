//! Every fixture under `test_data/native/{ok,err}` is loaded into a small base workspace and its
//! rendered diagnostics are pinned by a snapshot. `ok/` fixtures must give no diagnostic at all;
//! `err/` fixtures at least one, and together they cover every code the native reader emits.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use threatokr_core::diag::{
    Code, Diagnostic, DiagnosticReport, Files, render_human, sort_diagnostics,
};
use threatokr_core::workspace::{WorkspaceFiles, load_workspace};

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/native")
}

/// Loads the base workspace with the fixture put where its name says (`*.tm.yaml` and foreign
/// files as models, `*.okrs.yaml` as an OKR file, `*.workspace.yaml` instead of threatokr.yaml).
fn check(fixture: &Path) -> (Files, Vec<Diagnostic>) {
    let base = test_data().join("base");
    let read = |p: &Path| {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
    };
    let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
    let mut files = Files::new();
    let mut inputs = WorkspaceFiles::default();
    let config = if name.ends_with(".workspace.yaml") {
        read(fixture)
    } else {
        read(&base.join("threatokr.yaml"))
    };
    inputs.config = Some(files.add("threatokr.yaml", config));
    inputs.models.push(files.add("models/shop.tm.yaml", read(&base.join("models/shop.tm.yaml"))));
    inputs.okrs.push(files.add("okrs/2027-Q1.yaml", read(&base.join("okrs/2027-Q1.yaml"))));
    if name.ends_with(".okrs.yaml") {
        inputs.okrs.push(files.add(format!("okrs/{name}"), read(fixture)));
    } else if !name.ends_with(".workspace.yaml") {
        inputs.models.push(files.add(format!("models/{name}"), read(fixture)));
    }
    let (_, mut diagnostics) = load_workspace(&files, &inputs);
    sort_diagnostics(&files, &mut diagnostics);
    (files, diagnostics)
}

fn render(files: &Files, diagnostics: &[Diagnostic]) -> String {
    render_human(DiagnosticReport { files, diagnostics }, false).to_string()
}

#[test]
fn ok_fixtures_have_no_diagnostics() {
    insta::glob!("../../test_data/native", "ok/*", |path| {
        let (files, diagnostics) = check(path);
        assert!(diagnostics.is_empty(), "{}", render(&files, &diagnostics));
    });
}

#[test]
fn err_fixtures_report_their_problems() {
    insta::glob!("../../test_data/native", "err/*", |path| {
        let (files, diagnostics) = check(path);
        assert!(!diagnostics.is_empty(), "{} gave no diagnostic", path.display());
        insta::assert_snapshot!(render(&files, &diagnostics));
    });
}

/// Codes that the native fixtures cannot show, with the test that covers each instead.
const COVERED_ELSEWHERE: &[(Code, &str)] = &[
    (Code::UnreadableFile, "crates/threatokr/tests: validate_reports_a_file_that_is_not_utf8"),
    (
        Code::FolderLoop,
        "crates/threatokr/tests/special_files.rs: issue_13_a_link_back_into_models_*",
    ),
    (Code::UnknownStatus, "import::* tests of each foreign format"),
    (Code::UnknownSeverity, "import::* tests of each foreign format"),
    (
        Code::AmbiguousThreat,
        "workspace::aliases::tests: an_id_that_threats_of_two_apps_have_is_ambiguous_and_*",
    ),
];

#[test]
fn every_diagnostic_code_has_a_fixture() {
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(test_data().join("err")).unwrap() {
        let (_, diagnostics) = check(&entry.unwrap().path());
        seen.extend(diagnostics.iter().map(|d| d.code.as_str()));
    }
    let elsewhere: BTreeSet<&str> = COVERED_ELSEWHERE.iter().map(|(c, _)| c.as_str()).collect();
    // Codes added by the importers and evidence readers are covered by their own modules' tests;
    // this list is the native reader's, i.e. every code declared before the foreign formats.
    let native: Vec<&str> = Code::ALL
        .iter()
        .take_while(|i| i.code != Code::UnrecognizedFormat)
        .map(|i| i.name)
        .collect();
    let missing: Vec<&&str> =
        native.iter().filter(|c| !seen.contains(**c) && !elsewhere.contains(**c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}
