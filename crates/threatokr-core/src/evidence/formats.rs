//! Every evidence format declared once as data: where its files go, the fields the reader takes,
//! its rules and a minimal example. The readers take their header lines and help texts from here,
//! `docs/evidence.md` is generated from it (`cargo xtask codegen`), and a test parses every example
//! with the real reader, so the documentation cannot describe a file the code does not read.

use crate::decode::{Field, Shape, describe};

/// One field (a CSV column, a YAML key, a JSON member) of an evidence format.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Its name as written in the file (a path such as `runs[].tool.driver.name` for JSON).
    pub name: &'static str,
    /// Whether a file or row without it is refused (CSV: the header needs the column).
    pub required: bool,
    /// What it holds and how it is read, in one or two sentences.
    pub doc: &'static str,
}

const fn field(name: &'static str, required: bool, doc: &'static str) -> FieldSpec {
    FieldSpec { name, required, doc }
}

/// Which real reader reads a format's files (the example test calls it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// `evidence::sarif::parse_sarif_log`.
    Sarif,
    /// `evidence::workflow::scan_repository` on a GitHub Actions workflow.
    GithubActions,
    /// `evidence::workflow::scan_repository` on a `.gitlab-ci.yml`.
    GitlabCi,
    /// `evidence::asvs::parse_asvs` (YAML or CSV by the file name).
    Asvs,
    /// `evidence::training::parse_roster`.
    Roster,
    /// `evidence::training::parse_completions`.
    Completions,
    /// `evidence::tests::parse_test_results` (JUnit XML or CSV by the file name).
    TestResults,
    /// A check-in: command-line arguments or a JSON body, no file.
    Checkin,
}

/// One evidence format.
#[derive(Debug, Clone, Copy)]
pub struct FormatSpec {
    /// Its title in the documentation.
    pub title: &'static str,
    /// Where its files go and how they are named.
    pub location: &'static str,
    /// What it proves and which metrics read it.
    pub summary: &'static str,
    /// The fields the reader takes, in the order a file writes them (CSV: the header line).
    pub fields: &'static [FieldSpec],
    /// How values are read: one rule per item.
    pub rules: &'static [&'static str],
    /// The example's file name (its extension chooses the reader's spelling).
    pub example_name: &'static str,
    /// A minimal example that the real reader reads with no diagnostic.
    pub example: &'static str,
    /// The example's language, for the code fence.
    pub example_language: &'static str,
    /// The reader.
    pub reader: ReaderKind,
}

impl FormatSpec {
    /// The CSV header line: the fields' names joined by commas.
    pub fn header_line(&self) -> String {
        self.fields.iter().map(|f| f.name).collect::<Vec<_>>().join(",")
    }

    /// The names of the required fields.
    pub fn required(&self) -> Vec<&'static str> {
        self.fields.iter().filter(|f| f.required).map(|f| f.name).collect()
    }
}

/// The fields of a declared YAML shape as field specs, with their types.
pub fn shape_fields(shape: &Shape) -> Vec<(FieldSpec, String)> {
    shape
        .fields
        .iter()
        .map(|f: &Field| {
            (FieldSpec { name: f.name, required: f.required, doc: f.doc }, describe(f.ty))
        })
        .collect()
}

