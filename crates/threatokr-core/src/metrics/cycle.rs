//! Measuring a whole cycle: every key result once, its progress and status, and the objectives'
//! rollup (DESIGN.md §5), plus the `measure --format json` contract.

use super::findings::ScopePart;
use super::measure::{
    Coverage, EvidenceRef, EvidenceSet, IndexedEvidence, KrValue, measure_key_result_indexed,
};
use crate::diag::Diagnostic;
use crate::model::{
    Commitment, Cycle, CycleId, KeyResult, KeyResultId, KrTarget, LinkKind, ObjectiveId, Workspace,
};
use crate::progress::{self, Status, Window};
use jiff::civil::Date;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One key result measured on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct KrMeasurement {
    /// The key result.
    pub id: KeyResultId,
    /// Its title.
    pub title: String,
    /// The metric's name; `manual`, `milestones` or `binary` for key results without `measure:`.
    pub metric: String,
    /// The value and its evidence.
    pub value: KrValue,
    /// Progress in 0..=1; `None` is no data.
    pub progress: Option<f64>,
    /// Status against the plan.
    pub status: Status,
    /// Its own commitment, else that of the first objective that lists it.
    pub commitment: Commitment,
    /// Its lineage across cycles.
    pub lineage: Option<String>,
    /// Its unit, for display.
    pub unit: Option<String>,
    /// The target it was scored against: the file's, or for a past day measured before a later
    /// one, the target recorded that day.
    pub scored_against: KrTarget,
}

/// One objective's standing.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveMeasurement {
    /// The objective.
    pub id: ObjectiveId,
    /// Its title.
    pub title: String,
    /// Weighted mean of its counted key results (and `contributes` children when it rolls them up).
    pub progress: Option<f64>,
    /// Status against the plan.
    pub status: Status,
    /// Its commitment.
    pub commitment: Commitment,
    /// Its key results, in its order.
    pub key_results: Vec<KeyResultId>,
    /// Its parents in this cycle, with the link kind.
    pub parents: Vec<(LinkKind, ObjectiveId)>,
    /// Its parents in another cycle (the year a quarter's objective contributes to).
    pub parents_elsewhere: Vec<(LinkKind, ObjectiveId)>,
    /// Objectives of nested cycles (a year's quarters) that contribute to it, with their cycle
    /// and progress; counted in `progress` when it rolls its children up.
    pub nested_children: Vec<NestedChild>,
}

/// An objective of a nested cycle that contributes to an objective of the measured cycle.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NestedChild {
    /// The child objective.
    pub id: String,
    /// Its cycle.
    pub cycle: String,
    /// Its progress, measured on the day clamped into its cycle.
    pub progress: Option<f64>,
    /// Whether it counts in the parent's progress (the parent rolls up its children).
    pub counted: bool,
}

/// Every key result and objective of a cycle, measured on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleMeasurement {
    /// The day measured.
    pub as_of: Date,
    /// The cycle.
    pub cycle: CycleId,
    /// Where a linear plan stands on `as_of` (0..=1).
    pub expected: f64,
    /// Each key result once, in file order.
    pub key_results: Vec<KrMeasurement>,
    /// Each objective, in file order.
    pub objectives: Vec<ObjectiveMeasurement>,
    /// Problems met while rolling up (a `contributes` cycle).
    pub diagnostics: Vec<Diagnostic>,
}

impl CycleMeasurement {
    /// Looks a key result up.
    pub fn key_result(&self, id: &KeyResultId) -> Option<&KrMeasurement> {
        self.key_results.iter().find(|kr| &kr.id == id)
    }
}

/// Measures every key result of `cycle`'s OKR set on `as_of` (each once, however many objectives
/// share it), scores it (`progress::kr_progress` with the earlier measurements of
/// `evidence.history`), judges its status against the linear plan, and rolls objectives up.
/// A cycle without an OKR set gives an empty measurement.
pub fn measure_cycle(
    workspace: &Workspace,
    cycle: &Cycle,
    as_of: Date,
    evidence: &EvidenceSet,
) -> CycleMeasurement {
    let indexed = IndexedEvidence::new(evidence);
    let computed = &one_after_another;
    measure_cycle_nested(workspace, cycle, as_of, &indexed, &mut BTreeMap::new(), computed, 0)
}

