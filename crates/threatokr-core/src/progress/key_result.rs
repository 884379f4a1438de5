//! Progress of one key result from its target and its measurements.

use crate::model::{Comparison, Direction, KrTarget, Milestone};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// The part of the cycle that has happened: from its first day to the day measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The cycle's first day.
    pub start: Date,
    /// The day progress is computed for ("today", always a parameter).
    pub as_of: Date,
}

/// Progress of a key result in 0..=1, or `None` when there is no data.
///
/// - Metric: `clamp((current − start) / (target − start), 0, 1)` from `current`; the sign of
///   `target − start` gives the direction. No current value, or `start == target` (a validation
///   error), is no data.
/// - Threshold: the share of the measurements inside `window` that satisfy the comparison.
///   The measurements are `history` (one per day; a later entry for the same day replaces an
///   earlier one, as the store replaces same-day rows) with `current` standing as the
///   measurement of `window.as_of`. No measurement in the window is no data.
/// - Milestones: the weighted share of milestones done on or before `window.as_of`, read from
///   the file; milestones with a weight that is not a positive number do not count. The file
///   itself is the evidence, so an unticked list is 0, not no data; a list with no positive
///   weight is no data.
/// - Binary: 1 when the file's `done` date is on or before `window.as_of`; else from `current`
///   as a 0→1 metric that counts only when reached (`current >= 1` is done); else 0.
///
/// Values that are not finite numbers are ignored.
pub fn kr_progress(
    target: &KrTarget,
    current: Option<f64>,
    history: &[(Date, f64)],
    window: Window,
) -> Option<f64> {
    kr_progress_as_scored(target, current, history, &BTreeMap::new(), window)
}

/// [`kr_progress`] where each earlier measurement of a threshold key result is judged against the
/// target it was scored against when it was taken (`scored`, by day; the current target for a day
/// without a record): history is never rewritten, a changed target applies from the day it changed.
pub fn kr_progress_as_scored(
    target: &KrTarget,
    current: Option<f64>,
    history: &[(Date, f64)],
    scored: &BTreeMap<Date, KrTarget>,
    window: Window,
) -> Option<f64> {
    let current = current.filter(|v| v.is_finite());
    let progress = match target {
        KrTarget::Metric { start, target, .. } => metric_progress(*start, *target, current?),
        KrTarget::Threshold { comparison, limit } => {
            let holds = |day: Date, value: f64| match scored.get(&day) {
                Some(KrTarget::Threshold { comparison, limit }) if day < window.as_of => {
                    comparison.holds(value, *limit)
                }
                _ => comparison.holds(value, *limit),
            };
            threshold_share(*limit, holds, current, history, window)
        }
        KrTarget::Milestones(milestones) => milestone_share(milestones, window.as_of),
        KrTarget::Binary { done } => Some(binary_progress(*done, current, window.as_of)),
    };
    // `clamp` keeps the sign of -0.0 (an empty float sum, 0 divided by a decreasing distance):
    // adding 0.0 makes it 0.0, so nothing shows "-0%".
    progress.map(|p| p + 0.0)
}

/// `clamp((current − start) / (target − start), 0, 1)`; `None` when start equals target or a
/// value is not a finite number.
pub fn metric_progress(start: f64, target: f64, current: f64) -> Option<f64> {
    let distance = target - start;
    if !(distance.is_finite() && current.is_finite() && start.is_finite()) || distance == 0.0 {
        return None;
    }
    let raw = (current - start) / distance;
    // An overflowing numerator gives ±inf, which clamps to the right end; NaN cannot arise here.
    Some(raw.clamp(0.0, 1.0))
}

fn threshold_share(
    limit: f64,
    holds: impl Fn(Date, f64) -> bool,
    current: Option<f64>,
    history: &[(Date, f64)],
    window: Window,
) -> Option<f64> {
    if !limit.is_finite() {
        return None;
    }
    let mut by_day: BTreeMap<Date, f64> = BTreeMap::new();
    for &(date, value) in history {
        if window.start <= date && date <= window.as_of && value.is_finite() {
            by_day.insert(date, value);
        }
    }
    if let Some(value) = current {
        by_day.insert(window.as_of, value);
    }
    if by_day.is_empty() {
        return None;
    }
    let satisfied = by_day.iter().filter(|&(&day, &value)| holds(day, value)).count();
    // Counts are far below 2^53, so the conversion is exact.
    Some(satisfied as f64 / by_day.len() as f64)
}

fn milestone_share(milestones: &[Milestone], as_of: Date) -> Option<f64> {
    let counted = || milestones.iter().filter(|m| m.weight.is_finite() && m.weight > 0.0);
    let total: f64 = counted().map(|m| m.weight).sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let done: f64 =
        counted().filter(|m| m.done.is_some_and(|d| d <= as_of)).map(|m| m.weight).sum();
    Some((done / total).clamp(0.0, 1.0))
}

fn binary_progress(done: Option<Date>, current: Option<f64>, as_of: Date) -> f64 {
    let reached = done.is_some_and(|d| d <= as_of) || current.is_some_and(|v| v >= 1.0);
    if reached { 1.0 } else { 0.0 }
}

/// The target a measurement is scored against, as the store records it beside the value:
/// `{"type":"threshold","comparison":"at_most","limit":0.0}` or
/// `{"type":"metric","start":20.0,"target":80.0}`. Milestones and binary key results read their
/// file each time and record none.
pub fn target_record(target: &KrTarget) -> Option<String> {
    let value = match target {
        KrTarget::Metric { start, target, .. } => {
            serde_json::json!({"type": "metric", "start": start, "target": target})
        }
        KrTarget::Threshold { comparison, limit } => {
            serde_json::json!({"type": "threshold", "comparison": comparison.as_str(), "limit": limit})
        }
        KrTarget::Milestones(_) | KrTarget::Binary { .. } => return None,
    };
    Some(value.to_string())
}

/// Reads a [`target_record`] back; `None` for anything else.
pub fn parse_target_record(text: &str) -> Option<KrTarget> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    match value["type"].as_str()? {
        "metric" => {
            let (start, target) = (value["start"].as_f64()?, value["target"].as_f64()?);
            let direction = if target >= start { Direction::Increase } else { Direction::Decrease };
            Some(KrTarget::Metric { start, target, direction })
        }
        "threshold" => Some(KrTarget::Threshold {
            comparison: value["comparison"].as_str()?.parse::<Comparison>().ok()?,
            limit: value["limit"].as_f64()?,
        }),
        _ => None,
    }
}
