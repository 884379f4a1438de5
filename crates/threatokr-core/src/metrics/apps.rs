//! `apps.threat_modeled`: how many in-scope apps have a recently reviewed threat model.

use super::measure::{EvidenceRef, KrValue, number_param};
use super::scope::Scope;
use crate::model::{Measure, Workspace};
use jiff::civil::Date;

/// `apps.threat_modeled`: % of in-scope apps with a model whose `reviewed` date lies within
/// `within_days` (default 365) days before `as_of` (a review dated after `as_of` does not count
/// yet; a model without a review date never counts).
pub(crate) fn threat_modeled(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
) -> KrValue {
    let within = number_param(measure, "within_days").filter(|d| *d >= 0.0).unwrap_or(365.0);
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut evidence = Vec::new();
    for app in &scope.apps {
        let newest = workspace
            .models
            .iter()
            .filter(|m| m.app.as_ref() == Some(&app.id))
            .filter_map(|m| m.reviewed)
            .filter(|reviewed| *reviewed <= as_of)
            .max();
        let counted =
            newest.is_some_and(|reviewed| f64::from((as_of - reviewed).get_days()) <= within);
        denominator += 1.0;
        if counted {
            numerator += 1.0;
        }
        evidence.push(EvidenceRef::App {
            id: app.id.to_string(),
            counted,
            reviewed: newest.map(|d| d.to_string()),
        });
    }
    KrValue { evidence, ..KrValue::ratio(numerator, denominator, as_of) }
}