/// How a measurement computes the values of the key results it does not reuse: `value` applied
/// to each of `key_results`, the values in their order. [`measure_cycle`] computes them one
/// after the other; the application layer passes one that uses every core, which `value`
/// allows (it only reads the workspace and the evidence, whose indexes are built once, by
/// whichever computation asks first).
pub type ComputeValues<'c> =
    dyn Fn(&[&KeyResult], &(dyn Fn(&KeyResult) -> KrValue + Sync)) -> Vec<KrValue> + 'c;

/// [`ComputeValues`] on the calling thread alone.
pub fn one_after_another(
    key_results: &[&KeyResult],
    value: &(dyn Fn(&KeyResult) -> KrValue + Sync),
) -> Vec<KrValue> {
    key_results.iter().map(|kr| value(kr)).collect()
}

/// [`measure_cycle`], taking the values of `reused` for the key results of `cycle` it holds
/// instead of computing them (values measured earlier on the same inputs, see
/// [`super::restore_value`]), and computing the others with `compute`; progress, status and
/// the objectives' rollup are computed as always. A finding key result of `kept` computes only
/// the scopes it has no kept part of ([`ScopePart`]). The key results of nested cycles are always
/// computed.
pub fn measure_cycle_reusing(
    workspace: &Workspace,
    cycle: &Cycle,
    as_of: Date,
    evidence: &EvidenceSet,
    mut reused: BTreeMap<KeyResultId, KrValue>,
    kept: &BTreeMap<KeyResultId, Vec<ScopePart>>,
    compute: &ComputeValues<'_>,
) -> CycleMeasurement {
    let indexed = IndexedEvidence::keeping(evidence, kept);
    measure_cycle_nested(workspace, cycle, as_of, &indexed, &mut reused, compute, 0)
}

/// How deep `within` nesting is followed (a year holds quarters; a loop of `within` links, a
/// validation error, must not recurse forever).
const MAX_NESTING: usize = 4;

/// The objectives of cycles nested in `cycle` (`within: <cycle>`) that contribute to objectives
/// of `okrs`, each nested cycle measured on `as_of` clamped into it (not at all before it starts).
fn nested_contributions(
    workspace: &Workspace,
    cycle: &Cycle,
    okrs: &crate::model::OkrSet,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    compute: &ComputeValues<'_>,
    depth: usize,
) -> BTreeMap<ObjectiveId, Vec<(ObjectiveId, CycleId, Option<f64>)>> {
    let mut nested: BTreeMap<ObjectiveId, Vec<(ObjectiveId, CycleId, Option<f64>)>> =
        BTreeMap::new();
    if depth >= MAX_NESTING {
        return nested;
    }
    for inner in
        workspace.config.cycles.iter().filter(|c| {
            c.within.as_ref() == Some(&cycle.id) && c.id != cycle.id && c.start <= as_of
        })
    {
        let measured = measure_cycle_nested(
            workspace,
            inner,
            as_of.min(inner.end),
            indexed,
            &mut BTreeMap::new(),
            compute,
            depth + 1,
        );
        for objective in &measured.objectives {
            for (kind, parent) in &objective.parents_elsewhere {
                if *kind == LinkKind::Contributes && okrs.objective(parent).is_some() {
                    nested.entry(parent.clone()).or_default().push((
                        objective.id.clone(),
                        inner.id.clone(),
                        objective.progress,
                    ));
                }
            }
        }
    }
    nested
}