/// SARIF 2.1.0 from any scanner.
pub const SARIF: FormatSpec = FormatSpec {
    title: "SARIF scanner results",
    location: "`evidence/sarif/<app>/<env>/<YYYY-MM-DD>.sarif` (or `.sarif.json`): `threatokr ingest evidence/` ingests every file not yet ingested, oldest first, with the app, environment and date of its path; `threatokr ingest sarif FILE --app A --env E --at DATE` files one anywhere. The pipeline's route: `POST /api/evidence/sarif?app=A&env=E` with an editor token.",
    summary: "Scanner findings over time (first seen, fixed), read by `findings.open`, `findings.sla` and `findings.mttr`. Each ingested scan is one date for one tool, app and environment: a finding reported before and absent from a complete later scan of the same tool is fixed on that scan's date.",
    fields: &[
        field(
            "runs[].tool.driver.name",
            false,
            "The tool; findings are tracked per tool, app and environment. Missing: a warning, and the tool `unknown`.",
        ),
        field(
            "runs[].tool.driver.rules[]",
            false,
            "Rules by `id`: their `properties.security-severity`, `properties.tags` (CWE and class tags), `defaultConfiguration.level` and `relationships` to a CWE taxonomy.",
        ),
        field(
            "runs[].results[]",
            false,
            "The results; a run whose `results` is absent or null did not complete (see below).",
        ),
        field(
            "results[].ruleId",
            false,
            "The rule (also `ruleIndex`, `rule.id`, `rule.index`, `rule.toolComponent` for extensions).",
        ),
        field(
            "results[].level",
            false,
            "`error` high, `warning` medium, `note` low, `none` info, when no score gives the severity; default the rule's `defaultConfiguration.level`, else `warning`.",
        ),
        field(
            "results[].kind",
            false,
            "Only `fail` (or absent) is a finding; `pass`, `notApplicable`, `informational`, `review` and `open` are not.",
        ),
        field("results[].message.text", false, "Kept with the finding."),
        field(
            "results[].locations[0].physicalLocation",
            false,
            "`artifactLocation.uri` (the file) and `region.startLine`; the flagged line's `region.snippet.text` helps the fingerprint.",
        ),
        field(
            "results[].properties.security-severity",
            false,
            "A CVSS-like score in (0, 10]: gives the severity by CVSS band (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0) and the finding's score; else the rule's.",
        ),
        field(
            "results[].partialFingerprints / fingerprints",
            false,
            "The finding's identity across scans, with the tool, rule and file.",
        ),
        field(
            "results[].suppressions[]",
            false,
            "A suppression whose `status` is absent or `accepted` hides the result; `underReview` and `rejected` do not.",
        ),
        field(
            "results[].baselineState",
            false,
            "`absent` is not a finding (gone since the baseline).",
        ),
        field(
            "runs[].invocations[].executionSuccessful",
            false,
            "`false` marks the run incomplete.",
        ),
        field(
            "runs[].versionControlProvenance[].repositoryUri",
            false,
            "The repository scanned: a file naming another repository than the app's `repos:` is refused unless `--force`.",
        ),
    ],
    rules: &[
        "Severity: `security-severity` of the result, else of its rule; else the tool's own severity (Bandit's `issue_severity`); else the level as above. The score is kept only when it gave the severity.",
        "CWEs: tags of the rule and the result (`external/cwe/cwe-079`, `CWE-79`, `CWE-78: ...`), `cwe`/`cwes` properties, and `relationships`/`taxa` into a tool component named CWE. The theme of a finding (for `themes:` filters) comes from its most specific CWE.",
        "Class: `license` (rule id `snyk:lic:...`, or a `license`/`licence` tag), else `security` (a `security-severity` above 0, or a `security` tag), else `quality` (a code-quality tag or rule-id part: correctness, maintainability, reliability, best-practice, performance, style, readability, useless-code, quality, code-quality), else `security`. Finding metrics count `security` unless `classes:` says otherwise; [findings.md](findings.md) gives the details.",
        "Fingerprint: `tool:rule:file:` and the result's `fingerprints` and `partialFingerprints` as sorted `key=value`; without them (or with a placeholder such as Semgrep's \"requires login\"), a hash of tool, rule, file and the flagged line's text (the first non-blank line of `region.snippet.text`, else the start line). Identical identities within one file get `#2`, `#3`, ... in file order.",
        "Incomplete runs: a run whose `results` is absent or null, or with an invocation whose `executionSuccessful` is false, proves nothing about absence. Its findings are recorded as seen, a `sarif-incomplete-run` warning names it, and it fixes nothing.",
        "Odd values inside a result are warnings with their position and the documented fallback; a result that is not an object is an error and the rest of the file is still read; a JSON syntax error reads nothing from the file. A file already ingested (same content, app and environment) is skipped; a scan older than the newest of its tool, app and environment is refused.",
    ],
    example_name: "evidence/sarif/checkout/prod/2027-02-10.sarif",
    example: r#"{
  "version": "2.1.0",
  "runs": [{
    "tool": { "driver": { "name": "Semgrep OSS", "rules": [{
      "id": "python.django.security.injection.sql",
      "defaultConfiguration": { "level": "error" },
      "properties": { "security-severity": "8.1", "tags": ["security", "CWE-89: SQL Injection"] }
    }]}},
    "results": [{
      "ruleId": "python.django.security.injection.sql",
      "level": "error",
      "message": { "text": "User input reaches a raw SQL query." },
      "locations": [{ "physicalLocation": {
        "artifactLocation": { "uri": "app/orders.py" },
        "region": { "startLine": 42 }
      }}],
      "partialFingerprints": { "primaryLocationLineHash": "4f1c2a9d0b7e" }
    }]
  }]
}
"#,
    example_language: "json",
    reader: ReaderKind::Sarif,
};

