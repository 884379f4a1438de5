//! Progress, status and grades of key results and objectives (DESIGN.md §5): pure arithmetic,
//! with "today" always a parameter.
//!
//! Four numbers are kept apart, as the better OKR tools do: *progress* (computed from evidence,
//! 0..=1 or no data), *expected progress* (where a linear plan would be today), *status* (progress
//! judged against expected, overridden when the evidence is stale) and the *grade* frozen at the
//! close. Confidence comes from check-ins and is never mixed into any of them.

mod grade;
mod key_result;
mod objective;
#[cfg(test)]
mod tests;

pub use grade::{Band, Grade, grade};
pub use key_result::{
    Window, kr_progress, kr_progress_as_scored, metric_progress, parse_target_record, target_record,
};
pub use objective::{
    ObjectiveProgress, Rollup, RollupItem, RollupSource, objective_progress,
    objective_progress_with_nested,
};

use jiff::civil::Date;

/// Tolerance for comparing progress with a share of expected progress: `0.45 >= 0.9 * 0.5`
/// must hold even though neither side is exact in binary floating point.
const EPSILON: f64 = 1e-9;

/// How a key result or objective stands against the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Progress is at least 90% of the expected progress.
    OnTrack,
    /// Progress is at least 60% of the expected progress.
    AtRisk,
    /// Progress is below 60% of the expected progress.
    OffTrack,
    /// The newest measurement is older than the staleness window, so progress cannot be trusted.
    Stale,
    /// Nothing has been measured.
    NoData,
}

impl Status {
    /// Every status, in declaration order.
    pub const ALL: &'static [Self] =
        &[Self::OnTrack, Self::AtRisk, Self::OffTrack, Self::Stale, Self::NoData];

    /// The snake_case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::OffTrack => "off_track",
            Self::Stale => "stale",
            Self::NoData => "no_data",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = crate::model::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|status| status.as_str() == s).ok_or_else(|| {
            crate::model::UnknownValue {
                value: s.to_owned(),
                expected: Self::ALL.iter().map(|status| status.as_str()).collect(),
            }
        })
    }
}

impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Where a linear plan stands on `as_of`: 0 on the cycle's first day, 1 on its last day
/// (cycle ends are inclusive), clamped outside the cycle.
///
/// A one-day cycle expects everything from its only day on.
pub fn expected_progress(cycle_start: Date, cycle_end: Date, as_of: Date) -> f64 {
    let length = f64::from((cycle_end - cycle_start).get_days());
    let elapsed = f64::from((as_of - cycle_start).get_days());
    if length <= 0.0 {
        return if as_of >= cycle_start { 1.0 } else { 0.0 };
    }
    (elapsed / length).clamp(0.0, 1.0)
}

/// Judges progress against the plan (DESIGN.md §5).
///
/// In order: no progress is `NoData`; a newest measurement more than `stale_after_days` days
/// before `as_of` is `Stale` (a key result read only from its file, such as a milestone list,
/// has no measurement date and is never stale); with nothing expected yet (`expected <= 0`)
/// any data is `OnTrack`; otherwise `OnTrack` at `p >= 0.9·E`, `AtRisk` at `p >= 0.6·E`,
/// else `OffTrack`.
pub fn status(
    progress: Option<f64>,
    expected: f64,
    newest_measurement: Option<Date>,
    as_of: Date,
    stale_after_days: u32,
) -> Status {
    let Some(progress) = progress.filter(|p| p.is_finite()) else {
        return Status::NoData;
    };
    if let Some(newest) = newest_measurement
        && i64::from((as_of - newest).get_days()) > i64::from(stale_after_days)
    {
        return Status::Stale;
    }
    if expected.is_nan() || expected <= 0.0 {
        return Status::OnTrack;
    }
    if progress + EPSILON >= 0.9 * expected {
        Status::OnTrack
    } else if progress + EPSILON >= 0.6 * expected {
        Status::AtRisk
    } else {
        Status::OffTrack
    }
}