fn measure_cycle_nested(
    workspace: &Workspace,
    cycle: &Cycle,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    reused: &mut BTreeMap<KeyResultId, KrValue>,
    compute: &ComputeValues<'_>,
    depth: usize,
) -> CycleMeasurement {
    let evidence = indexed.evidence();
    let settings = &workspace.config.settings;
    let expected = progress::expected_progress(cycle.start, cycle.end, as_of);
    let Some(okrs) = workspace.okrs_for(&cycle.id) else {
        return CycleMeasurement {
            as_of,
            cycle: cycle.id.clone(),
            expected,
            key_results: Vec::new(),
            objectives: Vec::new(),
            diagnostics: Vec::new(),
        };
    };
    let mut commitment_of: BTreeMap<&KeyResultId, Commitment> = BTreeMap::new();
    for objective in &okrs.objectives {
        for kr in &objective.key_results {
            commitment_of.entry(kr).or_insert(objective.commitment);
        }
    }
    let window = Window { start: cycle.start, as_of };
    // The values not reused, computed first and all at once: a cycle's few portfolio-wide key
    // results take most of the time, and `compute` may take them on several cores.
    let mut first_of_its_id = BTreeSet::new();
    let to_compute: Vec<&KeyResult> = okrs
        .key_results
        .iter()
        .filter(|kr| first_of_its_id.insert(&kr.id) && !reused.contains_key(&kr.id))
        .collect();
    let value_of =
        |kr: &KeyResult| measure_key_result_indexed(workspace, kr, cycle, as_of, indexed, settings);
    let mut computed: BTreeMap<&KeyResultId, KrValue> =
        to_compute.iter().map(|kr| &kr.id).zip(compute(&to_compute, &value_of)).collect();
    let mut key_results = Vec::new();
    let mut progress_of: BTreeMap<KeyResultId, Option<f64>> = BTreeMap::new();
    for kr in &okrs.key_results {
        if progress_of.contains_key(&kr.id) {
            continue; // A duplicated id (a validation error) is measured once.
        }
        let value = match reused.remove(&kr.id).or_else(|| computed.remove(&kr.id)) {
            Some(value) => value,
            None => value_of(kr),
        };
        let recorded = evidence.history.get(kr.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        let history: Vec<(Date, f64)> =
            recorded.iter().copied().filter(|(d, _)| *d < as_of).collect();
        let scored = evidence.scored_against.get(kr.id.as_str());
        let scored_against = target_on(kr, as_of, recorded, scored);
        let progress = progress::kr_progress_as_scored(
            scored_against,
            value.value,
            &history,
            scored.unwrap_or(&BTreeMap::new()),
            window,
        );
        let mut status = progress::status(
            progress,
            expected,
            value.measured_on,
            as_of,
            settings.stale_after_days,
        );
        // Part of the scope without evidence could hide anything: never better than at risk.
        if status == Status::OnTrack && value.coverage.as_ref().is_some_and(|c| c.is_partial()) {
            status = Status::AtRisk;
        }
        // Evidence older than its kind allows cannot say where things stand today.
        if value.has_stale_evidence(as_of) {
            status = Status::Stale;
        }
        progress_of.insert(kr.id.clone(), progress);
        let metric = match (&kr.measure, &kr.target) {
            (Some(measure), _) => measure.metric.clone(),
            (None, KrTarget::Milestones(_)) => "milestones".into(),
            (None, KrTarget::Binary { .. }) => "binary".into(),
            (None, _) => "manual".into(),
        };
        key_results.push(KrMeasurement {
            id: kr.id.clone(),
            title: kr.title.clone(),
            metric,
            value,
            progress,
            status,
            commitment: kr
                .commitment
                .or_else(|| commitment_of.get(&kr.id).copied())
                .unwrap_or(Commitment::Committed),
            lineage: kr.lineage.clone(),
            unit: kr.unit.clone(),
            scored_against: scored_against.clone(),
        });
    }
    let status_of: BTreeMap<&KeyResultId, Status> =
        key_results.iter().map(|kr| (&kr.id, kr.status)).collect();
    let nested = nested_contributions(workspace, cycle, okrs, as_of, indexed, compute, depth);
    let nested_progress: BTreeMap<ObjectiveId, Vec<(ObjectiveId, Option<f64>)>> = nested
        .iter()
        .map(|(parent, children)| {
            (parent.clone(), children.iter().map(|(id, _, p)| (id.clone(), *p)).collect())
        })
        .collect();
    let rollup = progress::objective_progress_with_nested(okrs, &progress_of, &nested_progress);
    let objectives = okrs
        .objectives
        .iter()
        .map(|objective| {
            let progress = rollup.get(&objective.id).and_then(|o| o.progress);
            let mut status =
                progress::status(progress, expected, None, as_of, settings.stale_after_days);
            // An objective whose every key result with data is stale is stale itself.
            let with_data: Vec<Status> = objective
                .key_results
                .iter()
                .filter_map(|kr| status_of.get(kr).copied())
                .filter(|s| *s != Status::NoData)
                .collect();
            if progress.is_some()
                && !with_data.is_empty()
                && with_data.iter().all(|s| *s == Status::Stale)
            {
                status = Status::Stale;
            }
            ObjectiveMeasurement {
                id: objective.id.clone(),
                title: objective.title.clone(),
                progress,
                status,
                commitment: objective.commitment,
                key_results: objective.key_results.clone(),
                parents: objective
                    .parents
                    .iter()
                    .filter(|(_, parent)| okrs.objective(parent).is_some())
                    .cloned()
                    .collect(),
                parents_elsewhere: objective
                    .parents
                    .iter()
                    .filter(|(_, parent)| okrs.objective(parent).is_none())
                    .cloned()
                    .collect(),
                nested_children: nested
                    .get(&objective.id)
                    .into_iter()
                    .flatten()
                    .map(|(id, cycle, progress)| NestedChild {
                        id: id.to_string(),
                        cycle: cycle.to_string(),
                        progress: *progress,
                        counted: objective.rollup_children,
                    })
                    .collect(),
            }
        })
        .collect();
    CycleMeasurement {
        as_of,
        cycle: cycle.id.clone(),
        expected,
        key_results,
        objectives,
        diagnostics: rollup.diagnostics,
    }
}

/// The target a key result is judged against on `as_of`: the one recorded with that day's
/// measurement when later days were measured too (a past day shown as it was), else the file's.
/// Re-measuring the newest day, or a new one, applies the file's target: that is how a changed
/// target takes effect from the day it changed.
fn target_on<'k>(
    kr: &'k KeyResult,
    as_of: Date,
    recorded: &[(Date, f64)],
    scored: Option<&'k BTreeMap<Date, KrTarget>>,
) -> &'k KrTarget {
    let measured_later = recorded.iter().any(|(day, _)| *day > as_of);
    match scored.and_then(|s| s.get(&as_of)) {
        Some(then)
            if measured_later
                && std::mem::discriminant(then) == std::mem::discriminant(&kr.target) =>
        {
            then
        }
        _ => &kr.target,
    }
}

