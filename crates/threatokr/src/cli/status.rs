//! `threatokr status`: the cycle's objectives as a tree, each with a progress bar and its status,
//! from the same numbers `measure` computes (nothing is recorded).

use super::Outcome;
use super::measure::{compute, percent, value_text};
use super::output::{print, stdout_color};
use anyhow::Result;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use threatokr_core::metrics::{
    CycleMeasurement, KrMeasurement, ObjectiveMeasurement, measurement_json,
};
use threatokr_core::model::{KeyResultId, LinkKind, ObjectiveId};
use threatokr_core::progress::Status;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle; default the shortest cycle containing the day.
    #[arg(long)]
    cycle: Option<String>,
    /// The day (YYYY-MM-DD); default today.
    #[arg(long)]
    as_of: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let measured = compute(root, args.cycle.as_deref(), args.as_of)?;
    measured.print_diagnostics();
    match args.format {
        Format::Json => {
            print(&serde_json::to_string_pretty(&measurement_json(&measured.measurement))?)
        }
        Format::Table => print(&render_tree(&measured.measurement, stdout_color())),
    }
    Ok(if measured.has_errors() { Outcome::InputErrors } else { Outcome::Ok })
}

const BAR_WIDTH: usize = 20;

/// A progress bar of full and light blocks, with eighths for the last cell.
pub(crate) fn bar(progress: Option<f64>) -> String {
    let Some(progress) = progress else { return "░".repeat(BAR_WIDTH) };
    let eighths = (progress.clamp(0.0, 1.0) * (BAR_WIDTH * 8) as f64).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    let partial = eighths % 8;
    if partial > 0 {
        out.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][partial]);
    }
    let used = eighths / 8 + usize::from(partial > 0);
    out.push_str(&"░".repeat(BAR_WIDTH - used));
    out
}

fn status_word(status: Status, color: bool) -> String {
    let word = status.as_str().replace('_', " ");
    if !color {
        return word;
    }
    let code = match status {
        Status::OnTrack => "32",
        Status::AtRisk => "33",
        Status::OffTrack => "31",
        Status::Stale => "35",
        Status::NoData => "2",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// The tree: objectives without a parent in the cycle first, each followed by its key results and
/// then its children (marked `supports` when they only support it). An objective with two parents
/// is shown under each.
pub(crate) fn render_tree(measurement: &CycleMeasurement, color: bool) -> String {
    let mut out = format!(
        "{} as of {}: a linear plan expects {:.0}%\n\n",
        measurement.cycle,
        measurement.as_of,
        measurement.expected * 100.0
    );
    let objectives: BTreeMap<&ObjectiveId, &ObjectiveMeasurement> =
        measurement.objectives.iter().map(|o| (&o.id, o)).collect();
    let key_results: BTreeMap<&KeyResultId, &KrMeasurement> =
        measurement.key_results.iter().map(|kr| (&kr.id, kr)).collect();
    let mut children: BTreeMap<&ObjectiveId, Vec<(LinkKind, &ObjectiveId)>> = BTreeMap::new();
    for objective in &measurement.objectives {
        for (kind, parent) in &objective.parents {
            children.entry(parent).or_default().push((*kind, &objective.id));
        }
    }
    // Drawn in full under its first `contributes` parent (else its first parent); elsewhere a pointer.
    let primary: BTreeMap<&ObjectiveId, &ObjectiveId> = measurement
        .objectives
        .iter()
        .filter_map(|o| {
            let contributes = o.parents.iter().find(|(kind, _)| *kind == LinkKind::Contributes);
            contributes.or(o.parents.first()).map(|(_, parent)| (&o.id, parent))
        })
        .collect();
    let mut shown = BTreeSet::new();
    let context = Tree {
        objectives: &objectives,
        key_results: &key_results,
        children: &children,
        primary: &primary,
        color,
    };
    for root in measurement.objectives.iter().filter(|o| o.parents.is_empty()) {
        context.objective(&mut out, root, None, 0, &mut shown);
    }
    // Objectives only reachable through a `contributes` cycle still get drawn.
    for objective in &measurement.objectives {
        if !shown.contains(&objective.id) {
            context.objective(&mut out, objective, None, 0, &mut shown);
        }
    }
    out
}

struct Tree<'a> {
    objectives: &'a BTreeMap<&'a ObjectiveId, &'a ObjectiveMeasurement>,
    key_results: &'a BTreeMap<&'a KeyResultId, &'a KrMeasurement>,
    children: &'a BTreeMap<&'a ObjectiveId, Vec<(LinkKind, &'a ObjectiveId)>>,
    primary: &'a BTreeMap<&'a ObjectiveId, &'a ObjectiveId>,
    color: bool,
}

impl<'a> Tree<'a> {
    fn objective(
        &self,
        out: &mut String,
        objective: &'a ObjectiveMeasurement,
        link: Option<(LinkKind, &'a ObjectiveId)>,
        depth: usize,
        shown: &mut BTreeSet<&'a ObjectiveId>,
    ) {
        let indent = "  ".repeat(depth);
        let under_primary =
            link.is_none_or(|(_, parent)| self.primary.get(&objective.id) == Some(&parent));
        let link = match link {
            Some((LinkKind::Supports, _)) => "(supports) ",
            _ => "",
        };
        if !under_primary || !shown.insert(&objective.id) {
            // Shown in full once; a second parent (or a `contributes` cycle) gets a pointer.
            out.push_str(&format!(
                "{indent}{link}{} {}  {}  {} (shown in full elsewhere)\n",
                objective.id,
                objective.title,
                percent(objective.progress),
                status_word(objective.status, self.color)
            ));
            return;
        }
        out.push_str(&format!(
            "{indent}{link}{} {}\n{indent}  {} {:>7}  {}\n",
            objective.id,
            objective.title,
            bar(objective.progress),
            percent(objective.progress),
            status_word(objective.status, self.color)
        ));
        for id in &objective.key_results {
            let Some(kr) = self.key_results.get(id) else { continue };
            let value = value_text(kr);
            let confidence =
                kr.value.confidence.map(|c| format!("  confidence {c}/10")).unwrap_or_default();
            out.push_str(&format!(
                "{indent}  - {} {}\n{indent}    {} {:>7}  {}  [{} = {value}]{confidence}\n",
                kr.id,
                kr.title,
                bar(kr.progress),
                percent(kr.progress),
                status_word(kr.status, self.color),
                kr.metric,
            ));
        }
        for (kind, child) in self.children.get(&objective.id).into_iter().flatten() {
            if let Some(child) = self.objectives.get(child) {
                self.objective(out, child, Some((*kind, &objective.id)), depth + 1, shown);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bar;

    #[test]
    fn bars_fill_in_eighths_and_show_no_data_as_empty() {
        assert_eq!(bar(Some(1.0)), "█".repeat(20));
        assert_eq!(bar(Some(0.0)), "░".repeat(20));
        assert_eq!(bar(None), "░".repeat(20));
        // 0.5 of 20 cells is 10 full cells.
        assert_eq!(bar(Some(0.5)), format!("{}{}", "█".repeat(10), "░".repeat(10)));
        // 0.0625 of 160 eighths is 10 eighths: one full cell and a quarter cell.
        assert_eq!(bar(Some(0.0625)), format!("█▎{}", "░".repeat(18)));
    }
}
