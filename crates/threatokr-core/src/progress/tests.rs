//! Tests of the scoring arithmetic: hand-computed figures, edge cases and properties.

use super::*;
use crate::diag::{Code, Files, Span};
use crate::model::{
    Commitment, Comparison, Direction, KeyResult, KeyResultId, KrTarget, LinkKind, Milestone,
    Objective, ObjectiveId, ObjectiveLevel, OkrSet, Origin,
};
use jiff::civil::{Date, date};
use proptest::prelude::*;
use std::collections::BTreeMap;

const Q1_START: Date = date(2027, 1, 1);
const Q1_END: Date = date(2027, 3, 31);

fn window(as_of: Date) -> Window {
    Window { start: Q1_START, as_of }
}

fn metric(start: f64, target: f64) -> KrTarget {
    let direction = if target >= start { Direction::Increase } else { Direction::Decrease };
    KrTarget::Metric { start, target, direction }
}

fn milestone(weight: f64, done: Option<Date>) -> Milestone {
    Milestone { title: "m".into(), weight, done }
}

fn assert_close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("progress");
    assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
}

// ---- key results ----

#[test]
fn metric_increase_interpolates_between_start_and_target() {
    // 40% trained at the start, 80% the target, 70% now: (70 - 40) / (80 - 40) = 0.75.
    assert_close(kr_progress(&metric(40.0, 80.0), Some(70.0), &[], window(Q1_END)), 0.75);
}

#[test]
fn metric_decrease_interpolates_downwards() {
    // 12 open findings at the start, 0 the target, 3 now: (3 - 12) / (0 - 12) = 0.75.
    assert_close(kr_progress(&metric(12.0, 0.0), Some(3.0), &[], window(Q1_END)), 0.75);
}

#[test]
fn metric_clamps_overshoot_and_regression() {
    assert_close(kr_progress(&metric(40.0, 80.0), Some(95.0), &[], window(Q1_END)), 1.0);
    assert_close(kr_progress(&metric(40.0, 80.0), Some(10.0), &[], window(Q1_END)), 0.0);
    assert_close(kr_progress(&metric(12.0, 0.0), Some(20.0), &[], window(Q1_END)), 0.0);
}

#[test]
fn metric_without_current_value_or_with_start_equal_to_target_is_no_data() {
    assert_eq!(kr_progress(&metric(40.0, 80.0), None, &[(Q1_START, 60.0)], window(Q1_END)), None);
    assert_eq!(kr_progress(&metric(5.0, 5.0), Some(5.0), &[], window(Q1_END)), None);
    assert_eq!(kr_progress(&metric(40.0, 80.0), Some(f64::NAN), &[], window(Q1_END)), None);
}

#[test]
fn threshold_counts_the_share_of_measurements_in_the_cycle_that_hold() {
    let target = KrTarget::Threshold { comparison: Comparison::AtMost, limit: 0.0 };
    let history = [
        (date(2026, 12, 31), 5.0), // before the cycle: ignored
        (date(2027, 1, 10), 0.0),  // holds
        (date(2027, 1, 20), 2.0),  // fails
        (date(2027, 2, 1), 0.0),   // holds
        (date(2027, 2, 15), 9.0),  // after as_of: ignored
    ];
    // Three measurements in [2027-01-01, 2027-02-10]; two hold.
    assert_close(kr_progress(&target, None, &history, window(date(2027, 2, 10))), 2.0 / 3.0);
    // Today's value (0, holds) is a fourth measurement: 3 of 4.
    assert_close(kr_progress(&target, Some(0.0), &history, window(date(2027, 2, 10))), 0.75);
}