/// The `measure --format json` contract: `{"as_of", "cycle", "objectives": [{"id", "progress",
/// "status", "key_results": [{"id", "metric", "value", "numerator", "denominator", "progress",
/// "status", "evidence": [...]}]}]}`. A key result shared by two objectives appears under both,
/// with the same (single) measurement.
///
/// This builds the whole document as a tree; [`write_measurement_json`] writes the same text
/// without building it, which is what a large portfolio needs.
pub fn measurement_json(measurement: &CycleMeasurement) -> Value {
    serde_json::to_value(MeasurementJson::of(measurement)).unwrap_or_default()
}

/// One key result as the `measure --format json` contract writes it (the keys of
/// [`KEY_RESULT_JSON_KEYS`]), for `explain --format json`.
pub fn key_result_json(kr: &KrMeasurement) -> Value {
    serde_json::to_value(KrJson::of(kr)).unwrap_or_default()
}

/// Writes the `measure --format json` contract of [`measurement_json`], pretty-printed, straight
/// to `writer`: the same bytes as `serde_json::to_string_pretty(&measurement_json(m))`, without
/// building a `serde_json::Value` or copying the evidence of a key result shared by objectives.
pub fn write_measurement_json<W: std::io::Write>(
    writer: W,
    measurement: &CycleMeasurement,
) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(writer, &MeasurementJson::of(measurement))
}

