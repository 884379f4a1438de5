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
        for id in execution.threats.iter().filter(|id| !known.contains(id.as_str())) {
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
            diagnostics.push(diagnostic);
        }
    }
    diagnostics
}
