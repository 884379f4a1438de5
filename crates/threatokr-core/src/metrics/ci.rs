//! `ci.coverage`: the share of in-scope repositories whose CI runs every required category
//! automatically on push or pull request.

use super::measure::{Coverage, EvidenceRef, EvidenceSet, KrValue, LeftOutTally, list_param};
use super::scope::Scope;
use crate::evidence::workflow::{Category, Presence, RepoScan};
use crate::model::Measure;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};

/// What `ci.coverage` requires when `require` is not given.
const DEFAULT_REQUIRED: [Category; 3] = [Category::Sast, Category::Secrets, Category::Sca];

/// `ci.coverage`: % of the repositories of in-scope apps (their `repos`, each counted once) whose
/// scan shows every required category `enforced`. A repository with no scan counts as covering
/// nothing.
pub(crate) fn coverage(
    measure: &Measure,
    scope: &Scope<'_>,
    as_of: Date,
    evidence: &EvidenceSet,
) -> KrValue {
    let mut notes = Vec::new();
    let mut required: Vec<Category> = Vec::new();
    for name in list_param(measure, "require") {
        match name.trim().to_ascii_lowercase().parse::<Category>() {
            Ok(category) if !required.contains(&category) => required.push(category),
            Ok(_) => {}
            Err(()) => notes.push(format!(
                "`require`: `{name}` is not a category (sast, secrets, sca, dast, container, iac)"
            )),
        }
    }
    if required.is_empty() {
        required = DEFAULT_REQUIRED.to_vec();
    }
    required.sort();
    let scans: BTreeMap<&str, &RepoScan> =
        evidence.ci.iter().map(|scan| (normalize(&scan.path), scan)).collect();
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let mut evidence_refs = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut items = Vec::new();
    let mut coverage =
        Coverage { covered: 0, total: 0, of: "repositories scanned", missing: Vec::new() };
    for app in &scope.apps {
        for repo in &app.repos {
            let path = normalize(repo);
            if !seen.insert(path) {
                continue;
            }
            let scan = scans.get(path);
            let missing: Vec<String> = required
                .iter()
                .filter(|category| {
                    scan.and_then(|s| s.categories.get(category))
                        .copied()
                        .unwrap_or(Presence::Absent)
                        != Presence::Enforced
                })
                .map(|category| category.as_str().to_owned())
                .collect();
            for category in &required {
                items.push(category_item(repo, *category, scan.copied()));
            }
            coverage.total += 1;
            match scan {
                Some(_) => coverage.covered += 1,
                None => coverage.missing.push(path.to_owned()),
            }
            denominator += 1.0;
            if missing.is_empty() {
                numerator += 1.0;
            }
            evidence_refs.push(EvidenceRef::Repo {
                path: repo.clone(),
                app: app.id.to_string(),
                missing,
                scanned: scan.is_some(),
            });
        }
    }
    let mut left_out = LeftOutTally::default();
    for scan in &evidence.ci {
        if !seen.contains(normalize(&scan.path)) {
            left_out.add("repository of no in-scope app", || scan.path.clone());
        }
    }
    KrValue {
        evidence: evidence_refs,
        notes,
        items,
        left_out: left_out.into_vec(),
        ..KrValue::ratio(numerator, denominator, as_of)
    }
    .covering(coverage)
}

/// One required category of one repository for people: the tools of the category, each with
/// where it runs and why it does or does not enforce the category.
fn category_item(repo: &str, category: Category, scan: Option<&RepoScan>) -> String {
    let Some(scan) = scan else {
        return format!(
            "{repo} {}: not scanned (not a folder checked out here)",
            category.as_str()
        );
    };
    let tools: Vec<String> = scan
        .tools
        .iter()
        .filter(|tool| tool.category == category)
        .map(|tool| {
            let verdict = match (tool.enforced, tool.blocking) {
                (true, true) => "enforced",
                (false, _) => {
                    "not enforced: not run automatically on push or pull request, or switched off"
                }
                (true, false) => "not enforced: allowed to fail",
            };
            format!("{} in {} job {}: {verdict}", tool.name, tool.file, tool.job)
        })
        .collect();
    let verdict = match scan.categories.get(&category).copied().unwrap_or(Presence::Absent) {
        Presence::Enforced => "enforced",
        Presence::Present | Presence::Absent => "not enforced",
    };
    if tools.is_empty() {
        format!("{repo} {}: {verdict}, no tool", category.as_str())
    } else {
        format!("{repo} {}: {verdict} ({})", category.as_str(), tools.join("; "))
    }
}

/// Repository paths compare without a leading `./` or a trailing `/`.
fn normalize(path: &str) -> &str {
    path.trim().trim_start_matches("./").trim_end_matches('/')
}
