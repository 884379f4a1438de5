//! Finding metrics: `findings.open`, `findings.sla` and `findings.mttr`.

use super::measure::{
    Coverage, EvidenceAge, EvidenceRef, EvidenceSet, FindingRecord, IndexedEvidence, KrValue,
    LeftOutTally, list_param, severity_param, severity_rank, text_param,
};
use super::scope::Scope;
use crate::model::{Comparison, FindingClass, Measure, Settings, Severity};
use crate::native::parse_score_condition;
use jiff::ToSpan;
use jiff::civil::Date;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The classes a key result counts: `classes: [security, quality, license]`, default `[security]`
/// (issue 10: scanners report code-quality and licence issues in the same SARIF as
/// vulnerabilities). An unknown class is noted and left out.
fn classes_param(measure: &Measure, notes: &mut Vec<String>) -> Vec<FindingClass> {
    let names = list_param(measure, "classes");
    if names.is_empty() {
        return vec![FindingClass::Security];
    }
    let mut classes = Vec::new();
    for name in names {
        match name.trim().to_ascii_lowercase().parse::<FindingClass>() {
            Ok(class) => classes.push(class),
            Err(error) => notes.push(format!("`classes`: {error}; left out")),
        }
    }
    classes
}

/// Findings of in-scope apps and environments about the themes (by their CWEs), of the classes
/// the key result counts; the others are tallied in `left_out` with the reason. Whether an app
/// and environment are in scope is decided once per pair, not once per finding.
fn in_scope<'e>(
    scope: &Scope<'_>,
    indexed: &'e IndexedEvidence<'_>,
    classes: Vec<FindingClass>,
    left_out: &mut LeftOutTally,
) -> Vec<&'e FindingRecord> {
    let places = indexed.finding_places();
    let findings = &indexed.evidence().findings;
    let mut kept = Vec::new();
    // A run of findings of one place out of scope is tallied at once: a team's key result
    // would otherwise look at each of the portfolio's findings to leave it out (a tenth of
    // `measure` at enterprise scale, issue 12). The tally is the same: a run has one reason.
    for (place, run) in &places.runs {
        let (app, environment) = places.names[*place];
        let place_out = if !scope.has_app(app) {
            Some("app out of scope")
        } else if !scope.has_environment(environment) {
            Some("environment out of scope")
        } else {
            None
        };
        let run = &findings[run.clone()];
        if let Some(reason) = place_out {
            left_out.add_many(reason, run.len(), |i| describe_finding(&run[i]));
            continue;
        }
        for f in run {
            let reason = if !scope.has_cwes(&f.cwes) {
                "theme out of scope (by its CWEs)"
            } else if !classes.contains(&f.class) {
                match f.class {
                    FindingClass::Quality => "class quality, not counted",
                    FindingClass::License => "class license, not counted",
                    FindingClass::Security => "class security, not counted",
                }
            } else {
                kept.push(f);
                continue;
            };
            left_out.add(reason, || describe_finding(f));
        }
    }
    kept
}

/// The (app, environment) pair of every finding, as an index into the distinct pairs.
#[derive(Debug, Default)]
pub(crate) struct FindingPlaces<'e> {
    /// The distinct (app, environment) pairs, in the order first met.
    names: Vec<(&'e str, &'e str)>,
    /// The findings in order, as runs of one pair: its index in `names` and the run's findings.
    /// The store gives findings sorted by app and environment, so there are few runs.
    runs: Vec<(usize, std::ops::Range<usize>)>,
}

impl<'e> FindingPlaces<'e> {
    pub(crate) fn new(evidence: &'e EvidenceSet) -> Self {
        let mut index_of: HashMap<(&str, &str), usize> = HashMap::new();
        let mut names = Vec::new();
        let mut runs: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        for (i, f) in evidence.findings.iter().enumerate() {
            let key = (&*f.app, &*f.environment);
            // A finding of the last run's place extends it without a lookup.
            if let Some((last, run)) = runs.last_mut()
                && names[*last] == key
            {
                run.end = i + 1;
                continue;
            }
            let place = *index_of.entry(key).or_insert_with(|| {
                names.push(key);
                names.len() - 1
            });
            runs.push((place, i..i + 1));
        }
        Self { names, runs }
    }
}

/// One finding for people: "semgrep rule-x (high 7.5) in shop/prod, src/a.py:3".
pub(crate) fn describe_finding(finding: &FindingRecord) -> String {
    let score = finding.score.map(|s| format!(" {s:.1}")).unwrap_or_default();
    let mut text = format!(
        "{} {} ({}{score}) in {}/{}",
        finding.tool,
        finding.rule_id,
        finding.severity.as_str(),
        finding.app,
        finding.environment
    );
    if let Some(file) = &finding.file {
        text.push_str(&format!(", {file}"));
        if let Some(line) = finding.line {
            text.push_str(&format!(":{line}"));
        }
    }
    text
}

