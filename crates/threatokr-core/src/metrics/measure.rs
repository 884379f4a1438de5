//! What a measurement reads (`EvidenceSet`), what it gives (`KrValue`), and the dispatch from a
//! key result's `measure:` to the metric family that computes it.

use super::findings::{FindingPlaces, ScanDays, ScopePart};
use super::scope::Scope;
use crate::evidence::asvs::AsvsVerification;
use crate::evidence::tests::TestExecution;
use crate::evidence::training::{Completion, RosterEntry};
use crate::evidence::workflow::RepoScan;
use crate::model::{
    Cycle, FindingClass, KeyResult, KeyResultId, KrTarget, Measure, MeasureParam, Settings,
    Severity, Workspace,
};
use jiff::civil::Date;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// A scanner finding as the history store keeps it, passed in by the caller so the core never
/// depends on the store. Its texts are shared (`Arc<str>`): the store hands one copy of each
/// app, environment, tool, rule and file name to all the records naming it, and a key result's
/// evidence names them without copying (issue 12: a portfolio's 626,000 findings made seven
/// allocations each, and its evidence as many again).
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRecord {
    /// The app scanned.
    pub app: Arc<str>,
    /// The environment scanned (`prod`).
    pub environment: Arc<str>,
    /// The tool that reported it.
    pub tool: Arc<str>,
    /// Its stable identity (the fingerprint).
    pub id: Arc<str>,
    /// The rule it broke.
    pub rule_id: Arc<str>,
    /// Its severity.
    pub severity: Severity,
    /// Its 0–10 score, when the scanner gave one.
    pub score: Option<f64>,
    /// What it is about; finding metrics count `security` unless `classes` says otherwise.
    pub class: FindingClass,
    /// Its CWE ids, for theme filters.
    pub cwes: Vec<u32>,
    /// The first scan that reported it.
    pub first_seen: Date,
    /// The scan that no longer reported it; `None` while open.
    pub fixed_at: Option<Date>,
    /// The file it is in, as the scanner wrote it.
    pub file: Option<Arc<str>>,
    /// Its line in the file.
    pub line: Option<u32>,
}

impl FindingRecord {
    /// Open on `day`: seen by then and not fixed by then.
    pub fn open_on(&self, day: Date) -> bool {
        self.first_seen <= day && self.fixed_at.is_none_or(|fixed| fixed > day)
    }
}

/// One scan of a tool for an app and environment, as the history store keeps it: the evidence
/// that an app was looked at, whether or not the scan found anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRecord {
    /// The tool.
    pub tool: String,
    /// The app scanned.
    pub app: String,
    /// The environment scanned.
    pub environment: String,
    /// The scan's date.
    pub date: Date,
}

/// One check-in of a key result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckinRecord {
    /// The day the value holds for.
    pub date: Date,
    /// The value.
    pub value: f64,
    /// The owner's confidence, 0–10.
    pub confidence: Option<u8>,
}

/// Everything a measurement may count, read by the caller from the store and the evidence folders.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceSet {
    /// Every finding ever ingested.
    pub findings: Vec<FindingRecord>,
    /// Every scan ever ingested (a scan with no finding still shows the app was scanned).
    pub scans: Vec<ScanRecord>,
    /// CI scans, one per repository, keyed by the repository path as the apps' `repos` write it.
    pub ci: Vec<RepoScan>,
    /// ASVS verifications.
    pub asvs: Vec<AsvsVerification>,
    /// The training roster (when empty, the workspace's people stand in for it).
    pub roster: Vec<RosterEntry>,
    /// Training completions.
    pub completions: Vec<Completion>,
    /// Threat-scenario test executions.
    pub tests: Vec<TestExecution>,
    /// Check-ins per key result id, in the order they were recorded.
    pub checkins: BTreeMap<String, Vec<CheckinRecord>>,
    /// Values recorded by earlier measurements per key result id (threshold key results score the
    /// share of measurements that held).
    pub history: BTreeMap<String, Vec<(Date, f64)>>,
    /// The target each earlier measurement was scored against, per key result id and day: a past
    /// day is judged as it was, and a changed target applies from the day it changed.
    pub scored_against: BTreeMap<String, BTreeMap<Date, KrTarget>>,
}

