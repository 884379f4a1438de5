//! Grading a cycle at its close: committed key results expect 1.0, aspirational ones 0.7; the
//! grades are frozen in the store.

use crate::measure::{Measured, find_cycle};
use crate::{Progress, Result, Session};
use jiff::civil::Date;
use threatokr_core::progress::grade;
use threatokr_store::{GradeRow, Overwrite};

impl Session {
    /// Measures `cycle` on its last day, the day its score is taken; nothing is recorded (a
    /// measurement dated at a close still to come would sit in the history before the days
    /// that lead up to it). `today` only fills in what the measurement needs no date for.
    pub fn measure_close(
        &self,
        cycle: &str,
        today: Date,
        progress: &mut dyn Progress,
    ) -> Result<Measured> {
        let end = {
            let checked = self.load()?;
            find_cycle(&checked.workspace, cycle)?.end
        };
        self.measure(Some(cycle), Some(end), today, progress)
    }

    /// Freezes the grades of a cycle measured at its close ([`Session::measure_close`]) in the
    /// store; refused when the cycle was graded already, unless `overwrite` says to replace them.
    pub fn freeze_grades(
        &self,
        measured: &mut Measured,
        overwrite: Overwrite,
    ) -> Result<Vec<GradeRow>> {
        let rows = grade_rows(measured);
        let cycle = measured.measurement.cycle.as_str();
        measured.store.freeze_grades(cycle, &rows, overwrite)?;
        Ok(rows)
    }
}

/// The grade of every key result of every objective of a measured cycle.
pub fn grade_rows(measured: &Measured) -> Vec<GradeRow> {
    let measurement = &measured.measurement;
    let mut rows = Vec::new();
    for objective in &measurement.objectives {
        for kr_id in &objective.key_results {
            let Some(kr) = measurement.key_result(kr_id) else { continue };
            // A key result shared by objectives of different commitments keeps its own when it
            // declares one, else takes each objective's.
            let okrs = measured.workspace.okrs_for(&measurement.cycle);
            let own = okrs.and_then(|s| s.key_result(kr_id)).and_then(|k| k.commitment);
            let graded = grade(kr.progress.unwrap_or(0.0), own.unwrap_or(objective.commitment));
            rows.push(GradeRow {
                kr_id: kr_id.to_string(),
                objective_id: objective.id.to_string(),
                lineage: kr.lineage.clone(),
                score: graded.score,
                expected: graded.expected,
                band: graded.band,
            });
        }
    }
    rows
}