/// GitHub Actions workflows.
pub const GITHUB_ACTIONS: FormatSpec = FormatSpec {
    title: "CI pipelines: GitHub Actions",
    location: "The repositories of each app (`repos:` in threatokr.yaml, folders relative to the workspace, e.g. `evidence/ci/checkout`): every `.github/workflows/*.yml` under it. `threatokr scan-ci PATH...` shows what is found.",
    summary: "Which security tools run on every push or pull request, read by `ci.coverage`. A category counts for a repository only when one of its tools is enforced: it runs automatically, is not switched off, and its failure fails the pipeline.",
    fields: &[
        field(
            "on",
            true,
            "Automatic when it names `push`, `pull_request`, `pull_request_target` or `merge_group`; a reusable workflow (`on: workflow_call`) is automatic when an automatic workflow calls it with a job-level `uses: ./.github/workflows/x.yml`.",
        ),
        field(
            "jobs.<job>.steps[].uses",
            false,
            "An action; matched on the lower-cased path before `@` (SHA-pinned refs match), and its sub-paths.",
        ),
        field(
            "jobs.<job>.steps[].run",
            false,
            "Shell; a tool is recognised in command position (after `;`, `&&`, `||`, `|`, or at the start of a line, past `sudo`, `npx`, `python -m` and the like).",
        ),
        field(
            "jobs.<job>.container / services / docker://",
            false,
            "A container image of a scanner.",
        ),
        field(
            "jobs.<job>.if, steps[].if",
            false,
            "A literal `false` (`false`, `\"false\"`, `${{ false }}`) switches the job or step off.",
        ),
        field(
            "jobs.<job>.continue-on-error, steps[].continue-on-error",
            false,
            "A literal `true` lets the tool fail without failing the pipeline: not enforced.",
        ),
        field(
            "steps[].with",
            false,
            "Action inputs that decide the category (Trivy's `scan-type`) or that stop the action from failing (see the table below).",
        ),
    ],
    rules: &[
        "A command followed by `|| true` (or `|| :`, `|| exit 0`, `|| echo ...`) is allowed to fail: not enforced. So are `--exit-code 0`, `--soft-fail`, `--exit-zero` and `--no-fail`.",
        "A tool given its own skip argument (the table below) is configured but does not scan: not enforced.",
        "Uploaders are not scanners: `github/codeql-action/upload-sarif` and `actions/upload-artifact` only move results.",
    ],
    example_name: ".github/workflows/security.yml",
    example: "name: security
on: [push, pull_request]
jobs:
  sast:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: github/codeql-action/init@v3
      - uses: github/codeql-action/analyze@v3
  secrets:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: gitleaks/gitleaks-action@v2
  deps:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm audit --audit-level=high
",
    example_language: "yaml",
    reader: ReaderKind::GithubActions,
};