#[test]
fn issue_10_earlier_measurements_are_judged_against_the_target_they_were_scored_against() {
    let strict = KrTarget::Threshold { comparison: Comparison::AtMost, limit: 0.0 };
    let loose = KrTarget::Threshold { comparison: Comparison::AtMost, limit: 1.0 };
    let history = [(date(2027, 1, 10), 1.0), (date(2027, 1, 20), 1.0)];
    // Both days were scored against `at_most: 0` and failed; the file now says `at_most: 1`.
    let scored: BTreeMap<Date, KrTarget> =
        history.iter().map(|(day, _)| (*day, strict.clone())).collect();
    let as_of = window(date(2027, 2, 1));
    // Re-scored, every day would hold (3 of 3); as scored, only today's holds: 1 of 3.
    assert_close(kr_progress(&loose, Some(1.0), &history, as_of), 1.0);
    assert_close(kr_progress_as_scored(&loose, Some(1.0), &history, &scored, as_of), 1.0 / 3.0);
    // The record round-trips.
    for target in [strict, loose, metric(20.0, 80.0), metric(12.0, 0.0)] {
        assert_eq!(parse_target_record(&target_record(&target).unwrap()), Some(target));
    }
    assert_eq!(target_record(&KrTarget::Binary { done: None }), None);
}

#[test]
fn threshold_current_value_replaces_the_same_day_measurement() {
    let target = KrTarget::Threshold { comparison: Comparison::Below, limit: 4.0 };
    let history = [(date(2027, 1, 5), 1.0), (date(2027, 1, 6), 7.0)];
    // The stored 7.0 of 2027-01-06 is replaced by today's 3.0: both days hold.
    assert_close(kr_progress(&target, Some(3.0), &history, window(date(2027, 1, 6))), 1.0);
}

#[test]
fn threshold_with_no_measurement_in_the_window_is_no_data() {
    let target = KrTarget::Threshold { comparison: Comparison::AtLeast, limit: 90.0 };
    assert_eq!(kr_progress(&target, None, &[(date(2026, 11, 1), 95.0)], window(Q1_END)), None);
}

#[test]
fn milestones_weigh_what_is_done_by_the_as_of_date() {
    let target = KrTarget::Milestones(vec![
        milestone(1.0, Some(date(2027, 1, 15))),
        milestone(2.0, Some(date(2027, 3, 1))),
        milestone(1.0, None),
        milestone(0.0, Some(date(2027, 1, 2))), // weight 0: shown, never counted
    ]);
    // On 2027-02-01 only the first (1 of 4) is done; on 2027-03-01 also the second (3 of 4).
    assert_close(kr_progress(&target, None, &[], window(date(2027, 2, 1))), 0.25);
    assert_close(kr_progress(&target, None, &[], window(date(2027, 3, 1))), 0.75);
    // Before anything is done: 0, with a positive sign (an empty float sum is -0.0).
    let none_yet = kr_progress(&target, None, &[], window(date(2027, 1, 10)));
    assert!(none_yet.is_some_and(|p| p == 0.0 && p.is_sign_positive()), "{none_yet:?}");
    assert_eq!(
        kr_progress(&KrTarget::Milestones(vec![milestone(0.0, None)]), None, &[], window(Q1_END)),
        None
    );
}

#[test]
fn binary_is_done_by_date_or_by_a_value_of_one() {
    let done_in_february = KrTarget::Binary { done: Some(date(2027, 2, 1)) };
    assert_close(kr_progress(&done_in_february, None, &[], window(date(2027, 1, 31))), 0.0);
    assert_close(kr_progress(&done_in_february, None, &[], window(date(2027, 2, 1))), 1.0);
    let undeclared = KrTarget::Binary { done: None };
    assert_close(kr_progress(&undeclared, None, &[], window(Q1_END)), 0.0);
    assert_close(kr_progress(&undeclared, Some(1.0), &[], window(Q1_END)), 1.0);
    assert_close(kr_progress(&undeclared, Some(0.5), &[], window(Q1_END)), 0.0);
}

// ---- expected progress and status ----

#[test]
fn expected_progress_is_linear_over_the_inclusive_cycle() {
    // 2027-Q1 spans 89 days from its first to its last day.
    assert_eq!(expected_progress(Q1_START, Q1_END, Q1_START), 0.0);
    assert!((expected_progress(Q1_START, Q1_END, date(2027, 2, 15)) - 45.0 / 89.0).abs() < 1e-12);
    assert_eq!(expected_progress(Q1_START, Q1_END, Q1_END), 1.0);
    assert_eq!(expected_progress(Q1_START, Q1_END, date(2026, 12, 1)), 0.0);
    assert_eq!(expected_progress(Q1_START, Q1_END, date(2027, 5, 1)), 1.0);
    assert_eq!(expected_progress(Q1_START, Q1_START, Q1_START), 1.0);
}