impl EvidenceSet {
    /// The newest check-in of a key result on or before `as_of` (a later record wins a tie).
    pub fn latest_checkin(&self, kr: &str, as_of: Date) -> Option<CheckinRecord> {
        self.checkins.get(kr)?.iter().filter(|c| c.date <= as_of && c.value.is_finite()).fold(
            None,
            |best: Option<CheckinRecord>, c| match best {
                Some(b) if b.date > c.date => Some(b),
                _ => Some(*c),
            },
        )
    }
}

/// The evidence of a measurement with the indexes its key results share, each built the first
/// time a key result needs it (a cycle of hundreds of finding key results over a million
/// findings must not walk them all again for each one).
#[derive(Debug)]
pub struct IndexedEvidence<'e> {
    evidence: &'e EvidenceSet,
    scan_days: OnceLock<ScanDays<'e>>,
    finding_places: OnceLock<FindingPlaces<'e>>,
    /// The parts of scopes kept from an earlier measurement of the day, by key result.
    kept: Option<&'e BTreeMap<KeyResultId, Vec<ScopePart>>>,
}

impl<'e> IndexedEvidence<'e> {
    /// The evidence, no index built yet.
    pub fn new(evidence: &'e EvidenceSet) -> Self {
        Self { evidence, scan_days: OnceLock::new(), finding_places: OnceLock::new(), kept: None }
    }

    /// The evidence, and for the finding key results of `kept` the parts of the scopes whose
    /// findings and scans are unchanged since the day was measured: those key results compute
    /// only their other scopes, and add these parts (see [`ScopePart`]).
    pub fn keeping(
        evidence: &'e EvidenceSet,
        kept: &'e BTreeMap<KeyResultId, Vec<ScopePart>>,
    ) -> Self {
        Self { kept: Some(kept), ..Self::new(evidence) }
    }

    /// The kept parts of `kr`'s scopes (none: every scope is computed).
    fn kept(&self, kr: &KeyResult) -> &'e [ScopePart] {
        self.kept.and_then(|kept| kept.get(&kr.id)).map(Vec::as_slice).unwrap_or_default()
    }

    /// The evidence itself.
    pub fn evidence(&self) -> &'e EvidenceSet {
        self.evidence
    }

    /// The scan days of every app and environment.
    pub(crate) fn scan_days(&self) -> &ScanDays<'e> {
        self.scan_days.get_or_init(|| ScanDays::new(self.evidence, self.finding_places()))
    }

    /// The (app, environment) pair of every finding.
    pub(crate) fn finding_places(&self) -> &FindingPlaces<'e> {
        self.finding_places.get_or_init(|| FindingPlaces::new(self.evidence))
    }
}

