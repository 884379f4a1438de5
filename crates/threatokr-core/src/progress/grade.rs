//! Grades frozen at the close of a cycle: the score, what was expected of it, and a colour band.

use crate::model::Commitment;

/// The colour band of a score: red below 0.4, yellow below 0.7, green from 0.7 (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// Score below 0.4: the key result failed.
    Red,
    /// Score from 0.4 to below 0.7: progress, but short of the usual mark.
    Yellow,
    /// Score of 0.7 or more.
    Green,
}

impl Band {
    /// Every band, from worst to best.
    pub const ALL: &'static [Self] = &[Self::Red, Self::Yellow, Self::Green];

    /// The band of a score in 0..=1.
    pub fn of(score: f64) -> Self {
        if score < 0.4 {
            Self::Red
        } else if score < 0.7 {
            Self::Yellow
        } else {
            Self::Green
        }
    }

    /// The lowercase name used in JSON output and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Yellow => "yellow",
            Self::Green => "green",
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Band {
    type Err = crate::model::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|band| band.as_str() == s).ok_or_else(|| {
            crate::model::UnknownValue {
                value: s.to_owned(),
                expected: Self::ALL.iter().map(|band| band.as_str()).collect(),
            }
        })
    }
}

impl serde::Serialize for Band {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A key result's grade at the close of its cycle.
///
/// `expected` is shown *beside* the score ("0.65 of an expected 0.7"), never folded into it or
/// into the band: the band is a property of the score alone, so committed and aspirational key
/// results are coloured on one scale, and the reader compares score with expected themselves.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Grade {
    /// Progress at the close, in 0..=1.
    pub score: f64,
    /// 1.0 for a committed key result, 0.7 for an aspirational one.
    pub expected: f64,
    /// The colour band of the score.
    pub band: Band,
}

/// Grades a score at the close: clamps it to 0..=1 (a score that is not a number counts as 0,
/// since nothing was shown to be done) and records what the commitment expected.
pub fn grade(score: f64, commitment: Commitment) -> Grade {
    let score = if score.is_nan() { 0.0 } else { score.clamp(0.0, 1.0) };
    let expected = match commitment {
        Commitment::Committed => 1.0,
        Commitment::Aspirational => 0.7,
    };
    Grade { score, expected, band: Band::of(score) }
}
