//! The app page (threat models, threats by status, theme and risk with the key results citing
//! each, open findings with what the newest scan added and fixed, CI and ASVS coverage)
//! and the threat page.

use super::{PageContext, layout, url_encode};
use crate::snapshot::Snapshot;
use maud::{Markup, html};
use std::collections::BTreeMap;
use threatokr_core::analysis::AnalyzedThreat;
use threatokr_core::model::App;
use threatokr_store::FindingRow;

/// The key results of the shown cycle that cite a threat id.
pub(crate) fn citing<'s>(snapshot: &'s Snapshot, threat: &str) -> Vec<&'s str> {
    let mut out: Vec<&str> = snapshot
        .workspace
        .okrs
        .iter()
        .filter(|set| set.cycle.as_str() == snapshot.cycle_id())
        .flat_map(|set| &set.key_results)
        .filter(|kr| kr.derived_from.iter().any(|t| t.as_str() == threat))
        .map(|kr| kr.id.as_str())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Findings of an app split as the app page shows them: open ones, and those the newest scan of
/// each tool and environment found new or fixed.
pub(crate) struct FindingPicture<'s> {
    pub(crate) open: Vec<&'s FindingRow>,
    pub(crate) new: Vec<&'s FindingRow>,
    pub(crate) fixed: Vec<&'s FindingRow>,
}

/// `rows` are one app's findings.
pub(crate) fn finding_picture(rows: &[FindingRow]) -> FindingPicture<'_> {
    let rows: Vec<&FindingRow> = rows.iter().collect();
    let mut newest: BTreeMap<(&str, &str), jiff::civil::Date> = BTreeMap::new();
    for row in &rows {
        let seen = row.fixed_at.map_or(row.last_seen, |fixed| fixed.max(row.last_seen));
        let entry = newest.entry((row.tool.as_str(), row.environment.as_str())).or_insert(seen);
        *entry = (*entry).max(seen);
    }
    let latest =
        |row: &FindingRow| newest.get(&(row.tool.as_str(), row.environment.as_str())).copied();
    FindingPicture {
        open: rows.iter().copied().filter(|r| r.fixed_at.is_none()).collect(),
        new: rows
            .iter()
            .copied()
            .filter(|r| r.fixed_at.is_none() && Some(r.first_seen) == latest(r))
            .collect(),
        fixed: rows
            .iter()
            .copied()
            .filter(|r| r.fixed_at.is_some() && r.fixed_at == latest(r))
            .collect(),
    }
}

fn counts<'a>(values: impl Iterator<Item = &'a str>) -> Vec<(&'a str, usize)> {
    let mut map: BTreeMap<&str, usize> = BTreeMap::new();
    for value in values {
        *map.entry(value).or_default() += 1;
    }
    map.into_iter().collect()
}

fn threat_table(snapshot: &Snapshot, context: &PageContext, threats: &[&AnalyzedThreat]) -> Markup {
    html! {
        div.scroll {
            table.threats {
                thead { tr { th { "Threat" } th { "App" } th { "Status" } th { "Theme" } th { "Risk" } th { "Cited by" } } }
                tbody {
                    @for threat in threats {
                        tr id=(format!("threat-{}", threat.id.as_str())) {
                            td { a href=(context.href(&format!("/threats/{}", url_encode(threat.id.as_str())))) { (threat.id.as_str()) } " " span.title { (threat.title) } }
                            td { a href=(context.href(&format!("/apps/{}", url_encode(threat.app.as_str())))) { (threat.app.as_str()) } }
                            td { (threat.status.as_str()) }
                            td { (threat.theme.as_str()) }
                            td { (threatokr_core::report::format_score(threat.risk.score)) }
                            td { @for kr in citing(snapshot, threat.id.as_str()) { (objective_of_kr(snapshot, context, kr)) " " } }
                        }
                    }
                }
            }
        }
    }
}

fn objective_of_kr(snapshot: &Snapshot, context: &PageContext, kr: &str) -> Markup {
    match snapshot.key_result(kr) {
        Some((_, holders)) if !holders.is_empty() => html! {
            a href=(context.href(&format!("/objectives/{}", url_encode(&holders[0].id))) + "#kr-" + kr) { (kr) }
        },
        _ => html! { (kr) },
    }
}

