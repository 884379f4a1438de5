//! The evidence a key result's metric reads, each piece with its newest date, for
//! `threatokr explain`: the scans of the in-scope apps and environments, the files of ASVS
//! verifications, training records and test results, the threat models, the repositories whose
//! CI was scanned, and the check-ins. The same scope as the measurement (`Scope`), so the list
//! names what the value was computed from.

use super::measure::EvidenceSet;
use super::scope::Scope;
use crate::diag::FileId;
use crate::evidence::training::course_key;
use crate::model::{Cycle, KeyResult, Workspace};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// One piece of evidence a key result read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceSource {
    /// What kind: `scan`, `threat model`, `ASVS verification`, `training roster`,
    /// `training completions`, `test results`, `CI`, `check-in`.
    pub kind: &'static str,
    /// Which one, for people ("semgrep of checkout/prod"); files are named by the caller.
    pub what: String,
    /// The file it was read from, when it is a file of the workspace.
    pub file: Option<FileId>,
    /// Its newest date on or before the day measured, when it has dates.
    pub newest: Option<Date>,
}

/// The evidence `kr`'s metric reads on `as_of`, sorted by kind and what.
pub fn evidence_sources(
    workspace: &Workspace,
    kr: &KeyResult,
    cycle: &Cycle,
    as_of: Date,
    evidence: &EvidenceSet,
) -> Vec<EvidenceSource> {
    let mut sources = Vec::new();
    let Some(measure) = &kr.measure else {
        checkins(kr, as_of, evidence, &mut sources);
        return sources;
    };
    let scope = Scope::new(workspace, measure, cycle, as_of);
    let newest_by_file = |dates: &mut dyn Iterator<Item = (FileId, Option<Date>)>| {
        let mut by_file: BTreeMap<FileId, Option<Date>> = BTreeMap::new();
        for (file, date) in dates {
            let entry = by_file.entry(file).or_default();
            *entry = (*entry).max(date.filter(|d| *d <= as_of));
        }
        by_file
    };
    let metric = measure.metric.as_str();
    if metric.starts_with("findings.") {
        let mut newest: BTreeMap<(&str, &str, &str), Date> = BTreeMap::new();
        for scan in &evidence.scans {
            if scan.date <= as_of
                && scope.has_app(&scan.app)
                && scope.has_environment(&scan.environment)
            {
                let entry =
                    newest.entry((&scan.tool, &scan.app, &scan.environment)).or_insert(scan.date);
                *entry = (*entry).max(scan.date);
            }
        }
        sources.extend(newest.into_iter().map(|((tool, app, environment), date)| EvidenceSource {
            kind: "scan",
            what: format!("{tool} of {app}/{environment} (its newest scan)"),
            file: None,
            newest: Some(date),
        }));
    }
    if metric.starts_with("threats.")
        || metric == "controls.implemented"
        || metric == "apps.threat_modeled"
    {
        for (app, model) in scope.models(workspace) {
            sources.push(EvidenceSource {
                kind: "threat model",
                what: format!("{} ({app}), reviewed", model.title),
                file: Some(model.origin.file),
                newest: model.reviewed.filter(|d| *d <= as_of),
            });
        }
    }
    if metric == "threats.tested" {
        let by_file = newest_by_file(&mut evidence.tests.iter().map(|t| (t.origin.file, t.date)));
        sources.extend(by_file.into_iter().map(|(file, newest)| EvidenceSource {
            kind: "test results",
            what: String::new(),
            file: Some(file),
            newest,
        }));
    }
    if metric == "asvs.compliance" {
        for verification in evidence.asvs.iter().filter(|v| scope.has_app(&v.app)) {
            let newest = verification
                .requirements
                .iter()
                .filter_map(|r| r.date)
                .chain(verification.date)
                .filter(|d| *d <= as_of)
                .max();
            sources.push(EvidenceSource {
                kind: "ASVS verification",
                what: format!("{} against ASVS {}", verification.app, verification.version),
                file: Some(verification.origin.file),
                newest,
            });
        }
    }
    if metric == "training.coverage" {
        let course = super::measure::text_param(measure, "course")
            .or_else(|| super::measure::text_param(measure, "topic"))
            .map(course_key)
            .unwrap_or_default();
        let rosters = newest_by_file(&mut evidence.roster.iter().map(|r| (r.origin.file, None)));
        sources.extend(rosters.into_keys().map(|file| EvidenceSource {
            kind: "training roster",
            what: String::new(),
            file: Some(file),
            newest: None,
        }));
        let completions = newest_by_file(
            &mut evidence
                .completions
                .iter()
                .map(|c| (c.origin.file, (course_key(&c.course) == course).then_some(c.date))),
        );
        sources.extend(completions.into_iter().map(|(file, newest)| EvidenceSource {
            kind: "training completions",
            what: format!("newest completion of `{course}`"),
            file: Some(file),
            newest,
        }));
    }
    if metric == "ci.coverage" {
        let repos: Vec<&String> = scope.apps.iter().flat_map(|a| &a.repos).collect();
        for scan in evidence.ci.iter().filter(|s| repos.contains(&&s.path)) {
            sources.push(EvidenceSource {
                kind: "CI",
                what: format!("{} (read as it is today)", scan.path),
                file: None,
                newest: None,
            });
        }
    }
    if metric == "manual" {
        checkins(kr, as_of, evidence, &mut sources);
    }
    sources.sort_by(|a, b| (a.kind, &a.what, a.file).cmp(&(b.kind, &b.what, b.file)));
    sources
}

/// The newest check-in of a key result on or before `as_of`, and how many there are.
fn checkins(
    kr: &KeyResult,
    as_of: Date,
    evidence: &EvidenceSet,
    sources: &mut Vec<EvidenceSource>,
) {
    let Some(all) = evidence.checkins.get(kr.id.as_str()) else { return };
    let taken: Vec<_> = all.iter().filter(|c| c.date <= as_of).collect();
    if let Some(newest) = taken.iter().map(|c| c.date).max() {
        sources.push(EvidenceSource {
            kind: "check-in",
            what: format!("{} check-in(s) on or before the day measured", taken.len()),
            file: None,
            newest: Some(newest),
        });
    }
}
