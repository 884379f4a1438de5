//! Objective progress: the weighted mean of its key results, plus `contributes` children when the
//! objective rolls them up; `supports` links are shown and never counted.

use crate::diag::{Code, Diagnostic};
use crate::model::{KeyResultId, LinkKind, ObjectiveId, OkrSet};
use std::collections::{BTreeMap, BTreeSet};

/// Progress of every objective of an OKR set, with the problems met while rolling up.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    /// One entry per objective, in file order.
    pub objectives: Vec<ObjectiveProgress>,
    /// `objective-cycle` diagnostics for `contributes` links left out to break a cycle.
    pub diagnostics: Vec<Diagnostic>,
}

impl Rollup {
    /// The entry of an objective.
    pub fn get(&self, id: &ObjectiveId) -> Option<&ObjectiveProgress> {
        self.objectives.iter().find(|o| &o.id == id)
    }
}

/// The progress of one objective and what it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveProgress {
    /// The objective.
    pub id: ObjectiveId,
    /// Weighted mean of the counted items in 0..=1; `None` ("no data", never 0%) when no item counts.
    pub progress: Option<f64>,
    /// Its key results in the order it lists them, then the children it rolls up, sorted by id.
    pub items: Vec<RollupItem>,
    /// Every objective of the set linked to this one as a parent, with the link kind, sorted by id
    /// (`supports` children are listed here only, for display next to this objective).
    pub children: Vec<(LinkKind, ObjectiveId)>,
}

/// One term of an objective's weighted mean.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupItem {
    /// A key result or a contributing child objective.
    pub source: RollupSource,
    /// The key result's weight; 1 for a child objective.
    pub weight: f64,
    /// Its progress; `None` is no data.
    pub progress: Option<f64>,
    /// Whether it entered the mean: it has data and a positive weight.
    pub counted: bool,
}

/// Where a rollup item comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RollupSource {
    /// A key result of the objective.
    KeyResult(KeyResultId),
    /// A child objective linked with `contributes`, counted because the parent rolls children up.
    Child(ObjectiveId),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Open,
    Done,
}

/// Computes every objective's progress from its key results' progress (`kr_progress`, keyed by
/// id; a missing key is no data) and, where `rollup_children` is set, from its `contributes`
/// children, each counting with weight 1.
///
/// Key results with no data, or with a weight that is not a positive number, are listed but
/// left out of the mean. Parents outside this set (another cycle) are ignored here.
/// A cycle of `contributes` links is not fatal: objectives are visited in id order, children in
/// id order, and the link that closes a cycle is left out of the rollup and reported as an
/// `objective-cycle` diagnostic at the child objective. Linear in objectives plus links.
pub fn objective_progress(
    okrs: &OkrSet,
    kr_progress: &BTreeMap<KeyResultId, Option<f64>>,
) -> Rollup {
    objective_progress_with_nested(okrs, kr_progress, &BTreeMap::new())
}