/// The days each app was scanned in each environment: its scans, and its findings' first-seen
/// and fixed days (those are scans too), sorted and without repeats. Built once per measurement
/// and shared by every finding key result: walking every scan and finding again for each key
/// result made coverage most of a measurement's time (issue 12).
#[derive(Debug, Default)]
pub(crate) struct ScanDays<'e> {
    /// App → environment → its scan days, oldest first.
    by_app: BTreeMap<&'e str, BTreeMap<&'e str, Vec<Date>>>,
}

impl<'e> ScanDays<'e> {
    pub(crate) fn new(evidence: &'e EvidenceSet, places: &FindingPlaces<'e>) -> Self {
        let mut by_app: BTreeMap<&str, BTreeMap<&str, Vec<Date>>> = BTreeMap::new();
        for scan in &evidence.scans {
            let days = by_app.entry(&scan.app).or_default().entry(&scan.environment).or_default();
            days.push(scan.date);
        }
        // The findings of a place are looked up once per run of them, not once each (the
        // lookups were most of building this for a portfolio's 500,000 findings, issue 12); a
        // day already pushed last is not pushed again (a scan's findings share its days).
        for (place, run) in &places.runs {
            let (app, environment) = places.names[*place];
            let days = by_app.entry(app).or_default().entry(environment).or_default();
            for finding in &evidence.findings[run.clone()] {
                for day in std::iter::once(finding.first_seen).chain(finding.fixed_at) {
                    if days.last() != Some(&day) {
                        days.push(day);
                    }
                }
            }
        }
        for days in by_app.values_mut().flat_map(BTreeMap::values_mut) {
            days.sort_unstable();
            days.dedup();
        }
        Self { by_app }
    }

    /// The newest scan of `app` in `environment` inside the scope's window on `as_of`.
    fn newest(&self, scope: &Scope<'_>, as_of: Date, app: &str, environment: &str) -> Option<Date> {
        newest_in_window(self.by_app.get(app)?.get(environment)?, scope, as_of)
    }

    /// The newest scan of `app` inside the window in any environment, with that environment (the
    /// later environment name on a tie).
    fn newest_anywhere(
        &self,
        scope: &Scope<'_>,
        as_of: Date,
        app: &str,
    ) -> Option<(Date, &'e str)> {
        self.by_app
            .get(app)?
            .iter()
            .filter_map(|(environment, days)| {
                Some((newest_in_window(days, scope, as_of)?, *environment))
            })
            .max()
    }
}

/// The newest of `days` (sorted) inside the scope's window on `as_of`.
fn newest_in_window(days: &[Date], scope: &Scope<'_>, as_of: Date) -> Option<Date> {
    let until = days.partition_point(|day| *day <= as_of);
    let newest = *days[..until].last()?;
    scope.in_window(newest, as_of).then_some(newest)
}

/// Which in-scope apps were scanned inside the window, and how old the newest scan of the app
/// scanned longest ago is. An app counts when every in-scope environment it runs in had a scan in
/// the window; an app that lists no environments needs one scan in any in-scope environment; an
/// app that runs in none of the key result's environments is out of scope. A finding's
/// first-seen and fixed dates are scans too.
pub(crate) fn scan_coverage(
    scope: &Scope<'_>,
    as_of: Date,
    scan_days: &ScanDays<'_>,
    settings: &Settings,
) -> (Coverage, Option<EvidenceAge>) {
    let mut coverage =
        Coverage { covered: 0, total: 0, of: "apps scanned in the window", missing: Vec::new() };
    let mut oldest: Option<(Date, String)> = None;
    for app in &scope.apps {
        let id = app.id.as_str();
        let needed: Vec<&str> = app
            .environments
            .iter()
            .map(String::as_str)
            .filter(|e| scope.has_environment(e))
            .collect();
        // The newest scan of each environment the app needs; `None` when one was not scanned.
        let scanned: Option<Vec<(Date, &str)>> =
            match (&scope.environments, app.environments.is_empty()) {
                (_, false) if needed.is_empty() => continue,
                (_, false) => needed
                    .iter()
                    .map(|e| scan_days.newest(scope, as_of, id, e).map(|d| (d, *e)))
                    .collect(),
                (Some(envs), true) => envs
                    .iter()
                    .map(|e| scan_days.newest(scope, as_of, id, e).map(|d| (d, e.as_str())))
                    .collect(),
                (None, true) => {
                    scan_days.newest_anywhere(scope, as_of, id).map(|latest| vec![latest])
                }
            };
        coverage.total += 1;
        match scanned.and_then(|days| days.into_iter().min()) {
            Some((day, environment)) => {
                coverage.covered += 1;
                if oldest.as_ref().is_none_or(|(known, _)| day < *known) {
                    oldest = Some((day, format!("the newest scan of `{id}` in {environment}")));
                }
            }
            None => coverage.missing.push(id.to_owned()),
        }
    }
    coverage.missing.sort();
    let age = oldest.map(|(newest, what)| EvidenceAge {
        what,
        newest,
        setting: "evidence_max_age_days.scans",
        max_age_days: settings.evidence_max_age.scans,
    });
    (coverage, age)
}

