//! Finding metrics: `findings.open`, `findings.sla` and `findings.mttr`.

use super::measure::{
    Coverage, EvidenceAge, EvidenceRef, EvidenceSet, FindingRecord, IndexedEvidence, KrValue,
    LeftOut, LeftOutTally, list_param, severity_param, severity_rank, text_param,
};
use super::scope::Scope;
use crate::model::{Comparison, FindingClass, Measure, Settings, Severity};
use crate::native::parse_score_condition;
use jiff::ToSpan;
use jiff::civil::Date;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// What one (app, environment) scope gave a finding key result, kept with its value (issue 12):
/// measuring the same day again after an ingest into a few scopes computes those scopes and adds
/// the kept parts of the others, instead of reading and counting a portfolio's every finding
/// again. Every finding metric's value is a sum over its scopes (a median over the days of all
/// of them), so adding the parts gives the value computed from every finding at once; computing
/// from every finding adds the parts too, so the two cannot drift apart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopePart {
    /// The app.
    pub app: String,
    /// The environment.
    pub environment: String,
    /// The findings its evidence lists: open ones counted (`findings.open`), those due in the
    /// window (`findings.sla`), those fixed in the window (`findings.mttr`).
    pub listed: u64,
    /// Of those listed, the ones fixed by their deadline (`findings.sla`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub met: u64,
    /// How many days each fix took, as (days, fixes) sorted by days (`findings.mttr`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<(i32, u64)>,
    /// The scope's newest scan inside the window on the day measured.
    pub newest_scan: Option<Date>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ScopePart {
    fn empty(app: &str, environment: &str) -> Self {
        Self {
            app: app.to_owned(),
            environment: environment.to_owned(),
            listed: 0,
            met: 0,
            days: Vec::new(),
            newest_scan: None,
        }
    }
}

/// What a finding metric makes of one finding of its scope.
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per finding and moved straight into the evidence: a box would be an allocation per finding"
)]
enum Verdict {
    /// Listed in the evidence: `met` its deadline (`findings.sla`), fixed in `days`
    /// (`findings.mttr`).
    Listed { reference: EvidenceRef, met: bool, days: Option<i32> },
    /// Not counted, for this reason.
    Not(&'static str),
}

/// A finding key result's evidence and its parts, scope by scope.
struct ByScope {
    /// The evidence of the scopes computed (not those kept), in the findings' order.
    evidence: Vec<EvidenceRef>,
    /// Every scope's part, those kept included, sorted by app and environment.
    parts: Vec<ScopePart>,
    /// What was left out and why: the findings out of scope first, then those the metric did
    /// not count.
    left_out: Vec<LeftOut>,
}

/// Judges each finding of the scopes the key result reads but those of `kept` (whose parts were
/// kept from an earlier measurement of the day), with `judge`: findings of apps and environments
/// out of scope, about other themes (by their CWEs) or of classes not counted are tallied as left
/// out, as are those `judge` does not list. Whether an app and environment are in scope is
/// decided once per pair, not once per finding. Every scope read that has scans or findings has
/// a part, with its newest scan in the window.
fn count_by_scope(
    scope: &Scope<'_>,
    as_of: Date,
    indexed: &IndexedEvidence<'_>,
    classes: &[FindingClass],
    kept: &[ScopePart],
    mut judge: impl FnMut(&FindingRecord) -> Verdict,
) -> ByScope {
    let places = indexed.finding_places();
    let findings = &indexed.evidence().findings;
    let is_kept: HashSet<(&str, &str)> =
        kept.iter().map(|p| (p.app.as_str(), p.environment.as_str())).collect();
    let mut fresh: BTreeMap<(&str, &str), ScopePart> = BTreeMap::new();
    let mut evidence = Vec::new();
    let mut left_out = LeftOutTally::default();
    let mut not_counted = LeftOutTally::default();
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
        if is_kept.contains(&(app, environment)) {
            continue; // Counted by its kept part.
        }
        let part =
            fresh.entry((app, environment)).or_insert_with(|| ScopePart::empty(app, environment));
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
                match judge(f) {
                    Verdict::Listed { reference, met, days } => {
                        part.listed += 1;
                        part.met += u64::from(met);
                        part.days.extend(days.map(|d| (d, 1)));
                        evidence.push(reference);
                    }
                    Verdict::Not(reason) => not_counted.add(reason, || describe_finding(f)),
                }
                continue;
            };
            left_out.add(reason, || describe_finding(f));
        }
    }
    // A scope scanned without findings has a part too: it covers its app. Its apps are looked
    // up, not every app scanned walked (a team's key result reads a dozen of 2,000).
    let scan_days = indexed.scan_days();
    for (app, environments) in
        scope.app_ids.iter().filter_map(|app| Some((*app, scan_days.by_app.get(app)?)))
    {
        for environment in environments.keys().copied().filter(|e| scope.has_environment(e)) {
            if !is_kept.contains(&(app, environment)) {
                fresh
                    .entry((app, environment))
                    .or_insert_with(|| ScopePart::empty(app, environment));
            }
        }
    }
    let mut parts: Vec<ScopePart> = fresh
        .into_values()
        .map(|mut part| {
            part.newest_scan = scan_days.newest(scope, as_of, &part.app, &part.environment);
            part.days.sort_unstable();
            part.days.dedup_by(|next, kept| {
                let same = next.0 == kept.0;
                if same {
                    kept.1 += next.1;
                }
                same
            });
            part
        })
        .collect();
    parts.extend(kept.iter().cloned());
    parts.sort_unstable_by(|a, b| (&a.app, &a.environment).cmp(&(&b.app, &b.environment)));
    let mut left_out = left_out.into_vec();
    left_out.extend(not_counted.into_vec());
    // A value partly composed of kept parts tallies only what it computed: like a value read
    // back, it shows none (`explain` computes from every finding).
    if !kept.is_empty() {
        left_out.clear();
    }
    ByScope { evidence, parts, left_out }
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
}