/// [`objective_progress`] where objectives of nested cycles (a year's quarters) contribute too:
/// `nested` gives, per objective of this set, its `contributes` children from other OKR sets with
/// their progress; an objective that rolls up its children counts them like its own, weight 1.
pub fn objective_progress_with_nested(
    okrs: &OkrSet,
    kr_progress: &BTreeMap<KeyResultId, Option<f64>>,
    nested: &BTreeMap<ObjectiveId, Vec<(ObjectiveId, Option<f64>)>>,
) -> Rollup {
    let objectives = &okrs.objectives;
    // The first definition of a duplicated id is the one links point at; duplicates are a
    // validation error reported elsewhere.
    let mut index_of: BTreeMap<&ObjectiveId, usize> = BTreeMap::new();
    for (index, objective) in objectives.iter().enumerate() {
        index_of.entry(&objective.id).or_insert(index);
    }

    let mut children: Vec<BTreeSet<(LinkKind, &ObjectiveId, usize)>> =
        vec![BTreeSet::new(); objectives.len()];
    for (child, objective) in objectives.iter().enumerate() {
        for (kind, parent_id) in &objective.parents {
            if let Some(&parent) = index_of.get(parent_id) {
                children[parent].insert((*kind, &objective.id, child));
            }
        }
    }
    let contributors: Vec<Vec<usize>> = children
        .iter()
        .map(|set| {
            let mut list: Vec<(&ObjectiveId, usize)> = set
                .iter()
                .filter(|(kind, ..)| *kind == LinkKind::Contributes)
                .map(|&(_, id, index)| (id, index))
                .collect();
            list.sort();
            list.dedup();
            list.into_iter().map(|(_, index)| index).collect()
        })
        .collect();

    let weights: BTreeMap<&KeyResultId, f64> =
        okrs.key_results.iter().rev().map(|kr| (&kr.id, kr.weight)).collect();
    let (order, broken) =
        children_first_order(objectives.iter().map(|o| &o.id).collect(), &contributors);

    let mut progress: Vec<Option<f64>> = vec![None; objectives.len()];
    let mut entries: Vec<Option<ObjectiveProgress>> = vec![None; objectives.len()];
    for node in order {
        let objective = &objectives[node];
        let mut items = Vec::new();
        for kr_id in &objective.key_results {
            // An undefined key result (a dangling reference, reported by validation) has no data anyway.
            let weight = weights.get(kr_id).copied().unwrap_or(1.0);
            let value = kr_progress.get(kr_id).copied().flatten();
            items.push(item(RollupSource::KeyResult(kr_id.clone()), weight, value));
        }
        if objective.rollup_children {
            for &child in &contributors[node] {
                if !broken.contains(&(child, node)) {
                    items.push(item(
                        RollupSource::Child(objectives[child].id.clone()),
                        1.0,
                        progress[child],
                    ));
                }
            }
            for (child, child_progress) in nested.get(&objective.id).into_iter().flatten() {
                items.push(item(RollupSource::Child(child.clone()), 1.0, *child_progress));
            }
        }
        progress[node] = weighted_mean(&items);
        let mut listed: Vec<(LinkKind, ObjectiveId)> =
            children[node].iter().map(|&(kind, id, _)| (kind, id.clone())).collect();
        listed.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        listed.dedup();
        entries[node] = Some(ObjectiveProgress {
            id: objective.id.clone(),
            progress: progress[node],
            items,
            children: listed,
        });
    }

    let diagnostics = broken
        .iter()
        .map(|&(child, parent)| {
            let (child, parent) = (&objectives[child], &objectives[parent]);
            let message = if child.id == parent.id {
                format!("objective `{}` contributes to itself; the link is left out of its progress", child.id)
            } else {
                format!("objective `{}` contributes to `{}`, which already rolls up into `{}`; the link is left out of `{}`'s progress", child.id, parent.id, child.id, parent.id)
            };
            Diagnostic::new(Code::ObjectiveCycle, child.origin.file, child.origin.span, message)
                .with_secondary(parent.origin.file, parent.origin.span, "the parent")
                .with_help("remove one `contributes` link of the cycle, or make it `supports`")
        })
        .collect();

    Rollup { objectives: entries.into_iter().flatten().collect(), diagnostics }
}

fn item(source: RollupSource, weight: f64, progress: Option<f64>) -> RollupItem {
    let progress = progress.filter(|p| p.is_finite()).map(|p| p.clamp(0.0, 1.0));
    let counted = progress.is_some() && weight.is_finite() && weight > 0.0;
    RollupItem { source, weight, progress, counted }
}

fn weighted_mean(items: &[RollupItem]) -> Option<f64> {
    let (sum, weights) =
        items.iter().filter(|i| i.counted).fold((0.0, 0.0), |(sum, weights), i| {
            (sum + i.weight * i.progress.unwrap_or(0.0), weights + i.weight)
        });
    if !(weights > 0.0 && weights.is_finite()) {
        return None;
    }
    // Dividing a weighted sum of values in 0..=1 can land a rounding error outside the range.
    Some((sum / weights).clamp(0.0, 1.0))
}

/// Orders objectives so that every contributing child comes before its parent, with an explicit
/// stack so that a long chain of objectives cannot overflow the call stack. Returns the order and
/// the (child, parent) links dropped because they closed a cycle.
fn children_first_order(
    ids: Vec<&ObjectiveId>,
    contributors: &[Vec<usize>],
) -> (Vec<usize>, BTreeSet<(usize, usize)>) {
    let mut roots: Vec<usize> = (0..ids.len()).collect();
    roots.sort_by(|&a, &b| ids[a].cmp(ids[b]).then(a.cmp(&b)));
    let mut visit = vec![Visit::New; ids.len()];
    let mut order = Vec::with_capacity(ids.len());
    let mut broken = BTreeSet::new();
    for root in roots {
        if visit[root] != Visit::New {
            continue;
        }
        visit[root] = Visit::Open;
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&child) = contributors[node].get(*next) {
                *next += 1;
                match visit[child] {
                    Visit::New => {
                        visit[child] = Visit::Open;
                        stack.push((child, 0));
                    }
                    Visit::Open => {
                        broken.insert((child, node));
                    }
                    Visit::Done => {}
                }
            } else {
                visit[node] = Visit::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    (order, broken)
}
