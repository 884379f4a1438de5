//! Measured starts: a planned key result becomes a model [`KeyResult`] and is measured by the
//! metric engine ([`crate::metrics::measure_key_result`]) on the plan's date, so each key result
//! starts where the evidence says the organisation stands, not at a declared 0.
//!
//! The planned cycle's own window (completions, test executions and fixes counted since the
//! cycle started) has not opened yet when a cycle is planned, so windowed metrics are counted
//! over a window as long as the planned cycle that ends on the plan's date: planning 2027-Q2 on
//! 2027-04-01 counts the training done from 2027-01-01 on. Metrics that read a state (threats
//! mitigated, controls implemented, ASVS results, open findings) are the same either way.

use super::templates::Template;
use super::{Plan, PlannedKr, PlannedTarget, number};
use crate::metrics::{
    EvidenceSet, FindingScopes, IndexedEvidence, finding_scopes_read, measure_key_result_indexed,
};
use crate::model::{Cycle, Direction, KeyResult, KrTarget, Measure, Origin, Workspace};
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// What [`measure_starts`] found: starts by key-result id, and the key results it measured
/// without finding evidence. They go into [`super::PlanOptions`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasuredStarts {
    /// Measured values by key-result id, rounded to one decimal.
    pub values: BTreeMap<String, f64>,
    /// Key results measured with no evidence (value none).
    pub unmeasured: BTreeSet<String>,
}

/// A planned key result as the model key result its YAML would lower to: same id, title,
/// target, kind, commitment, weight, unit, `measure:`, `derived_from` and lineage (its own
/// `derived_from`: lowering adds its objectives' when it has none). `origin` is
/// where it is said to be defined (it is not in any file yet). `None` when the id is not a valid
/// id.
pub fn to_key_result(kr: &PlannedKr, origin: Origin) -> Option<KeyResult> {
    let target = match &kr.target {
        PlannedTarget::Metric { start, target } => KrTarget::Metric {
            start: *start,
            target: *target,
            direction: if target < start { Direction::Decrease } else { Direction::Increase },
        },
        PlannedTarget::Threshold { comparison, limit } => {
            KrTarget::Threshold { comparison: *comparison, limit: *limit }
        }
        PlannedTarget::Milestones(items) => KrTarget::Milestones(
            items
                .iter()
                .map(|(title, weight)| crate::model::Milestone {
                    title: title.clone(),
                    weight: *weight,
                    done: None,
                })
                .collect(),
        ),
    };
    Some(KeyResult {
        id: kr.id.parse().ok()?,
        title: kr.title.clone(),
        target,
        kind: Some(kr.kind),
        commitment: Some(kr.commitment),
        weight: kr.weight,
        unit: kr.unit.clone(),
        measure: kr
            .metric
            .as_ref()
            .map(|metric| Measure { metric: metric.clone(), params: kr.params.clone() }),
        derived_from: kr.derived_from.clone(),
        lineage: kr.lineage.clone(),
        rationale: Some(kr.rationale.clone()).filter(|r| !r.is_empty()),
        origin,
    })
}

/// The cycle windowed metrics are counted in when measuring a start on `as_of`: as long as
/// `cycle`, ending on `as_of` (see the module documentation).
pub fn baseline_cycle(cycle: &Cycle, as_of: Date) -> Cycle {
    let days = cycle.start.until(cycle.end).map_or(0, |span| span.get_days());
    Cycle {
        id: cycle.id.clone(),
        start: as_of.checked_sub(i64::from(days).days()).unwrap_or(as_of),
        end: as_of,
        within: None,
        origin: cycle.origin,
    }
}

/// The key results of `plan` whose starts are measured: those that move from a start to a
/// target and name a metric, each id once, as model key results.
fn measured_key_results<'p>(
    plan: &'p Plan,
    cycle: &'p Cycle,
) -> impl Iterator<Item = (&'p PlannedKr, KeyResult)> + 'p {
    let mut seen = BTreeSet::new();
    plan.objectives.iter().flat_map(|o| &o.key_results).filter_map(move |kr| {
        if kr.metric.is_none()
            || !matches!(kr.target, PlannedTarget::Metric { .. })
            || !seen.insert(kr.id.as_str())
        {
            return None;
        }
        Some((kr, to_key_result(kr, cycle.origin)?))
    })
}

/// The scopes of findings that measuring the starts of `plan` on `as_of` counts, one per key
/// result that counts findings: the caller need read no other finding (`plan` at enterprise
/// scale read every finding of the portfolio for a few scoped key results).
pub fn start_finding_scopes(
    workspace: &Workspace,
    plan: &Plan,
    cycle: &Cycle,
    as_of: Date,
) -> Vec<FindingScopes> {
    let baseline = baseline_cycle(cycle, as_of);
    measured_key_results(plan, cycle)
        .filter_map(|(_, model)| finding_scopes_read(workspace, &model, &baseline, as_of))
        .collect()
}

/// Measures every key result of `plan` that moves from a start to a target and names a metric,
/// on `as_of`, from `evidence` (each id once). Values are rounded to one decimal, as the plan
/// writes them.
pub fn measure_starts(
    workspace: &Workspace,
    plan: &Plan,
    cycle: &Cycle,
    as_of: Date,
    evidence: &EvidenceSet,
) -> MeasuredStarts {
    let baseline = baseline_cycle(cycle, as_of);
    let mut out = MeasuredStarts::default();
    let indexed = IndexedEvidence::new(evidence);
    for (kr, model) in measured_key_results(plan, cycle) {
        let value = measure_key_result_indexed(
            workspace,
            &model,
            &baseline,
            as_of,
            &indexed,
            &workspace.config.settings,
        );
        match value.value.filter(|v| v.is_finite()) {
            Some(v) => {
                out.values.insert(kr.id.clone(), (v * 10.0).round() / 10.0);
            }
            None => {
                out.unmeasured.insert(kr.id.clone());
            }
        }
    }
    out
}

/// `%`, ` apps`, or nothing: how a value's unit follows it (` app` after exactly 1).
pub(crate) fn unit_suffix(value: f64, unit: Option<&str>) -> String {
    match unit {
        Some("%") => "%".to_owned(),
        Some(unit) if value == 1.0 && unit.len() > 1 && unit.ends_with('s') => {
            format!(" {}", &unit[..unit.len() - 1])
        }
        Some(unit) => format!(" {unit}"),
        None => String::new(),
    }
}

/// The measured figure in words, for the rationale: "54.5% of the affected developers trained
/// today".
pub(crate) fn measured_phrase(template: Template, value: f64, unit: Option<&str>) -> String {
    let v = number(value);
    match template {
        Template::Training => format!("{v}% of the affected developers trained today"),
        Template::AsvsL2 => format!("{v}% of these requirements verified today"),
        Template::ScenarioTests => format!("{v}% of these threats tested today"),
        Template::RiskMitigation => format!("{v}% of the risk mitigated today"),
        Template::SsoRollout => format!("{v}{} on SSO today", unit_suffix(value, Some("apps"))),
        Template::ControlRollout => format!("{v}% of these controls implemented today"),
        Template::CiScanning => format!("{v}% of the repositories scanning in CI today"),
        Template::ProdFindings
        | Template::Certifications
        | Template::SecurityFeatures
        | Template::Carried => format!("{v}{} measured today", unit_suffix(value, unit)),
    }
}