/// The newest of `days` (sorted) inside the scope's window on `as_of`.
fn newest_in_window(days: &[Date], scope: &Scope<'_>, as_of: Date) -> Option<Date> {
    let until = days.partition_point(|day| *day <= as_of);
    let newest = *days[..until].last()?;
    scope.in_window(newest, as_of).then_some(newest)
}

/// Which in-scope apps were scanned inside the window, and how old the newest scan of the app
/// scanned longest ago is, from the newest scan of each scope's `parts`. An app counts when every
/// in-scope environment it runs in had a scan in the window; an app that lists no environments
/// needs one scan in any in-scope environment; an app that runs in none of the key result's
/// environments is out of scope. A finding's first-seen and fixed dates are scans too.
pub(crate) fn scan_coverage(
    scope: &Scope<'_>,
    parts: &[ScopePart],
    settings: &Settings,
) -> (Coverage, Option<EvidenceAge>) {
    let mut newest_of: HashMap<&str, Vec<(&str, Date)>> = HashMap::new();
    for part in parts {
        if let Some(day) = part.newest_scan {
            newest_of.entry(&part.app).or_default().push((&part.environment, day));
        }
    }
    let newest = |app: &str, environment: &str| {
        newest_of.get(app)?.iter().find(|(e, _)| *e == environment).map(|(_, day)| *day)
    };
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
                (_, false) => needed.iter().map(|e| newest(id, e).map(|d| (d, *e))).collect(),
                (Some(envs), true) => {
                    envs.iter().map(|e| newest(id, e).map(|d| (d, e.as_str()))).collect()
                }
                // The newest scan in any environment (the later environment name on a tie).
                (None, true) => newest_of
                    .get(id)
                    .and_then(|scans| scans.iter().map(|(e, d)| (*d, *e)).max())
                    .map(|latest| vec![latest]),
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

/// Every finding metric counts only the classes of `classes` (default `security`), and takes the
/// parts of the scopes in `kept` as they are (see [`ScopePart`]).
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
    kept: &[ScopePart],
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
    let by_scope = count_by_scope(scope, as_of, indexed, &classes, kept, |finding| {
        if !finding.open_on(as_of) {
            return Verdict::Not(if finding.first_seen > as_of {
                "first seen after the day measured"
            } else {
                "fixed by the day measured"
            });
        }
        let meets_score = condition.is_none_or(|(comparison, limit)| {
            finding
                .score
                .or_else(|| band_floor(finding.severity))
                .is_some_and(|score| comparison.holds(score, limit))
        });
        let meets_severity = floor
            .is_none_or(|floor| severity_rank(finding.severity).is_some_and(|rank| rank >= floor));
        if !meets_score {
            return Verdict::Not("below the score");
        }
        if !meets_severity {
            return Verdict::Not("below the severity");
        }
        let mut reference = finding_ref(finding);
        if let EvidenceRef::Finding { by_band, .. } = &mut reference {
            // The evidence shows which findings counted by the band rule, not by a score.
            *by_band = (condition.is_some() && finding.score.is_none()).then_some(true);
        }
        Verdict::Listed { reference, met: false, days: None }
    });
    let count: u64 = by_scope.parts.iter().map(|p| p.listed).sum();
    by_scope.into_value(notes, KrValue::count(count as f64, as_of), settings, scope)
}