fn finding_list(rows: &[&FindingRow]) -> Markup {
    html! {
        @if rows.is_empty() { p { "None." } }
        @else {
            p { @for (severity, n) in counts(rows.iter().map(|r| r.severity.as_str())) { (severity) ": " (n) ". " } }
            div.scroll {
                table.findings {
                    thead { tr { th { "Severity" } th { "Rule" } th { "Tool" } th { "Env" } th { "Where" } th { "First seen" } } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (row.severity) } td { (row.rule_id) } td { (row.tool) } td { (row.environment) }
                                td.file { @if let Some(file) = &row.file { (file) @if let Some(line) = row.line { ":" (line) } } }
                                td { (row.first_seen.to_string()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn app_page(
    snapshot: &Snapshot,
    app: &App,
    findings: &[FindingRow],
    context: &PageContext,
) -> Markup {
    let threats: Vec<&AnalyzedThreat> =
        snapshot.analysis.threats.iter().filter(|t| t.app == app.id).collect();
    let models: Vec<&str> = snapshot
        .workspace
        .models
        .iter()
        .enumerate()
        .filter(|(_, m)| m.app.as_ref() == Some(&app.id))
        .filter_map(|(i, _)| snapshot.model_files.get(i).map(String::as_str))
        .collect();
    let findings = finding_picture(findings);
    let scans: Vec<_> = snapshot
        .ci
        .iter()
        .filter(|scan| {
            app.repos
                .iter()
                .any(|repo| repo.trim_start_matches("./") == scan.path.trim_start_matches("./"))
        })
        .collect();
    let verifications: Vec<_> = snapshot.asvs.iter().filter(|v| v.app == app.id.as_str()).collect();
    layout(
        &app.name,
        Some(snapshot),
        context,
        html! {
            h1 { (app.name) }
            p.meta {
                "App " (app.id.as_str())
                @if let Some(team) = &app.team { " of team " a href=(context.href(&format!("/teams/{}", url_encode(team.as_str())))) { (team.as_str()) } }
                @if let Some(tier) = app.tier { ", tier " (tier) }
                @if !app.environments.is_empty() { ", environments: " (app.environments.join(", ")) }
            }
            h2 { "Threat models" }
            ul.files { @for file in &models { li { (file) } } }
            h2 { "Threats" }
            p {
                "By status: " @for (status, n) in counts(threats.iter().map(|t| t.status.as_str())) { (status) " " (n) ". " }
                br;
                "By theme: " @for (theme, n) in counts(threats.iter().map(|t| t.theme.as_str())) { (theme) " " (n) ". " }
            }
            (threat_table(snapshot, context, &threats))
            h2 { "Open findings" }
            (finding_list(&findings.open))
            h3 { "New in the newest scan" }
            (finding_list(&findings.new))
            h3 { "Fixed by the newest scan" }
            (finding_list(&findings.fixed))
            h2 { "CI coverage" }
            @if scans.is_empty() { p { "No repository of this app is checked out in the workspace." } }
            @for scan in &scans {
                h3.file { (scan.path) }
                ul { @for (category, presence) in &scan.categories { li { (category.as_str()) ": " (presence.as_str()) } } }
            }
            h2 { "ASVS coverage" }
            @if verifications.is_empty() { p { "No ASVS verification of this app in the evidence folder." } }
            @for verification in &verifications {
                p {
                    "ASVS " (verification.version)
                    @if let Some(date) = verification.date { ", verified " (date.to_string()) }
                    ": " @for (status, n) in counts(verification.requirements.iter().map(|r| r.status.as_str())) { (status) " " (n) ". " }
                }
            }
        },
    )
}

pub(crate) fn threat_page(snapshot: &Snapshot, id: &str, context: &PageContext) -> Markup {
    let threats: Vec<&AnalyzedThreat> =
        snapshot.analysis.threats.iter().filter(|t| t.id.as_str() == id).collect();
    let descriptions: Vec<&str> = snapshot
        .workspace
        .models
        .iter()
        .flat_map(|m| &m.threats)
        .filter(|t| t.id.as_str() == id)
        .filter_map(|t| t.description.as_deref())
        .collect();
    let title = threats.first().map_or(id, |t| t.title.as_str());
    layout(
        title,
        Some(snapshot),
        context,
        html! {
            h1 { (title) " " span.id { (id) } }
            @for description in &descriptions { p { (description) } }
            (threat_table(snapshot, context, &threats))
        },
    )
}