/// One thing a measurement counted (or refused to count), serialized into the `evidence` list of
/// the JSON contract. Training is reported by team counts, never by the names of people.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceRef {
    /// A threat of a model.
    Threat {
        /// Its app.
        app: String,
        /// Its id.
        id: String,
        /// Its status.
        status: String,
        /// Whether it is in the numerator.
        counted: bool,
        /// Its weight (its risk under `weighting: risk`).
        #[serde(skip_serializing_if = "Option::is_none")]
        weight: Option<f64>,
        /// The tests that exercised it inside the window (threats.tested).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tests: Vec<String>,
    },
    /// A control of a model.
    Control {
        /// Its app.
        app: String,
        /// Its id.
        id: String,
        /// Its status.
        status: String,
        /// Whether it is in the numerator.
        counted: bool,
    },
    /// An app (apps.threat_modeled, controls.implemented with `count: apps`).
    App {
        /// Its id.
        id: String,
        /// Whether it is in the numerator.
        counted: bool,
        /// The newest review of its models (apps.threat_modeled).
        #[serde(skip_serializing_if = "Option::is_none")]
        reviewed: Option<String>,
    },
    /// The ASVS results of one app.
    Asvs {
        /// The app.
        app: String,
        /// The ASVS version.
        version: String,
        /// Applicable requirements that passed.
        passed: u32,
        /// Applicable requirements that failed.
        failed: u32,
        /// Applicable requirements with no result (counted as not passed).
        missing: u32,
        /// Requirements marked n/a (left out).
        not_applicable: u32,
    },
    /// Training of one team (counts only).
    Training {
        /// The team.
        team: String,
        /// Active developers on the roster.
        developers: u32,
        /// Of them, those holding a valid training of the course.
        trained: u32,
    },
    /// A repository's CI.
    Repo {
        /// The path as the app's `repos` writes it.
        path: String,
        /// The app it belongs to.
        app: String,
        /// Required categories not run automatically on push or pull request.
        missing: Vec<String>,
        /// Whether a scan of it was found.
        scanned: bool,
    },
    /// A scanner finding.
    Finding {
        /// Its app.
        app: Arc<str>,
        /// Its environment.
        environment: Arc<str>,
        /// The tool.
        tool: Arc<str>,
        /// Its fingerprint.
        id: Arc<str>,
        /// The rule.
        rule: Arc<str>,
        /// Its severity.
        severity: Cow<'static, str>,
        /// Its score.
        #[serde(skip_serializing_if = "Option::is_none")]
        score: Option<f64>,
        /// The fix deadline (findings.sla).
        #[serde(skip_serializing_if = "Option::is_none")]
        deadline: Option<String>,
        /// Whether it was fixed by the deadline (findings.sla).
        #[serde(skip_serializing_if = "Option::is_none")]
        met: Option<bool>,
        /// Days from first seen to fixed (findings.mttr).
        #[serde(skip_serializing_if = "Option::is_none")]
        days: Option<i32>,
        /// Its class, when it is not `security` (a key result that opted in to others).
        #[serde(skip_serializing_if = "Option::is_none")]
        class: Option<Cow<'static, str>>,
        /// True when it has no score and met the `score` condition by its severity band's floor.
        #[serde(skip_serializing_if = "Option::is_none")]
        by_band: Option<bool>,
        /// The file it is in.
        #[serde(skip_serializing_if = "Option::is_none")]
        file: Option<Arc<str>>,
        /// Its line.
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
    },
    /// A check-in.
    Checkin {
        /// The day it holds for.
        date: String,
        /// The value.
        value: f64,
        /// The confidence.
        #[serde(skip_serializing_if = "Option::is_none")]
        confidence: Option<u8>,
    },
    /// A milestone or binary key result's item, read from the OKR file.
    Milestone {
        /// Its title.
        title: String,
        /// When it was done, if by `as_of`.
        #[serde(skip_serializing_if = "Option::is_none")]
        done: Option<String>,
        /// Its weight.
        weight: f64,
    },
}

impl EvidenceRef {
    /// Whether this item is counted: [`EvidenceRef::counted_line`] gives it a line.
    pub fn is_counted(&self) -> bool {
        !matches!(
            self,
            Self::Threat { counted: false, .. }
                | Self::Control { counted: false, .. }
                | Self::App { counted: false, .. }
        )
    }

    /// What this item adds to the count, as one line for people (`high semgrep sqli in
    /// src/db.py:12 (checkout, prod)`); `None` for an item looked at but not counted.
    pub fn counted_line(&self) -> Option<String> {
        match self {
            Self::Threat { counted: false, .. }
            | Self::Control { counted: false, .. }
            | Self::App { counted: false, .. } => None,
            Self::Threat { app, id, status, tests, .. } => Some(if tests.is_empty() {
                format!("threat {app}:{id} ({status})")
            } else {
                format!("threat {app}:{id} ({status}), tested by {}", tests.join(", "))
            }),
            Self::Control { app, id, status, .. } => Some(format!("control {app}:{id} ({status})")),
            Self::App { id, reviewed, .. } => Some(match reviewed {
                Some(day) => format!("app {id} (reviewed {day})"),
                None => format!("app {id}"),
            }),
            Self::Asvs { app, version, passed, failed, missing, not_applicable } => Some(format!(
                "ASVS {version} of {app}: {passed} passed, {failed} failed, {missing} without a result, {not_applicable} n/a"
            )),
            Self::Training { team, developers, trained } => {
                Some(format!("team {team}: {trained} of {developers} developers trained"))
            }
            Self::Repo { path, app, missing, .. } => Some(if missing.is_empty() {
                format!("repository {path} ({app}): every required scan runs")
            } else {
                format!("repository {path} ({app}): no {}", missing.join(", "))
            }),
            Self::Finding {
                app,
                environment,
                tool,
                rule,
                severity,
                deadline,
                met,
                days,
                file,
                line: file_line,
                ..
            } => {
                let mut line = format!("{severity} {tool} {rule}");
                match (file, file_line) {
                    (Some(file), Some(at)) => line.push_str(&format!(" in {file}:{at}")),
                    (Some(file), None) => line.push_str(&format!(" in {file}")),
                    _ => {}
                }
                line.push_str(&format!(" ({app}, {environment})"));
                match (deadline, met, days) {
                    (Some(deadline), Some(met), _) => line.push_str(&format!(
                        ", due {deadline}, {}",
                        if *met { "fixed in time" } else { "late" }
                    )),
                    (_, _, Some(days)) => line.push_str(&format!(", fixed in {days} days")),
                    _ => {}
                }
                Some(line)
            }
            Self::Checkin { date, value, confidence } => Some(match confidence {
                Some(c) => format!("check-in {date}: {value} (confidence {c}/10)"),
                None => format!("check-in {date}: {value}"),
            }),
            Self::Milestone { title, done, .. } => Some(match done {
                Some(day) => format!("milestone {title} (done {day})"),
                None => format!("milestone {title} (not done)"),
            }),
        }
    }
}

