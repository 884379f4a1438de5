//! The closed list of diagnostic codes. Codes are stable: rename one only with a migration note.
//!
//! Each row gives the enum variant, the kebab-case code users see, the default severity, and one
//! sentence of documentation that `docs/diagnostics.md` is generated from.

use super::Severity;

/// What a diagnostic code is and how bad it is by default.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// The variant.
    pub code: Code,
    /// The kebab-case name.
    pub name: &'static str,
    /// Severity unless the workspace says otherwise.
    pub severity: Severity,
    /// What it checks and why it matters.
    pub doc: &'static str,
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident, $doc:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code with its documentation, in declaration order.
            pub const ALL: &'static [CodeInfo] = &[
                $(CodeInfo { code: Code::$variant, name: $name, severity: Severity::$severity, doc: $doc },)*
            ];

            /// The kebab-case name users see.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The severity a diagnostic with this code gets unless configured otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Self::$variant => Severity::$severity,)* }
            }
        }

        impl std::str::FromStr for Code {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($name => Ok(Self::$variant),)* _ => Err(()) }
            }
        }
    };
}

codes! {
    // Reading text.
    YamlSyntax => "yaml-syntax", Error, "The file is not valid YAML; nothing after the error could be read.";
    JsonSyntax => "json-syntax", Error, "The file is not valid JSON; nothing after the error could be read.";
    InputBudget => "input-budget", Error, "The file exceeds a safety budget (size, nesting depth, node count or alias expansion) and was refused, so hostile input cannot exhaust memory or time.";
    YamlLenient => "yaml-lenient", Warning, "Continuation lines of a quoted YAML scalar are indented less than YAML 1.2 allows; the file is read as libyaml (PyYAML) reads it.";
    DuplicateKey => "duplicate-key", Error, "A mapping names the same key twice; YAML parsers disagree on which value wins, so neither is trusted.";
    // Shapes of the native formats.
    UnknownKey => "unknown-key", Error, "A key that the format does not define; usually a typo whose value would otherwise be lost silently.";
    WrongType => "wrong-type", Error, "A value of the wrong kind (a list where a text is expected, ...).";
    MissingField => "missing-field", Error, "A required field is absent.";
    InvalidValue => "invalid-value", Error, "A value outside the field's vocabulary or range (an unknown status, a negative weight, ...).";
    InvalidDate => "invalid-date", Error, "A date that is not a calendar date in the form YYYY-MM-DD.";
    InvalidId => "invalid-id", Error, "An identifier that is empty or contains whitespace or control characters.";
    // Identity and references.
    DuplicateId => "duplicate-id", Error, "Two things of the same kind share an id; references to it would be ambiguous.";
    DanglingReference => "dangling-reference", Error, "A reference to an id that does not exist (threat to element, control to threat, key result to threat, objective to parent, ...).";
    AmbiguousThreat => "ambiguous-threat", Warning, "An OKR file names a threat by an id that threats of several apps have; its alias (`app:T-1234`) says which is meant.";
    UnknownCycle => "unknown-cycle", Error, "An OKR file names a cycle that `threatokr.yaml` does not define.";
    // Security vocabularies.
    InvalidCvss => "invalid-cvss", Error, "A CVSS vector that does not parse, or a v3 vector missing one of the eight base metrics (AV AC PR UI S C I A).";
    InvalidAsvsId => "invalid-asvs-id", Error, "An ASVS requirement id not in the form `v<version>-<chapter>.<section>.<requirement>`, or naming a requirement that the version does not have.";
    InvalidCwe => "invalid-cwe", Error, "A CWE id that is not a positive number (`79` or `CWE-79`).";
    // Key results.
    StartEqualsTarget => "start-equals-target", Error, "A metric key result whose start equals its target has no direction and no measurable progress.";
    ThresholdWithoutOperator => "threshold-without-operator", Error, "A threshold key result must say `at_most` or `at_least` (or an explicit operator): \"above CVSS 4.0\" is ambiguous.";
    UnknownMetric => "unknown-metric", Error, "A `measure:` names a metric that is not in the catalogue.";
    InvalidMetricParameter => "invalid-metric-parameter", Error, "A `measure:` parameter that the metric does not take, or of the wrong kind.";
    KeyResultWithoutObjective => "key-result-without-objective", Warning, "A key result that no objective lists; it is measured but counts nowhere.";
    // Workspace.
    UnclaimedModel => "unclaimed-model", Warning, "A threat model that no app claims; it becomes an app of its own, named after the model.";
    ModelClaimedTwice => "model-claimed-twice", Error, "Two apps claim the same threat model file.";
    UnreadableFile => "unreadable-file", Error, "A file that could not be read as text, or was not read: not a regular file (a pipe, a device), a link out of the workspace, or not UTF-8.";
    FolderLoop => "folder-loop", Warning, "A link leads to a folder already read (a loop such as `ln -s . models/again`, or a second way to the same folder); it is not followed, so no file is read twice.";
    // Foreign formats.
    UnrecognizedFormat => "unrecognized-format", Error, "A file that matches none of the known threat-model formats; the message says what each format needed.";
    UnknownStatus => "unknown-status", Warning, "A status that the source format does not define; the threat is kept with status `unknown` and the raw value.";
    UnknownSeverity => "unknown-severity", Warning, "A severity that the source format does not define; kept as `unknown` with the raw value.";
    // Progress and scoring.
    ObjectiveCycle => "objective-cycle", Error, "Objectives that contribute to each other in a cycle; the link that closes the cycle is left out of the rollup so progress can still be computed.";
    // CI pipelines (evidence::workflow).
    CiWorkflowShape => "ci-workflow-shape", Warning, "A part of a CI workflow that is not shaped the way GitHub Actions or GitLab CI expects (jobs that are not a mapping, steps that are not a list, no `on:` triggers, ...); that part is skipped or counted as not enforced.";
    CiUnresolvedWorkflow => "ci-unresolved-workflow", Note, "A job calls, or a pipeline includes, a local workflow file that is not among the scanned files, so the tools inside it are not counted.";
    // Evidence readers (SARIF, ASVS verifications, training records, threat-scenario test results).
    SarifNotSarif => "sarif-not-sarif", Error, "A file read as SARIF that is not a SARIF 2.1.0 log (no `runs` list); nothing was imported from it.";
    SarifInvalidValue => "sarif-invalid-value", Warning, "A SARIF value outside its vocabulary or range (a `security-severity` of \"undefined\", an unknown level, a `ruleIndex` out of range); the result is kept with the documented fallback.";
    SarifUnreadableResult => "sarif-unreadable-result", Error, "A SARIF run or result that is not a JSON object; it was left out and the rest of the file was read.";
    SarifIncompleteRun => "sarif-incomplete-run", Warning, "A SARIF run that did not complete (`executionSuccessful: false`, or `results` absent or null); it proves nothing about absence, so its findings are recorded as seen and none is marked fixed by it.";
    SarifFingerprintNotUnique => "sarif-fingerprint-not-unique", Note, "A SARIF fingerprint that is a placeholder (Semgrep writes \"requires login\") or that results at different lines of one file share, so their identity falls back to a hash of tool, rule, file and line text.";
    CsvSyntax => "csv-syntax", Error, "A CSV row that cannot be read (broken quoting, invalid UTF-8); the row was left out and the other rows were read.";
    JunitXmlSyntax => "junit-xml-syntax", Error, "A JUnit XML file that is not well-formed; test cases after the error could not be read.";
    UndatedTestResults => "undated-test-results", Warning, "Test executions with no date: the JUnit suite has no `timestamp` and the file name no YYYY-MM-DD date, so they count in no window; add either.";
    TestsWithoutThreats => "tests-without-threats", Note, "A test-results file in which no test names a threat or test scenario, so it proves nothing about threats; name them like `[T-1]` or give a `threat` property.";
    // Foreign importers: Threagile, pytm, TM-BOM, MS Threat Modeling Tool (imp-a).
    ThreagileRisksMissing => "threagile-risks-missing", Warning, "A Threagile model was imported without its `risks.json`, so only the individual risk categories written in the model became threats; put the file beside the model or pass `--risks FILE`.";
    OrphanedRiskTracking => "orphaned-risk-tracking", Warning, "A Threagile `risk_tracking` entry that matches no risk; Threagile itself rejects such a model unless told to ignore orphaned tracking.";
    DuplicateForeignId => "duplicate-foreign-id", Warning, "Two things of the same kind in a foreign file share an id; the later ones get a deterministic `#2`, `#3` suffix so that links stay unambiguous.";
    ForeignDanglingReference => "foreign-dangling-reference", Warning, "A foreign file refers to something it does not define; the reference is dropped and the rest of the file is imported.";
    NotImported => "not-imported", Note, "A part of a foreign file that threatokr reads but deliberately does not import (Threagile shared runtimes, TM-BOM zone pairs), said so that nothing is lost silently.";
    XmlSyntax => "xml-syntax", Error, "The file is not well-formed XML; what came before the error was imported, nothing after it.";
    // Foreign formats: Threat Dragon, OTM and Threat Composer importers.
    UnreferencedThreat => "unreferenced-threat", Warning, "An OTM threat that no component or dataflow references; it is imported once, without elements, with status `unknown`.";
    UnattachedFlow => "unattached-flow", Warning, "A Threat Dragon data flow with an end that is not attached to an element; it is left out of the flows and its threats are kept without an element.";
    DanglingLink => "dangling-link", Warning, "A link in a foreign file (a mitigation link, a threat or mitigation instance, a flow end) that names something the file does not contain; the link is ignored.";
    ReplacedId => "replaced-id", Warning, "A foreign id that is invalid (padded, too long, with control characters) or used twice; the thing is kept under the derived id that the message names.";
    InconsistentInstances => "inconsistent-instances", Warning, "Instances of one OTM threat or mitigation that become one threatokr threat or control (a repeated reference, or a file written by threatokr) but disagree on their state; the first state is used.";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = BTreeSet::new();
        for info in Code::ALL {
            assert!(seen.insert(info.name), "duplicate code {}", info.name);
            assert!(
                info.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                info.name
            );
            assert!(
                info.doc.ends_with('.') && info.doc.len() > 20,
                "{} needs a real doc sentence",
                info.name
            );
            assert_eq!(info.name.parse::<Code>(), Ok(info.code));
            assert_eq!(info.code.as_str(), info.name);
        }
    }
}