#[test]
fn status_compares_progress_with_ninety_and_sixty_percent_of_expected() {
    let as_of = date(2027, 2, 15);
    let fresh = Some(date(2027, 2, 14));
    assert_eq!(status(Some(0.45), 0.5, fresh, as_of, 14), Status::OnTrack); // exactly 0.9·E
    assert_eq!(status(Some(0.449), 0.5, fresh, as_of, 14), Status::AtRisk);
    assert_eq!(status(Some(0.30), 0.5, fresh, as_of, 14), Status::AtRisk); // exactly 0.6·E
    assert_eq!(status(Some(0.299), 0.5, fresh, as_of, 14), Status::OffTrack);
    assert_eq!(status(Some(0.0), 0.0, fresh, as_of, 14), Status::OnTrack);
}

#[test]
fn status_is_no_data_before_stale_and_stale_after_the_window() {
    let as_of = date(2027, 2, 15);
    assert_eq!(status(None, 0.5, Some(as_of), as_of, 14), Status::NoData);
    assert_eq!(status(Some(1.0), 0.5, Some(date(2027, 2, 1)), as_of, 14), Status::OnTrack); // 14 days old
    assert_eq!(status(Some(1.0), 0.5, Some(date(2027, 1, 31)), as_of, 14), Status::Stale); // 15 days old
    assert_eq!(status(Some(0.1), 0.5, None, as_of, 14), Status::OffTrack);
}

// ---- grades ----

#[test]
fn grade_bands_the_score_and_states_what_was_expected() {
    assert_eq!(
        grade(0.39, Commitment::Committed),
        Grade { score: 0.39, expected: 1.0, band: Band::Red }
    );
    assert_eq!(
        grade(0.4, Commitment::Aspirational),
        Grade { score: 0.4, expected: 0.7, band: Band::Yellow }
    );
    assert_eq!(grade(0.69, Commitment::Aspirational).band, Band::Yellow);
    assert_eq!(grade(0.7, Commitment::Committed).band, Band::Green);
    assert_eq!(grade(1.3, Commitment::Committed).score, 1.0);
    assert_eq!(
        grade(f64::NAN, Commitment::Committed),
        Grade { score: 0.0, expected: 1.0, band: Band::Red }
    );
}

// ---- objectives ----

struct SetBuilder {
    set: OkrSet,
}

impl SetBuilder {
    fn new() -> Self {
        let mut files = Files::new();
        let file = files.add("okrs/2027-Q1.yaml", "x".repeat(100));
        let origin = Origin { file, span: Span::new(0, 1) };
        Self {
            set: OkrSet {
                origin,
                cycle: "2027-Q1".parse().unwrap(),
                objectives: Vec::new(),
                key_results: Vec::new(),
                proposed: Vec::new(),
            },
        }
    }

    fn kr(mut self, id: &str, weight: f64) -> Self {
        let origin = self.set.origin;
        self.set.key_results.push(KeyResult {
            id: id.parse().unwrap(),
            title: id.into(),
            target: metric(0.0, 100.0),
            kind: None,
            commitment: None,
            weight,
            unit: None,
            measure: None,
            derived_from: Vec::new(),
            lineage: None,
            rationale: None,
            origin,
        });
        self
    }

    fn objective(
        mut self,
        id: &str,
        krs: &[&str],
        parents: &[(LinkKind, &str)],
        rollup_children: bool,
    ) -> Self {
        let at = self.set.objectives.len() * 10;
        self.set.objectives.push(Objective {
            id: id.parse().unwrap(),
            title: id.into(),
            level: ObjectiveLevel::Team,
            owner: None,
            team: None,
            commitment: Commitment::Committed,
            parents: parents.iter().map(|(kind, p)| (*kind, p.parse().unwrap())).collect(),
            rollup_children,
            key_results: krs.iter().map(|k| k.parse().unwrap()).collect(),
            theme: None,
            description: None,
            derived_from: Vec::new(),
            origin: Origin { file: self.set.origin.file, span: Span::new(at, at + 5) },
        });
        self
    }
}