/// How much of a key result's scope had evidence: `covered` of `total` units (apps, repositories)
/// each needing its own evidence. None covered is no data; some covered caps the status at
/// `at_risk`, because the part without evidence could hide anything.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// Units with evidence.
    pub covered: u32,
    /// Units in scope.
    pub total: u32,
    /// What was counted, as in "2 of 3 `apps scanned`".
    pub of: &'static str,
    /// The units without evidence, sorted.
    pub missing: Vec<String>,
}

impl Coverage {
    /// Whether some, but not all, of the scope has evidence.
    pub fn is_partial(&self) -> bool {
        0 < self.covered && self.covered < self.total
    }

    /// Whether nothing in a non-empty scope has evidence.
    pub fn is_empty(&self) -> bool {
        self.covered == 0 && self.total > 0
    }

    /// "2 of 3 apps scanned (missing: billing)".
    pub fn describe(&self) -> String {
        let mut text = format!("{} of {} {}", self.covered, self.total, self.of);
        if !self.missing.is_empty() {
            text.push_str(&format!(" (no evidence: {})", self.missing.join(", ")));
        }
        text
    }
}

/// How old a key result's evidence is: the newest evidence of its stalest unit (the app scanned
/// longest ago), against the maximum age its kind allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceAge {
    /// Which evidence, for people: "the newest scan of `ops`".
    pub what: String,
    /// Its date.
    pub newest: Date,
    /// The setting that bounds it: `evidence_max_age_days.scans`.
    pub setting: &'static str,
    /// The maximum age in days.
    pub max_age_days: u32,
}

impl EvidenceAge {
    /// Whether the evidence is older on `as_of` than its maximum age.
    pub fn is_stale(&self, as_of: Date) -> bool {
        i64::from((as_of - self.newest).get_days()) > i64::from(self.max_age_days)
    }
}

/// Things of one kind a measurement left out for one reason ("app out of scope"): how many, and
/// the first few, so that `threatokr explain` can say what was not counted and why without a key
/// result holding a copy of every finding of the portfolio.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// Why: "app out of scope", "below the score".
    pub reason: &'static str,
    /// How many things were left out for it.
    pub count: u32,
    /// The first [`LeftOut::EXAMPLES`] of them, for people ("semgrep sql-injection in billing/prod").
    pub examples: Vec<String>,
}

impl LeftOut {
    /// How many examples each reason keeps.
    pub const EXAMPLES: usize = 5;
}

/// What a measurement left out, by reason, in the order the reasons were first met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LeftOutTally(Vec<LeftOut>);

impl LeftOutTally {
    /// Counts one thing left out for `reason`; `example` is only built for the first few.
    pub(crate) fn add(&mut self, reason: &'static str, example: impl FnOnce() -> String) {
        let entry = match self.0.iter().position(|l| l.reason == reason) {
            Some(index) => &mut self.0[index],
            None => {
                self.0.push(LeftOut { reason, count: 0, examples: Vec::new() });
                self.0.last_mut().expect("just pushed")
            }
        };
        entry.count += 1;
        if entry.examples.len() < LeftOut::EXAMPLES {
            entry.examples.push(example());
        }
    }

