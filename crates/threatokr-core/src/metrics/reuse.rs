//! Measuring again without recomputing (issue 12): which findings a key result counts, so the
//! caller can fingerprint its inputs and read only those, and a value written for the store and
//! read back exactly, so an unchanged key result can take its stored value instead of a new one.

use super::measure::{Coverage, EvidenceAge, EvidenceRef, KrValue};
use super::scope::Scope;
use crate::model::{Cycle, KeyResult, Workspace};
use jiff::civil::Date;
use std::collections::BTreeSet;

/// The metrics that count the store's findings and scans; every other metric reads the
/// workspace's files and the key result's check-ins only.
pub const FINDING_METRICS: &[&str] = &["findings.open", "findings.sla", "findings.mttr"];

/// The (app, environment) scopes whose findings and scans a key result counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingScopes {
    apps: BTreeSet<String>,
    environments: Option<BTreeSet<String>>,
}

impl FindingScopes {
    /// Whether the findings and scans of an app's environment are counted.
    pub fn contains(&self, app: &str, environment: &str) -> bool {
        self.apps.contains(app)
            && self.environments.as_ref().is_none_or(|e| e.contains(environment))
    }
}

/// The scopes of findings a key result counts on `as_of`; `None` when it counts no finding (its
/// value does not depend on the store's findings or scans at all).
pub fn finding_scopes_read(
    workspace: &Workspace,
    kr: &KeyResult,
    cycle: &Cycle,
    as_of: Date,
) -> Option<FindingScopes> {
    let measure = kr.measure.as_ref().filter(|m| FINDING_METRICS.contains(&m.metric.as_str()))?;
    let scope = Scope::new(workspace, measure, cycle, as_of);
    Some(FindingScopes {
        apps: scope.app_ids.iter().map(|a| (*a).to_owned()).collect(),
        environments: scope.environments,
    })
}

/// What a [`Coverage`] counts, for every metric that reports one: a stored value naming
/// anything else is not reused.
const COVERAGE_UNITS: &[&str] = &[
    "apps scanned in the window",
    "apps with a threat model",
    "apps with an ASVS verification",
    "repositories scanned",
];

/// The settings that bound an [`EvidenceAge`], for every metric that reports one.
const AGE_SETTINGS: &[&str] = &[
    "evidence_max_age_days.scans",
    "evidence_max_age_days.tests",
    "evidence_max_age_days.asvs",
    "courses[].validity_days",
];

/// The parts of a [`KrValue`] that a measurement row has no column for.
#[derive(serde::Serialize, serde::Deserialize)]
struct Details {
    notes: Vec<String>,
    measured_on: Option<String>,
    confidence: Option<u8>,
    coverage: Option<CoverageDetails>,
    evidence_age: Option<AgeDetails>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CoverageDetails {
    covered: u32,
    total: u32,
    of: String,
    missing: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct AgeDetails {
    what: String,
    newest: String,
    setting: String,
    max_age_days: u32,
}

/// The parts of a value the measurement row's columns (value, numerator, denominator, evidence)
/// do not hold, as JSON text to store beside them. What it left out and the items it counted are
/// not kept: `explain`, which shows them, always computes.
pub fn value_details(value: &KrValue) -> String {
    let details = Details {
        notes: value.notes.clone(),
        measured_on: value.measured_on.map(|d| d.to_string()),
        confidence: value.confidence,
        coverage: value.coverage.as_ref().map(|c| CoverageDetails {
            covered: c.covered,
            total: c.total,
            of: c.of.to_owned(),
            missing: c.missing.clone(),
        }),
        evidence_age: value.evidence_age.as_ref().map(|a| AgeDetails {
            what: a.what.clone(),
            newest: a.newest.to_string(),
            setting: a.setting.to_owned(),
            max_age_days: a.max_age_days,
        }),
    };
    serde_json::to_string(&details).unwrap_or_default()
}

/// A value as stored (its columns, its evidence JSON and [`value_details`]) read back, or `None`
/// when it cannot be read back exactly: the value is accepted only if writing it again gives the
/// very texts stored, so a reused value is the value that was computed, float for float.
pub fn restore_value(
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    evidence_json: &str,
    details_json: &str,
) -> Option<KrValue> {
    let evidence: Vec<EvidenceRef> = serde_json::from_str(evidence_json).ok()?;
    if serde_json::to_string(&evidence).ok()? != evidence_json {
        return None;
    }
    let details: Details = serde_json::from_str(details_json).ok()?;
    let day = |text: Option<String>| -> Option<Option<Date>> {
        match text {
            None => Some(None),
            Some(text) => text.parse().ok().map(Some),
        }
    };
    let coverage = match details.coverage {
        None => None,
        Some(c) => Some(Coverage {
            covered: c.covered,
            total: c.total,
            of: COVERAGE_UNITS.iter().find(|unit| **unit == c.of)?,
            missing: c.missing,
        }),
    };
    let evidence_age = match details.evidence_age {
        None => None,
        Some(a) => Some(EvidenceAge {
            what: a.what,
            newest: a.newest.parse().ok()?,
            setting: AGE_SETTINGS.iter().find(|setting| **setting == a.setting)?,
            max_age_days: a.max_age_days,
        }),
    };
    let restored = KrValue {
        value,
        numerator,
        denominator,
        evidence,
        notes: details.notes,
        measured_on: day(details.measured_on)?,
        confidence: details.confidence,
        coverage,
        evidence_age,
        left_out: Vec::new(),
        items: Vec::new(),
    };
    (value_details(&restored) == details_json).then_some(restored)
}
