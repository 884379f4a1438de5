//! Threagile's `risks.json` (written by `threagile analyze-model`): an array of risks with
//! `category`, `risk_status`, `severity`, `exploitation_likelihood`, `exploitation_impact`,
//! `title` (HTML), `synthetic_id`, `most_relevant_*` and `data_breach_*`.
//!
//! CWE and STRIDE come from the category: a built-in rule, or an individual risk category of
//! the model. Risks that the model itself defines (individual risks) are imported once, from
//! the model.

use std::collections::{HashMap, HashSet};

use super::rules::builtin_rule;
use super::shared::{UniqueIds, text};
use super::tracking::map_status;
use super::{Category, Known, claim_threat_id, risk_threat};
use crate::diag::{Code, Diagnostic, FileId, Files};
use crate::model::{Origin, Threat, ThreatStatus};
use crate::syntax::{Budget, parse_json};

/// Reads the risks of `risks.json` as threats keyed by synthetic id (tracking not yet applied).
pub(super) fn read(
    files: &Files,
    file: FileId,
    categories: &HashMap<String, Category>,
    from_model: &HashSet<String>,
    known: &Known,
    ids: &mut UniqueIds,
) -> (Vec<(String, Threat)>, Vec<Diagnostic>) {
    let (node, mut diagnostics) = parse_json(files, file, Budget::default());
    let mut threats = Vec::new();
    let Some(node) = node else {
        return (threats, diagnostics);
    };
    let Some(risks) = node.as_seq() else {
        diagnostics.push(Diagnostic::new(
            Code::WrongType,
            file,
            node.span,
            format!("risks.json should be an array of risks, found {}", node.value.kind_name()),
        ));
        return (threats, diagnostics);
    };
    for risk in risks {
        if risk.as_map().is_none() {
            diagnostics.push(Diagnostic::new(
                Code::WrongType,
                file,
                risk.span,
                format!("a risk should be an object, found {}", risk.value.kind_name()),
            ));
            continue;
        }
        let Some(synthetic) = text(risk, "synthetic_id") else {
            diagnostics.push(Diagnostic::new(
                Code::MissingField,
                file,
                risk.span,
                "the risk has no `synthetic_id`; it is left out",
            ));
            continue;
        };
        if from_model.contains(synthetic) {
            continue;
        }
        let Some(id) = claim_threat_id(ids, synthetic, file, risk.span, &mut diagnostics) else {
            continue;
        };
        let mut threat =
            risk_threat(id, risk, Origin { file, span: risk.span }, known, &mut diagnostics);
        // Newer Threagile builds omit `risk_status` for unchecked risks.
        let status_raw = text(risk, "risk_status").unwrap_or_default().to_owned();
        threat.status = if status_raw.is_empty() {
            ThreatStatus::Identified
        } else {
            map_status(&status_raw).unwrap_or_else(|| {
                let span = risk.get("risk_status").map_or(risk.span, |n| n.span);
                diagnostics.push(
                    Diagnostic::new(Code::UnknownStatus, file, span, format!("`{status_raw}` is not a Threagile risk status; the risk gets status `unknown`"))
                        .with_help("Threagile statuses: unchecked, in-discussion, accepted, in-progress, mitigated, false-positive"),
                );
                ThreatStatus::Unknown
            })
        };
        threat.status_raw = status_raw;
        let category = text(risk, "category").unwrap_or_default();
        if let Some(rule) = builtin_rule(category) {
            threat.stride = vec![rule.stride];
            threat.cwes = vec![rule.cwe];
            threat.description = Some(format!("{} (Threagile rule `{}`)", rule.title, rule.id));
        } else if let Some(category) = categories.get(category) {
            category.describe(&mut threat);
        } else if !category.is_empty() {
            threat.description = Some(format!("Threagile risk category `{category}`"));
        }
        threats.push((synthetic.to_owned(), threat));
    }
    (threats, diagnostics)
}