    /// Counts `count` things left out for `reason`, as `add` would one after the other;
    /// `example(i)` describes the `i`-th, and is only called for the first few.
    pub(crate) fn add_many(
        &mut self,
        reason: &'static str,
        count: usize,
        example: impl Fn(usize) -> String,
    ) {
        for i in 0..count.min(LeftOut::EXAMPLES) {
            self.add(reason, || example(i));
        }
        let rest = u32::try_from(count.saturating_sub(LeftOut::EXAMPLES)).unwrap_or(u32::MAX);
        // The loop above made the entry when there is a rest.
        if let Some(entry) = self.0.iter_mut().find(|l| l.reason == reason).filter(|_| rest > 0) {
            entry.count = entry.count.saturating_add(rest);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<LeftOut> {
        self.0
    }
}

/// The value of one key result on one day, with what it was computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KrValue {
    /// The metric's value (a percentage for ratio metrics, a count, days, or a check-in value);
    /// `None` when there was nothing to measure.
    pub value: Option<f64>,
    /// What was counted.
    pub numerator: Option<f64>,
    /// Out of how many.
    pub denominator: Option<f64>,
    /// The evidence behind the numbers.
    pub evidence: Vec<EvidenceRef>,
    /// Remarks for people (a parameter not understood, evidence missing).
    pub notes: Vec<String>,
    /// The day the value is as of: `as_of` for metrics computed from evidence, the check-in's date
    /// for check-ins, `None` for values read from the OKR file (never stale).
    pub measured_on: Option<Date>,
    /// The newest check-in's confidence, shown apart from progress.
    pub confidence: Option<u8>,
    /// How much of the scope had evidence, for metrics whose scope units each need their own.
    pub coverage: Option<Coverage>,
    /// How old the evidence is, for metrics whose evidence ages.
    pub evidence_age: Option<EvidenceAge>,
    /// What the metric did not count, and why (shown by `threatokr explain`, not recorded).
    pub left_out: Vec<LeftOut>,
    /// What the denominator held item by item, where the recorded evidence keeps only counts
    /// (training: each developer and whether trained; ASVS: each requirement and its result; CI:
    /// each required category of each repository, with its tools and why they enforce it or not);
    /// shown by `threatokr explain`, never recorded.
    pub items: Vec<String>,
    /// What each (app, environment) scope gave a finding metric, kept with the value so that
    /// measuring the day again computes only the scopes that changed (`None` for other metrics).
    pub scope_parts: Option<Vec<ScopePart>>,
}

impl KrValue {
    /// A ratio as a percentage; no data when nothing is in the denominator.
    pub(crate) fn ratio(numerator: f64, denominator: f64, as_of: Date) -> Self {
        // Adding 0.0 turns the -0.0 that an empty float `sum()` gives into 0.0, so nothing
        // prints "-0 of 3".
        let (numerator, denominator) = (numerator + 0.0, denominator + 0.0);
        Self {
            value: (denominator > 0.0).then(|| 100.0 * numerator / denominator),
            numerator: Some(numerator),
            denominator: Some(denominator),
            measured_on: Some(as_of),
            ..Self::default()
        }
    }

    /// The same value with what its scope's evidence covered (the missing units sorted).
    pub(crate) fn covering(mut self, mut coverage: Coverage) -> Self {
        coverage.missing.sort();
        self.coverage = Some(coverage);
        self
    }

    /// The same value with how old its evidence is.
    pub(crate) fn aged(mut self, age: Option<EvidenceAge>) -> Self {
        self.evidence_age = age;
        self
    }

    /// Whether the evidence behind a value is older than its kind allows on `as_of`.
    pub fn has_stale_evidence(&self, as_of: Date) -> bool {
        self.value.is_some() && self.evidence_age.as_ref().is_some_and(|age| age.is_stale(as_of))
    }

