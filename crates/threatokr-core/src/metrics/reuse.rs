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
        self.apps.contains(app) && self.has_environment(environment)
    }

    /// The apps whose findings are counted (in some environments), sorted.
    pub fn apps(&self) -> impl Iterator<Item = &str> {
        self.apps.iter().map(String::as_str)
    }

    /// Whether the findings and scans of this environment are counted (in the apps counted).
    pub fn has_environment(&self, environment: &str) -> bool {
        self.environments.as_ref().is_none_or(|e| e.contains(environment))
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
    restore_around(value, numerator, denominator, evidence, details_json)
}

/// A stored value read back for a view that lists only the first few items a key result counted
/// (the report lists ten, then "and M more"): its evidence holds only those items, and
/// `counted` says how many it counted in all. Such a value can be shown, never recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedValue {
    /// The value, whose `evidence` is the first items counted (those with a
    /// [`EvidenceRef::counted_line`]), at most as many as asked for.
    pub value: KrValue,
    /// How many of the stored evidence items were counted, listed or not.
    pub counted: usize,
}

/// [`restore_value`] for a view that lists at most `listed` of the items counted: the stored
/// evidence list (tens of megabytes for the findings of a large portfolio) is scanned for how many
/// items it counted, and only the first `listed` counted items are read, each of them only if it
/// writes back to the very text stored. Gives what [`restore_value`] gives, cut to those items.
pub fn restore_listed_value(
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    evidence_json: &str,
    details_json: &str,
    listed: usize,
) -> Option<ListedValue> {
    let numbers = (value, numerator, denominator);
    let Some((shown, counted)) = scan_evidence_items(evidence_json, listed) else {
        // Not the compact JSON this build writes: the full reading decides.
        let mut value = restore_value(value, numerator, denominator, evidence_json, details_json)?;
        let counted = value.evidence.iter().filter(|item| item.is_counted()).count();
        value.evidence.retain(EvidenceRef::is_counted);
        value.evidence.truncate(listed);
        return Some(ListedValue { value, counted });
    };
    listed_around(numbers, &shown, details_json, counted)
}

/// [`restore_listed_value`] of a stored value whose evidence list is known to count `counted`
/// items, given only its first items (`evidence_prefix`, a list holding at least the first
/// `listed` counted items, or all of them): what [`restore_listed_value`] gives for the whole
/// list, without reading the rest. `None` when the prefix counts more than `counted` or is not
/// the compact JSON this build writes (the caller then reads the whole list).
pub fn restore_listed_prefix(
    numbers: (Option<f64>, Option<f64>, Option<f64>),
    evidence_prefix: &str,
    details_json: &str,
    listed: usize,
    counted: usize,
) -> Option<ListedValue> {
    let (shown, in_prefix) = scan_evidence_items(evidence_prefix, listed)?;
    // The prefix must hold the first `listed` counted items, or all the counted items.
    if in_prefix > counted || (shown.len() < listed && in_prefix != counted) {
        return None;
    }
    listed_around(numbers, &shown, details_json, counted)
}

/// How many counted items the items of a run of an evidence list (`a,b,c`: items written as the
/// list writes them, without brackets) hold; `None` when they are not the compact JSON this
/// build writes.
pub fn counted_in_run(run: &str) -> Option<usize> {
    scan_evidence_items(&format!("[{run}]"), 0).map(|(_, counted)| counted)
}

/// The listed value around the texts of the items `shown` (value, numerator and denominator as
/// `numbers`), counting `counted`; `None` unless each item writes back to its very text.
fn listed_around(
    (value, numerator, denominator): (Option<f64>, Option<f64>, Option<f64>),
    shown: &[&str],
    details_json: &str,
    counted: usize,
) -> Option<ListedValue> {
    let mut evidence = Vec::with_capacity(shown.len());
    for text in shown {
        let item: EvidenceRef = serde_json::from_str(text).ok()?;
        if !item.is_counted() || serde_json::to_string(&item).ok()? != *text {
            return None;
        }
        evidence.push(item);
    }
    let value = restore_around(value, numerator, denominator, evidence, details_json)?;
    Some(ListedValue { value, counted })
}