/// GitLab CI pipelines.
pub const GITLAB_CI: FormatSpec = FormatSpec {
    title: "CI pipelines: GitLab CI",
    location: "`.gitlab-ci.yml` at the root of an app's repository, and the files it includes with `include: local:`.",
    summary: "As GitHub Actions: which security tools run on every push or merge request, read by `ci.coverage`.",
    fields: &[
        field(
            "<job>.script / before_script / after_script",
            false,
            "Shell, read as in GitHub's `run:`.",
        ),
        field("<job>.image", false, "A container image of a scanner."),
        field(
            "include[].template, include[].component",
            false,
            "GitLab's security templates and catalog components run their category (the table below).",
        ),
        field(
            "<job>.rules",
            false,
            "A job is enforced unless every rule restricts it to schedules, the web button, the API or `when: manual`; `when: never` rules drop it.",
        ),
        field(
            "<job>.allow_failure",
            false,
            "`true` lets the job fail without failing the pipeline: not enforced. GitLab's security templates set it, so a template counts only when the pipeline overrides its job with `allow_failure: false`.",
        ),
    ],
    rules: &["`|| true` and the skip arguments are read in scripts as in GitHub Actions."],
    example_name: ".gitlab-ci.yml",
    example: "stages: [test]
semgrep:
  stage: test
  image: semgrep/semgrep
  script:
    - semgrep ci
gitleaks:
  stage: test
  image: zricethezav/gitleaks
  script:
    - gitleaks detect --source .
",
    example_language: "yaml",
    reader: ReaderKind::GitlabCi,
};