    /// A count (no denominator).
    pub(crate) fn count(count: f64, as_of: Date) -> Self {
        let count = count + 0.0;
        Self {
            value: Some(count),
            numerator: Some(count),
            measured_on: Some(as_of),
            ..Self::default()
        }
    }
}

/// Measures one key result of `cycle` on `as_of` (DESIGN.md §4): its `measure:` metric from the
/// evidence, else its latest check-in (metric and threshold key results) or its file (milestones
/// and binary key results, with a check-in able to declare a binary one done).
pub fn measure_key_result(
    workspace: &Workspace,
    kr: &KeyResult,
    cycle: &Cycle,
    as_of: Date,
    evidence: &EvidenceSet,
    settings: &Settings,
) -> KrValue {
    measure_key_result_indexed(
        workspace,
        kr,
        cycle,
        as_of,
        &IndexedEvidence::new(evidence),
        settings,
    )
}

/// [`measure_key_result`] with indexes shared by the key results measured on the same evidence.
pub fn measure_key_result_indexed(
    workspace: &Workspace,
    kr: &KeyResult,
    cycle: &Cycle,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    settings: &Settings,
) -> KrValue {
    let evidence = indexed.evidence();
    let checkin = evidence.latest_checkin(kr.id.as_str(), as_of);
    let mut value = match (&kr.measure, &kr.target) {
        (Some(measure), _) => {
            let scope = Scope::new(workspace, measure, cycle, as_of);
            let mut value =
                measure_metric(workspace, measure, &scope, as_of, indexed, settings, kr);
            let mut notes = scope.notes;
            notes.append(&mut value.notes);
            value.notes = notes;
            apply_coverage(&mut value);
            if let Some(age) = value.evidence_age.as_ref().filter(|age| age.is_stale(as_of))
                && value.value.is_some()
            {
                value.notes.push(format!(
                    "stale evidence: {} is from {}, older than {} days (settings.{})",
                    age.what, age.newest, age.max_age_days, age.setting
                ));
            }
            value
        }
        (None, KrTarget::Milestones(milestones)) => {
            let total: f64 = milestones.iter().filter(|m| m.weight > 0.0).map(|m| m.weight).sum();
            let done: f64 = milestones
                .iter()
                .filter(|m| m.weight > 0.0 && m.done.is_some_and(|d| d <= as_of))
                .map(|m| m.weight)
                .sum();
            let mut value = KrValue::ratio(done, total, as_of);
            value.measured_on = None;
            value.evidence = milestones
                .iter()
                .map(|m| EvidenceRef::Milestone {
                    title: m.title.clone(),
                    done: m.done.filter(|d| *d <= as_of).map(|d| d.to_string()),
                    weight: m.weight,
                })
                .collect();
            value
        }
        (None, KrTarget::Binary { done }) => {
            let done_by_file = done.filter(|d| *d <= as_of);
            let mut value = KrValue::default();
            if let Some(day) = done_by_file {
                value.value = Some(1.0);
                value.evidence.push(EvidenceRef::Milestone {
                    title: kr.title.clone(),
                    done: Some(day.to_string()),
                    weight: 1.0,
                });
            } else if let Some(c) = checkin {
                value.value = Some(if c.value >= 1.0 { 1.0 } else { 0.0 });
                value.measured_on = Some(c.date);
            } else {
                value.value = Some(0.0);
            }
            value
        }
        (None, _) => match checkin {
            Some(c) => {
                KrValue { value: Some(c.value), measured_on: Some(c.date), ..KrValue::default() }
            }
            None => KrValue {
                notes: vec!["no `measure:` and no check-in yet".into()],
                ..KrValue::default()
            },
        },
    };
    if let Some(c) = checkin {
        value.confidence = c.confidence;
        let manual_value = kr.measure.as_ref().is_none_or(|m| m.metric == "manual")
            && value.value == Some(c.value);
        if manual_value || matches!(kr.target, KrTarget::Binary { .. }) {
            value.evidence.push(EvidenceRef::Checkin {
                date: c.date.to_string(),
                value: c.value,
                confidence: c.confidence,
            });
        }
    }
    // A cycle's measurement holds every key result's evidence at once, and a list grown by
    // doubling can be nearly half spare capacity (thousands of findings per key result).
    value.evidence.shrink_to_fit();
    value
}

/// A scope with no evidence at all is no data, whatever the metric would have counted (0 findings
/// in apps nobody scanned is not "no findings"); a partly covered scope says so in a note.
fn apply_coverage(value: &mut KrValue) {
    let Some(coverage) = &value.coverage else { return };
    if coverage.is_empty() {
        value.notes.push(format!("no data: {}", coverage.describe()));
        value.value = None;
        value.numerator = None;
        value.denominator = None;
    } else if coverage.is_partial() {
        value.notes.push(format!(
            "partial evidence: {}; the status is at best at_risk",
            coverage.describe()
        ));
    }
}

fn measure_metric(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    settings: &Settings,
    kr: &KeyResult,
) -> KrValue {
    let evidence = indexed.evidence();
    match measure.metric.as_str() {
        "threats.mitigated" => super::threats::mitigated(workspace, measure, scope, as_of),
        "threats.open" => super::threats::open(workspace, measure, scope, as_of),
        "threats.tested" => {
            super::threats::tested(workspace, measure, scope, as_of, evidence, settings)
        }
        "apps.threat_modeled" => super::apps::threat_modeled(workspace, measure, scope, as_of),
        "controls.implemented" => super::controls::implemented(workspace, measure, scope, as_of),
        "asvs.compliance" => super::asvs::compliance(measure, scope, as_of, evidence, settings),
        "training.coverage" => {
            super::training::coverage(workspace, measure, scope, as_of, evidence, settings)
        }
        "ci.coverage" => super::ci::coverage(measure, scope, as_of, evidence),
        "findings.open" => {
            super::findings::open(measure, scope, as_of, indexed, settings, indexed.kept(kr))
        }
        "findings.sla" => {
            super::findings::sla(measure, scope, as_of, indexed, settings, indexed.kept(kr))
        }
        "findings.mttr" => {
            super::findings::mttr(measure, scope, as_of, indexed, settings, indexed.kept(kr))
        }
        "manual" => match evidence.latest_checkin(kr.id.as_str(), as_of) {
            Some(c) => {
                KrValue { value: Some(c.value), measured_on: Some(c.date), ..KrValue::default() }
            }
            None => KrValue { notes: vec!["no check-in yet".into()], ..KrValue::default() },
        },
        other => KrValue {
            notes: vec![format!("`{other}` is not a metric of the catalogue")],
            ..KrValue::default()
        },
    }
}

/// A parameter as text (the first item of a list).
pub(crate) fn text_param<'m>(measure: &'m Measure, name: &str) -> Option<&'m str> {
    match declared_param(measure, name)? {
        MeasureParam::Text(text) => Some(text.as_str()),
        MeasureParam::List(items) => items.first().map(String::as_str),
        _ => None,
    }
}