/// [`write_measurement_json`] without the indentation (for the server, which keeps the text).
pub fn write_measurement_json_compact<W: std::io::Write>(
    writer: W,
    measurement: &CycleMeasurement,
) -> serde_json::Result<()> {
    serde_json::to_writer(writer, &MeasurementJson::of(measurement))
}

/// The JSON contract as borrowed, typed views of a measurement; field order is the contract's
/// key order.
#[derive(serde::Serialize)]
struct MeasurementJson<'m> {
    as_of: String,
    cycle: &'m str,
    objectives: Vec<ObjectiveJson<'m>>,
}

#[derive(serde::Serialize)]
struct ObjectiveJson<'m> {
    id: &'m str,
    progress: Option<f64>,
    status: &'static str,
    /// Objectives of other cycles it contributes to or supports: `[{"id", "link"}]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parents_elsewhere: Vec<LinkJson<'m>>,
    /// Objectives of nested cycles that contribute to it.
    #[serde(skip_serializing_if = "<[NestedChild]>::is_empty")]
    nested_children: &'m [NestedChild],
    key_results: Vec<KrJson<'m>>,
}

#[derive(serde::Serialize)]
struct LinkJson<'m> {
    id: &'m str,
    link: &'static str,
}

/// The keys of one key result in the JSON contract, in order: every key is always present.
pub const KEY_RESULT_JSON_KEYS: &[&str] = &[
    "id",
    "metric",
    "value",
    "numerator",
    "denominator",
    "progress",
    "status",
    "coverage",
    "notes",
    "evidence",
];

/// One key result in the JSON contract.
#[derive(serde::Serialize)]
struct KrJson<'m> {
    id: &'m str,
    metric: &'m str,
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    progress: Option<f64>,
    status: &'static str,
    /// How much of the scope had evidence (`null` for key results read from check-ins or files).
    coverage: Option<&'m Coverage>,
    /// What the reader must know: missing or partial evidence, old evidence, parameters.
    notes: &'m [String],
    evidence: &'m [EvidenceRef],
}

impl<'m> MeasurementJson<'m> {
    fn of(measurement: &'m CycleMeasurement) -> Self {
        let by_id: BTreeMap<&KeyResultId, &KrMeasurement> =
            measurement.key_results.iter().map(|kr| (&kr.id, kr)).collect();
        let objectives = measurement
            .objectives
            .iter()
            .map(|objective| ObjectiveJson {
                id: objective.id.as_str(),
                progress: objective.progress,
                status: objective.status.as_str(),
                parents_elsewhere: objective
                    .parents_elsewhere
                    .iter()
                    .map(|(kind, id)| LinkJson { id: id.as_str(), link: kind.as_str() })
                    .collect(),
                nested_children: &objective.nested_children,
                key_results: objective
                    .key_results
                    .iter()
                    .filter_map(|id| by_id.get(id))
                    .map(|kr| KrJson::of(kr))
                    .collect(),
            })
            .collect();
        Self { as_of: measurement.as_of.to_string(), cycle: measurement.cycle.as_str(), objectives }
    }
}

impl<'m> KrJson<'m> {
    fn of(kr: &'m KrMeasurement) -> Self {
        Self {
            id: kr.id.as_str(),
            metric: &kr.metric,
            value: kr.value.value,
            numerator: kr.value.numerator,
            denominator: kr.value.denominator,
            progress: kr.progress,
            status: kr.status.as_str(),
            coverage: kr.value.coverage.as_ref(),
            notes: &kr.value.notes,
            evidence: &kr.value.evidence,
        }
    }
}