/// ASVS verifications in YAML.
pub const ASVS_YAML: FormatSpec = FormatSpec {
    title: "ASVS verifications (YAML)",
    location: "`evidence/asvs/<app>.yaml` (any name ending in `.yaml` or `.yml`; `settings.evidence.asvs` moves the folder). One file is one app's verification against one ASVS version.",
    summary: "Which ASVS requirements passed, failed or do not apply for an app, read by `asvs.compliance`. The newest result of each requirement counts; a requirement of the key result's levels and chapters with no result counts as not passed.",
    // The fields are those of the YAML shape the reader decodes with (`asvs_shapes`).
    fields: &[],
    rules: &[
        "Requirement ids are `v<version>-<chapter>.<section>.<requirement>` (OWASP's recommended form) and must name the file's version; `V8.2.1` and `8.2.1` are short forms of the file's version. An id that the version does not have is an error, and the app must be an app of threatokr.yaml; only the versions 5.0.0 and 4.0.3 are known.",
        "A requirement's `date` defaults to the file's `date`; a written date that cannot be read leaves the requirement out. `stale` when the newest verification of the app verified longest ago is older than `evidence_max_age_days.asvs` (180).",
        "A requirement verified twice in one file is an error at the second; across files, the newest date wins.",
    ],
    example_name: "evidence/asvs/checkout.yaml",
    example: "app: checkout
version: 5.0.0
date: 2027-02-01
requirements:
  - { id: v5.0.0-8.2.1, status: pass, evidence: https://example.com/pentest/42 }
  - { id: v5.0.0-8.2.2, status: fail }
  - { id: v5.0.0-8.3.1, status: n-a, date: 2027-01-20 }
",
    example_language: "yaml",
    reader: ReaderKind::Asvs,
};

/// ASVS verifications in CSV.
pub const ASVS_CSV: FormatSpec = FormatSpec {
    title: "ASVS verifications (CSV)",
    location: "`evidence/asvs/<app>.csv`. The same content as the YAML form.",
    summary: "As the YAML form. A first comment line names the app and the version (and optionally the date), then the header line.",
    fields: &[
        field("requirement", true, "The requirement id, as in the YAML form."),
        field(
            "status",
            true,
            "`pass`, `fail` or `n-a`; also `passed`, `failed`, `n/a`, `na` and `not applicable`, in any case.",
        ),
        field("evidence", false, "A link or reference to the evidence."),
        field("date", false, "`YYYY-MM-DD`; default the comment line's date."),
    ],
    rules: &[
        "The first line is a comment `# app: <app>, version: <version>[, date: YYYY-MM-DD]`: one file is one app against one version, so rows cannot disagree about them.",
        "Column names are case-insensitive; extra columns are ignored.",
    ],
    example_name: "evidence/asvs/checkout.csv",
    example: "# app: checkout, version: 5.0.0, date: 2027-02-01
requirement,status,evidence,date
v5.0.0-8.2.1,pass,https://example.com/pentest/42,2027-01-20
v5.0.0-8.2.2,fail,,
",
    example_language: "text",
    reader: ReaderKind::Asvs,
};

/// The training roster.
pub const ROSTER: FormatSpec = FormatSpec {
    title: "Training roster",
    location: "`evidence/training/roster.csv`: a CSV file of the training folder whose name contains `roster` (`settings.evidence.training` moves the folder). Without a roster, the people of threatokr.yaml stand in for it.",
    summary: "Who is on which team and still active: the denominator of `training.coverage` (active developers of the key result's teams, or of the in-scope apps' teams).",
    fields: &[
        field("person", true, "The person's id, as the completions write it (compared exactly)."),
        field("team", true, "Their team's id in threatokr.yaml."),
        field(
            "active",
            true,
            "true/false, yes/no, y/n, 1/0, active/inactive, in any case. Inactive people are left out.",
        ),
        field(
            "developer",
            false,
            "As `active`; `false` leaves the person out. Empty: the person's `developer` flag in threatokr.yaml decides, else they count.",
        ),
    ],
    rules: &[
        "Column names are case-insensitive; extra columns (emails, names) are ignored.",
        "A person listed twice keeps the first row; the second is an error.",
    ],
    example_name: "evidence/training/roster.csv",
    example: "person,team,active,developer
priya,payments,true,true
omar,payments,yes,
noor,appsec,true,false
",
    example_language: "text",
    reader: ReaderKind::Roster,
};

/// Training completions.
pub const COMPLETIONS: FormatSpec = FormatSpec {
    title: "Training completions",
    location: "Every other CSV file of `evidence/training/` (e.g. `completions.csv`, one export per month).",
    summary: "Who completed which course when: the numerator of `training.coverage`.",
    fields: &[
        field("person", true, "The person's id, as the roster writes it."),
        field(
            "course",
            true,
            "The course id (`topic` is accepted instead); compared trimmed and case-insensitively with the key result's `course:` and with `settings.courses[].id`.",
        ),
        field(
            "date",
            true,
            "`YYYY-MM-DD`, or a timestamp such as `2027-01-15T10:00:00Z` read by its date.",
        ),
    ],
    rules: &[
        "A completion counts on the day measured when it is on or before that day and still valid: within the course's `validity_days` (`settings.courses: [{ id: access-control, validity_days: 365 }]`), default `evidence_max_age_days.training` (365); with a `window:`, it must also fall inside the window.",
        "Repeated completions are all kept: a refresher is a new completion.",
        "Declared courses (`settings.courses`) are the only course ids `measure: { course: ... }` may name; without any, the course ids found in the completions are.",
    ],
    example_name: "evidence/training/completions.csv",
    example: "person,course,date
priya,access-control,2027-01-12
omar,access-control,2027-01-19T10:00:00Z
",
    example_language: "text",
    reader: ReaderKind::Completions,
};

/// JUnit XML test results.
pub const JUNIT: FormatSpec = FormatSpec {
    title: "Threat-scenario test results (JUnit XML)",
    location: "`evidence/tests/*.xml` (`settings.evidence.tests` moves the folder): pentest, red-team or automated abuse-case results.",
    summary: "Which threats a test exercised and when, read by `threats.tested`: a threat counts when a test names it (or a test scenario of the models that names it) and ran inside the window (passing only, with `passed_only: true`).",
    fields: &[
        field(
            "testsuite@timestamp",
            false,
            "The date of its test cases (an ISO date or date-time; nested suites inherit it). Without one, the last `YYYY-MM-DD` in the file's name dates the file; without either, the executions count in no window.",
        ),
        field(
            "testcase@name, testcase@classname",
            true,
            "The test, `classname.name`; threat ids in brackets in either: `AB-CHK-1 [T-CHK-1] fetch another shopper's order`.",
        ),
        field("testcase/failure, testcase/error", false, "The test failed."),
        field("testcase/skipped", false, "The test did not run."),
        field(
            "property name=\"threat\" or \"threats\"",
            false,
            "Ids listed in `value` (separated by commas, semicolons or spaces), on a test case or on a test suite for all its cases.",
        ),
    ],
    rules: &[
        "How a test names a threat: in brackets in its name or class name. A bracket counts only when every comma- or space-separated token in it is an id: upper-case letters and digits in at least two dash-separated parts, starting with a letter, the last part holding a digit (`T-1`, `T-CHK-1`, `AB-CHK-2`), so pytest's `test_login[admin-True]` is not read as an id. Or in a `threat`/`threats` property, taken as written.",
        "An id may name a threat or a test scenario (`tests:` of a threat model) that lists threats.",
        "A file where no test names a threat gets a note (`tests-without-threats`): it proves nothing about threats.",
    ],
    example_name: "evidence/tests/pentest-2027-02.xml",
    example: r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="authz-pentest">
  <testsuite name="checkout" tests="2" failures="1" timestamp="2027-02-03T10:00:00">
    <testcase classname="checkout" name="[T-CHK-1] fetch another shopper's order">
      <failure message="order 1234 of shopper B returned to shopper A"/>
    </testcase>
    <testcase classname="checkout" name="refund as a shopper">
      <properties><property name="threats" value="T-CHK-2"/></properties>
    </testcase>
  </testsuite>
</testsuites>
"#,
    example_language: "xml",
    reader: ReaderKind::TestResults,
};

/// Test results in CSV.
pub const TESTS_CSV: FormatSpec = FormatSpec {
    title: "Threat-scenario test results (CSV)",
    location: "`evidence/tests/*.csv`.",
    summary: "As the JUnit form, for results kept in a spreadsheet.",
    fields: &[
        field("test", true, "The test's name; ids in brackets in it count as in JUnit."),
        field(
            "threats",
            false,
            "Threat or test-scenario ids, separated by commas, semicolons or spaces (`threat` is accepted too).",
        ),
        field(
            "result",
            true,
            "pass/passed/ok/success, fail/failed/failure/error, or skip/skipped.",
        ),
        field("date", false, "`YYYY-MM-DD` or an ISO date-time; else the date in the file's name."),
    ],
    rules: &["Column names are case-insensitive; extra columns are ignored."],
    example_name: "evidence/tests/pentest-2027-02.csv",
    example: "test,threats,result,date
fetch another shopper's order,T-CHK-1,fail,2027-02-03
refund as a shopper [T-CHK-2],,pass,2027-02-03
",
    example_language: "text",
    reader: ReaderKind::TestResults,
};

/// Check-ins.
pub const CHECKIN: FormatSpec = FormatSpec {
    title: "Check-ins",
    location: "No file: `threatokr checkin KR-ID --value V [--confidence 0-10] [--note TEXT] [--author NAME] [--at YYYY-MM-DD]`, the dashboard's form on each key result, or `POST /api/key-results/<KR-ID>/checkins[?cycle=C]` with an editor token (`threatokr token create --name ci --role editor`). Kept in the store.",
    summary: "A value typed by a person for a key result that no evidence measures: `metric: manual`, a metric or threshold key result without `measure:`, or a binary key result (a value of 1 or more marks it done). The newest check-in on or before the day measured is its value; its confidence is shown apart from progress.",
    fields: &[
        field("value", true, "A number (`--value`, JSON `value`)."),
        field(
            "confidence",
            false,
            "The owner's confidence of reaching the target, a whole number 0 to 10.",
        ),
        field("note", false, "Free text (at most 2000 characters through the API)."),
        field(
            "at",
            false,
            "The day the value holds for (command line only; default today). Through the API, the day of the request.",
        ),
    ],
    rules: &[
        "A check-in is refused, not recorded and ignored, when no view would use it: a key result measured from evidence, a milestone list (ticked in its OKR file), or a day in no cycle of the key result.",
        "`stale` when the newest check-in is older than `settings.stale_after_days` (14).",
    ],
    example_name: "checkin.json",
    example: r#"{ "value": 4.6, "confidence": 7, "note": "two enterprise deals signed" }
"#,
    example_language: "json",
    reader: ReaderKind::Checkin,
};

/// Every evidence format, in the order the documentation lists them.
pub const FORMATS: &[FormatSpec] = &[
    SARIF,
    GITHUB_ACTIONS,
    GITLAB_CI,
    ASVS_YAML,
    ASVS_CSV,
    ROSTER,
    COMPLETIONS,
    JUNIT,
    TESTS_CSV,
    CHECKIN,
];

/// The YAML shapes of the ASVS form: the verification and one requirement.
pub fn asvs_shapes() -> [&'static Shape; 2] {
    super::asvs::shapes()
}

#[cfg(test)]
mod tests;
