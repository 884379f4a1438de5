//! Carry-over: the key results of the previous cycle that scored below what their commitment
//! expected (1.0 committed, 0.7 aspirational, as `threatokr grade` froze them) are proposed again
//! in the planned cycle with the same lineage, so grades can be compared quarter over quarter.
//!
//! Rules:
//! - Security objectives' key results are carried into the objective they descend from (below).
//! - Business objectives ([`super::is_business`]) are carried too, so the security objectives of
//!   the new cycle have something to support: each one with a key result below expectation that
//!   the planned cycle does not have yet (by its carried id, or by the same title) is proposed
//!   again with its wording, level and links, holding its carried key results. One whose key
//!   results all met expectation is done and stays in its cycle.
//! - Objectives are walked in file order and their key results in order; a key result is carried
//!   once, under the first objective whose grade of it is below expectation.
//! - The new id is the old one without a trailing `-<previous cycle>`, then `-<cycle>`
//!   (`KR-AC-TRAIN` → `KR-AC-TRAIN-2027-Q2`); the lineage is the old key result's `lineage`, else
//!   its id.
//! - Metric key results start at the value their score implies (`start + score × (target −
//!   start)`, one decimal) unless the measure step gives one, and keep their target; thresholds
//!   keep their limit; milestones keep the items not done; a binary key result becomes a
//!   milestone of its title.
//! - The rationale reads "carried over from 2027-Q1: scored 0.43 of an expected 0.7".
//! - A carried key result goes back under the objective it descends from: the planned objective
//!   with the old objective's id, else with its carried id (`O-2027-Q1-AC` → `O-2027-Q2-AC`, the
//!   same rule as key results); else the objective of the cycle's OKR file with one of those
//!   ids; else the planned objective of the old objective's theme (for an objective without a
//!   theme: the planned one without a theme that supports a business objective it supported,
//!   such as customer confidence); only when none exists under
//!   `O-<cycle>-CARRIED`, `"Carried over from <previous>"`.

use super::templates::Template;
use super::{Balance, PlannedKr, PlannedObjective, PlannedTarget, is_business};
use crate::model::{
    Commitment, Cycle, CycleId, KrKind, KrTarget, LinkKind, ObjectiveId, ObjectiveLevel, OkrSet,
};
use std::collections::BTreeSet;

/// One frozen grade, as the store keeps it (plain data: the core never reads the store).
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRecord {
    /// The objective it was graded under.
    pub objective: String,
    /// The key result.
    pub key_result: String,
    /// Progress at the close, 0..=1.
    pub score: f64,
    /// What the commitment expected: 1.0 or 0.7.
    pub expected: f64,
}

/// The previous cycle's OKRs and grades, for [`super::PlanOptions::carry`].
#[derive(Debug, Clone, PartialEq)]
pub struct CarryOver {
    /// The previous cycle.
    pub cycle: CycleId,
    /// Its OKR set.
    pub okrs: OkrSet,
    /// Its frozen grades.
    pub grades: Vec<GradeRecord>,
}

/// The cycle before `cycle`: the one that ends the day before it starts, else the latest one
/// that ends before it starts (the shortest, latest-starting one on a tie).
pub fn previous_cycle<'a>(cycles: &'a [Cycle], cycle: &Cycle) -> Option<&'a Cycle> {
    let before: Vec<&Cycle> = cycles.iter().filter(|c| c.end < cycle.start).collect();
    let day_before = cycle.start.yesterday().ok();
    before
        .iter()
        .copied()
        .filter(|c| Some(c.end) == day_before)
        .max_by_key(|c| (c.start, c.id.clone()))
        .or_else(|| before.iter().copied().max_by_key(|c| (c.end, c.start, c.id.clone())))
}

/// The new id of a carried key result (see the module documentation).
pub fn carried_id(old: &str, previous: &CycleId, cycle: &CycleId) -> String {
    let base = old.strip_suffix(&format!("-{previous}")).unwrap_or(old);
    format!("{base}-{cycle}")
}

/// The id an objective of the previous cycle takes in `cycle`: the previous cycle's id inside it
/// swapped for the new one (`O-2027-Q1-AC` → `O-2027-Q2-AC`); an id without it stays.
pub fn carried_objective_id(old: &ObjectiveId, previous: &CycleId, cycle: &CycleId) -> ObjectiveId {
    old.as_str().replace(previous.as_str(), cycle.as_str()).parse().unwrap_or_else(|_| old.clone())
}

