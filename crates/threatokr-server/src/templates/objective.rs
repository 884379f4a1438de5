//! The objective page: its parent chain up to the company, its children, and every key result
//! with value, goal, progress against expected, status, confidence, history, evidence (paged),
//! the threats it is derived from, and the check-in form for editors.

use super::{
    PageContext, badge, layout, link_class, percent, progress_bar, url_encode, value_with_unit,
};
use crate::snapshot::Snapshot;
use maud::{Markup, PreEscaped, html};
use threatokr_core::report::{KrRow, ObjectiveRow, format_number};

/// Evidence lines per page in a key result's drill-down.
pub(crate) const EVIDENCE_PAGE: usize = 20;

/// The chains from an objective up to its roots, nearest parent first (each parent once).
pub(crate) fn ancestors<'s>(snapshot: &'s Snapshot, id: &str) -> Vec<&'s ObjectiveRow> {
    let mut out: Vec<&ObjectiveRow> = Vec::new();
    // Breadth first, so the list runs from the nearest parent to the roots.
    let mut frontier = std::collections::VecDeque::from([id.to_owned()]);
    while let Some(current) = frontier.pop_front() {
        let Some(row) = snapshot.objective(&current) else { continue };
        for (_, parent) in &row.parents {
            if let Some(parent_row) = snapshot.objective(parent)
                && !out.iter().any(|o| o.id == parent_row.id)
                && parent_row.id != id
            {
                out.push(parent_row);
                frontier.push_back(parent_row.id.clone());
            }
        }
    }
    out
}

/// The objectives directly under one, with how they link to it.
pub(crate) fn children<'s>(
    snapshot: &'s Snapshot,
    id: &str,
) -> Vec<(threatokr_core::model::LinkKind, &'s ObjectiveRow)> {
    snapshot
        .report
        .objectives
        .iter()
        .flat_map(|o| o.parents.iter().filter(|(_, p)| p == id).map(move |(link, _)| (*link, o)))
        .collect()
}

pub(crate) fn objective_link(context: &PageContext, objective: &ObjectiveRow) -> Markup {
    html! { a href=(context.href(&format!("/objectives/{}", url_encode(&objective.id)))) { (objective.title) } }
}

pub(crate) fn objective_page(
    snapshot: &Snapshot,
    objective: &ObjectiveRow,
    context: &PageContext,
    evidence_page: usize,
) -> Markup {
    let chain = ancestors(snapshot, &objective.id);
    let kids = children(snapshot, &objective.id);
    layout(
        &objective.title,
        Some(snapshot),
        context,
        html! {
            nav.breadcrumbs aria-label="Objectives above" {
                @for parent in chain.iter().rev() { (objective_link(context, parent)) " › " }
                span { (objective.id) }
            }
            h1 { (objective.title) }
            p.meta {
                (objective.level.as_str()) " objective"
                @if let Some(owner) = &objective.owner { " owned by " (owner) }
                ". Progress " strong #objective-progress { (percent(objective.progress)) } " " (badge(objective.status))
            }
            @if !objective.parents.is_empty() {
                h2 { "Above it" }
                ul.links {
                    @for (link, parent) in &objective.parents {
                        li class=(link_class(Some(*link))) {
                            (link.as_str()) " to "
                            @if let Some(row) = snapshot.objective(parent) { (objective_link(context, row)) } @else { (parent) }
                        }
                    }
                }
            }
            @if !kids.is_empty() {
                h2 { "Below it" }
                ul.links {
                    @for (link, child) in &kids {
                        li class=(link_class(Some(*link))) {
                            (objective_link(context, child)) " " (link.as_str()) " · " (percent(child.progress)) " " (badge(child.status))
                        }
                    }
                }
            }
            h2 { "Key results" }
            @for kr in &objective.key_results { (key_result(snapshot, kr, context, evidence_page)) }
        },
    )
}

