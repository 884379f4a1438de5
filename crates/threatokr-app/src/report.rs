//! Building the report view model from the workspace, the measurements and the frozen grades.
//! `report`, `status`, `demo` and the server all go through here, so they never show different
//! numbers; the overall score is computed here and nowhere else.

use crate::Result;
use crate::measure::{Measured, report_numbers};
use threatokr_core::report::{GradeRow, ReportModel};

/// The report model of a measured cycle: its numbers, and the grades of every cycle frozen so
/// far (quarter over quarter, by lineage; a key result without a lineage follows its id).
pub fn report_model(measured: &Measured) -> Result<ReportModel> {
    let mut numbers = report_numbers(measured)?;
    for cycle in &measured.workspace.config.cycles {
        for grade in measured.store.grades(cycle.id.as_str())? {
            numbers.grades.push(GradeRow {
                cycle: cycle.id.to_string(),
                lineage: grade.lineage.unwrap_or(grade.kr_id),
                score: grade.score,
                band: grade.band,
            });
        }
    }
    // A key result shared by two objectives has a grade row under each: show it once.
    numbers.grades.sort_by(|a, b| (&a.lineage, &a.cycle).cmp(&(&b.lineage, &b.cycle)));
    numbers.grades.dedup_by(|a, b| a.lineage == b.lineage && a.cycle == b.cycle);
    // Open risk by theme over time, replayed from the status history the store keeps.
    let changes = measured.store.status_changes(threatokr_store::EntityKind::Threat)?;
    let replay: Vec<threatokr_core::analysis::StatusChange<'_>> = changes
        .iter()
        .map(|c| {
            let status = c
                .observation
                .status
                .parse()
                .unwrap_or(threatokr_core::model::ThreatStatus::Unknown);
            (&*c.observation.model_file, &*c.observation.entity_id, c.at, status)
        })
        .collect();
    let names = |id| measured.files.name(id).to_owned();
    numbers.theme_risk = threatokr_core::analysis::open_risk_by_theme_over_time(
        &measured.workspace,
        &names,
        &replay,
        measured.measurement.as_of,
        26,
    );
    // The overall score is the mean progress of the objectives that have data; objectives
    // without data are left out, as everywhere else, so "no data" never counts as 0%.
    let scored: Vec<f64> = numbers.objectives.values().filter_map(|o| o.progress).collect();
    if !scored.is_empty() {
        numbers.overall_score = Some(scored.iter().sum::<f64>() / scored.len() as f64);
    }
    let themes =
        threatokr_core::report::theme_rows(&threatokr_core::analysis::analyze(&measured.workspace));
    Ok(threatokr_core::report::build_with(
        &measured.workspace,
        &measured.files,
        measured.measurement.as_of,
        &numbers,
        &themes,
    ))
}