/// A parameter as a list of texts (absent: empty).
pub(crate) fn list_param(measure: &Measure, name: &str) -> Vec<String> {
    declared_param(measure, name).map(MeasureParam::as_list).unwrap_or_default()
}

/// A parameter as a number (numbers written as text included).
pub(crate) fn number_param(measure: &Measure, name: &str) -> Option<f64> {
    match declared_param(measure, name)? {
        MeasureParam::Number(n) => Some(*n),
        MeasureParam::Text(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean parameter (absent: false).
pub(crate) fn bool_param(measure: &Measure, name: &str) -> bool {
    matches!(declared_param(measure, name), Some(MeasureParam::Bool(true)))
}

/// A parameter's value, read only by a name the catalogue declares for the metric: lowering
/// checked the parameters given against those declarations (type, vocabulary, position), so a
/// name read here but declared nowhere would be a parameter no one can set and `validate` never
/// checks. Debug builds (every test) stop on it; the catalogue stays the one declaration.
fn declared_param<'m>(measure: &'m Measure, name: &str) -> Option<&'m MeasureParam> {
    debug_assert!(
        crate::metrics::metric(&measure.metric)
            .is_none_or(|spec| crate::metrics::param_of(spec, name).is_some()),
        "the metric `{}` reads `{name}`, which the catalogue does not declare for it",
        measure.metric
    );
    measure.params.get(name)
}

/// A severity's rank for "at or above" comparisons: critical 4 … info 0; unknown has none.
pub(crate) fn severity_rank(severity: Severity) -> Option<u8> {
    match severity {
        Severity::Critical => Some(4),
        Severity::High => Some(3),
        Severity::Medium => Some(2),
        Severity::Low => Some(1),
        Severity::Info => Some(0),
        Severity::Unknown => None,
    }
}

/// Reads a `severity` parameter, with a note when it is not a severity.
pub(crate) fn severity_param(measure: &Measure, notes: &mut Vec<String>) -> Option<Severity> {
    let text = text_param(measure, "severity")?;
    match text.trim().to_ascii_lowercase().parse::<Severity>() {
        Ok(severity) => Some(severity),
        Err(error) => {
            notes.push(format!("`severity`: {error}; every severity is counted"));
            None
        }
    }
}
