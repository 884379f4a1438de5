//! The cycles page: every cycle, the closed ones with their frozen grades, and each key
//! result's lineage quarter over quarter.

use super::{PageContext, layout};
use crate::snapshot::Snapshot;
use maud::{Markup, html};
use std::collections::BTreeMap;

pub(crate) fn cycles_page(snapshot: &Snapshot, context: &PageContext) -> Markup {
    let report = &snapshot.report;
    let mut cycles: Vec<&str> = report.grades.iter().map(|g| g.cycle.as_str()).collect();
    cycles.sort_unstable();
    cycles.dedup();
    let mut lineages: BTreeMap<&str, BTreeMap<&str, &threatokr_core::report::GradeRow>> =
        BTreeMap::new();
    for grade in &report.grades {
        lineages.entry(grade.lineage.as_str()).or_default().insert(grade.cycle.as_str(), grade);
    }
    layout(
        "Cycles",
        Some(snapshot),
        context,
        html! {
            h1 { "Cycles" }
            div.scroll {
                table.cycles {
                    thead { tr { th { "Cycle" } th { "From" } th { "To" } th { "Within" } th { "State" } } }
                    tbody {
                        @for cycle in &snapshot.cycles {
                            tr {
                                td { @if cycle.has_okrs { a href=(format!("/?cycle={}", super::url_encode(&cycle.id))) { (cycle.id) } } @else { (cycle.id) } }
                                td { (cycle.start.to_string()) } td { (cycle.end.to_string()) }
                                td { @if let Some(w) = &cycle.within { (w) } }
                                td { @if cycle.closed { "closed, grades frozen" } @else if cycle.has_okrs { "open" } @else { "no OKRs" } }
                            }
                        }
                    }
                }
            }
            h2 { "Grades by lineage, quarter over quarter" }
            @if lineages.is_empty() { p { "No cycle has been graded yet (`threatokr grade --cycle C`)." } }
            @else {
                div.scroll {
                    table.grades {
                        thead { tr { th { "Lineage" } @for cycle in &cycles { th { (cycle) } } } }
                        tbody {
                            @for (lineage, by_cycle) in &lineages {
                                tr {
                                    td { (lineage) }
                                    @for cycle in &cycles {
                                        td { @if let Some(g) = by_cycle.get(cycle) { span class={ "band " (g.band.as_str()) } { (threatokr_core::report::format_grade(g.score)) } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
