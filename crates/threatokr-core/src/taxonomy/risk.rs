//! Numeric risk per threat, 0–10, and the rule that produced it.
//!
//! The rule, first match wins:
//! 1. **CVSS**: the threat has a CVSS vector that [`parse_cvss`] accepts → its base score.
//! 2. **Likelihood × impact**: both are stated → `l × i / 25 × 10`, rounded to 0.1, with `l` and
//!    `i` the 1..5 ranks of [`Level::rank`](crate::model::Level::rank). The product keeps the order
//!    of a 5×5 risk matrix and gives 10.0 for very high × very high, 0.4 for very low × very low,
//!    3.6 for medium × medium and 6.4 for high × high.
//! 3. **Severity**: a known severity band → its representative score
//!    ([`Severity::representative_score`](crate::model::Severity::representative_score)):
//!    critical 9.5, high 8.0, medium 5.5, low 2.0, info 0.0.
//! 4. **Default**: nothing usable → [`DEFAULT_RISK`] (5.0, the middle of the scale), marked
//!    [`RiskBasis::Default`] so reports can count and flag it.
//!
//! Every score is a multiple of 0.1, so sums can be kept exactly in tenths.

use super::cvss::parse_cvss;
use crate::model::Threat;

/// The risk of a threat nothing can be said about: the middle of the 0–10 scale.
pub const DEFAULT_RISK: f64 = 5.0;

/// Which rule produced a risk score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskBasis {
    /// A valid CVSS vector's base score.
    Cvss,
    /// Likelihood × impact.
    LikelihoodImpact,
    /// The severity band's representative score.
    Severity,
    /// Nothing usable: [`DEFAULT_RISK`].
    Default,
}

impl RiskBasis {
    /// The snake_case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cvss => "cvss",
            Self::LikelihoodImpact => "likelihood_impact",
            Self::Severity => "severity",
            Self::Default => "default",
        }
    }
}

impl std::fmt::Display for RiskBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A threat's numeric risk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Risk {
    /// 0.0–10.0, a multiple of 0.1.
    pub score: f64,
    /// The rule that produced it.
    pub basis: RiskBasis,
}

impl Risk {
    /// The score in tenths (`7.5` → `75`), for exact sums.
    pub fn tenths(self) -> u32 {
        // The score is clamped to 0..=10 on construction, so this fits.
        (self.score * 10.0).round() as u32
    }
}

/// The risk of a threat (see the module documentation for the rule).
pub fn risk_of(threat: &Threat) -> Risk {
    if let Some(score) = threat.cvss.as_ref().and_then(|cvss| parse_cvss(&cvss.vector).ok()) {
        return risk(score.score, RiskBasis::Cvss);
    }
    if let (Some(likelihood), Some(impact)) = (threat.likelihood, threat.impact) {
        let product = f64::from(likelihood.rank()) * f64::from(impact.rank());
        return risk(product / 25.0 * 10.0, RiskBasis::LikelihoodImpact);
    }
    if let Some(score) = threat.severity.representative_score() {
        return risk(score, RiskBasis::Severity);
    }
    risk(DEFAULT_RISK, RiskBasis::Default)
}

fn risk(score: f64, basis: RiskBasis) -> Risk {
    Risk { score: (score.clamp(0.0, 10.0) * 10.0).round() / 10.0, basis }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CvssScore, Level, Severity};
    use crate::taxonomy::tests::threat;

    #[test]
    fn cvss_vector_wins_over_everything_else() {
        let mut t = threat("T-1");
        t.cvss = Some(CvssScore {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N".into(),
            score: 6.1,
        });
        t.likelihood = Some(Level::VeryHigh);
        t.impact = Some(Level::VeryHigh);
        t.severity = Severity::Critical;
        assert_eq!(risk_of(&t), Risk { score: 6.1, basis: RiskBasis::Cvss });
    }

    #[test]
    fn recomputes_the_score_from_the_vector_rather_than_trusting_the_stored_one() {
        let mut t = threat("T-1");
        t.cvss = Some(CvssScore {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: 1.0,
        });
        assert_eq!(risk_of(&t).score, 9.8);
    }

    #[test]
    fn invalid_vector_falls_through_to_likelihood_and_impact() {
        let mut t = threat("T-1");
        t.cvss = Some(CvssScore { vector: "CVSS:3.1/AV:N".into(), score: 0.0 });
        t.likelihood = Some(Level::High);
        t.impact = Some(Level::VeryHigh);
        // 4 × 5 = 20 → 20 / 25 × 10 = 8.0.
        assert_eq!(risk_of(&t), Risk { score: 8.0, basis: RiskBasis::LikelihoodImpact });
    }

    #[test]
    fn likelihood_times_impact_scales_to_ten() {
        let cases = [
            (Level::VeryLow, Level::VeryLow, 0.4),
            (Level::Low, Level::Medium, 2.4),
            (Level::Medium, Level::Medium, 3.6),
            (Level::High, Level::High, 6.4),
            (Level::Medium, Level::VeryHigh, 6.0),
            (Level::High, Level::Low, 3.2),
            (Level::VeryHigh, Level::VeryHigh, 10.0),
        ];
        for (likelihood, impact, expected) in cases {
            let mut t = threat("T-1");
            t.likelihood = Some(likelihood);
            t.impact = Some(impact);
            t.severity = Severity::Low;
            assert_eq!(
                risk_of(&t),
                Risk { score: expected, basis: RiskBasis::LikelihoodImpact },
                "{likelihood} × {impact}"
            );
        }
    }

    #[test]
    fn likelihood_alone_is_not_enough() {
        let mut t = threat("T-1");
        t.likelihood = Some(Level::VeryHigh);
        t.severity = Severity::High;
        assert_eq!(risk_of(&t), Risk { score: 8.0, basis: RiskBasis::Severity });
    }

    #[test]
    fn severity_bands_give_their_representative_score() {
        for (severity, expected) in [
            (Severity::Critical, 9.5),
            (Severity::High, 8.0),
            (Severity::Medium, 5.5),
            (Severity::Low, 2.0),
            (Severity::Info, 0.0),
        ] {
            let mut t = threat("T-1");
            t.severity = severity;
            assert_eq!(
                risk_of(&t),
                Risk { score: expected, basis: RiskBasis::Severity },
                "{severity}"
            );
        }
    }

    #[test]
    fn unknown_everything_gets_the_flagged_default() {
        let t = threat("T-1");
        assert_eq!(t.severity, Severity::Unknown);
        assert_eq!(risk_of(&t), Risk { score: 5.0, basis: RiskBasis::Default });
        assert_eq!(risk_of(&t).tenths(), 50);
    }
}
