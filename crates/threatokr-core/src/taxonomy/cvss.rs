//! CVSS vectors → base scores, through the RustSec `cvss` crate.
//!
//! Accepted: CVSS v3.0, v3.1 and v4.0 vectors with their `CVSS:x.y/` prefix. The score is the
//! *base* score: for v3 the crate's `base_score()` (temporal and environmental metrics are
//! ignored), for v4 the CVSS-B score of the vector's base metrics (threat and environmental
//! metrics are dropped before scoring, so `…/E:U` does not lower it). Base scores are what
//! severity bands and key-result thresholds compare against.
//!
//! The crate accepts incomplete v3 vectors (`CVSS:3.1/AV:N` scores 0.0), so we check that all
//! eight v3 base metrics (AV AC PR UI S C I A) are present ourselves. CVSS v2 vectors are refused:
//! v2 is retired and its scores are not comparable with v3/v4 bands.

use crate::model::CvssScore;
use std::fmt;

/// The eight base metrics every v3 vector must carry.
pub const V3_BASE_METRICS: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];

/// The eleven base metrics of a v4 vector, in the specification's order.
pub const V4_BASE_METRICS: [&str; 11] =
    ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"];

/// Why a text is not a usable CVSS vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CvssError {
    /// Nothing there.
    Empty,
    /// The `cvss` crate refused the vector; its message says why.
    Invalid {
        /// The crate's message.
        message: String,
    },
    /// A v3 vector without some of its eight base metrics.
    MissingV3Metrics {
        /// The missing metrics, in the specification's order.
        missing: Vec<&'static str>,
    },
    /// A version threatokr does not score (v2).
    UnsupportedVersion {
        /// The version, as far as it could be told.
        version: String,
    },
}

impl fmt::Display for CvssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the CVSS vector is empty"),
            Self::Invalid { message } => write!(f, "invalid CVSS vector: {message}"),
            Self::MissingV3Metrics { missing } => {
                write!(
                    f,
                    "the CVSS v3 vector lacks base metric{} {}; all of AV AC PR UI S C I A are needed",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(" ")
                )
            }
            Self::UnsupportedVersion { version } => {
                write!(f, "CVSS {version} vectors are not scored; use a CVSS v3.1 or v4.0 vector")
            }
        }
    }
}

impl std::error::Error for CvssError {}

/// Parses a CVSS v3.0/v3.1/v4.0 vector and computes its base score (see the module docs).
/// Surrounding whitespace is ignored; the returned `vector` is the trimmed text.
pub fn parse_cvss(vector: &str) -> Result<CvssScore, CvssError> {
    let vector = vector.trim();
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    if !vector.starts_with("CVSS:") {
        // The crate reads prefix-less text as CVSS v2.
        return Err(if vector.contains("Au:") {
            CvssError::UnsupportedVersion { version: "v2".into() }
        } else {
            invalid("a vector starts with `CVSS:3.1/` or `CVSS:4.0/`")
        });
    }
    let parsed = vector.parse::<cvss::Cvss>().map_err(|e| invalid(e.to_string()))?;
    let score = match &parsed {
        cvss::Cvss::CvssV30(v3) | cvss::Cvss::CvssV31(v3) => {
            let present = [
                v3.av.is_some(),
                v3.ac.is_some(),
                v3.pr.is_some(),
                v3.ui.is_some(),
                v3.s.is_some(),
                v3.c.is_some(),
                v3.i.is_some(),
                v3.a.is_some(),
            ];
            let missing: Vec<&'static str> = V3_BASE_METRICS
                .iter()
                .zip(present)
                .filter(|(_, present)| !present)
                .map(|(name, _)| *name)
                .collect();
            if !missing.is_empty() {
                return Err(CvssError::MissingV3Metrics { missing });
            }
            v3.base_score().value()
        }
        cvss::Cvss::CvssV40(_) => {
            base_only_v4(vector).parse::<cvss::Cvss>().map_err(|e| invalid(e.to_string()))?.score()
        }
        _ => {
            return Err(CvssError::UnsupportedVersion {
                version: vector.split('/').next().unwrap_or_default().to_owned(),
            });
        }
    };
    if !(0.0..=10.0).contains(&score) {
        return Err(invalid(format!("the score {score} is outside 0-10")));
    }
    Ok(CvssScore { vector: vector.to_owned(), score })
}

fn invalid(message: impl Into<String>) -> CvssError {
    CvssError::Invalid { message: message.into() }
}

/// The prefix and base metrics of a v4 vector, in the order written.
fn base_only_v4(vector: &str) -> String {
    let mut parts = vector.split('/');
    let mut base = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        let key = part.split(':').next().unwrap_or_default();
        if V4_BASE_METRICS.contains(&key) {
            base.push('/');
            base.push_str(part);
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(vector: &str) -> f64 {
        match parse_cvss(vector) {
            Ok(score) => score.score,
            Err(error) => panic!("{vector}: {error}"),
        }
    }

    /// Conformance vectors: scores checked against RedHat `cvss` 3.6 and polycvss 0.4
    /// (reference notes, standards-and-crates.md §3).
    #[test]
    fn scores_the_reference_vectors() {
        let vectors = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 8.1),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0),
            ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.3),
        ];
        for (vector, expected) in vectors {
            assert_eq!(score(vector), expected, "{vector}");
        }
    }

    #[test]
    fn v4_base_score_ignores_threat_metrics() {
        // The crate scores this CVSS-BT vector 8.1; its base (CVSS-B) score is 9.3.
        assert_eq!(
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"),
            9.3
        );
    }

    #[test]
    fn accepts_v3_0_and_keeps_the_trimmed_vector() {
        let parsed =
            parse_cvss("  CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H \n").expect("valid");
        assert_eq!(parsed.vector, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(parsed.score, 9.8);
    }

    #[test]
    fn rejects_incomplete_v3_vectors_the_crate_accepts() {
        assert_eq!(
            parse_cvss("CVSS:3.1/AV:N"),
            Err(CvssError::MissingV3Metrics {
                missing: vec!["AC", "PR", "UI", "S", "C", "I", "A"]
            })
        );
        assert_eq!(
            parse_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            Err(CvssError::MissingV3Metrics { missing: vec!["A"] })
        );
        assert!(
            parse_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H")
                .unwrap_err()
                .to_string()
                .contains("lacks base metric A;")
        );
    }

    #[test]
    fn rejects_broken_and_unsupported_vectors() {
        assert_eq!(parse_cvss(""), Err(CvssError::Empty));
        assert_eq!(
            parse_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P"),
            Err(CvssError::UnsupportedVersion { version: "v2".into() })
        );
        for broken in [
            "cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "high",
            "9.8",
        ] {
            assert!(
                matches!(
                    parse_cvss(broken),
                    Err(CvssError::Invalid { .. } | CvssError::UnsupportedVersion { .. })
                ),
                "{broken}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_scores_stay_in_range(text in "(CVSS:(3\\.1|4\\.0)/)?[A-Z:/]{0,60}") {
            if let Ok(parsed) = parse_cvss(&text) {
                proptest::prop_assert!((0.0..=10.0).contains(&parsed.score));
            }
        }

        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,80}") {
            let _ = parse_cvss(&text);
        }
    }
}
