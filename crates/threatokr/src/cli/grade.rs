//! `threatokr grade`: freeze a cycle's scores at its close (committed key results expect 1.0,
//! aspirational ones 0.7) and print them.

use super::Outcome;
use super::measure::compute;
use super::output::{eprint, print};
use super::store_io::today;
use anyhow::{Result, bail};
use std::path::Path;
use threatokr_core::progress::grade;
use threatokr_store::{GradeRow, Overwrite, StoreError};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cycle to grade.
    #[arg(long)]
    cycle: String,
    /// Replace grades frozen earlier, or grade before the cycle's close (the output says so).
    #[arg(long)]
    force: bool,
    /// The day grading happens (YYYY-MM-DD); default today. Before the cycle's last day grading
    /// is refused unless --force is given.
    #[arg(long)]
    as_of: Option<jiff::civil::Date>,
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
    // The score is progress at the close: measure on the cycle's last day.
    let end = {
        let loaded = super::workspace_io::read_workspace(root)?;
        let (workspace, _) =
            threatokr_core::workspace::load_workspace(&loaded.files, &loaded.inputs);
        match workspace.config.cycle(&args.cycle) {
            Some(cycle) => cycle.end,
            None => bail!("there is no cycle `{}` in threatokr.yaml", args.cycle),
        }
    };
    let day = args.as_of.unwrap_or_else(today);
    let early = day < end;
    if early && !args.force {
        bail!(
            "{} closes on {end}; grading on {day} would freeze scores before the close. Pass --force to grade early",
            args.cycle
        );
    }
    // The score is progress at the close, or, graded early, on the day of grading. Nothing is
    // recorded but the grades: a measurement dated at a close still to come would sit in the
    // history before the days that lead up to it.
    let mut measured = compute(root, Some(&args.cycle), Some(day.min(end)))?;
    measured.print_diagnostics();
    if measured.has_errors() {
        return Ok(Outcome::InputErrors);
    }
    if early {
        eprint(&format!(
            "note: graded early: {} closes on {end}; these scores are progress on {day}\n",
            args.cycle
        ));
    }
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
    let overwrite = if args.force { Overwrite::Replace } else { Overwrite::Refuse };
    match measured.store.freeze_grades(measurement.cycle.as_str(), &rows, overwrite) {
        Ok(_) => {}
        Err(StoreError::AlreadyFrozen { cycle, grades }) => bail!(
            "the cycle `{cycle}` was graded already ({grades} grades are frozen); pass --force to grade it again"
        ),
        Err(error) => return Err(error.into()),
    }
    match args.format {
        Format::Json => {
            let grades: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| serde_json::json!({"objective": r.objective_id, "key_result": r.kr_id, "lineage": r.lineage, "score": r.score, "expected": r.expected, "band": r.band.as_str()}))
                .collect();
            print(&serde_json::to_string_pretty(
                &serde_json::json!({"cycle": measurement.cycle.as_str(), "as_of": measurement.as_of.to_string(), "early": early, "grades": grades}),
            )?);
        }
        Format::Table => {
            let mut out = if early {
                format!(
                    "{} graded early, on {}, before its close on {end}\n",
                    measurement.cycle, measurement.as_of
                )
            } else {
                format!("{} graded at its close, {}\n", measurement.cycle, measurement.as_of)
            };
            let width =
                rows.iter().map(|r| r.objective_id.len() + r.kr_id.len() + 1).max().unwrap_or(0);
            for row in &rows {
                out.push_str(&format!(
                    "{:<width$}  {:.2} of an expected {:.1}  {}\n",
                    format!("{}/{}", row.objective_id, row.kr_id),
                    row.score,
                    row.expected,
                    row.band
                ));
            }
            print(&out);
        }
    }
    Ok(Outcome::Ok)
}
