//! `asvs.compliance`: the share of applicable ASVS requirements passed across in-scope apps.

use super::measure::{
    Coverage, EvidenceAge, EvidenceRef, EvidenceSet, KrValue, LeftOutTally, list_param,
    number_param, text_param,
};
use super::scope::Scope;
use crate::evidence::asvs::AsvsStatus;
use crate::model::{Measure, Settings};
use crate::taxonomy::{AsvsVersion, asvs_chapters, asvs_requirements};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// `asvs.compliance`: for every in-scope app, the requirements of `version` (default the
/// workspace's) at level <= `level` (default 3) in `chapters` (default: the chapters of the
/// scope's themes, else every chapter), from the taxonomy's ASVS table. A requirement marked n/a
/// for an app leaves that app's denominator; a requirement with no result counts as not passed.
/// When an app has several results for one requirement, the newest (dated on or before `as_of`)
/// wins; results dated after `as_of` are not known yet.
pub(crate) fn compliance(
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    evidence: &EvidenceSet,
    settings: &Settings,
) -> KrValue {
    let mut notes = Vec::new();
    let version_text = text_param(measure, "version").unwrap_or(&settings.asvs_version).trim();
    let version_text = version_text.trim_start_matches(['v', 'V']);
    let version: AsvsVersion = match version_text.parse() {
        Ok(version) => version,
        Err(_) => {
            notes.push(format!(
                "ASVS version `{version_text}` is not one threatokr knows (5.0.0, 4.0.3)"
            ));
            return KrValue { notes, ..KrValue::default() };
        }
    };
    let level = number_param(measure, "level").map_or(3, |l| l.clamp(1.0, 3.0) as u8);
    let mut chapters: Vec<String> = list_param(measure, "chapters")
        .iter()
        .map(|c| {
            let c = c.trim();
            let digits = c.trim_start_matches(['v', 'V']);
            format!("V{digits}")
        })
        .collect();
    if chapters.is_empty()
        && let Some(themes) = &scope.themes
    {
        let set: BTreeSet<&str> =
            themes.iter().flat_map(|t| asvs_chapters(*t, version).iter().copied()).collect();
        chapters = set.into_iter().map(str::to_owned).collect();
    }
    let chapter_refs: Vec<&str> = chapters.iter().map(String::as_str).collect();
    let required: Vec<String> =
        asvs_requirements(version, level, &chapter_refs).map(|r| r.id.to_owned()).collect();
    if required.is_empty() {
        notes.push(format!(
            "no ASVS {version} requirement at level <= {level} in chapters {}",
            chapters.join(", ")
        ));
    }

    // App → requirement id → (date, status), newest known result first.
    let mut results: BTreeMap<&str, BTreeMap<String, (Option<Date>, AsvsStatus)>> = BTreeMap::new();
    let mut left_out = LeftOutTally::default();
    for verification in &evidence.asvs {
        let describe = || format!("{} against ASVS {}", verification.app, verification.version);
        if !scope.has_app(&verification.app) {
            left_out.add("verification of an app out of scope", describe);
            continue;
        }
        if verification.version != version.as_str() {
            left_out.add("verification of another ASVS version", describe);
            continue;
        }
        let by_requirement = results.entry(verification.app.as_str()).or_default();
        for result in &verification.requirements {
            let date = result.date.or(verification.date);
            if date.is_some_and(|d| d > as_of) {
                left_out.add("result dated after the day measured", || {
                    format!("{} {} of {}", result.id, result.status.as_str(), verification.app)
                });
                continue;
            }
            let id = result.id.to_string();
            match by_requirement.get(&id) {
                Some((known, _)) if *known > date => {}
                _ => {
                    by_requirement.insert(id, (date, result.status));
                }
            }
        }
    }

    let wanted: BTreeSet<&str> = required.iter().map(String::as_str).collect();
    for (app, by_requirement) in &results {
        for id in by_requirement.keys().filter(|id| !wanted.contains(id.as_str())) {
            left_out.add("requirement above the level or outside the chapters", || {
                format!("{id} of {app}")
            });
        }
    }
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut evidence_refs = Vec::new();
    let mut items = Vec::new();
    // The app whose newest verification is oldest.
    let mut oldest: Option<(Date, String)> = None;
    let mut coverage = Coverage {
        covered: 0,
        total: 0,
        of: "apps with an ASVS verification",
        missing: Vec::new(),
    };
    for app in &scope.apps {
        let app_results = results.get(app.id.as_str());
        coverage.total += 1;
        match app_results {
            Some(by_requirement) => {
                coverage.covered += 1;
                let newest = by_requirement.values().filter_map(|(date, _)| *date).max();
                if let Some(newest) = newest
                    && oldest.as_ref().is_none_or(|(known, _)| newest < *known)
                {
                    oldest = Some((newest, app.id.to_string()));
                }
            }
            None => coverage.missing.push(app.id.to_string()),
        }
        let (mut passed, mut failed, mut missing, mut not_applicable) = (0, 0, 0, 0);
        for id in &required {
            let status = app_results.and_then(|r| r.get(id)).map(|(_, status)| *status);
            match status {
                Some(AsvsStatus::Pass) => passed += 1,
                Some(AsvsStatus::Fail) => failed += 1,
                Some(AsvsStatus::NotApplicable) => not_applicable += 1,
                None => missing += 1,
            }
            // What needs work first: failed, then missing, then n/a, then passed.
            let (rank, result) = status.map_or((1, "missing (not passed)"), |s| match s {
                AsvsStatus::Fail => (0, "fail"),
                AsvsStatus::NotApplicable => (2, "n-a (left out)"),
                AsvsStatus::Pass => (3, "pass"),
            });
            items.push((rank, format!("{id} of {}: {result}", app.id)));
        }
        numerator += f64::from(passed);
        denominator += f64::from(passed + failed + missing);
        evidence_refs.push(EvidenceRef::Asvs {
            app: app.id.to_string(),
            version: version.as_str().to_owned(),
            passed,
            failed,
            missing,
            not_applicable,
        });
        if app_results.is_none() {
            notes.push(format!(
                "no ASVS {version} verification of `{}`: all its requirements count as not passed",
                app.id
            ));
        }
    }
    KrValue {
        evidence: evidence_refs,
        notes,
        left_out: left_out.into_vec(),
        items: {
            items.sort_by_key(|(rank, _)| *rank);
            items.into_iter().map(|(_, item)| item).collect()
        },
        ..KrValue::ratio(numerator, denominator, as_of)
    }
    .covering(coverage)
    .aged(oldest.map(|(newest, app)| EvidenceAge {
        what: format!("the newest ASVS verification of `{app}`"),
        newest,
        setting: "evidence_max_age_days.asvs",
        max_age_days: settings.evidence_max_age.asvs,
    }))
}
