//! Tests of the CI pipeline scanner: the shared real workflows, our own fixtures, and hostile text.

use super::Category::{Container, Dast, Iac, Sast, Sca, Secrets};
use super::*;
use crate::diag::Code;
use crate::test_support::read_sample;
use proptest::prelude::*;

/// (name, category, job, enforced, blocking) of every tool, in the scan's order.
type Row = (String, Category, String, bool, bool);

fn scan_repo(repo: &[(&str, &str)]) -> (RepoScan, Vec<Diagnostic>) {
    let mut files = Files::new();
    let ids: Vec<FileId> = repo.iter().map(|(name, text)| files.add(*name, *text)).collect();
    scan_repository(&files, "repo", &ids)
}

fn rows(scan: &RepoScan) -> Vec<Row> {
    scan.tools
        .iter()
        .map(|t| (t.name.clone(), t.category, t.job.clone(), t.enforced, t.blocking))
        .collect()
}

fn row(name: &str, category: Category, job: &str, enforced: bool, blocking: bool) -> Row {
    (name.to_owned(), category, job.to_owned(), enforced, blocking)
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<Code> {
    diagnostics.iter().map(|d| d.code).collect()
}

fn presence(scan: &RepoScan) -> [Presence; 6] {
    Category::ALL.map(|c| scan.categories[&c])
}

fn fixture(name: &str) -> String {
    let path = format!("{}/test_data/evidence/workflow/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"))
}

use Presence::{Absent, Enforced, Present};

// --- The shared real workflows. -----------------------------------------------------------