fn finding_ref(finding: &FindingRecord) -> EvidenceRef {
    EvidenceRef::Finding {
        app: finding.app.clone(),
        environment: finding.environment.clone(),
        tool: finding.tool.clone(),
        id: finding.id.clone(),
        rule: finding.rule_id.clone(),
        severity: Cow::Borrowed(finding.severity.as_str()),
        score: finding.score,
        deadline: None,
        met: None,
        days: None,
        class: (finding.class != FindingClass::Security)
            .then(|| Cow::Borrowed(finding.class.as_str())),
        by_band: None,
        file: finding.file.clone(),
        line: finding.line,
    }
}

/// The lowest score of a severity's CVSS band, standing in for a finding without a score: a
/// medium finding meets `>= 4.0` but not `> 4.0`.
fn band_floor(severity: Severity) -> Option<f64> {
    match severity {
        Severity::Critical => Some(9.0),
        Severity::High => Some(7.0),
        Severity::Medium => Some(4.0),
        Severity::Low => Some(0.1),
        Severity::Info => Some(0.0),
        Severity::Unknown => None,
    }
}

/// Every finding metric counts only the classes of `classes` (default `security`).
///
/// `findings.open`: the count of findings open on `as_of` (seen by then, not fixed by then) with
/// a score meeting `score` (`">= 4.0"`, `"> 7"`; a finding without a score stands at the floor
/// of its severity band, and its evidence says `by_band`), or at or above `severity`; every open
/// finding when neither is given.
pub(crate) fn open(
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    settings: &Settings,
) -> KrValue {
    let mut notes = Vec::new();
    let condition: Option<(Comparison, f64)> = match text_param(measure, "score") {
        Some(text) => {
            let parsed = parse_score_condition(text);
            if parsed.is_none() {
                notes.push(format!(
                    "`score: {text}` is not `>= N` or `> N`; no score filter applies"
                ));
            }
            parsed
        }
        None => None,
    };
    let floor = severity_param(measure, &mut notes).and_then(severity_rank);
    let classes = classes_param(measure, &mut notes);
    let mut evidence_refs = Vec::new();
    let mut left_out = LeftOutTally::default();
    let mut not_open = LeftOutTally::default();
    for finding in in_scope(scope, indexed, classes, &mut left_out) {
        if !finding.open_on(as_of) {
            let reason = if finding.first_seen > as_of {
                "first seen after the day measured"
            } else {
                "fixed by the day measured"
            };
            not_open.add(reason, || describe_finding(finding));
            continue;
        }
        let meets_score = condition.is_none_or(|(comparison, limit)| {
            finding
                .score
                .or_else(|| band_floor(finding.severity))
                .is_some_and(|score| comparison.holds(score, limit))
        });
        let meets_severity = floor
            .is_none_or(|floor| severity_rank(finding.severity).is_some_and(|rank| rank >= floor));
        if meets_score && meets_severity {
            let mut reference = finding_ref(finding);
            if let EvidenceRef::Finding { by_band, .. } = &mut reference {
                // The evidence shows which findings counted by the band rule, not by a score.
                *by_band = (condition.is_some() && finding.score.is_none()).then_some(true);
            }
            evidence_refs.push(reference);
        } else if !meets_score {
            not_open.add("below the score", || describe_finding(finding));
        } else {
            not_open.add("below the severity", || describe_finding(finding));
        }
    }
    let count = evidence_refs.len() as f64;
    let (coverage, age) = scan_coverage(scope, as_of, indexed.scan_days(), settings);
    let mut left_out = left_out.into_vec();
    left_out.extend(not_open.into_vec());
    KrValue { evidence: evidence_refs, notes, left_out, ..KrValue::count(count, as_of) }
        .covering(coverage)
        .aged(age)
}

