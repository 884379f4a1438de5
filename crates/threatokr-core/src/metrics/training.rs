//! `training.coverage`: the share of active developers who hold a valid training of a course.

use super::measure::{EvidenceAge, EvidenceRef, EvidenceSet, KrValue, LeftOutTally, text_param};
use super::scope::Scope;
use crate::evidence::training::course_key;
use crate::model::{Measure, Settings, Workspace};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// `training.coverage`: % of the active developers of the roster (of `teams` when given; of the
/// teams owning the in-scope apps when only `apps` is given) with a completion of `course` (or
/// `topic`, compared case-insensitively) still valid on `as_of`: dated on or before it and no more
/// than the course's `validity_days` (default 365) before it, so coverage does not restart at 0
/// every quarter. A written `window` also requires the completion inside it.
///
/// A roster row's `developer` column decides who is a developer; when it is empty, the person's
/// `developer` flag in `threatokr.yaml` does, else they count. With no roster at all, the
/// workspace's people stand in for it (all active). Evidence is counts per team, never names.
pub(crate) fn coverage(
    workspace: &Workspace,
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    evidence: &EvidenceSet,
    settings: &Settings,
) -> KrValue {
    let mut notes = Vec::new();
    let Some(course) = text_param(measure, "course").or_else(|| text_param(measure, "topic"))
    else {
        notes.push("`training.coverage` needs `course` (or `topic`)".into());
        return KrValue { notes, ..KrValue::default() };
    };
    let course = course_key(course);
    if evidence.completions.is_empty() {
        // Without any completion record, 0% trained would be a guess: nobody handed in evidence.
        notes.push("no data: no training completions were read".into());
        return KrValue { notes, ..KrValue::default() };
    }
    let teams: Option<BTreeSet<String>> = match &scope.teams {
        Some(teams) => Some(teams.clone()),
        None if scope.apps_filtered => {
            Some(scope.apps.iter().filter_map(|a| a.team.as_ref()).map(|t| t.to_string()).collect())
        }
        None => None,
    };
    let flag_of: BTreeMap<&str, bool> =
        workspace.config.org.people.iter().map(|p| (p.id.as_str(), p.developer)).collect();
    // (person, team) of every active developer in scope.
    let mut left_out = LeftOutTally::default();
    let developers: Vec<(String, String)> = if evidence.roster.is_empty() {
        notes.push("no training roster: the people of threatokr.yaml are counted".into());
        workspace
            .config
            .org
            .people
            .iter()
            .filter(|p| p.developer)
            .filter_map(|p| Some((p.id.to_string(), p.team.as_ref()?.to_string())))
            .collect()
    } else {
        let mut developers = Vec::new();
        for entry in &evidence.roster {
            let describe = || format!("{} ({})", entry.person, entry.team);
            if !entry.active {
                left_out.add("person not active", describe);
            } else if !entry
                .developer
                .or_else(|| flag_of.get(entry.person.as_str()).copied())
                .unwrap_or(true)
            {
                left_out.add("person not a developer", describe);
            } else {
                developers.push((entry.person.clone(), entry.team.clone()));
            }
        }
        developers
    };
    // Trained means holding a valid training on `as_of`: a completion on or before it, no older
    // than the course's validity, and inside the window only when one is written.
    let validity = i64::from(settings.course_validity_days(&course));
    let holds = |day: Date| {
        day <= as_of
            && i64::from((as_of - day).get_days()) <= validity
            && (!scope.window_given || scope.in_window(day, as_of))
    };
    let mut trained: BTreeSet<&str> = BTreeSet::new();
    let mut invalid = LeftOutTally::default();
    for completion in &evidence.completions {
        let describe =
            || format!("{} {} on {}", completion.person, completion.course, completion.date);
        if course_key(&completion.course) != course {
            invalid.add("another course", describe);
        } else if completion.date > as_of {
            invalid.add("completed after the day measured", describe);
        } else if i64::from((as_of - completion.date).get_days()) > validity {
            invalid.add("training expired (older than the course's validity)", describe);
        } else if !holds(completion.date) {
            invalid.add("completed outside the window", describe);
        } else {
            trained.insert(completion.person.as_str());
        }
    }
    let mut by_team: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut items = Vec::new();
    for (person, team) in &developers {
        if teams.as_ref().is_some_and(|teams| !teams.contains(team)) {
            left_out.add("team out of scope", || format!("{person} ({team})"));
            continue;
        }
        if !seen.insert(person) {
            continue;
        }
        let entry = by_team.entry(team).or_default();
        entry.0 += 1;
        if trained.contains(person.as_str()) {
            entry.1 += 1;
            items.push(format!("{person} ({team}): trained"));
        } else {
            items.push(format!("{person} ({team}): not trained"));
        }
    }
    let numerator: u32 = by_team.values().map(|(_, trained)| trained).sum();
    let denominator: u32 = by_team.values().map(|(developers, _)| developers).sum();
    let evidence_refs = by_team
        .into_iter()
        .map(|(team, (developers, trained))| EvidenceRef::Training {
            team: team.to_owned(),
            developers,
            trained,
        })
        .collect();
    let newest = evidence
        .completions
        .iter()
        .filter(|c| course_key(&c.course) == course && c.date <= as_of)
        .map(|c| c.date)
        .max();
    // Valid completions of people who are not counted developers in scope.
    for completion in evidence.completions.iter().filter(|c| {
        course_key(&c.course) == course && holds(c.date) && !seen.contains(c.person.as_str())
    }) {
        invalid.add("completed by someone not counted (not an active developer in scope)", || {
            format!("{} {} on {}", completion.person, completion.course, completion.date)
        });
    }
    let mut left_out = left_out.into_vec();
    left_out.extend(invalid.into_vec());
    KrValue {
        evidence: evidence_refs,
        notes,
        left_out,
        items,
        ..KrValue::ratio(f64::from(numerator), f64::from(denominator), as_of)
    }
    .aged(newest.map(|newest| EvidenceAge {
        what: format!("the newest completion of `{course}`"),
        newest,
        setting: "courses[].validity_days",
        max_age_days: settings.course_validity_days(&course),
    }))
}
