//! Objectives and key results of one cycle.

use super::{
    Commitment, Comparison, CycleId, Direction, KeyResultId, KrKind, LinkKind, ObjectiveId,
    ObjectiveLevel, Origin, PersonId, TeamId, Theme, ThreatId,
};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// The objectives and key results of one cycle (`okrs/<cycle>.yaml`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OkrSet {
    /// The file.
    pub origin: Origin,
    /// The cycle.
    pub cycle: CycleId,
    /// Objectives in file order.
    pub objectives: Vec<Objective>,
    /// Key results, each defined once; objectives refer to them by id.
    pub key_results: Vec<KeyResult>,
    /// Ids `threatokr plan` has proposed in this file (`proposed:`); one the file no longer
    /// holds was deleted by a person, and planning does not propose it again.
    pub proposed: Vec<String>,
}

impl OkrSet {
    /// Looks a key result up.
    pub fn key_result(&self, id: &KeyResultId) -> Option<&KeyResult> {
        self.key_results.iter().find(|kr| &kr.id == id)
    }

    /// Looks an objective up.
    pub fn objective(&self, id: &ObjectiveId) -> Option<&Objective> {
        self.objectives.iter().find(|o| &o.id == id)
    }
}

/// An objective.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Objective {
    /// Stable id.
    pub id: ObjectiveId,
    /// Qualitative, inspiring.
    pub title: String,
    /// Company, department, team or individual.
    pub level: ObjectiveLevel,
    /// Who owns it.
    pub owner: Option<PersonId>,
    /// The team it belongs to, for team-level objectives.
    pub team: Option<TeamId>,
    /// Committed or aspirational; key results inherit it.
    pub commitment: Commitment,
    /// Parents, each with how this objective relates to it.
    pub parents: Vec<(LinkKind, ObjectiveId)>,
    /// Whether `contributes` children roll up into this objective's progress.
    pub rollup_children: bool,
    /// Key results this objective counts, in order (defined here or shared by reference).
    pub key_results: Vec<KeyResultId>,
    /// The theme it was planned from, if any.
    pub theme: Option<Theme>,
    /// Free description.
    pub description: Option<String>,
    /// Threats that justify it; its key results without a `derived_from` of their own take it.
    pub derived_from: Vec<ThreatId>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A key result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeyResult {
    /// Stable id.
    pub id: KeyResultId,
    /// Measurable statement.
    pub title: String,
    /// The target shape.
    pub target: KrTarget,
    /// Strategic or tactical, when tagged.
    pub kind: Option<KrKind>,
    /// Overrides the objective's commitment.
    pub commitment: Option<Commitment>,
    /// Weight in the objective's mean (default 1).
    pub weight: f64,
    /// Unit for display (`%`, `apps`).
    pub unit: Option<String>,
    /// How it is measured; `None` means check-ins only.
    pub measure: Option<Measure>,
    /// Threats that justify it: its own `derived_from`, else that of every objective that counts
    /// it (lowering fills it in, so a plan writes provenance once per objective).
    pub derived_from: Vec<ThreatId>,
    /// Stable across cycles so grades can be compared quarter over quarter.
    pub lineage: Option<String>,
    /// Why it exists, in one line.
    pub rationale: Option<String>,
    /// Where it is defined.
    pub origin: Origin,
}

/// The four shapes of key result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum KrTarget {
    /// Move from `start` to `target` (start != target).
    Metric {
        /// Value at the start of the cycle.
        start: f64,
        /// Value to reach.
        target: f64,
        /// Up or down, implied by start and target.
        direction: Direction,
    },
    /// Stay on the right side of `limit`.
    Threshold {
        /// The comparison.
        comparison: Comparison,
        /// The limit.
        limit: f64,
    },
    /// A weighted checklist.
    Milestones(Vec<Milestone>),
    /// Done or not; `done` is the date it was done, if declared in the file.
    Binary {
        /// When it was done.
        done: Option<Date>,
    },
}

/// One item of a milestones key result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Milestone {
    /// What it is.
    pub title: String,
    /// Weight (default 1).
    pub weight: f64,
    /// When it was done, if declared.
    pub done: Option<Date>,
}

/// A metric from the catalogue with its parameters, e.g. `training.coverage` with `course: access-control`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measure {
    /// The metric's name (`threats.mitigated`).
    pub metric: String,
    /// Its parameters, sorted by name.
    pub params: BTreeMap<String, MeasureParam>,
}

/// A parameter value of a measure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum MeasureParam {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A list of texts.
    List(Vec<String>),
}

impl MeasureParam {
    /// The value as a list of texts (a single text becomes a one-item list).
    pub fn as_list(&self) -> Vec<String> {
        match self {
            Self::Text(s) => vec![s.clone()],
            Self::List(items) => items.clone(),
            Self::Number(n) => vec![n.to_string()],
            Self::Bool(b) => vec![b.to_string()],
        }
    }
}