/// The key results of security objectives to carry into `cycle`, each with the id of the
/// objective it belonged to.
pub fn carried(previous: &CarryOver, cycle: &CycleId) -> Vec<(ObjectiveId, PlannedKr)> {
    let set = &previous.okrs;
    carried_of(previous, cycle, set.objectives.iter().filter(|o| !is_business(o, set)))
}

fn carried_of<'a>(
    previous: &CarryOver,
    cycle: &CycleId,
    objectives: impl Iterator<Item = &'a crate::model::Objective>,
) -> Vec<(ObjectiveId, PlannedKr)> {
    let set = &previous.okrs;
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for objective in objectives {
        for kr_id in &objective.key_results {
            if done.contains(kr_id.as_str()) {
                continue;
            }
            let Some(grade) = previous
                .grades
                .iter()
                .find(|g| g.objective == objective.id.as_str() && g.key_result == kr_id.as_str())
            else {
                continue;
            };
            if grade.score >= grade.expected {
                continue;
            }
            let Some(kr) = set.key_result(kr_id) else { continue };
            let Some(target) = carried_target(&kr.target, grade.score, &kr.title) else {
                continue;
            };
            done.insert(kr_id.as_str());
            out.push((
                objective.id.clone(),
                PlannedKr {
                    id: carried_id(kr.id.as_str(), &previous.cycle, cycle),
                    template: Template::Carried,
                    title: kr.title.clone(),
                    metric: kr.measure.as_ref().map(|m| m.metric.clone()),
                    params: kr.measure.as_ref().map(|m| m.params.clone()).unwrap_or_default(),
                    target,
                    unit: kr.unit.clone(),
                    kind: kr.kind.unwrap_or(KrKind::Tactical),
                    commitment: kr.commitment.unwrap_or(objective.commitment),
                    weight: kr.weight,
                    derived_from: kr.derived_from.clone(),
                    rationale: format!(
                        "carried over from {}: scored {:.2} of an expected {:.1}",
                        previous.cycle, grade.score, grade.expected
                    ),
                    measured_start: false,
                    lineage: Some(kr.lineage.clone().unwrap_or_else(|| kr.id.to_string())),
                },
            ));
        }
    }
    out
}

/// What is left to do of an old target; `None` when nothing is (every milestone done).
fn carried_target(target: &KrTarget, score: f64, title: &str) -> Option<PlannedTarget> {
    let score = if score.is_finite() { score.clamp(0.0, 1.0) } else { 0.0 };
    match target {
        KrTarget::Metric { start, target, .. } => {
            let implied = start + score * (target - start);
            Some(PlannedTarget::Metric { start: (implied * 10.0).round() / 10.0, target: *target })
        }
        KrTarget::Threshold { comparison, limit } => {
            Some(PlannedTarget::Threshold { comparison: *comparison, limit: *limit })
        }
        KrTarget::Milestones(items) => {
            let left: Vec<(String, f64)> = items
                .iter()
                .filter(|m| m.done.is_none())
                .map(|m| (m.title.clone(), m.weight))
                .collect();
            (!left.is_empty()).then_some(PlannedTarget::Milestones(left))
        }
        KrTarget::Binary { .. } => Some(PlannedTarget::Milestones(vec![(title.to_owned(), 1.0)])),
    }
}

/// Adds a carried key result to the objective it descends from. When that objective's plan
/// proposes the same key result afresh (the carried id less its `-<cycle>` is a planned id, as
/// when the previous cycle was planned too), the carried one takes its place: the same goal,
/// with its lineage, once.
fn join(home: &mut PlannedObjective, kr: PlannedKr, cycle: &CycleId) {
    let base = kr.id.strip_suffix(&format!("-{cycle}")).unwrap_or(&kr.id).to_owned();
    match home.key_results.iter().position(|k| k.id == base && k.template != Template::Carried) {
        Some(fresh) => home.key_results[fresh] = kr,
        None => home.key_results.push(kr),
    }
}

