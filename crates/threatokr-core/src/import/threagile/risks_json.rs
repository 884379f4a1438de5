//! Threagile's `risks.json` (written by `threagile analyze-model`): an array of risks with
//! `category`, `risk_status`, `severity`, `exploitation_likelihood`, `exploitation_impact`,
//! `title` (HTML), `synthetic_id`, `most_relevant_*` and `data_breach_*`.
//!
//! CWE and STRIDE come from the category: a built-in rule, or an individual risk category of
//! the model. Risks that the model itself defines (individual risks) are imported once, from
//! the model.

use std::collections::{HashMap, HashSet};

use super::rules::builtin_rule;
use super::tracking::{STATUSES_HELP, map_status};
use super::{Category, Known, claim_threat_id, risk_threat};
use crate::diag::{Code, Diagnostic, FileId, Files};
use crate::import::foreign::{IdPool, Reader, field_span, text};
use crate::model::{Threat, ThreatStatus};
use crate::syntax::{Budget, parse_json};

/// Reads the risks of `risks.json` as threats keyed by synthetic id (tracking not yet applied).
pub(super) fn read(
    files: &Files,
    file: FileId,
    categories: &HashMap<String, Category>,
    from_model: &HashSet<String>,
    known: &Known,
    ids: &mut IdPool,
) -> (Vec<(String, Threat)>, Vec<Diagnostic>) {
    let (node, diagnostics) = parse_json(files, file, Budget::default());
    let mut reader = Reader { file, diagnostics };
    let mut threats = Vec::new();
    let Some(node) = node else {
        return (threats, reader.diagnostics);
    };
    let Some(risks) = node.as_seq() else {
        reader.push(
            Code::WrongType,
            node.span,
            format!("risks.json should be an array of risks, found {}", node.value.kind_name()),
        );
        return (threats, reader.diagnostics);
    };
    for risk in risks {
        if risk.as_map().is_none() {
            reader.push(
                Code::WrongType,
                risk.span,
                format!("a risk should be an object, found {}", risk.value.kind_name()),
            );
            continue;
        }
        let Some(synthetic) = reader.required(risk, "synthetic_id", || {
            "the risk has no `synthetic_id`; it is left out".to_owned()
        }) else {
            continue;
        };
        if from_model.contains(synthetic) {
            continue;
        }
        let Some(id) = claim_threat_id(ids, synthetic, risk.span, &mut reader) else {
            continue;
        };
        let origin = reader.origin(risk.span);
        let mut threat = risk_threat(id, risk, origin, known, &mut reader);
        // Newer Threagile builds omit `risk_status` for unchecked risks.
        let status_raw = text(risk, "risk_status").unwrap_or_default().to_owned();
        threat.status = if status_raw.is_empty() {
            ThreatStatus::Identified
        } else {
            map_status(&status_raw).unwrap_or_else(|| {
                reader.push_with_help(
                    Code::UnknownStatus,
                    field_span(risk, "risk_status"),
                    format!("`{status_raw}` is not a Threagile risk status; the risk gets status `unknown`"),
                    STATUSES_HELP,
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
    (threats, reader.diagnostics)
}
