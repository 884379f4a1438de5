//! Team and person pages: their objectives and everything above them up to the company, the
//! objectives that support theirs, and the apps and threats they own.

use super::objective::{ancestors, children, objective_link};
use super::{PageContext, badge, layout, percent, url_encode};
use crate::snapshot::Snapshot;
use maud::{Markup, html};
use threatokr_core::model::{App, LinkKind};
use threatokr_core::report::ObjectiveRow;

/// The objectives of a team (by its `team:` or its members' ownership) or of one person.
fn owned<'s>(
    snapshot: &'s Snapshot,
    team: Option<&str>,
    person: Option<&str>,
) -> Vec<&'s ObjectiveRow> {
    let members: Vec<&str> = snapshot
        .workspace
        .config
        .org
        .people
        .iter()
        .filter(|p| team.is_some_and(|t| p.team.as_ref().is_some_and(|pt| pt.as_str() == t)))
        .map(|p| p.id.as_str())
        .collect();
    snapshot
        .report
        .objectives
        .iter()
        .filter(|row| {
            snapshot.okr_objective(&row.id).is_some_and(|o| {
                let owner = o.owner.as_ref().map(|p| p.as_str());
                team.is_some_and(|t| o.team.as_ref().is_some_and(|ot| ot.as_str() == t))
                    || owner.is_some_and(|owner| members.contains(&owner) || person == Some(owner))
            })
        })
        .collect()
}

fn objectives_section(
    snapshot: &Snapshot,
    context: &PageContext,
    owned: &[&ObjectiveRow],
) -> Markup {
    let mut above: Vec<&ObjectiveRow> = Vec::new();
    let mut supporting: Vec<&ObjectiveRow> = Vec::new();
    for objective in owned {
        for parent in ancestors(snapshot, &objective.id) {
            if !above.iter().any(|o| o.id == parent.id) && !owned.iter().any(|o| o.id == parent.id)
            {
                above.push(parent);
            }
        }
        for (link, child) in children(snapshot, &objective.id) {
            if link == LinkKind::Supports && !supporting.iter().any(|o| o.id == child.id) {
                supporting.push(child);
            }
        }
    }
    let list = |rows: &[&ObjectiveRow]| {
        html! {
            ul.links { @for row in rows { li { (objective_link(context, row)) " · " (percent(row.progress)) " " (badge(row.status)) } } }
        }
    };
    html! {
        h2 { "Objectives" }
        @if owned.is_empty() { p { "No objective in this cycle." } }
        (list(owned))
        @if !above.is_empty() { h2 { "Above them, up to the company" } (list(&above)) }
        @if !supporting.is_empty() { h2 { "Objectives that support theirs" } (list(&supporting)) }
    }
}

fn apps_section(
    snapshot: &Snapshot,
    context: &PageContext,
    apps: &[&App],
    threat_owner: Option<&str>,
) -> Markup {
    let threats: Vec<_> = snapshot
        .analysis
        .threats
        .iter()
        .filter(|t| {
            apps.iter().any(|a| a.id == t.app)
                || threat_owner.is_some_and(|owner| {
                    snapshot.workspace.models.get(t.model).is_some_and(|m| {
                        m.threats
                            .iter()
                            .any(|mt| mt.id == t.id && mt.owner.as_deref() == Some(owner))
                    })
                })
        })
        .collect();
    html! {
        h2 { "Apps" }
        @if apps.is_empty() { p { "None." } }
        ul.links { @for app in apps { li { a href=(context.href(&format!("/apps/{}", url_encode(app.id.as_str())))) { (app.name) } } } }
        h2 { "Threats" }
        @if threats.is_empty() { p { "None." } }
        div.scroll {
            table {
                thead { tr { th { "Threat" } th { "App" } th { "Status" } th { "Theme" } th { "Risk" } } }
                tbody {
                    @for threat in &threats {
                        tr {
                            td { a href=(context.href(&format!("/threats/{}", url_encode(threat.id.as_str())))) { (threat.id.as_str()) } " " (threat.title) }
                            td { (threat.app.as_str()) }
                            td { (threat.status.as_str()) }
                            td { (threat.theme.as_str()) }
                            td { (threatokr_core::report::format_score(threat.risk.score)) }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn team_page(
    snapshot: &Snapshot,
    team: &threatokr_core::model::Team,
    context: &PageContext,
) -> Markup {
    let objectives = owned(snapshot, Some(team.id.as_str()), None);
    let apps: Vec<&App> = snapshot
        .workspace
        .config
        .apps
        .iter()
        .filter(|a| a.team.as_ref() == Some(&team.id))
        .collect();
    let people: Vec<_> = snapshot
        .workspace
        .config
        .org
        .people
        .iter()
        .filter(|p| p.team.as_ref() == Some(&team.id))
        .collect();
    layout(
        &team.name,
        Some(snapshot),
        context,
        html! {
            h1 { (team.name) }
            p.meta { "Team " (team.id.as_str()) }
            @if !people.is_empty() {
                h2 { "People" }
                ul.links { @for p in &people { li { a href=(context.href(&format!("/people/{}", url_encode(p.id.as_str())))) { (p.name) } } } }
            }
            (objectives_section(snapshot, context, &objectives))
            (apps_section(snapshot, context, &apps, None))
        },
    )
}

pub(crate) fn person_page(
    snapshot: &Snapshot,
    person: &threatokr_core::model::Person,
    context: &PageContext,
) -> Markup {
    let objectives = owned(snapshot, None, Some(person.id.as_str()));
    let leads: Vec<&App> = snapshot
        .workspace
        .config
        .apps
        .iter()
        .filter(|a| {
            a.team.as_ref().is_some_and(|t| {
                snapshot
                    .workspace
                    .config
                    .org
                    .teams
                    .iter()
                    .any(|team| &team.id == t && team.lead.as_ref() == Some(&person.id))
            })
        })
        .collect();
    layout(
        &person.name,
        Some(snapshot),
        context,
        html! {
            h1 { (person.name) }
            p.meta {
                @if let Some(title) = &person.title { (title) }
                @if let Some(team) = &person.team {
                    " in " a href=(context.href(&format!("/teams/{}", url_encode(team.as_str())))) { (team.as_str()) }
                }
            }
            (objectives_section(snapshot, context, &objectives))
            (apps_section(snapshot, context, &leads, Some(person.id.as_str())))
        },
    )
}