/// Puts carried key results under their old objective when the plan has it, else when the
/// cycle's OKR file `current` has it (the objective is then proposed with the file's wording, so
/// merging adds the key results to it), else under `O-<cycle>-CARRIED`. A carried id the plan
/// already proposes is not added twice.
pub fn place(
    objectives: &mut Vec<PlannedObjective>,
    carried: Vec<(ObjectiveId, PlannedKr)>,
    cycle: &CycleId,
    previous: &CarryOver,
    current: Option<&OkrSet>,
) {
    let mut planned: BTreeSet<String> =
        objectives.iter().flat_map(|o| &o.key_results).map(|kr| kr.id.clone()).collect();
    let mut leftover = Vec::new();
    for (objective_id, kr) in carried {
        if !planned.insert(kr.id.clone()) {
            continue;
        }
        let new_id = carried_objective_id(&objective_id, &previous.cycle, cycle);
        if let Some(home) = objectives.iter_mut().find(|o| o.id == objective_id || o.id == new_id) {
            join(home, kr, cycle);
            continue;
        }
        let by_id =
            current.and_then(|set| set.objective(&objective_id).or_else(|| set.objective(&new_id)));
        let old = previous.okrs.objective(&objective_id);
        let theme = old.and_then(|o| o.theme);
        // The business objectives the old objective served, by their ids in this cycle.
        let served: Vec<ObjectiveId> = old
            .into_iter()
            .flat_map(|o| &o.parents)
            .map(|(_, parent)| carried_objective_id(parent, &previous.cycle, cycle))
            .collect();
        let same_purpose = |o: &PlannedObjective| {
            (theme.is_some() && o.theme == theme)
                || (theme.is_none()
                    && o.theme.is_none()
                    && o.supports.iter().any(|s| served.contains(s)))
        };
        if by_id.is_none()
            && let Some(home) = objectives.iter_mut().find(|o| same_purpose(o))
        {
            join(home, kr, cycle);
            continue;
        }
        // The cycle's file may hold the heir already (a plan merged before).
        let theirs = by_id.or_else(|| {
            current.and_then(|set| {
                set.objectives.iter().find(|o| {
                    (theme.is_some() && o.theme == theme)
                        || (theme.is_none()
                            && o.theme.is_none()
                            && o.parents.iter().any(|(_, p)| served.contains(p)))
                })
            })
        });
        if let Some(theirs) = theirs {
            objectives.push(PlannedObjective {
                id: theirs.id.clone(),
                title: theirs.title.clone(),
                theme: theirs.theme,
                level: theirs.level,
                commitment: theirs.commitment,
                apps: Vec::new(),
                teams: Vec::new(),
                supports: theirs
                    .parents
                    .iter()
                    .filter(|(kind, _)| *kind == LinkKind::Supports)
                    .map(|(_, parent)| parent.clone())
                    .collect(),
                description: theirs.description.clone().unwrap_or_else(|| {
                    format!("Key results carried over from {}.", previous.cycle)
                }),
                derived_from: theirs.derived_from.clone(),
                key_results: vec![kr],
                balance: Balance::default(),
            });
            continue;
        }
        leftover.push(kr);
    }
    if leftover.is_empty() {
        return;
    }
    objectives.push(PlannedObjective {
        id: super::objective_id(cycle, "CARRIED"),
        title: format!("Carried over from {}", previous.cycle),
        theme: None,
        level: ObjectiveLevel::Department,
        commitment: Commitment::Committed,
        apps: Vec::new(),
        teams: Vec::new(),
        supports: Vec::new(),
        description: format!(
            "Key results of {} that scored below what their commitment expected, proposed again with their lineage.",
            previous.cycle
        ),
        derived_from: Vec::new(),
        key_results: leftover,
        balance: Balance::default(),
    });
}

/// The business objectives of the previous cycle carried into `cycle` (see the module
/// documentation); `cycle_sets` are the OKR sets the planned cycle has already.
pub fn carried_business(
    previous: &CarryOver,
    cycle: &CycleId,
    cycle_sets: &[&OkrSet],
) -> Vec<PlannedObjective> {
    let set = &previous.okrs;
    let mut out = Vec::new();
    for objective in set.objectives.iter().filter(|o| is_business(o, set)) {
        let id = carried_objective_id(&objective.id, &previous.cycle, cycle);
        let exists = cycle_sets
            .iter()
            .flat_map(|s| &s.objectives)
            .any(|o| o.id == id || o.title == objective.title);
        if exists {
            continue;
        }
        let key_results: Vec<PlannedKr> = carried_of(previous, cycle, std::iter::once(objective))
            .into_iter()
            .map(|(_, kr)| kr)
            .collect();
        if key_results.is_empty() {
            continue;
        }
        out.push(PlannedObjective {
            id,
            title: objective.title.clone(),
            theme: None,
            level: objective.level,
            commitment: objective.commitment,
            apps: Vec::new(),
            teams: Vec::new(),
            supports: Vec::new(),
            description: objective.description.clone().unwrap_or_else(|| {
                format!("Carried over from {}: its key results are not done yet.", previous.cycle)
            }),
            derived_from: Vec::new(),
            key_results,
            balance: Balance::default(),
        });
    }
    out
}
