//! The home page: the alignment tree, the overall score against the expected one, what needs a
//! decision and what changed since the last measurement.

use super::{PageContext, badge, layout, link_class, percent, progress_bar, url_encode};
use crate::snapshot::Snapshot;
use maud::{Markup, html};
use threatokr_core::report::format_number;

/// Where a linear plan expects progress to be on the report's day.
pub(crate) fn expected_now(snapshot: &Snapshot) -> Option<f64> {
    let cycle = snapshot.report.cycle.as_ref()?;
    Some(threatokr_core::progress::expected_progress(
        cycle.start,
        cycle.end,
        snapshot.report.as_of?,
    ))
}

pub(crate) fn home_page(snapshot: &Snapshot, context: &PageContext) -> Markup {
    let report = &snapshot.report;
    let expected = expected_now(snapshot);
    let by_id = |id: &str| report.objectives.iter().find(|o| o.id == id);
    layout(
        "Home",
        Some(snapshot),
        context,
        html! {
            h1 { (report.org) " — " (snapshot.cycle_id()) }
            p.meta {
                @if let Some(as_of) = report.as_of { "As of " (as_of.to_string()) ". " }
                "Overall score " strong { (percent(report.overall_score)) }
                " against an expected " strong { (percent(expected)) } "."
            }
            section aria-labelledby="tree-title" {
                h2 #tree-title { "Alignment" }
                p.legend { span.contributes { "contributes" } " (counts in the parent's progress) · " span.supports { "supports" } " (shown beside it)" }
                ul.tree {
                    @for node in &report.tree {
                        @if let Some(objective) = by_id(&node.id) {
                            li class={ "depth-" (node.depth.min(6)) " " (link_class(node.link)) } {
                                a href=(context.href(&format!("/objectives/{}", url_encode(&objective.id)))) { (objective.title) }
                                " "
                                (progress_bar(&format!("bar-{}", node.id), &format!("{} progress", objective.title), objective.progress, expected, objective.status))
                                " " (percent(objective.progress)) " " (badge(objective.status))
                                @if node.repeated { " " span.note { "(shown above)" } }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="decisions-title" {
                h2 #decisions-title { "Needs a decision" }
                @if report.summary.decisions.is_empty() { p { "Nothing needs a decision." } }
                ul { @for decision in &report.summary.decisions { li { (decision) } } }
            }
            section aria-labelledby="changes-title" {
                h2 #changes-title { "Changed since the last measurement" }
                @if report.summary.changes.is_empty() { p { "No key result moved." } }
                ul {
                    @for change in &report.summary.changes {
                        li { (change.title) ": " (format_number(change.from)) " → " (format_number(change.to)) " " (change.unit) }
                    }
                }
            }
        },
    )
}