/// Days allowed to fix a finding of this severity; info and unknown have no deadline.
fn sla_days(settings: &Settings, severity: Severity) -> Option<u32> {
    let sla = &settings.sla_days;
    match severity {
        Severity::Critical => Some(sla.critical),
        Severity::High => Some(sla.high),
        Severity::Medium => Some(sla.medium),
        Severity::Low => Some(sla.low),
        Severity::Info | Severity::Unknown => None,
    }
}

/// `findings.sla`: % of in-scope findings (at or above `severity` when given) whose fix deadline
/// (first seen + the SLA days of its severity) fell inside the window, that were fixed on or
/// before the deadline.
pub(crate) fn sla(
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    settings: &Settings,
) -> KrValue {
    let mut notes = Vec::new();
    let floor = severity_param(measure, &mut notes).and_then(severity_rank);
    let classes = classes_param(measure, &mut notes);
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut evidence_refs = Vec::new();
    let mut left_out = LeftOutTally::default();
    let mut not_due = LeftOutTally::default();
    for finding in in_scope(scope, indexed, classes, &mut left_out) {
        if floor
            .is_some_and(|floor| severity_rank(finding.severity).is_none_or(|rank| rank < floor))
        {
            not_due.add("below the severity", || describe_finding(finding));
            continue;
        }
        let Some(days) = sla_days(settings, finding.severity) else {
            not_due.add("no fix deadline (info or unknown severity)", || describe_finding(finding));
            continue;
        };
        let Ok(deadline) = finding.first_seen.checked_add(i64::from(days).days()) else { continue };
        if !scope.in_window(deadline, as_of) {
            not_due.add("deadline outside the window", || describe_finding(finding));
            continue;
        }
        let met = finding.fixed_at.is_some_and(|fixed| fixed <= deadline);
        denominator += 1.0;
        if met {
            numerator += 1.0;
        }
        let mut reference = finding_ref(finding);
        if let EvidenceRef::Finding { deadline: d, met: m, .. } = &mut reference {
            *d = Some(deadline.to_string());
            *m = Some(met);
        }
        evidence_refs.push(reference);
    }
    let (coverage, age) = scan_coverage(scope, as_of, indexed.scan_days(), settings);
    let mut left_out = left_out.into_vec();
    left_out.extend(not_due.into_vec());
    KrValue {
        evidence: evidence_refs,
        notes,
        left_out,
        ..KrValue::ratio(numerator, denominator, as_of)
    }
    .covering(coverage)
    .aged(age)
}

/// `findings.mttr`: the median number of days from first seen to fixed, over the in-scope
/// findings fixed inside the window (of `severity` only, when given); the mean of the two middle
/// values for an even count. The denominator is how many fixes were counted; there is no
/// numerator.
pub(crate) fn mttr(
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    settings: &Settings,
) -> KrValue {
    let mut notes = Vec::new();
    let only = severity_param(measure, &mut notes);
    let classes = classes_param(measure, &mut notes);
    let mut days: Vec<i32> = Vec::new();
    let mut evidence_refs = Vec::new();
    let mut left_out = LeftOutTally::default();
    let mut not_fixed = LeftOutTally::default();
    for finding in in_scope(scope, indexed, classes, &mut left_out) {
        if only.is_some_and(|s| s != finding.severity) {
            not_fixed.add("another severity", || describe_finding(finding));
            continue;
        }
        let Some(fixed) = finding.fixed_at.filter(|d| scope.in_window(*d, as_of)) else {
            not_fixed.add("not fixed inside the window", || describe_finding(finding));
            continue;
        };
        let took = (fixed - finding.first_seen).get_days();
        days.push(took);
        let mut reference = finding_ref(finding);
        if let EvidenceRef::Finding { days: d, .. } = &mut reference {
            *d = Some(took);
        }
        evidence_refs.push(reference);
    }
    days.sort_unstable();
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(f64::from(days[n / 2])),
        n => Some((f64::from(days[n / 2 - 1]) + f64::from(days[n / 2])) / 2.0),
    };
    let (coverage, age) = scan_coverage(scope, as_of, indexed.scan_days(), settings);
    let mut left_out = left_out.into_vec();
    left_out.extend(not_fixed.into_vec());
    KrValue {
        left_out,
        value: median,
        numerator: None,
        denominator: Some(days.len() as f64),
        evidence: evidence_refs,
        notes,
        measured_on: Some(as_of),
        ..KrValue::default()
    }
    .covering(coverage)
    .aged(age)
}