fn progress_map(entries: &[(&str, Option<f64>)]) -> BTreeMap<KeyResultId, Option<f64>> {
    entries.iter().map(|(id, p)| (id.parse().unwrap(), *p)).collect()
}

fn oid(id: &str) -> ObjectiveId {
    id.parse().unwrap()
}

#[test]
fn objective_is_the_weighted_mean_of_key_results_with_data() {
    let b = SetBuilder::new().kr("KR-1", 1.0).kr("KR-2", 3.0).kr("KR-3", 1.0).objective(
        "O-1",
        &["KR-1", "KR-2", "KR-3"],
        &[],
        false,
    );
    // KR-3 has no data and is left out: (1·0.2 + 3·0.6) / 4 = 0.5.
    let rollup = objective_progress(
        &b.set,
        &progress_map(&[("KR-1", Some(0.2)), ("KR-2", Some(0.6)), ("KR-3", None)]),
    );
    let o1 = rollup.get(&oid("O-1")).unwrap();
    assert_close(o1.progress, 0.5);
    assert_eq!(o1.items.iter().filter(|i| i.counted).count(), 2);
    assert!(rollup.diagnostics.is_empty());
}

#[test]
fn objective_without_any_data_is_no_data_not_zero() {
    let b = SetBuilder::new().kr("KR-1", 1.0).objective("O-1", &["KR-1"], &[], false).objective(
        "O-2",
        &[],
        &[],
        true,
    );
    let rollup = objective_progress(&b.set, &progress_map(&[("KR-1", None)]));
    assert_eq!(rollup.get(&oid("O-1")).unwrap().progress, None);
    assert_eq!(rollup.get(&oid("O-2")).unwrap().progress, None);
}

#[test]
fn contributing_children_roll_up_only_when_the_parent_asks_and_supports_never() {
    let b = SetBuilder::new()
        .kr("KR-P", 1.0)
        .kr("KR-A", 1.0)
        .kr("KR-B", 1.0)
        .objective("O-PARENT", &["KR-P"], &[], true)
        .objective("O-A", &["KR-A"], &[(LinkKind::Contributes, "O-PARENT")], false)
        .objective("O-B", &["KR-B"], &[(LinkKind::Supports, "O-PARENT")], false)
        .objective("O-QUIET", &["KR-P"], &[], false)
        .objective("O-C", &["KR-A"], &[(LinkKind::Contributes, "O-QUIET")], false);
    let rollup = objective_progress(
        &b.set,
        &progress_map(&[("KR-P", Some(0.2)), ("KR-A", Some(0.8)), ("KR-B", Some(0.0))]),
    );
    // O-PARENT: KR-P 0.2 and child O-A 0.8, weight 1 each: 0.5; O-B supports and is not counted.
    let parent = rollup.get(&oid("O-PARENT")).unwrap();
    assert_close(parent.progress, 0.5);
    assert_eq!(parent.items.len(), 2);
    assert_eq!(
        parent.children,
        vec![(LinkKind::Contributes, oid("O-A")), (LinkKind::Supports, oid("O-B"))]
    );
    // O-QUIET does not roll children up: its KR alone.
    assert_close(rollup.get(&oid("O-QUIET")).unwrap().progress, 0.2);
    // File order is kept.
    let ids: Vec<&str> = rollup.objectives.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["O-PARENT", "O-A", "O-B", "O-QUIET", "O-C"]);
}

#[test]
fn rollup_goes_through_several_levels() {
    let b = SetBuilder::new()
        .kr("KR-1", 1.0)
        .objective("O-CEO", &[], &[], true)
        .objective("O-DEPT", &[], &[(LinkKind::Contributes, "O-CEO")], true)
        .objective("O-TEAM", &["KR-1"], &[(LinkKind::Contributes, "O-DEPT")], false);
    let rollup = objective_progress(&b.set, &progress_map(&[("KR-1", Some(0.4))]));
    assert_close(rollup.get(&oid("O-CEO")).unwrap().progress, 0.4);
}