/// The value of a stored row around its evidence, read back from [`value_details`]; `None`
/// unless the details write back to the very text stored.
fn restore_around(
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    evidence: Vec<EvidenceRef>,
    details_json: &str,
) -> Option<KrValue> {
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
        scope_parts: None,
    };
    (value_details(&restored) == details_json).then_some(restored)
}

/// The kinds of [`EvidenceRef`] that say whether they are counted (`"counted":false` is an item
/// looked at but not counted); every other kind is counted.
const KINDS_WITH_COUNTED: &[&str] = &["threat", "control", "app"];

/// Every other kind of [`EvidenceRef`], as serde names it.
const KINDS_ALWAYS_COUNTED: &[&str] =
    &["asvs", "training", "repo", "finding", "checkin", "milestone"];

/// The texts of the first `listed` counted items of an evidence list as this build writes it
/// (serde_json's compact form: an array of objects, no whitespace outside strings) and how many
/// items it counts, found in one pass over the bytes without building any value or list of the
/// rest; `None` for anything else (whitespace, an unknown kind, a kind without its `counted`
/// flag, a truncated text), which the caller reads in full instead.
fn scan_evidence_items(json: &str, listed: usize) -> Option<(Vec<&str>, usize)> {
    let bytes = json.as_bytes();
    if bytes.first() != Some(&b'[') || bytes.last() != Some(&b']') || bytes.len() < 2 {
        return None;
    }
    let (mut shown, mut total) = (Vec::new(), 0);
    let mut at = 1;
    if bytes[at] == b']' {
        return (at + 1 == bytes.len()).then_some((shown, total));
    }
    loop {
        let start = at;
        let (end, kind, counted) = scan_item(bytes, at)?;
        let counted = match (kind, counted) {
            (kind, Some(counted)) if KINDS_WITH_COUNTED.contains(&kind) => counted,
            (kind, None) if KINDS_ALWAYS_COUNTED.contains(&kind) => true,
            _ => return None,
        };
        if counted {
            if shown.len() < listed {
                shown.push(json.get(start..end)?);
            }
            total += 1;
        }
        match bytes.get(end)? {
            b',' => at = end + 1,
            b']' if end + 1 == bytes.len() => return Some((shown, total)),
            _ => return None,
        }
    }
}

/// One object of the list starting at `at`: where it ends, its `kind` and its `counted` flag.
fn scan_item(bytes: &[u8], at: usize) -> Option<(usize, &str, Option<bool>)> {
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    let mut at = at + 1;
    let (mut kind, mut counted) = (None, None);
    if bytes.get(at) == Some(&b'}') {
        return None; // No kind.
    }
    loop {
        let key_end = scan_string(bytes, at)?;
        let key = &bytes[at + 1..key_end - 1];
        if bytes.get(key_end) != Some(&b':') {
            return None;
        }
        let value_start = key_end + 1;
        let value_end = scan_value(bytes, value_start)?;
        let value = &bytes[value_start..value_end];
        match key {
            b"kind" => {
                let text = value.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\""))?;
                kind = Some(std::str::from_utf8(text).ok()?);
            }
            b"counted" => {
                counted = Some(match value {
                    b"true" => true,
                    b"false" => false,
                    _ => return None,
                });
            }
            _ => {}
        }
        match bytes.get(value_end)? {
            b',' => at = value_end + 1,
            b'}' => return Some((value_end + 1, kind?, counted)),
            _ => return None,
        }
    }
}

/// Where the string starting at `at` ends (after its closing quote).
fn scan_string(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let mut at = at + 1;
    loop {
        match bytes.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
}

/// Where the value starting at `at` ends: a string, an object or a list (skipped whole, strings
/// inside them included), or a number or literal (up to the next `,`, `}` or `]`).
fn scan_value(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => scan_string(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut at = at;
            loop {
                match bytes.get(at)? {
                    b'"' => {
                        at = scan_string(bytes, at)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b' ' | b'\n' | b'\r' | b'\t' => return None,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(at + 1);
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
        }
        _ => {
            let len = bytes[at..].iter().position(|b| matches!(b, b',' | b'}' | b']'))?;
            let literal = &bytes[at..at + len];
            (len > 0 && !literal.iter().any(u8::is_ascii_whitespace)).then_some(at + len)
        }
    }
}