impl ByScope {
    /// `numbers` with this evidence, what was left out, the notes, every part, and what the
    /// parts' scans covered.
    fn into_value(
        self,
        notes: Vec<String>,
        numbers: KrValue,
        settings: &Settings,
        scope: &Scope<'_>,
    ) -> KrValue {
        let (coverage, age) = scan_coverage(scope, &self.parts, settings);
        KrValue {
            evidence: self.evidence,
            notes,
            left_out: self.left_out,
            scope_parts: Some(self.parts),
            ..numbers
        }
        .covering(coverage)
        .aged(age)
    }
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
    kept: &[ScopePart],
) -> KrValue {
    let mut notes = Vec::new();
    let floor = severity_param(measure, &mut notes).and_then(severity_rank);
    let classes = classes_param(measure, &mut notes);
    let by_scope = count_by_scope(scope, as_of, indexed, &classes, kept, |finding| {
        if floor
            .is_some_and(|floor| severity_rank(finding.severity).is_none_or(|rank| rank < floor))
        {
            return Verdict::Not("below the severity");
        }
        let Some(days) = sla_days(settings, finding.severity) else {
            return Verdict::Not("no fix deadline (info or unknown severity)");
        };
        let Ok(deadline) = finding.first_seen.checked_add(i64::from(days).days()) else {
            return Verdict::Not("deadline past the calendar's end");
        };
        if !scope.in_window(deadline, as_of) {
            return Verdict::Not("deadline outside the window");
        }
        let met = finding.fixed_at.is_some_and(|fixed| fixed <= deadline);
        let mut reference = finding_ref(finding);
        if let EvidenceRef::Finding { deadline: d, met: m, .. } = &mut reference {
            *d = Some(deadline.to_string());
            *m = Some(met);
        }
        Verdict::Listed { reference, met, days: None }
    });
    let due: u64 = by_scope.parts.iter().map(|p| p.listed).sum();
    let met: u64 = by_scope.parts.iter().map(|p| p.met).sum();
    by_scope.into_value(notes, KrValue::ratio(met as f64, due as f64, as_of), settings, scope)
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
    kept: &[ScopePart],
) -> KrValue {
    let mut notes = Vec::new();
    let only = severity_param(measure, &mut notes);
    let classes = classes_param(measure, &mut notes);
    let by_scope = count_by_scope(scope, as_of, indexed, &classes, kept, |finding| {
        if only.is_some_and(|s| s != finding.severity) {
            return Verdict::Not("another severity");
        }
        let Some(fixed) = finding.fixed_at.filter(|d| scope.in_window(*d, as_of)) else {
            return Verdict::Not("not fixed inside the window");
        };
        let took = (fixed - finding.first_seen).get_days();
        let mut reference = finding_ref(finding);
        if let EvidenceRef::Finding { days: d, .. } = &mut reference {
            *d = Some(took);
        }
        Verdict::Listed { reference, met: false, days: Some(took) }
    });
    let mut days: Vec<(i32, u64)> =
        by_scope.parts.iter().flat_map(|p| p.days.iter().copied()).collect();
    days.sort_unstable();
    let fixes: u64 = days.iter().map(|(_, n)| n).sum();
    // The `i`-th smallest number of days (from 0), walking the (days, fixes) runs.
    let nth = |i: u64| {
        let mut before = 0;
        days.iter()
            .find(|(_, n)| {
                before += n;
                before > i
            })
            .map(|(d, _)| f64::from(*d))
    };
    let median = match fixes {
        0 => None,
        n if n % 2 == 1 => nth(n / 2),
        n => nth(n / 2 - 1).zip(nth(n / 2)).map(|(low, high)| (low + high) / 2.0),
    };
    let numbers = KrValue {
        value: median,
        numerator: None,
        denominator: Some(fixes as f64),
        measured_on: Some(as_of),
        ..KrValue::default()
    };
    by_scope.into_value(notes, numbers, settings, scope)
}