#[test]
fn contribution_cycle_is_broken_deterministically_and_reported() {
    let b = SetBuilder::new()
        .kr("KR-A", 1.0)
        .kr("KR-B", 1.0)
        .objective("O-B", &["KR-B"], &[(LinkKind::Contributes, "O-A")], true)
        .objective("O-A", &["KR-A"], &[(LinkKind::Contributes, "O-B")], true)
        .objective("O-SELF", &[], &[(LinkKind::Contributes, "O-SELF")], true);
    let rollup =
        objective_progress(&b.set, &progress_map(&[("KR-A", Some(1.0)), ("KR-B", Some(0.0))]));
    // Objectives are visited in id order: O-A first rolls up its child O-B, whose own child O-A
    // is still open, so the link "O-A contributes to O-B" is the one dropped.
    // O-B = KR-B = 0; O-A = mean(KR-A 1.0, O-B 0.0) = 0.5.
    assert_close(rollup.get(&oid("O-A")).unwrap().progress, 0.5);
    assert_close(rollup.get(&oid("O-B")).unwrap().progress, 0.0);
    assert_eq!(rollup.get(&oid("O-SELF")).unwrap().progress, None);
    let messages: Vec<&str> = rollup.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "objective `O-A` contributes to `O-B`, which already rolls up into `O-A`; the link is left out of `O-B`'s progress",
            "objective `O-SELF` contributes to itself; the link is left out of its progress",
        ]
    );
    assert!(rollup.diagnostics.iter().all(|d| d.code == Code::ObjectiveCycle));
    // The diagnostic points at the child objective (O-A is the second objective, at byte 10).
    assert_eq!(rollup.diagnostics[0].primary.as_ref().unwrap().span, Span::new(10, 15));
}

#[test]
fn long_chain_of_objectives_does_not_overflow_the_stack() {
    let mut b = SetBuilder::new().kr("KR-1", 1.0);
    let n = 50_000;
    for i in 0..n {
        let parents: Vec<(LinkKind, String)> = if i + 1 < n {
            vec![(LinkKind::Contributes, format!("O-{}", i + 1))]
        } else {
            Vec::new()
        };
        let parent_refs: Vec<(LinkKind, &str)> =
            parents.iter().map(|(k, p)| (*k, p.as_str())).collect();
        let krs: &[&str] = if i == 0 { &["KR-1"] } else { &[] };
        b = b.objective(&format!("O-{i}"), krs, &parent_refs, true);
    }
    let rollup = objective_progress(&b.set, &progress_map(&[("KR-1", Some(0.3))]));
    assert_close(rollup.get(&oid(&format!("O-{}", n - 1))).unwrap().progress, 0.3);
}

// ---- properties ----

fn any_target() -> impl Strategy<Value = KrTarget> {
    let value = -1e6..1e6f64;
    prop_oneof![
        (value.clone(), value.clone()).prop_map(|(s, t)| metric(s, t)),
        (prop::sample::select(Comparison::ALL.to_vec()), value.clone())
            .prop_map(|(comparison, limit)| KrTarget::Threshold { comparison, limit }),
        prop::collection::vec((-1.0..5.0f64, prop::option::of(0..120i16)), 0..6).prop_map(|ms| {
            KrTarget::Milestones(
                ms.into_iter()
                    .map(|(w, d)| {
                        milestone(
                            w,
                            d.map(|d| Q1_START.checked_add(jiff::Span::new().days(d)).unwrap()),
                        )
                    })
                    .collect(),
            )
        }),
        prop::option::of(0..120i16).prop_map(|d| KrTarget::Binary {
            done: d.map(|d| Q1_START.checked_add(jiff::Span::new().days(d)).unwrap())
        }),
    ]
}

fn day(offset: i16) -> Date {
    Q1_START.checked_add(jiff::Span::new().days(offset)).unwrap()
}

