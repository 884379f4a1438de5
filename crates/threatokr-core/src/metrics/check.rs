//! Checks of evidence against the workspace: what a measurement would otherwise skip in silence.

use super::measure::EvidenceSet;
use crate::diag::{Code, Diagnostic, Severity};
use crate::model::Workspace;
use crate::taxonomy::asvs_requirement;
use std::collections::BTreeSet;

/// Problems in evidence that only the workspace can reveal, each at its position:
/// - an ASVS verification of an app `threatokr.yaml` does not define (`dangling-reference`), or of
///   an ASVS version threatokr does not know, or naming a requirement the version does not have
///   (`invalid-asvs-id`): such results are never counted;
/// - a test execution naming an id that is neither a threat nor a test scenario of the models
///   (`dangling-reference`, as a warning: a test may name ids of other systems).
pub fn check_evidence(workspace: &Workspace, evidence: &EvidenceSet) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let apps: BTreeSet<&str> = workspace.config.apps.iter().map(|a| a.id.as_str()).collect();
    for verification in &evidence.asvs {
        let origin = verification.origin;
        if !apps.contains(verification.app.as_str()) {
            diagnostics.push(
                Diagnostic::new(Code::DanglingReference, origin.file, origin.span, format!("ASVS verification of `{}`, which is not an app of threatokr.yaml; it is not counted", verification.app))
                    .with_help(format!("apps: {}", apps.iter().copied().collect::<Vec<_>>().join(", "))),
            );
        }
        if !matches!(verification.version.as_str(), "5.0.0" | "4.0.3") {
            diagnostics.push(Diagnostic::new(Code::InvalidAsvsId, origin.file, origin.span, format!("ASVS version `{}` is not one threatokr knows (5.0.0, 4.0.3); its results are not counted", verification.version)));
            continue;
        }
        for result in &verification.requirements {
            let id = result.id.to_string();
            if asvs_requirement(&id).is_none() {
                diagnostics.push(Diagnostic::new(
                    Code::InvalidAsvsId,
                    result.origin.file,
                    result.origin.span,
                    format!(
                        "ASVS {} has no requirement `{id}`; the result is not counted",
                        verification.version
                    ),
                ));
            }
        }
    }
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for model in &workspace.models {
        known.extend(model.threats.iter().map(|t| t.id.as_str()));
        known.extend(model.tests.iter().map(|t| t.id.as_str()));
    }
    for execution in &evidence.tests {
        for id in execution.threats.iter().filter(|id| !known.contains(workspace.threat_name(id))) {
            let mut diagnostic = Diagnostic::new(
                Code::DanglingReference,
                execution.origin.file,
                execution.origin.span,
                format!(
                    "test `{}` names `{id}`, which is neither a threat nor a test scenario of the models",
                    execution.test
                ),
            );
            diagnostic.severity = Severity::Warning;
            let names = known.iter().copied().chain(workspace.aliases.aliases());
            if let Some(near) = crate::diag::did_you_mean(id, names) {
                diagnostic = diagnostic.with_help(format!("did you mean `{near}`?"));
            }
            diagnostics.push(diagnostic);
        }
    }
    check_courses(workspace, evidence, &mut diagnostics);
    diagnostics
}

/// Without `settings.courses`, the training completions say which courses exist: a
/// `training.coverage` key result naming another one would measure 0% in silence.
fn check_courses(workspace: &Workspace, evidence: &EvidenceSet, diagnostics: &mut Vec<Diagnostic>) {
    use crate::evidence::training::course_key;
    if !workspace.config.settings.courses.is_empty() || evidence.completions.is_empty() {
        return;
    }
    let known: BTreeSet<String> =
        evidence.completions.iter().map(|c| course_key(&c.course)).collect();
    for kr in workspace.okrs.iter().flat_map(|set| &set.key_results) {
        let Some(measure) = kr.measure.as_ref().filter(|m| m.metric == "training.coverage") else {
            continue;
        };
        let Some(course) = super::measure::text_param(measure, "course")
            .or_else(|| super::measure::text_param(measure, "topic"))
        else {
            continue;
        };
        if known.contains(&course_key(course)) {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            Code::DanglingReference,
            kr.origin.file,
            kr.origin.span,
            format!(
                "key result `{}` measures the course `{course}`, which no training completion names",
                kr.id
            ),
        );
        // A near miss is a warning with its suggestion; a course nobody has taken yet (a new
        // one the planner proposed) is a note. Declaring `settings.courses` makes both errors.
        diagnostic.severity = Severity::Note;
        if let Some(s) =
            crate::diag::did_you_mean(&course_key(course), known.iter().map(String::as_str))
        {
            diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
            diagnostic.severity = Severity::Warning;
        }
        diagnostics.push(diagnostic);
    }
}

/// The metrics that read a file of the workspace (a workspace-relative name): a value computed
/// from a file with errors is not recorded. The threat models feed the threat and control metrics,
/// and they are checked by loading the workspace, not here.
pub fn metrics_reading(workspace: &Workspace, file: &str) -> &'static [&'static str] {
    let folders = &workspace.config.settings.evidence;
    let under = |folder: &str| {
        let folder = folder.trim_start_matches("./").trim_end_matches('/');
        file.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
    };
    if under(&folders.asvs) {
        &["asvs.compliance"]
    } else if under(&folders.training) {
        &["training.coverage"]
    } else if under(&folders.tests) {
        &["threats.tested"]
    } else if workspace.config.apps.iter().flat_map(|a| &a.repos).any(|repo| under(repo)) {
        &["ci.coverage"]
    } else {
        &[]
    }
}
