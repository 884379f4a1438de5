//! How every view writes numbers, percentages and missing values, so that the terminal, the
//! reports and the dashboard say the same thing the same way.

/// The one spelling of a number that could not be measured, in every human view (the JSON
/// contracts keep their `no_data` status).
pub const NO_DATA: &str = "no data";

/// An empty cell: no team, no apps, no title.
pub const NONE: &str = "–";

/// Numbers as people read them: rounded to one decimal, shown without it when that is `.0`
/// (53.96 is `54`, not `54.0`).
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return NO_DATA.to_owned();
    }
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A score (risk, CVSS) with its one decimal always shown: `7.0`, `43.8`.
pub fn format_score(value: f64) -> String {
    format!("{value:.1}")
}

/// A grade, 0.0 to 1.0, with two decimals: `0.72`.
pub fn format_grade(grade: f64) -> String {
    format!("{grade:.2}")
}

/// A 0..1 share as a percentage with one decimal, or "no data".
pub fn format_percent(share: Option<f64>) -> String {
    share
        .filter(|s| s.is_finite())
        .map_or_else(|| NO_DATA.to_owned(), |s| format!("{:.1}%", s * 100.0))
}

/// A 0..1 share as a whole percentage (`54%`), or "no data": for progress in running text,
/// where a decimal is noise.
pub fn format_whole_percent(share: Option<f64>) -> String {
    share
        .filter(|s| s.is_finite())
        .map_or_else(|| NO_DATA.to_owned(), |s| format!("{:.0}%", s * 100.0))
}

/// A value with its unit, or "no data".
pub fn format_value(value: Option<f64>, unit: &str) -> String {
    match value {
        Some(v) if unit.is_empty() => format_number(v),
        Some(v) if unit == "%" => format!("{}%", format_number(v)),
        Some(v) => format!("{} {unit}", format_number(v)),
        None => NO_DATA.to_owned(),
    }
}