#[test]
fn openfga_codeql_is_one_enforced_blocking_sast_tool() {
    let text = read_sample("samples/ci/github/openfga-openfga__codeql.yml");
    let (scan, diagnostics) = scan_repo(&[(".github/workflows/codeql.yml", &text)]);
    // `on:` has push and pull_request (and a schedule); `init` + `analyze` in job `analyze` are
    // one CodeQL use; no step or job has continue-on-error. The manual-build `run:` only echoes.
    assert_eq!(rows(&scan), vec![row("codeql", Sast, "analyze", true, true)]);
    assert_eq!(scan.tools[0].file, ".github/workflows/codeql.yml");
    assert_eq!(presence(&scan), [Enforced, Absent, Absent, Absent, Absent, Absent]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn gitleaks_action_pinned_by_sha_is_enforced_on_push() {
    let text = read_sample("samples/ci/github/gitleaks-gitleaks__gitleaks.yml");
    let (scan, diagnostics) = scan_repo(&[(".github/workflows/gitleaks.yml", &text)]);
    // `on: push` (plus workflow_dispatch); `gitleaks/gitleaks-action@<sha>` in job `scan`. The
    // job's `if:` on the repository name does not change enforcement.
    assert_eq!(rows(&scan), vec![row("gitleaks", Secrets, "scan", true, true)]);
    assert_eq!(presence(&scan), [Absent, Enforced, Absent, Absent, Absent, Absent]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn threat_dragon_pr_pipeline_has_an_enforced_trivy_and_a_non_failing_zap() {
    let text = read_sample("samples/ci/github/OWASP-threat-dragon__pull_request.yaml");
    let (scan, diagnostics) = scan_repo(&[(".github/workflows/pull_request.yaml", &text)]);
    // `on: pull_request` (plus workflow_dispatch). Trivy scans the built image (`image-ref`, no
    // `scan-type`) with `exit-code: 1`: container, blocking. ZAP full scan with
    // `fail_action: false` never fails its job: dast, not blocking. Linters, lychee, the
    // spell checker, setup actions and `actions/upload-artifact` are not security scanners.
    assert_eq!(
        rows(&scan),
        vec![
            row("trivy", Container, "scan_image_with_trivy", true, true),
            row("zap", Dast, "zap_scan_web_app", true, false)
        ]
    );
    // ZAP runs on pull requests but is allowed to fail: DAST is present, not enforced.
    assert_eq!(presence(&scan), [Absent, Absent, Absent, Present, Enforced, Absent]);
    // Six jobs call local reusable workflows that are not in the sample set.
    assert_eq!(codes(&diagnostics), vec![Code::CiUnresolvedWorkflow; 6]);
}

#[test]
fn asvs_build_documents_has_no_security_tool() {
    let text = read_sample("samples/ci/github/OWASP-ASVS__build-documents.yml");
    let (scan, diagnostics) = scan_repo(&[(".github/workflows/build-documents.yml", &text)]);
    // Checkout, a paths filter and four calls to local reusable build workflows.
    assert!(scan.tools.is_empty());
    assert_eq!(presence(&scan), [Absent; 6]);
    assert_eq!(codes(&diagnostics), vec![Code::CiUnresolvedWorkflow; 4]);
}

#[test]
fn all_four_samples_as_one_repository_cover_four_categories() {
    let names = [
        ("codeql.yml", "openfga-openfga__codeql.yml"),
        ("gitleaks.yml", "gitleaks-gitleaks__gitleaks.yml"),
        ("pull_request.yaml", "OWASP-threat-dragon__pull_request.yaml"),
        ("build-documents.yml", "OWASP-ASVS__build-documents.yml"),
    ];
    let texts: Vec<(String, String)> = names
        .iter()
        .map(|(name, sample)| {
            (
                format!(".github/workflows/{name}"),
                read_sample(&format!("samples/ci/github/{sample}")),
            )
        })
        .collect();
    let repo: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let (scan, _) = scan_repo(&repo);
    let files: Vec<&str> = scan.tools.iter().map(|t| t.file.as_str()).collect();
    assert_eq!(
        files,
        [
            ".github/workflows/codeql.yml",
            ".github/workflows/gitleaks.yml",
            ".github/workflows/pull_request.yaml",
            ".github/workflows/pull_request.yaml"
        ]
    );
    // ZAP runs on pull requests but is allowed to fail: DAST is present, not enforced.
    assert_eq!(presence(&scan), [Enforced, Enforced, Absent, Present, Enforced, Absent]);
}

#[test]
fn json_output_has_the_documented_shape() {
    let text = read_sample("samples/ci/github/gitleaks-gitleaks__gitleaks.yml");
    let (scan, _) = scan_repo(&[(".github/workflows/gitleaks.yml", &text)]);
    let expected = serde_json::json!({"repos": [{
        "path": "repo",
        "tools": [{"name": "gitleaks", "category": "secrets", "file": ".github/workflows/gitleaks.yml", "job": "scan", "enforced": true, "blocking": true}],
        "categories": {"sast": "absent", "secrets": "enforced", "sca": "absent", "dast": "absent", "container": "absent", "iac": "absent"}
    }]});
    assert_eq!(scan_json(&[scan]), expected);
}

// --- Our fixtures: GitHub Actions. ----------------------------------------------------------

#[test]
fn manual_only_workflow_makes_its_tool_present_not_enforced() {
    let (scan, diagnostics) =
        scan_repo(&[(".github/workflows/manual.yml", &fixture("0001_manual_only.yml"))]);
    // `pip install semgrep` installs; `semgrep scan` is the one use.
    assert_eq!(rows(&scan), vec![row("semgrep", Sast, "semgrep", false, true)]);
    assert_eq!(scan.categories[&Sast], Present);
    assert!(diagnostics.is_empty());
}

#[test]
fn schedule_only_workflow_makes_its_tool_present_not_enforced() {
    let (scan, _) =
        scan_repo(&[(".github/workflows/nightly.yml", &fixture("0002_schedule_only.yml"))]);
    // `scan-type: fs` makes Trivy a dependency scan; `exit-code: "1"` keeps it blocking.
    assert_eq!(rows(&scan), vec![row("trivy", Sca, "dependencies", false, true)]);
    assert_eq!(scan.categories[&Sca], Present);
}

#[test]
fn reusable_workflow_is_enforced_when_a_push_workflow_calls_it_and_present_when_nothing_does() {
    let (scan, diagnostics) = scan_repo(&[
        (
            ".github/workflows/0003_push_calls_reusable.yml",
            &fixture("0003_push_calls_reusable.yml"),
        ),
        (".github/workflows/0004_reusable_scans.yml", &fixture("0004_reusable_scans.yml")),
        (
            ".github/workflows/0005_reusable_never_called.yml",
            &fixture("0005_reusable_never_called.yml"),
        ),
    ]);
    assert_eq!(
        rows(&scan),
        vec![
            row("osv-scanner", Sca, "dependencies", true, true),
            row("gitleaks", Secrets, "secrets", true, true),
            row("checkov", Iac, "checkov", false, true),
        ]
    );
    assert_eq!(scan.tools[0].file, ".github/workflows/0004_reusable_scans.yml");
    assert_eq!(presence(&scan), [Absent, Enforced, Enforced, Absent, Absent, Present]);
    // The call to a workflow that is not in the repository is noted where it is written.
    assert_eq!(codes(&diagnostics), vec![Code::CiUnresolvedWorkflow]);
    let label = diagnostics[0].primary.as_ref().unwrap();
    let caller = fixture("0003_push_calls_reusable.yml");
    assert_eq!(&caller[label.span.range()], "./.github/workflows/not-in-this-repo.yml");
}

#[test]
fn reusable_workflow_without_a_caller_or_with_only_a_manual_caller_is_present() {
    let reusable = fixture("0004_reusable_scans.yml");
    let (alone, _) = scan_repo(&[(".github/workflows/0004_reusable_scans.yml", &reusable)]);
    assert!(alone.tools.iter().all(|t| !t.enforced) && alone.tools.len() == 2);
    let manual = "on: workflow_dispatch\njobs:\n  call:\n    uses: ./.github/workflows/0004_reusable_scans.yml\n";
    let (called, diagnostics) = scan_repo(&[
        (".github/workflows/manual.yml", manual),
        (".github/workflows/0004_reusable_scans.yml", &reusable),
    ]);
    assert!(called.tools.iter().all(|t| !t.enforced) && called.tools.len() == 2);
    assert!(diagnostics.is_empty());
}

#[test]
fn reusable_calls_in_a_cycle_terminate() {
    let a = "on: push\njobs:\n  b:\n    uses: ./.github/workflows/b.yml\n";
    let b = "on: workflow_call\njobs:\n  a:\n    uses: ./.github/workflows/a.yml\n  scan:\n    steps:\n      - run: tfsec .\n";
    let (scan, _) = scan_repo(&[(".github/workflows/a.yml", a), (".github/workflows/b.yml", b)]);
    assert_eq!(rows(&scan), vec![row("tfsec", Iac, "scan", true, true)]);
}

#[test]
fn only_a_literal_continue_on_error_true_makes_a_tool_non_blocking() {
    let (scan, _) =
        scan_repo(&[(".github/workflows/deps.yml", &fixture("0006_continue_on_error.yml"))]);
    // Step-level and job-level `true` are soft; `${{ matrix.experimental }}` is an expression
    // we cannot evaluate, so it stays blocking. The SARIF upload is not a scanner.
    assert_eq!(
        rows(&scan),
        vec![
            row("cargo-audit", Sca, "audit", true, true),
            row("bandit", Sast, "bandit", true, false),
            row("snyk", Sca, "snyk", true, false)
        ]
    );
}

#[test]
fn or_true_swallows_the_failure_but_or_exit_one_does_not() {
    let (scan, _) = scan_repo(&[(".github/workflows/pr.yml", &fixture("0007_or_true.yml"))]);
    // The `echo` mentioning trufflehog runs nothing.
    assert_eq!(
        rows(&scan),
        vec![
            row("npm-audit", Sca, "checks", true, true),
            row("semgrep", Sast, "checks", true, false)
        ]
    );
}

#[test]
fn sha_pinned_mixed_case_actions_match_and_upload_sarif_does_not() {
    let (scan, _) = scan_repo(&[(
        ".github/workflows/security.yml",
        &fixture("0008_sha_pinned_uppercase_owner.yml"),
    )]);
    // merge_group and pull_request_target are automatic events.
    assert_eq!(
        rows(&scan),
        vec![row("gitleaks", Secrets, "scan", true, true), row("zap", Dast, "scan", true, true)]
    );
    assert_eq!(scan.categories[&Sast], Absent);
}

#[test]
fn container_images_name_tools() {
    let (scan, _) =
        scan_repo(&[(".github/workflows/images.yml", &fixture("0009_container_images.yml"))]);
    // dast: a ZAP service container; filesystem: the Trivy job container gives way to the
    // `trivy fs` command, a dependency scan; image: `docker run aquasec/trivy ... image`;
    // secrets: a `docker://` Gitleaks step; semgrep: container plus command, counted once.
    assert_eq!(
        rows(&scan),
        vec![
            row("zap", Dast, "dast", true, true),
            row("trivy", Sca, "filesystem", true, true),
            row("trivy", Container, "image", true, true),
            row("gitleaks", Secrets, "secrets", true, true),
            row("semgrep", Sast, "semgrep", true, true),
        ]
    );
}

#[test]
fn every_spelling_of_on_is_read() {
    let workflow = |on: &str| {
        format!("{on}\njobs:\n  s:\n    steps:\n      - uses: gitleaks/gitleaks-action@v2\n")
    };
    let enforced = |on: &str| {
        let (scan, diagnostics) = scan_repo(&[(".github/workflows/w.yml", &workflow(on))]);
        assert!(diagnostics.is_empty(), "{on}: {diagnostics:?}");
        scan.tools[0].enforced
    };
    assert!(enforced("on: push"));
    assert!(enforced("on: [push, pull_request]"));
    assert!(enforced("on:\n  push:\n    branches: [main]"));
    assert!(enforced("\"on\": {pull_request: {types: [opened]}}"));
    assert!(!enforced("on: [workflow_dispatch, schedule]"));
    assert!(!enforced("on:\n  workflow_dispatch:\n  release:\n    types: [published]"));
}

#[test]
fn workflow_without_triggers_or_with_malformed_jobs_is_reported() {
    let (scan_no_on, diagnostics) = scan_repo(&[(
        ".github/workflows/w.yml",
        "jobs:\n  s:\n    steps:\n      - run: gitleaks detect\n",
    )]);
    assert_eq!(codes(&diagnostics), vec![Code::CiWorkflowShape]);
    assert_eq!(rows(&scan_no_on), vec![row("gitleaks", Secrets, "s", false, true)]);
    let (_, diagnostics) = scan_repo(&[(".github/workflows/w.yml", "on: push\njobs: [a, b]\n")]);
    assert_eq!(codes(&diagnostics), vec![Code::CiWorkflowShape]);
    let (scan_steps, diagnostics) = scan_repo(&[(
        ".github/workflows/w.yml",
        "on: push\njobs:\n  a: 3\n  b:\n    steps: run\n  c:\n    steps:\n      - just text\n      - run: trivy config .\n",
    )]);
    assert_eq!(codes(&diagnostics), vec![Code::CiWorkflowShape; 3]);
    assert_eq!(rows(&scan_steps), vec![row("trivy", Iac, "c", true, true)]);
}

#[test]
fn broken_yaml_is_reported_and_the_other_files_are_still_scanned() {
    let broken = fixture("0013_broken.yml");
    let mut files = Files::new();
    let broken_id = files.add(".github/workflows/broken.yml", broken.as_str());
    let nightly_id = files.add(".github/workflows/nightly.yml", fixture("0002_schedule_only.yml"));
    let (scan, diagnostics) = scan_repository(&files, "repo", &[broken_id, nightly_id]);
    assert_eq!(codes(&diagnostics), vec![Code::YamlSyntax]);
    let label = diagnostics[0].primary.as_ref().unwrap();
    assert_eq!(label.file, broken_id);
    // The flow sequence `[push, pull_request` is never closed; the parser stops at `jobs:` on line 3.
    assert_eq!(
        files.get(broken_id).line_col(label.span.start),
        crate::diag::LineCol { line: 3, column: 5 }
    );
    assert_eq!(rows(&scan), vec![row("trivy", Sca, "dependencies", false, true)]);
}

// --- Our fixtures: GitLab CI. ---------------------------------------------------------------

#[test]
fn gitlab_templates_in_a_list_and_a_single_include_with_overrides() {
    let (scan, diagnostics) = scan_repo(&[
        (".gitlab-ci.yml", &fixture("0010_gitlab_templates_list.gitlab-ci.yml")),
        ("ci/0011_gitlab_local_include.yml", &fixture("0011_gitlab_local_include.yml")),
    ]);
    // Templates set `allow_failure: true`, so they do not block unless the pipeline overrides
    // the job (`secret_detection: allow_failure: false`). Container scanning is switched off by
    // CONTAINER_SCANNING_DISABLED; License-Scanning is not a security category here.
    assert_eq!(
        rows(&scan),
        vec![
            row("gitlab-dependency-scanning", Sca, "gemnasium-dependency_scanning", true, false),
            row("gitlab-sast-iac", Iac, "kics-iac-sast", true, false),
            row("gitlab-sast", Sast, "sast", true, false),
            row("gitlab-secret-detection", Secrets, "secret_detection", true, true),
            row("gitlab-dast", Dast, "dast", true, false),
            row("hadolint", Iac, "hadolint", true, true),
        ]
    );
    assert_eq!(scan.tools[4].file, "ci/0011_gitlab_local_include.yml");
    // GitLab's templates allow failure unless the pipeline says otherwise: not enforced.
    assert_eq!(presence(&scan), [Present, Enforced, Present, Present, Absent, Enforced]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn gitlab_single_template_include_and_a_missing_local_include() {
    let (scan, diagnostics) =
        scan_repo(&[(".gitlab-ci.yml", "include:\n  template: Security/SAST.gitlab-ci.yml\n")]);
    assert_eq!(rows(&scan), vec![row("gitlab-sast", Sast, "sast", true, false)]);
    assert!(diagnostics.is_empty());
    let (_, diagnostics) =
        scan_repo(&[(".gitlab-ci.yml", &fixture("0010_gitlab_templates_list.gitlab-ci.yml"))]);
    assert_eq!(codes(&diagnostics), vec![Code::CiUnresolvedWorkflow]);
}

#[test]
fn gitlab_allow_failure_manual_and_schedule_rules() {
    let (scan, diagnostics) = scan_repo(&[(
        ".gitlab-ci.yml",
        &fixture("0012_gitlab_allow_failure_and_manual.gitlab-ci.yml"),
    )]);
    // checkov: image and script inherited from `.iac`, `only: [schedules]`.
    // gitleaks: its schedule rule is `when: never`, the branch rule runs it automatically.
    // npm_audit: its only rule allows failure. semgrep: `allow_failure: true`.
    // trivy_nightly: runs only for schedules. zap: `when: manual`, which GitLab lets fail.
    // pip_audit: `when: never` in every rule, so it is not part of any pipeline.
    assert_eq!(
        rows(&scan),
        vec![
            row("checkov", Iac, "checkov", false, true),
            row("gitleaks", Secrets, "gitleaks", true, true),
            row("npm-audit", Sca, "npm_audit", true, false),
            row("semgrep", Sast, "semgrep", true, false),
            row("trivy", Container, "trivy_nightly", false, true),
            row("zap", Dast, "zap", false, false),
        ]
    );
    // Allowed to fail is not enforced: semgrep (sast) and npm_audit (sca) only report.
    assert_eq!(presence(&scan), [Present, Enforced, Present, Present, Present, Present]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn gitlab_workflow_rules_for_schedules_only_make_every_tool_present() {
    let text = "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\ninclude:\n  - template: Security/Secret-Detection.gitlab-ci.yml\nbandit:\n  script: [bandit -r .]\n";
    let (scan, _) = scan_repo(&[(".gitlab-ci.yml", text)]);
    assert_eq!(
        rows(&scan),
        vec![
            row("bandit", Sast, "bandit", false, true),
            row("gitlab-secret-detection", Secrets, "secret_detection", false, false)
        ]
    );
}

#[test]
fn gitlab_template_disabled_by_a_rule_override_disappears() {
    let text =
        "include:\n  - template: Security/SAST.gitlab-ci.yml\nsast:\n  rules:\n    - when: never\n";
    let (scan, _) = scan_repo(&[(".gitlab-ci.yml", text)]);
    assert!(scan.tools.is_empty());
}

#[test]
fn gitlab_components_count_and_a_described_disabling_variable_switches_a_template_off() {
    let text = "variables:\n  SAST_DISABLED:\n    value: \"1\"\n    description: off for now\ninclude:\n  - template: Security/SAST.gitlab-ci.yml\n  - component: $CI_SERVER_FQDN/components/secret-detection/secret-detection@1.1\n";
    let (scan, _) = scan_repo(&[(".gitlab-ci.yml", text)]);
    assert_eq!(
        rows(&scan),
        vec![row("gitlab-secret-detection", Secrets, "secret_detection", true, false)]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = scan_repo(&[(".github/workflows/x.yml", &text), (".gitlab-ci.yml", &text)]);
    }

    #[test]
    fn workflow_shaped_noise_never_panics(
        lines in proptest::collection::vec(
            (0usize..4, prop::sample::select(vec![
                "on: push", "on:", "jobs:", "j:", "steps:", "- uses: aquasecurity/trivy-action@v1", "- run: |",
                "semgrep ci || true", "docker run aquasec/trivy", "uses: ./.github/workflows/x.yml", "container: semgrep/semgrep",
                "services:", "image:", "include:", "- template: Security/SAST.gitlab-ci.yml", "rules:", "- when: never",
                "extends: [.a, .b]", ".a:", "extends: .a", "script:", "- trivy fs . \\", "continue-on-error: true", "with:",
                "scan-type: config", "allow_failure: {exit_codes: 1}", "'", "[", "{", ": :", "- - -", "&a", "*a",
            ])),
            0..40,
        )
    ) {
        let text: String = lines.iter().map(|(indent, line)| format!("{}{line}\n", "  ".repeat(*indent))).collect();
        let _ = scan_repo(&[(".github/workflows/x.yml", &text), ("ci/x.yml", &text), (".gitlab-ci.yml", &text)]);
    }
}

#[test]
fn issue_10_a_tool_switched_off_or_allowed_to_fail_is_not_enforced() {
    let text = r#"
on: [push, pull_request]
jobs:
  odc:
    runs-on: ubuntu-latest
    steps:
      - run: mvn org.owasp:dependency-check-maven:check -Ddependency-check.skip=true
  sast:
    runs-on: ubuntu-latest
    steps:
      - if: false
        run: semgrep ci
  secrets:
    runs-on: ubuntu-latest
    if: ${{ false }}
    steps:
      - uses: gitleaks/gitleaks-action@v2
  iac:
    runs-on: ubuntu-latest
    steps:
      - run: checkov -d . || true
  container:
    runs-on: ubuntu-latest
    steps:
      - run: trivy image app
        continue-on-error: true
"#;
    let (scan, diagnostics) = scan_repo(&[(".github/workflows/ci.yml", text)]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(
        rows(&scan),
        vec![
            row("trivy", Container, "container", true, false),
            row("checkov", Iac, "iac", true, false),
            row("dependency-check", Sca, "odc", false, true),
            row("semgrep", Sast, "sast", false, true),
            row("gitleaks", Secrets, "secrets", false, true),
        ]
    );
    // Nothing is enforced: every tool is off or allowed to fail.
    assert_eq!(presence(&scan), [Present, Present, Present, Absent, Present, Present]);

    // The same jobs switched on and blocking are enforced.
    let on = text
        .replace(" -Ddependency-check.skip=true", "")
        .replace("      - if: false\n", "      - ")
        .replace("    if: ${{ false }}\n", "")
        .replace(" || true", "")
        .replace("        continue-on-error: true\n", "");
    let (scan, _) = scan_repo(&[(".github/workflows/ci.yml", &on)]);
    assert_eq!(presence(&scan), [Enforced, Enforced, Enforced, Absent, Enforced, Enforced]);
}
