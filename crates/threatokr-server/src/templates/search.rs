//! Search across objectives, key results, threats (by id, title or alias), apps, teams and people.

use super::{PageContext, layout, url_encode};
use crate::snapshot::Snapshot;
use maud::{Markup, html};

/// One search hit: what it is, its title, where it links.
pub(crate) struct Hit {
    pub(crate) kind: &'static str,
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) path: String,
}

/// Everything whose id or title contains the query (case-insensitive), in a fixed kind order.
pub(crate) fn search(snapshot: &Snapshot, query: &str) -> Vec<Hit> {
    let needle = query.trim().to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let matches = |id: &str, title: &str| {
        id.to_lowercase().contains(&needle) || title.to_lowercase().contains(&needle)
    };
    let mut hits = Vec::new();
    for objective in &snapshot.report.objectives {
        if matches(&objective.id, &objective.title) {
            hits.push(Hit {
                kind: "objective",
                id: objective.id.clone(),
                title: objective.title.clone(),
                path: format!("/objectives/{}", url_encode(&objective.id)),
            });
        }
    }
    let mut seen_krs = std::collections::BTreeSet::new();
    for objective in &snapshot.report.objectives {
        for kr in &objective.key_results {
            if matches(&kr.id, &kr.title) && seen_krs.insert(kr.id.clone()) {
                hits.push(Hit {
                    kind: "key result",
                    id: kr.id.clone(),
                    title: kr.title.clone(),
                    path: format!("/objectives/{}#kr-{}", url_encode(&objective.id), kr.id),
                });
            }
        }
    }
    for threat in &snapshot.analysis.threats {
        // A threat is found by its id, its title or its short alias (`shop:T-4821`).
        let alias = snapshot.workspace.aliases.alias_in(threat.app.as_str(), &threat.id);
        if matches(threat.id.as_str(), &threat.title)
            || alias.is_some_and(|a| a.to_lowercase().contains(&needle))
        {
            hits.push(Hit {
                kind: "threat",
                id: alias.map_or_else(|| threat.id.to_string(), |a| format!("{} ({a})", threat.id)),
                title: threat.title.clone(),
                path: format!("/threats/{}", url_encode(threat.id.as_str())),
            });
        }
    }
    for app in &snapshot.workspace.config.apps {
        if matches(app.id.as_str(), &app.name) {
            hits.push(Hit {
                kind: "app",
                id: app.id.to_string(),
                title: app.name.clone(),
                path: format!("/apps/{}", url_encode(app.id.as_str())),
            });
        }
    }
    for team in &snapshot.workspace.config.org.teams {
        if matches(team.id.as_str(), &team.name) {
            hits.push(Hit {
                kind: "team",
                id: team.id.to_string(),
                title: team.name.clone(),
                path: format!("/teams/{}", url_encode(team.id.as_str())),
            });
        }
    }
    for person in &snapshot.workspace.config.org.people {
        if matches(person.id.as_str(), &person.name) {
            hits.push(Hit {
                kind: "person",
                id: person.id.to_string(),
                title: person.name.clone(),
                path: format!("/people/{}", url_encode(person.id.as_str())),
            });
        }
    }
    hits
}

pub(crate) fn search_page(snapshot: &Snapshot, query: &str, context: &PageContext) -> Markup {
    let hits = search(snapshot, query);
    layout(
        "Search",
        Some(snapshot),
        context,
        html! {
            h1 { "Search" }
            p { (hits.len()) " result(s) for “" (query) "”." }
            ul.hits {
                @for hit in &hits {
                    li { span.kind { (hit.kind) } " " a href=(context.href(&hit.path)) { (hit.title) } " " span.id { (hit.id) } }
                }
            }
        },
    )
}