fn key_result(
    snapshot: &Snapshot,
    kr: &KrRow,
    context: &PageContext,
    evidence_page: usize,
) -> Markup {
    let checkins = snapshot.checkins.get(&kr.id).map(Vec::as_slice).unwrap_or_default();
    let items = snapshot.measurement.evidence_len(&kr.id);
    let pages = items.div_ceil(EVIDENCE_PAGE).max(1);
    let page = evidence_page.clamp(1, pages);
    let shown = snapshot.measurement.evidence(&kr.id, (page - 1) * EVIDENCE_PAGE, EVIDENCE_PAGE);
    let anchor = format!("kr-{}", kr.id);
    html! {
        article.kr id=(anchor) {
            h3 { (kr.title) " " span.id { (kr.id) } }
            dl.figures {
                dt { "Value" } dd.value { (value_with_unit(kr.value, &kr.unit)) }
                dt { "Goal" } dd {
                    @match (kr.start, kr.target) {
                        (Some(start), Some(target)) => { (format_number(start)) " → " (format_number(target)) " " (kr.unit) }
                        _ => { (kr.goal) }
                    }
                }
                dt { "Progress" } dd {
                    (progress_bar(&format!("bar-{}", kr.id), &format!("{} progress", kr.title), kr.progress, kr.expected, kr.status))
                    " " span.progress { (percent(kr.progress)) } " of an expected " (percent(kr.expected))
                }
                dt { "Status" } dd { (badge(kr.status)) }
                dt { "Confidence" } dd { @if let Some(c) = kr.confidence { (c) " / 10" } @else { "none given" } }
            }
            h4 { "History" }
            (PreEscaped(threatokr_core::report::sparkline(&format!("spark-{}", kr.id), &format!("{} over the cycle", kr.title), &kr.history)))
            div.scroll {
                table.history {
                    thead { tr { th { "Day" } th { "Value" } } }
                    tbody { @for (day, value) in &kr.history { tr { td { (day.to_string()) } td { (format_number(*value)) } } } }
                }
            }
            @if !checkins.is_empty() {
                h4 { "Check-ins" }
                div.scroll {
                    table.checkins {
                        thead { tr { th { "Day" } th { "Value" } th { "Confidence" } th { "Who" } th { "Recorded" } th { "Note" } } }
                        tbody {
                            @for row in checkins.iter().rev() {
                                tr {
                                    td { (row.checkin.effective.to_string()) }
                                    td { (format_number(row.checkin.value)) }
                                    td { @if let Some(c) = row.checkin.confidence { (c) } }
                                    td.author { @if let Some(a) = &row.checkin.author { (a) } @else { (row.checkin.source.as_str()) } }
                                    td { @if let Some(at) = row.recorded_at { (at.strftime("%Y-%m-%d %H:%M UTC").to_string()) } }
                                    td.note { @if let Some(n) = &row.checkin.note { (n) } }
                                }
                            }
                        }
                    }
                }
            }
            h4 { "Evidence counted" }
            @if kr.evidence.is_empty() { p { "No evidence counted yet." } }
            ul.evidence { @for row in &kr.evidence { li { (row.label) ": " (row.value) } } }
            @if items > 0 {
                div.scroll {
                    table.evidence {
                        thead { tr { th { "What" } th { "Counted" } th { "Details" } } }
                        tbody { @for item in &shown { (evidence_item(context, item)) } }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label="Evidence pages" {
                    @if page > 1 { a href=(format!("{}{}evidence={}#{anchor}", context.href(""), if context.cycle.is_some() { "&" } else { "?" }, page - 1)) { "← previous" } " " }
                    "page " (page) " of " (pages)
                    @if page < pages { " " a href=(format!("{}{}evidence={}#{anchor}", context.href(""), if context.cycle.is_some() { "&" } else { "?" }, page + 1)) { "next →" } }
                }
            }
            @if !kr.derived_from.is_empty() {
                h4 { "Derived from" }
                ul.threats {
                    @for threat in &kr.derived_from {
                        li { a href=(context.href(&format!("/threats/{}", url_encode(threat)))) { (threat) } " " (threat_title(snapshot, threat)) }
                    }
                }
            }
            @if context.can_edit() {
                form.checkin action=(format!("/key-results/{}/checkins", url_encode(&kr.id))) method="post" {
                    input type="hidden" name="csrf" value=(context.csrf.as_deref().unwrap_or(""));
                    @if let Some(cycle) = &context.cycle { input type="hidden" name="cycle" value=(cycle); }
                    fieldset {
                        legend { "Check in" }
                        label { "Value " input type="number" step="any" name="value" required; }
                        label { "Confidence (0–10) " input type="number" min="0" max="10" step="1" name="confidence"; }
                        label { "Note " input type="text" name="note" maxlength="2000"; }
                        button type="submit" { "Check in" }
                    }
                }
            }
        }
    }
}

/// One item of the measurement's evidence: its kind, whether it counted, its fields, and a link
/// to the threat or app it names.
fn evidence_item(context: &PageContext, item: &serde_json::Value) -> Markup {
    let kind = item["kind"].as_str().unwrap_or("");
    let link = match (kind, item["id"].as_str(), item["app"].as_str()) {
        ("threat", Some(id), _) => Some(format!("/threats/{}", url_encode(id))),
        ("app", Some(id), _) => Some(format!("/apps/{}", url_encode(id))),
        (_, _, Some(app)) => Some(format!("/apps/{}", url_encode(app))),
        _ => None,
    };
    let counted = match item.get("counted") {
        Some(serde_json::Value::Bool(false)) => "no",
        _ => "yes",
    };
    let details: Vec<String> = item
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !matches!(key.as_str(), "kind" | "counted"))
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => format!("{key}: {text}"),
            other => format!("{key}: {other}"),
        })
        .collect();
    html! {
        tr {
            td { @if let Some(link) = link { a href=(context.href(&link)) { (kind) } } @else { (kind) } }
            td { (counted) }
            td { (details.join(", ")) }
        }
    }
}

/// The title of a threat by id (the first model that has it).
fn threat_title<'s>(snapshot: &'s Snapshot, id: &str) -> &'s str {
    snapshot
        .workspace
        .models
        .iter()
        .flat_map(|m| &m.threats)
        .find(|t| t.id.as_str() == id)
        .map_or("", |t| t.title.as_str())
}