proptest! {
    #[test]
    fn progress_is_always_between_zero_and_one(
        target in any_target(),
        current in prop::option::of(prop_oneof![-1e9..1e9f64, Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)]),
        history in prop::collection::vec((-10..100i16, -1e6..1e6f64), 0..20),
        as_of in 0..100i16,
    ) {
        let history: Vec<(Date, f64)> = history.into_iter().map(|(d, v)| (day(d), v)).collect();
        if let Some(p) = kr_progress(&target, current, &history, window(day(as_of))) {
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }

    #[test]
    fn a_better_value_never_lowers_metric_progress(start in -1e6..1e6f64, distance in 1e-3..1e6f64, current in -2e6..2e6f64, gain in 0.0..1e6f64) {
        // Increasing KR: a higher value is better.
        let up = metric(start, start + distance);
        let before = kr_progress(&up, Some(current), &[], window(Q1_END)).unwrap();
        let after = kr_progress(&up, Some(current + gain), &[], window(Q1_END)).unwrap();
        prop_assert!(after >= before);
        // Decreasing KR: a lower value is better.
        let down = metric(start, start - distance);
        let before = kr_progress(&down, Some(current), &[], window(Q1_END)).unwrap();
        let after = kr_progress(&down, Some(current - gain), &[], window(Q1_END)).unwrap();
        prop_assert!(after >= before);
    }

    #[test]
    fn threshold_share_is_a_share_and_a_passing_day_never_lowers_it(
        limit in -100.0..100.0f64,
        history in prop::collection::vec((0..60i16, -200.0..200.0f64), 0..30),
        extra_day in 60..80i16,
    ) {
        let target = KrTarget::Threshold { comparison: Comparison::AtMost, limit };
        let history: Vec<(Date, f64)> = history.into_iter().map(|(d, v)| (day(d), v)).collect();
        let before = kr_progress(&target, None, &history, window(day(80)));
        if let Some(p) = before {
            prop_assert!((0.0..=1.0).contains(&p));
        }
        let mut more = history.clone();
        more.push((day(extra_day), limit - 1.0));
        let after = kr_progress(&target, None, &more, window(day(80))).unwrap();
        prop_assert!(after >= before.unwrap_or(0.0));
    }

    #[test]
    fn objective_progress_lies_between_its_key_results(values in prop::collection::vec((prop::option::of(0.0..=1.0f64), 0.0..10.0f64), 1..12)) {
        let mut b = SetBuilder::new();
        let mut ids = Vec::new();
        let mut map = BTreeMap::new();
        for (i, (p, w)) in values.iter().enumerate() {
            let id = format!("KR-{i}");
            b = b.kr(&id, *w);
            map.insert(id.parse::<KeyResultId>().unwrap(), *p);
            ids.push(id);
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        b = b.objective("O-1", &refs, &[], false);
        let counted: Vec<f64> = values.iter().filter(|(p, w)| p.is_some() && *w > 0.0).map(|(p, _)| p.unwrap()).collect();
        let progress = objective_progress(&b.set, &map).objectives[0].progress;
        if counted.is_empty() {
            prop_assert_eq!(progress, None);
        } else {
            let min = counted.iter().copied().fold(f64::INFINITY, f64::min);
            let max = counted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let p = progress.unwrap();
            prop_assert!(p >= min - 1e-12 && p <= max + 1e-12, "{p} not in [{min}, {max}]");
        }
    }
}

#[test]
fn status_and_band_names_round_trip() {
    for status in Status::ALL {
        assert_eq!(status.as_str().parse::<Status>(), Ok(*status));
    }
    for band in Band::ALL {
        assert_eq!(band.as_str().parse::<Band>(), Ok(*band));
    }
    assert!("green-ish".parse::<Band>().is_err());
}

fn any_date() -> impl Strategy<Value = Date> {
    (-9999..=9999i16, 1..=12i8, 1..=28i8).prop_map(|(y, m, d)| date(y, m, d))
}

proptest! {
    #[test]
    fn expected_progress_and_status_never_panic_on_any_dates(
        start in any_date(),
        end in any_date(),
        as_of in any_date(),
        newest in prop::option::of(any_date()),
        progress in prop::option::of(prop_oneof![0.0..=1.0f64, Just(f64::NAN)]),
        stale_after_days in any::<u32>(),
    ) {
        let expected = expected_progress(start, end, as_of);
        prop_assert!((0.0..=1.0).contains(&expected));
        let _ = status(progress, expected, newest, as_of, stale_after_days);
    }
}
